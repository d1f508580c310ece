//! Typed artifact -> text. Every renderer is deterministic and ends its output with exactly one
//! newline. Only SDK snippets are templates; everything else is serialised by a library.

use serde::Serialize;

/// Pretty JSON with a trailing newline.
pub fn json<T: Serialize>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// One YAML document (no leading `---`) with a trailing newline.
pub fn yaml<T: Serialize>(value: &T) -> String {
    let text = serde_norway::to_string(value).unwrap_or_default();
    one_newline(text)
}

/// An HCL body (Vault policies, Vault Agent configs, Terraform) with a trailing newline.
/// Arrays stay on one line (`capabilities = ["read"]`), as Vault's own examples write them.
pub fn hcl(body: &hcl::Body) -> String {
    use hcl::format::Format;
    let mut formatter = hcl::format::Formatter::builder().compact_arrays(true).build_vec();
    let text = body.format_string(&mut formatter).unwrap_or_default();
    one_newline(text)
}

fn one_newline(text: String) -> String {
    let mut t = text.trim_end_matches('\n').to_string();
    t.push('\n');
    t
}

#[cfg(test)]
mod tests {
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
}
