//! Typed artifact -> text. Every renderer is deterministic and ends its output with exactly one
//! newline. Only SDK snippets are templates; everything else is serialised by a library.

pub mod escape;
pub mod template;
pub mod tf;

use serde::Serialize;

/// Pretty JSON with a trailing newline.
pub fn json<T: Serialize>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// One YAML document (no leading `---`) with a trailing newline.
///
/// Strings that a YAML 1.1 reader would take for something else (`yes`, `on`, `n`, `2024-01-01`,
/// `0o17`) are quoted: Kubernetes (sigs.k8s.io/yaml), PyYAML and many CI systems read YAML 1.1.
/// Long lines are never folded, so a value is on one line as it was given; multi-line strings
/// are literal blocks (`|`).
pub fn yaml<T: Serialize>(value: &T) -> String {
    let options = serde_saphyr::ser_options! {
        folded_wrap_chars: usize::MAX,
        min_fold_chars: usize::MAX,
    };
    let text = serde_saphyr::to_string_with_options(value, options).unwrap_or_default();
    one_newline(text)
}

/// An HCL body (Vault policies, Vault Agent configs, Terraform) with a trailing newline.
/// Arrays stay on one line (`capabilities = ["read"]`), as Vault's own examples write them, and
/// `=` signs are aligned as `terraform fmt` aligns them, so generated files pass `fmt -check`.
pub fn hcl(body: &hcl::Body) -> String {
    use hcl::format::Format;
    // Sized for a whole Terraform file, so the buffer does not regrow from 128 bytes.
    let mut formatter = hcl::format::Formatter::builder()
        .compact_arrays(true)
        .build(Vec::with_capacity(16 << 10));
    let text = body.format_string(&mut formatter).unwrap_or_default();
    one_newline(collapse_empty_blocks(align_equals(&text)))
}

/// hcl-rs writes an empty block as `name {  }` (as many spaces as the body's indentation);
/// `terraform fmt` writes `name {}`. Heredoc bodies
/// (embedded scripts and policies) are copied untouched.
fn collapse_empty_blocks(text: String) -> String {
    // hcl-rs pads the braces with the body's indentation, so the run of spaces varies.
    let has_empty = text
        .match_indices("{ ")
        .any(|(i, _)| text[i + 1..].trim_start_matches(' ').starts_with('}'));
    if !has_empty {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut heredoc: Option<String> = None;
    for line in text.lines() {
        match &heredoc {
            Some(marker) => {
                if line.trim() == marker {
                    heredoc = None;
                }
                out.push_str(line);
            }
            None => {
                if let Line::Attribute { heredoc: Some(m), .. } = classify(line) {
                    heredoc = Some(m.to_string());
                }
                match line.strip_suffix('}').map(str::trim_end) {
                    Some(head) if head.ends_with('{') && line.len() > head.len() + 1 => {
                        out.push_str(head);
                        out.push('}');
                    }
                    _ => out.push_str(line),
                }
            }
        }
        out.push('\n');
    }
    out
}

/// An HCL body that Vault or OpenBao reads (policies, Agent configuration): they parse HCL1,
/// in which `${` and `%{` inside a string are plain text. hcl-rs writes HCL2's escapes for them
/// (`$${`, `%%{`), which HCL1 would read as two characters; they are written back as the text
/// they stand for, so the server sees exactly the planned value. (hcl-rs leaves a `$${` that is
/// already in a value as it is, so such a value cannot round-trip through either dialect; no
/// argument's grammar admits a `$`.)
pub fn hcl1(body: &hcl::Body) -> String {
    let text = hcl(body);
    if text.contains("$${") || text.contains("%%{") {
        text.replace("$${", "${").replace("%%{", "%{")
    } else {
        text
    }
}

/// One line of formatted HCL, as `terraform fmt` sees it when aligning.
enum Line<'a> {
    /// `key = value` on one line (a heredoc opener counts): aligned with its neighbours.
    Attribute {
        indent: &'a str,
        key: &'a str,
        value: &'a str,
        heredoc: Option<&'a str>,
    },
    /// Anything else: blank lines, block headers, closing brackets, multi-line values.
    Other,
}

fn classify(line: &str) -> Line<'_> {
    let body = line.trim_start();
    let indent = &line[..line.len() - body.len()];
    let key_len = if let Some(rest) = body.strip_prefix('"') {
        // A quoted object key: up to the closing quote that is not escaped.
        let mut escaped = false;
        match rest.char_indices().find(|&(_, c)| {
            let end = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            end
        }) {
            Some((i, _)) => i + 2,
            None => return Line::Other,
        }
    } else {
        body.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(body.len())
    };
    if key_len == 0 {
        return Line::Other;
    }
    let (key, after) = body.split_at(key_len);
    let Some(value) = after.trim_start().strip_prefix('=') else {
        return Line::Other;
    };
    if value.starts_with('=') {
        return Line::Other;
    }
    let value = value.trim_start();
    if value.is_empty() || value.ends_with('{') || value.ends_with('[') || value.ends_with('(') {
        return Line::Other;
    }
    let heredoc = value.strip_prefix("<<").map(|m| m.trim_start_matches('-').trim());
    Line::Attribute {
        indent,
        key,
        value,
        heredoc,
    }
}

/// Pads keys so the `=` of consecutive one-line attributes at the same indentation line up.
/// Heredoc bodies are passed through untouched and do not end a group.
/// One classification per line and one output buffer: this runs on every rendered HCL file.
fn align_equals(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    // Filled in as the walk below reaches each line: heredoc bodies (whole embedded scripts)
    // are never classified and stay `Other`.
    let mut kinds: Vec<Line<'_>> = Vec::with_capacity(lines.len());
    kinds.resize_with(lines.len(), || Line::Other);
    // The key width each attribute line is padded to; `None` leaves the line as it is.
    let mut width: Vec<Option<usize>> = vec![None; lines.len()];
    let mut group: Vec<usize> = Vec::new();
    let mut group_indent = "";
    let flush = |group: &mut Vec<usize>, width: &mut Vec<Option<usize>>, kinds: &[Line<'_>]| {
        let w = group
            .iter()
            .filter_map(|&i| match kinds[i] {
                Line::Attribute { key, .. } => Some(key.chars().count()),
                Line::Other => None,
            })
            .max()
            .unwrap_or(0);
        for &i in group.iter() {
            width[i] = Some(w);
        }
        group.clear();
    };
    let mut i = 0;
    while i < lines.len() {
        kinds[i] = classify(lines[i]);
        match kinds[i] {
            Line::Attribute { indent, heredoc, .. } => {
                if !group.is_empty() && indent != group_indent {
                    flush(&mut group, &mut width, &kinds);
                }
                group_indent = indent;
                group.push(i);
                if let Some(marker) = heredoc.filter(|m| !m.is_empty()) {
                    i += 1;
                    while i < lines.len() && lines[i].trim() != marker {
                        i += 1;
                    }
                }
            }
            Line::Other => flush(&mut group, &mut width, &kinds),
        }
        i += 1;
    }
    flush(&mut group, &mut width, &kinds);
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match (&kinds[i], width[i]) {
            (Line::Attribute { indent, key, value, .. }, Some(w)) => {
                out.push_str(indent);
                out.push_str(key);
                out.extend(std::iter::repeat_n(' ', w - key.chars().count()));
                out.push_str(" = ");
                out.push_str(value);
            }
            _ => out.push_str(line),
        }
    }
    if text.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn one_newline(mut text: String) -> String {
    let kept = text.trim_end_matches('\n').len();
    text.truncate(kept);
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn hcl1_keeps_template_characters_as_text() {
        let body = hcl::Body::builder()
            .add_attribute(("address", "https://v.example/${x}/%{z}\"q\\"))
            .build();
        assert_eq!(super::hcl(&body), "address = \"https://v.example/$${x}/%%{z}\\\"q\\\\\"\n");
        assert_eq!(super::hcl1(&body), "address = \"https://v.example/${x}/%{z}\\\"q\\\\\"\n");
    }

    use super::*;

    #[test]
    fn renderers_end_with_one_newline() {
        let v = serde_json::json!({"a": [1, "two"], "b": {"c": true}});
        assert!(json(&v).ends_with("}\n"));
        assert_eq!(yaml(&v), "a:\n- 1\n- two\nb:\n  c: true\n");
        let body = hcl::Body::builder()
            .add_block(
                hcl::Block::builder("path")
                    .add_label("secret/data/x")
                    .add_attribute(("capabilities", vec!["read"]))
                    .build(),
            )
            .build();
        assert_eq!(hcl(&body), "path \"secret/data/x\" {\n  capabilities = [\"read\"]\n}\n");
    }

    /// Expected output taken from `terraform fmt` (Terraform 1.15.5) on the same input.
    #[test]
    fn alignment_matches_terraform_fmt() {
        let input = "resource \"vault_audit\" \"file\" {\n  type = \"file\"\n  path = \"file\"\n  description = \"Records\"\n  options = {\n    file_path = \"/var/log/vault/audit.log\"\n    mode = \"0600\"\n  }\n  x = 1\n  longer_name = [\n    \"a\",\n  ]\n  y = 2\n\n  z = 3\n  policy = <<EOT\npath \"a\" {\n  capabilities = [\"read\"]\n}\nEOT\n  k = 1\n  nested {\n    a = 1\n    bbb = 2\n  }\n  after = 1\n  m = { a = 1, bb = 2 }\n}\nlocals {\n  m = {\n    a = 1\n    \"bb-c\" = 2\n  }\n}\n";
        let want = "resource \"vault_audit\" \"file\" {\n  type        = \"file\"\n  path        = \"file\"\n  description = \"Records\"\n  options = {\n    file_path = \"/var/log/vault/audit.log\"\n    mode      = \"0600\"\n  }\n  x = 1\n  longer_name = [\n    \"a\",\n  ]\n  y = 2\n\n  z      = 3\n  policy = <<EOT\npath \"a\" {\n  capabilities = [\"read\"]\n}\nEOT\n  k      = 1\n  nested {\n    a   = 1\n    bbb = 2\n  }\n  after = 1\n  m     = { a = 1, bb = 2 }\n}\nlocals {\n  m = {\n    a      = 1\n    \"bb-c\" = 2\n  }\n}\n";
        assert_eq!(align_equals(input), want);
    }
}
