//! Small builders for HCL documents written in our own code (Terraform files, Vault policies):
//! keys and traversals that skip hcl-rs's Unicode re-validation, objects in a given order,
//! heredocs and `resource` blocks. Every backend builds its HCL through these.

use hcl::expr::{Expression, Heredoc, HeredocStripMode, TemplateExpr, Traversal, Variable};
use hcl::{Block, Identifier};

pub fn traversal(root: &str, attrs: &[&str]) -> Expression {
    let mut b = Traversal::builder(Variable::unchecked(root));
    for a in attrs {
        // Plain ASCII identifiers (all of ours) skip hcl-rs's Unicode sanitising, which was ~7% of
        // planning an Azure combination; anything else is still sanitised.
        let plain = a.bytes().next().is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
            && a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
        b = if plain { b.attr(Identifier::unchecked(*a)) } else { b.attr(*a) };
    }
    Expression::from(b.build())
}

/// An attribute key written in our code. `Identifier::from` re-validates every key against the
/// Unicode identifier tables (7% of planning an Azure combination); ours are ASCII literals.
pub fn key(name: &'static str) -> Identifier {
    debug_assert!(name.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_'));
    Identifier::unchecked(name)
}

/// An HCL object with keys written in our code (plain identifiers, in the given order).
pub fn obj(pairs: &[(&str, Expression)]) -> Expression {
    let mut o = hcl::Object::new();
    for (k, v) in pairs {
        o.insert(hcl::ObjectKey::from(Identifier::unchecked(*k)), v.clone());
    }
    Expression::Object(o)
}

pub fn heredoc(text: &str) -> Expression {
    Expression::from(TemplateExpr::Heredoc(
        Heredoc::new(Identifier::unchecked("EOT"), text).with_strip_mode(HeredocStripMode::None),
    ))
}

pub fn resource(kind: &str, name: &str) -> hcl::structure::BlockBuilder {
    Block::builder(key("resource")).add_label(kind).add_label(name)
}
