//! Escapers by context: the second wall against injection (the first is the grammar of every
//! argument, `planner::shape`). A template names the context of every value it interpolates
//! (`{{str:NAME}}`, `{{text:NAME}}`, ...; see `render::template::fill_in`), and the escaper of
//! that context and the template's language decides the bytes, never the call site. Every
//! output is printable ASCII, so no bidi or zero-width character ("Trojan Source") and no Java
//! `\u` escape can reach a generated file.

use std::fmt::Write;

/// The language a template is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Python,
    Go,
    JavaScript,
    Java,
    /// POSIX sh and bash.
    Shell,
}

/// Where in the template a value lands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// A whole string literal, quotes included.
    Str,
    /// The inside of a double-quoted string literal the template opened (in JavaScript also a
    /// template literal: `` ` `` and `$` are escaped).
    Part,
    /// Prose in a comment or docstring: only printable ASCII that cannot end or escape the
    /// comment survives; anything else becomes `?`.
    Text,
    /// A whole number written by the planner.
    Int,
    /// A fragment of our own code (a `&'static str` from the snippets), never a value.
    Code,
}

impl Context {
    pub fn parse(name: &str) -> Option<Context> {
        Some(match name {
            "str" => Context::Str,
            "part" => Context::Part,
            "text" => Context::Text,
            "int" => Context::Int,
            "code" => Context::Code,
            _ => return None,
        })
    }
}

/// A value a template interpolates. The kind must fit the context: `int` takes `Int`, `code`
/// takes `Code`, the others take any kind (an `Int` is written as its digits).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Var {
    Text(String),
    Int(u64),
    Code(&'static str),
}

impl From<String> for Var {
    fn from(s: String) -> Var {
        Var::Text(s)
    }
}

impl From<&String> for Var {
    fn from(s: &String) -> Var {
        Var::Text(s.clone())
    }
}

impl From<&str> for Var {
    fn from(s: &str) -> Var {
        Var::Text(s.to_string())
    }
}

/// Appends `var` escaped for `context` in `syntax`. Returns false (appending nothing) when the
/// kind does not fit the context: a template bug the test over every template catches.
pub fn write(out: &mut String, syntax: Syntax, context: Context, var: &Var) -> bool {
    match (context, var) {
        (Context::Int, Var::Int(n)) => {
            let _ = write!(out, "{n}");
            true
        }
        (Context::Code, Var::Code(code)) => {
            out.push_str(code);
            true
        }
        (Context::Int | Context::Code, _) | (_, Var::Code(_)) => false,
        (_, Var::Int(n)) => write(out, syntax, context, &Var::Text(n.to_string())),
        (Context::Str, Var::Text(t)) => {
            string_literal(out, syntax, t);
            true
        }
        (Context::Part, Var::Text(t)) => {
            string_body(out, syntax, t);
            true
        }
        (Context::Text, Var::Text(t)) => {
            comment_text(out, syntax, t);
            true
        }
    }
}

/// A string literal of `syntax` whose value is exactly `text`.
pub fn string_literal(out: &mut String, syntax: Syntax, text: &str) {
    if syntax == Syntax::Shell {
        // Single quotes: nothing inside is special; a quote is closed, escaped and reopened.
        out.push('\'');
        out.push_str(&text.replace('\'', r"'\''"));
        out.push('\'');
        return;
    }
    out.push('"');
    string_body(out, syntax, text);
    out.push('"');
}

/// The body of a double-quoted literal of `syntax` whose value is exactly `text`.
fn string_body(out: &mut String, syntax: Syntax, text: &str) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '`' | '$' if syntax == Syntax::JavaScript => {
                out.push('\\');
                out.push(c);
            }
            // Inside bash double quotes these four keep their meaning; a backslash disarms them.
            '`' | '$' if syntax == Syntax::Shell => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => non_printable(out, syntax, c),
        }
    }
}

/// An escape for a character outside printable ASCII, in the syntax's own notation.
fn non_printable(out: &mut String, syntax: Syntax, c: char) {
    let n = u32::from(c);
    match syntax {
        // Java decodes `\u` before it parses, so an ASCII control character written as `\u000a`
        // would end the literal: octal escapes are not decoded early. Above ASCII, `\u` yields
        // a character that is never a quote, a backslash or a line break.
        Syntax::Java if n < 0x80 => {
            let _ = write!(out, "\\{n:03o}");
        }
        Syntax::Java => {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        }
        Syntax::Python | Syntax::Go if n < 0x80 => {
            let _ = write!(out, "\\x{n:02x}");
        }
        Syntax::Python | Syntax::Go if n <= 0xffff => {
            let _ = write!(out, "\\u{n:04x}");
        }
        Syntax::Python | Syntax::Go => {
            let _ = write!(out, "\\U{n:08x}");
        }
        Syntax::JavaScript if n < 0x80 => {
            let _ = write!(out, "\\x{n:02x}");
        }
        Syntax::JavaScript if n <= 0xffff => {
            let _ = write!(out, "\\u{n:04x}");
        }
        Syntax::JavaScript => {
            let _ = write!(out, "\\u{{{n:x}}}");
        }
        // Shell double quotes have no escape for these; they stand for themselves but are
        // shown as `?` so that no invisible character reaches a script.
        Syntax::Shell => out.push('?'),
    }
}

/// Comment and docstring prose: printable ASCII without the characters that could end or
/// escape a comment in any of the languages (`\`, `*`, a backtick, `$`, `{`, `}`); each
/// other character becomes `?`. In Python, whose docstrings end at `"""`, a quote is escaped.
fn comment_text(out: &mut String, syntax: Syntax, text: &str) {
    for c in text.chars() {
        match c {
            '\\' | '*' | '`' | '$' | '{' | '}' => out.push('?'),
            '"' if syntax == Syntax::Python => out.push_str("\\\""),
            ' '..='~' => out.push(c),
            _ => out.push('?'),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(syntax: Syntax, text: &str) -> String {
        let mut out = String::new();
        string_literal(&mut out, syntax, text);
        out
    }

    #[test]
    fn benign_values_are_plain_double_quoted_literals() {
        for syntax in [Syntax::Python, Syntax::Go, Syntax::JavaScript, Syntax::Java] {
            assert_eq!(lit(syntax, "https://vault.example.com:8200"), "\"https://vault.example.com:8200\"");
        }
        assert_eq!(lit(Syntax::Shell, "it's"), r"'it'\''s'");
    }

    #[test]
    fn hostile_values_stay_printable_ascii() {
        let hostile = "a\"\"\"b\\u0022\n\r\t\u{0}\u{1b}\u{202e}\u{2066}\u{200b}\u{1f980}`${x}";
        for syntax in [Syntax::Python, Syntax::Go, Syntax::JavaScript, Syntax::Java, Syntax::Shell] {
            let out = lit(syntax, hostile);
            if syntax != Syntax::Shell {
                assert!(out.bytes().all(|b| (0x20..0x7f).contains(&b)), "{syntax:?}: {out}");
            }
        }
        assert_eq!(lit(Syntax::Java, "\u{1f980}\n\\u0022"), "\"\\ud83e\\udd80\\n\\\\u0022\"");
        assert_eq!(lit(Syntax::Java, "\u{1}"), "\"\\001\"");
        assert_eq!(lit(Syntax::JavaScript, "`${x}`"), "\"\\`\\${x}\\`\"");
        let mut text = String::new();
        comment_text(&mut text, Syntax::Python, "\"\"\"+__import__('os')\n*/ \\u000a ${x} \u{202e}");
        assert_eq!(text, "\\\"\\\"\\\"+__import__('os')??/ ?u000a ??x? ?");
    }

    #[test]
    fn kinds_must_fit_their_context() {
        let mut out = String::new();
        assert!(!write(&mut out, Syntax::Go, Context::Int, &Var::from("1; os.Exit(1)")));
        assert!(!write(&mut out, Syntax::Go, Context::Code, &Var::from("x")));
        assert!(!write(&mut out, Syntax::Go, Context::Str, &Var::Code("x")));
        assert!(out.is_empty());
        assert!(write(&mut out, Syntax::Go, Context::Int, &Var::Int(300)));
        assert!(write(&mut out, Syntax::Go, Context::Str, &Var::Int(7)));
        assert_eq!(out, "300\"7\"");
    }
}
