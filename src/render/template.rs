//! The two operations every SDK snippet template needs, done in one pass each: filling
//! `__PLACEHOLDER__`s and splitting at `@section:` markers. The naive forms (one `str::replace`
//! per placeholder over the whole template, `line.find("@section: ")` on every line) were ~40%
//! of planning the largest combination.

/// Replaces every occurrence of each key by its value, scanning the template once. Unlike a chain
/// of `replace` calls, text that a value brings in is never scanned for keys, so a user's input
/// cannot smuggle in a placeholder. At one position the first listed key that matches wins.
pub fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let extra: usize = vars.iter().map(|(_, v)| v.len()).sum();
    let mut out = String::with_capacity(template.len() + extra);
    let bytes = template.as_bytes();
    // Positions worth testing start with the first byte of some key.
    let mut firsts = [false; 256];
    for (k, _) in vars {
        if let Some(&b) = k.as_bytes().first() {
            firsts[usize::from(b)] = true;
        }
    }
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if firsts[usize::from(bytes[i])] {
            if let Some((k, v)) = vars.iter().find(|(k, _)| !k.is_empty() && bytes[i..].starts_with(k.as_bytes())) {
                // `i` is a char boundary: the key starts with the same (complete) UTF-8 sequence.
                out.push_str(&template[copied..i]);
                out.push_str(v);
                i += k.len();
                copied = i;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&template[copied..]);
    out
}

/// The template's three sections (`@section: authentication|secret_retrieval|error_handling`
/// on a line of its own, in any comment syntax), each trimmed of blank lines at both ends and
/// ending with exactly one newline. Lines before the first marker, and under unknown section
/// names, are dropped.
pub fn sections(text: &str) -> [String; 3] {
    const MARKER: &str = "@section: ";
    let mut out: [String; 3] = Default::default();
    let mut current: Option<usize> = None;
    for line in text.lines() {
        // A byte search for '@' first: most lines have none.
        if line.as_bytes().contains(&b'@') {
            if let Some(pos) = line.find(MARKER) {
                current = match line[pos + MARKER.len()..].trim() {
                    "authentication" => Some(0),
                    "secret_retrieval" => Some(1),
                    "error_handling" => Some(2),
                    _ => None,
                };
                continue;
            }
        }
        if let Some(i) = current {
            out[i].push_str(line);
            out[i].push('\n');
        }
    }
    out.map(|mut part| {
        let end = part.trim_end_matches('\n').len();
        part.truncate(end);
        let start = part.len() - part.trim_start_matches('\n').len();
        part.drain(..start);
        part.push('\n');
        part
    })
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
        ] {
            assert_eq!(sections(t), naive_sections(t), "{t:?}");
        }
    }
}
