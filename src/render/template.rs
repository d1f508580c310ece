//! The two operations every SDK snippet template needs, done in one pass each: filling
//! `__PLACEHOLDER__`s and splitting at `@section:` markers. The naive forms (one `str::replace`
//! per placeholder over the whole template, `line.find("@section: ")` on every line) were ~40%
//! of planning the largest combination.

use super::escape::{self, Context, Syntax, Var};

/// Fills every `{{<context>:<NAME>}}` placeholder of a template written in `syntax` with the
/// variable `NAME`, escaped by `render::escape` for that context (`str`, `part`, `text`, `int`,
/// `code`; and `id`, a part of an identifier, checked here), scanning the template once: text a value brings in is never scanned again. Any
/// other `{{` (a Python f-string, a Go template) is copied as it is. A placeholder whose context
/// or name is unknown, or whose variable does not fit the context, is written as nothing and
/// reported in the second return value: `tests/it/templates.rs` requires it empty for every
/// template and flag set.
pub fn fill_in(template: &str, syntax: Syntax, vars: &[(&str, Var)]) -> (String, Vec<String>) {
    let extra: usize = vars
        .iter()
        .map(|(_, v)| match v {
            Var::Text(t) => t.len() + 2,
            Var::Code(c) => c.len(),
            Var::Int(_) => 20,
        })
        .sum();
    let mut out = String::with_capacity(template.len() + extra);
    let mut problems = Vec::new();
    let mut rest = template;
    let finder = memchr::memmem::Finder::new(b"{{");
    while let Some(i) = finder.find(rest.as_bytes()) {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match placeholder(after) {
            Some((context, name, len)) => {
                let var = vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v);
                let written = match (context, var) {
                    (IDENT, Some(v)) => identifier(&mut out, v),
                    (context, Some(v)) => Context::parse(context).is_some_and(|c| escape::write(&mut out, syntax, c, v)),
                    (_, None) => false,
                };
                if !written {
                    problems.push(format!("{{{{{}}}}}", &after[..len - 2]));
                }
                rest = &after[len..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    (out, problems)
}

/// The context of a part of an identifier (`{{id:SUFFIX}}`: `fetch_secret{{id:SUFFIX}}`), which
/// the planner derives from a secret's label; only ASCII letters, digits and `_` (or nothing) fit.
const IDENT: &str = "id";

fn identifier(out: &mut String, var: &Var) -> bool {
    match var {
        Var::Text(t) if t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
            out.push_str(t);
            true
        }
        _ => false,
    }
}

/// `<context>:<NAME>}}` at the start of `text`: the context (lowercase letters), the name
/// (uppercase letters, digits, `_`) and the length through the closing braces.
fn placeholder(text: &str) -> Option<(&str, &str, usize)> {
    let colon = text.bytes().take(8).position(|b| b == b':')?;
    let context = &text[..colon];
    if context.is_empty() || !context.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    let name_len = text[colon + 1..]
        .bytes()
        .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
        .count();
    let name = &text[colon + 1..colon + 1 + name_len];
    if name.is_empty() || !text[colon + 1 + name_len..].starts_with("}}") {
        return None;
    }
    Some((context, name, colon + 1 + name_len + 2))
}

/// Replaces every occurrence of each key by its value, scanning the template once. Unlike a chain
/// of `replace` calls, text that a value brings in is never scanned for keys, so a user's input
/// cannot smuggle in a placeholder. At one position the first listed key that matches wins.
pub fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let extra: usize = vars.iter().map(|(_, v)| v.len()).sum();
    let mut out = String::with_capacity(template.len() + extra);
    let bytes = template.as_bytes();
    // Every key starts with the keys' common prefix (`__` for the SDK templates, `{{` for the
    // rotation functions): memmem finds its occurrences, skipping the many single `_` of
    // snake_case code that a search for the first byte stopped at.
    let prefix = common_prefix(vars);
    let finder = memchr::memmem::Finder::new(prefix.as_bytes());
    // Without a common prefix, positions worth testing start with the first byte of some key.
    let mut firsts = [false; 256];
    for (k, _) in vars {
        if let Some(&b) = k.as_bytes().first() {
            firsts[usize::from(b)] = true;
        }
    }
    let next = |from: usize| -> Option<usize> {
        if prefix.is_empty() {
            bytes[from..].iter().position(|&c| firsts[usize::from(c)]).map(|i| from + i)
        } else {
            finder.find(&bytes[from..]).map(|i| from + i)
        }
    };
    let mut copied = 0;
    let mut from = 0;
    while let Some(i) = next(from) {
        match vars.iter().find(|(k, _)| !k.is_empty() && bytes[i..].starts_with(k.as_bytes())) {
            Some((k, v)) => {
                // `i` is a char boundary: the key starts with the same (complete) UTF-8 sequence.
                out.push_str(&template[copied..i]);
                out.push_str(v);
                copied = i + k.len();
                from = copied;
            }
            // The next candidate may start inside a multi-byte character only when keys do;
            // advancing to the next char boundary keeps `template[from..]` valid.
            None => from = i + template[i..].chars().next().map_or(1, char::len_utf8),
        }
    }
    out.push_str(&template[copied..]);
    out
}

/// The longest prefix (whole characters) shared by every non-empty key; empty when there are
/// none or they share nothing.
fn common_prefix<'a>(vars: &[(&'a str, &str)]) -> &'a str {
    let mut keys = vars.iter().map(|(k, _)| *k).filter(|k| !k.is_empty());
    let Some(first) = keys.next() else { return "" };
    let mut len = first.len();
    for k in keys {
        len = first
            .char_indices()
            .zip(k.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8())
            .min(len);
    }
    &first[..len]
}

/// The template's three sections (`@section: authentication|secret_retrieval|error_handling`
/// on a line of its own, in any comment syntax), each trimmed of blank lines at both ends and
/// ending with exactly one newline. Lines before the first marker, and under unknown section
/// names, are dropped.
pub fn sections(text: &str) -> [String; 3] {
    let mut out: [String; 3] = Default::default();
    let mut current: Option<usize> = None;
    let mut rest = text;
    // Whole stretches between marker lines are copied at once, not line by line.
    loop {
        let Some(p) = rest.find(SECTION_MARKER) else {
            if let Some(i) = current {
                out[i].push_str(rest);
            }
            break;
        };
        let line_start = rest[..p].rfind('\n').map_or(0, |n| n + 1);
        let line_end = rest[p..].find('\n').map_or(rest.len(), |n| p + n + 1);
        if let Some(i) = current {
            out[i].push_str(&rest[..line_start]);
        }
        current = section_marker(&rest[p..line_end]).flatten();
        rest = &rest[line_end..];
    }
    finish_sections(out)
}

/// Each section trimmed of blank lines at both ends, ending with exactly one newline.
fn finish_sections(out: [String; 3]) -> [String; 3] {
    out.map(finish_section)
}

/// A section's text trimmed of blank lines at both ends, ending with exactly one newline.
pub fn finish_section(mut part: String) -> String {
    let end = part.trim_end_matches(['\n', '\r']).len();
    part.truncate(end);
    let start = part.len() - part.trim_start_matches(['\n', '\r']).len();
    part.drain(..start);
    // Line endings as `str::lines` reads them: CRLF becomes LF.
    if part.contains('\r') {
        part = part.replace("\r\n", "\n");
    }
    part.push('\n');
    part
}

/// A template with `@if key=a|b` … `@end` blocks (each marker on a comment line of its own,
/// nestable), split once into runs of lines that share the same conditions. Selecting the lines
/// for a set of flags then copies whole runs instead of scanning every line again: scanning was
/// a third of planning the largest combination.
///
/// An `@each secret` … `@end` block holds what a module of several secrets repeats once per
/// secret ([`Conditional::sections_each`]); a module of one secret reads it as plain lines. Its
/// leading blank lines separate the copies: the first copy goes without them.
#[derive(Debug)]
pub struct Conditional {
    runs: Vec<Run>,
    /// Bytes of all runs: an upper bound for any section.
    len: usize,
}

#[derive(Debug)]
struct Run {
    /// Every enclosing condition, outermost first: (key, accepted values). `None` for a
    /// malformed condition (no `=`), which never holds.
    guard: Vec<Option<(String, Vec<String>)>>,
    text: String,
    /// Set on an `@section:` marker line, a run of its own that holds just that line: the
    /// section it opens, `None` for an unknown name.
    section: Option<Option<usize>>,
    /// The `@each secret` block the run sits in (numbered in template order), if any.
    each: Option<usize>,
}

/// What an `@if` … `@end` or `@each secret` … `@end` pair encloses.
#[derive(Clone)]
enum Frame {
    If(Option<(String, Vec<String>)>),
    Each(usize),
}

/// One stretch of a section of a module of several secrets, in template order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Lines the module holds once.
    Shared(String),
    /// An `@each secret` block: its lines selected for each secret, in the secrets' order.
    Each(Vec<String>),
}

/// The section a `@section: <name>` line opens, if the line is one (`Some(None)` for an unknown
/// name, whose lines are dropped).
fn section_marker(line: &str) -> Option<Option<usize>> {
    let p = line.find(SECTION_MARKER)?;
    Some(match line[p + SECTION_MARKER.len()..].trim() {
        "authentication" => Some(0),
        "secret_retrieval" => Some(1),
        "error_handling" => Some(2),
        _ => None,
    })
}

const SECTION_MARKER: &str = "@section: ";
const EACH_MARKER: &str = "@each secret";

/// Whether a condition holds: some flag has its key and one of its values.
fn holds(c: &Option<(String, Vec<String>)>, flags: &[(&str, &str)]) -> bool {
    c.as_ref()
        .is_some_and(|(key, values)| flags.iter().any(|(k, f)| k == key && values.iter().any(|v| v == f)))
}

impl Conditional {
    pub fn new(text: &str) -> Self {
        let mut runs: Vec<Run> = Vec::new();
        let mut stack: Vec<Frame> = Vec::new();
        let mut blocks = 0;
        let mut fresh = true;
        let guard = |stack: &[Frame]| -> Vec<Option<(String, Vec<String>)>> {
            stack
                .iter()
                .filter_map(|f| match f {
                    Frame::If(c) => Some(c.clone()),
                    Frame::Each(_) => None,
                })
                .collect()
        };
        let each = |stack: &[Frame]| {
            stack
                .iter()
                .rev()
                .find_map(|f| if let Frame::Each(i) = f { Some(*i) } else { None })
        };
        for line in text.lines() {
            let trimmed = line.trim_start();
            let comment = trimmed.starts_with('#') || trimmed.starts_with("//");
            if let Some(pos) = line.find("@if ") {
                let cond = line[pos + 4..].trim();
                stack
                    .push(Frame::If(cond.split_once('=').map(|(key, values)| {
                        (key.to_string(), values.split('|').map(str::to_string).collect())
                    })));
                fresh = true;
                continue;
            }
            if comment && line.trim_end().ends_with(EACH_MARKER) {
                stack.push(Frame::Each(blocks));
                blocks += 1;
                fresh = true;
                continue;
            }
            if line.trim_end().ends_with("@end") && comment {
                stack.pop();
                fresh = true;
                continue;
            }
            if let Some(section) = section_marker(line) {
                // Its own run: `select` keeps the line, `sections` switches section on it.
                runs.push(Run {
                    guard: guard(&stack),
                    text: format!("{line}\n"),
                    section: Some(section),
                    each: each(&stack),
                });
                fresh = true;
                continue;
            }
            if fresh {
                runs.push(Run {
                    guard: guard(&stack),
                    text: String::new(),
                    section: None,
                    each: each(&stack),
                });
                fresh = false;
            }
            if let Some(run) = runs.last_mut() {
                run.text.push_str(line);
                run.text.push('\n');
            }
        }
        let len = runs.iter().map(|r| r.text.len()).sum();
        Conditional { runs, len }
    }

    /// The lines whose every enclosing condition holds: some flag has the condition's key and one
    /// of its values. Lines are joined with `\n` (CRLF becomes LF), markers dropped.
    pub fn select(&self, flags: &[(&str, &str)]) -> String {
        let mut out = String::new();
        for run in self.selected(flags) {
            out.push_str(&run.text);
        }
        out
    }

    /// `sections(&self.select(flags))`, without building the selected text and searching it
    /// again for markers.
    pub fn sections(&self, flags: &[(&str, &str)]) -> [String; 3] {
        let mut out: [String; 3] = std::array::from_fn(|_| String::with_capacity(self.len));
        let mut current: Option<usize> = None;
        for run in self.selected(flags) {
            match run.section {
                Some(section) => current = section,
                None => {
                    if let Some(i) = current {
                        out[i].push_str(&run.text);
                    }
                }
            }
        }
        finish_sections(out)
    }

    /// The sections of a module of several secrets: lines outside `@each secret` blocks selected
    /// with `shared` (the flags of the module), each block once per secret with that secret's
    /// flags (`each`). `split = false` keeps every line in the first entry (for code without
    /// sections; a `@section:` line is dropped). The pieces are not trimmed: see [`finish_section`].
    pub fn sections_each(&self, shared: &[(&str, &str)], each: &[Vec<(&str, &str)>], split: bool) -> [Vec<Piece>; 3] {
        let mut out: [Vec<Piece>; 3] = Default::default();
        let mut current: Option<usize> = if split { None } else { Some(0) };
        let mut i = 0;
        while i < self.runs.len() {
            let run = &self.runs[i];
            let Some(block) = run.each else {
                let held = run.guard.iter().all(|c| holds(c, shared));
                match (held, run.section) {
                    (false, _) => {}
                    (true, Some(section)) if split => current = section,
                    // Without sections a marker line is dropped.
                    (true, Some(_)) => {}
                    (true, None) => {
                        if let Some(s) = current {
                            match out[s].last_mut() {
                                Some(Piece::Shared(text)) => text.push_str(&run.text),
                                _ => out[s].push(Piece::Shared(run.text.clone())),
                            }
                        }
                    }
                }
                i += 1;
                continue;
            };
            let end = self.runs[i..]
                .iter()
                .position(|r| r.each != Some(block))
                .map_or(self.runs.len(), |n| i + n);
            let copies = each
                .iter()
                .map(|flags| {
                    self.runs[i..end]
                        .iter()
                        .filter(|r| r.section.is_none() && r.guard.iter().all(|c| holds(c, flags)))
                        .map(|r| r.text.as_str())
                        .collect::<String>()
                })
                .collect();
            if let Some(s) = current {
                out[s].push(Piece::Each(copies));
            }
            i = end;
        }
        out
    }

    fn selected<'a>(&'a self, flags: &'a [(&str, &str)]) -> impl Iterator<Item = &'a Run> + 'a {
        self.runs.iter().filter(move |run| run.guard.iter().all(|c| holds(c, flags)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The semantics the snippet code had before: `replace` chains and per-line `find`.
    fn naive_sections(text: &str) -> [String; 3] {
        let mut out: [String; 3] = Default::default();
        let mut current: Option<usize> = None;
        for line in text.lines() {
            if let Some(pos) = line.find("@section: ") {
                current = match line[pos + "@section: ".len()..].trim() {
                    "authentication" => Some(0),
                    "secret_retrieval" => Some(1),
                    "error_handling" => Some(2),
                    _ => None,
                };
                continue;
            }
            if let Some(i) = current {
                out[i].push_str(line);
                out[i].push('\n');
            }
        }
        out.map(|part| format!("{}\n", part.trim_matches('\n')))
    }

    #[test]
    fn each_blocks_repeat_per_secret_and_read_as_plain_lines_alone() {
        let text = "# @section: authentication\nlogin\n# @each secret\nID{{id:S}} = 1\n# @end\n# @section: secret_retrieval\n# @each secret\n\n# @if kind=a\ndef a{{id:S}}(): ...\n# @end\n# @if kind=b\ndef b{{id:S}}(): ...\n# @end\n# @end\n\nshared\n";
        let c = Conditional::new(text);
        // One secret: the markers vanish and the block is plain text (what a plan renders).
        assert_eq!(
            c.sections(&[("kind", "a")]),
            [
                "login\nID{{id:S}} = 1\n".to_string(),
                "def a{{id:S}}(): ...\n\nshared\n".into(),
                "\n".into()
            ]
        );
        let [auth, retrieval, rest] = c.sections_each(&[("kind", "a"), ("kind", "b")], &[vec![("kind", "a")], vec![("kind", "b")]], true);
        assert_eq!(
            auth,
            [
                Piece::Shared("login\n".into()),
                Piece::Each(vec!["ID{{id:S}} = 1\n".into(), "ID{{id:S}} = 1\n".into()])
            ]
        );
        assert_eq!(
            retrieval,
            [
                Piece::Each(vec!["\ndef a{{id:S}}(): ...\n".into(), "\ndef b{{id:S}}(): ...\n".into()]),
                Piece::Shared("\nshared\n".into())
            ]
        );
        assert!(rest.is_empty());
    }

    #[test]
    fn id_placeholders_take_only_identifier_characters() {
        let vars = [("S", Var::from("_stripe_key")), ("BAD", Var::from("a b")), ("N", Var::Int(3))];
        assert_eq!(
            fill_in("f{{id:S}}()", Syntax::Python, &vars),
            ("f_stripe_key()".to_string(), vec![])
        );
        let (out, problems) = fill_in("f{{id:BAD}}{{id:N}}{{id:NONE}}()", Syntax::Python, &vars);
        assert_eq!(out, "f()");
        assert_eq!(problems, ["{{id:BAD}}", "{{id:N}}", "{{id:NONE}}"]);
    }

    #[test]
    fn select_keeps_only_matching_blocks() {
        let text = "a\n# @if auth=x|y\nb\n# @if source=kv\nc\n# @end\n# @end\n// @if auth=z\nd\n// @end\ne\n";
        assert_eq!(Conditional::new(text).select(&[("auth", "y"), ("source", "kv")]), "a\nb\nc\ne\n");
        assert_eq!(Conditional::new(text).select(&[("auth", "y")]), "a\nb\ne\n");
        assert_eq!(Conditional::new(text).select(&[("auth", "z")]), "a\nd\ne\n");
    }

    #[test]
    fn fill_matches_replace_chains_when_values_hold_no_keys() {
        let t = "a __NAME__ b __ADDR__ c__NAME__\n__X__ é __NAME";
        let vars = [
            ("__NAME__", "app"),
            ("__ADDR__", "\"https://vault.example.com:8200\""),
            ("__X__", "ü"),
        ];
        let naive = vars.iter().fold(t.to_string(), |text, (k, v)| text.replace(k, v));
        assert_eq!(fill(t, &vars), naive);
        assert_eq!(fill("", &vars), "");
        assert_eq!(fill("no keys", &[]), "no keys");
        let mixed = [("__NAME__", "app"), ("{{x}}", "y"), ("é", "e")];
        let t = "é {{x}} __NAME__ {{ __NAM {{x}}é";
        assert_eq!(fill(t, &mixed), mixed.iter().fold(t.to_string(), |text, (k, v)| text.replace(k, v)));
        // A key right after an extra `_` still matches (the prefix search resumes one byte on).
        assert_eq!(fill("___NAME__ snake_case __ __NAMEX__", &vars), "_app snake_case __ __NAMEX__");
        assert_eq!(fill("{{a}}{{ab}}", &[("{{ab}}", "2"), ("{{a}}", "1")]), "12");
    }

    #[test]
    fn common_prefix_is_whole_characters() {
        assert_eq!(common_prefix(&[("__A__", ""), ("__B__", "")]), "__");
        assert_eq!(common_prefix(&[("éa", ""), ("éb", "")]), "é");
        assert_eq!(common_prefix(&[("é", ""), ("è", "")]), "");
        assert_eq!(common_prefix(&[("", ""), ("{{x}}", "")]), "{{x}}");
        assert_eq!(common_prefix(&[]), "");
    }

    #[test]
    fn fill_never_rescans_what_a_value_brought_in() {
        assert_eq!(fill("__A__ __B__", &[("__A__", "__B__"), ("__B__", "x")]), "__B__ x");
    }

    #[test]
    fn sections_match_the_line_by_line_reading() {
        for t in [
            "# @section: authentication\n\nimport x\n\n# @section: secret_retrieval\ny = 1\n// @section: error_handling\n\n\nz\n\n",
            "before\n# @section: unknown\nskip\n# @section: error_handling\nlast @ line\nemail a@b",
            "",
            "# @section: authentication\n",
            "# @section: authentication\nno newline at the end",
            "x\n  // @section: secret_retrieval  \n\n\na\n\nb\n# @section: secret_retrieval\nc\n",
            include_str!("../planner/backends/vault/snippets/sdk/python.py"),
            include_str!("../planner/backends/vault/snippets/sdk/go.go"),
            include_str!("../planner/backends/vault/snippets/sdk/nodejs.js"),
            include_str!("../planner/backends/vault/snippets/sdk/java.java"),
        ] {
            assert_eq!(sections(t), naive_sections(t), "{t:?}");
        }
    }
}
