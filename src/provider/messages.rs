//! Every user-facing diagnostic wording lives here: a Title Case summary, then what happened,
//! then what to do about it.

use crate::planner::Choice;

pub fn invalid_choice<C: Choice>(attr: &str, given: &str) -> (String, String) {
    (
        format!("Invalid {}", title(C::WHAT)),
        format!("{attr} = {given:?} is not a supported {}. Use one of {}.", C::WHAT, C::allowed()),
    )
}

pub fn invalid_value(attr: &str, problem: &str) -> (String, String) {
    ("Invalid Attribute Value".into(), format!("{attr}: {problem}."))
}

pub fn duplicate_language(given: &str) -> (String, String) {
    (
        "Duplicate Language".into(),
        format!("languages lists {given:?} more than once. List each language once."),
    )
}

pub fn required(attr: &str) -> (String, String) {
    (
        "Missing Required Argument".into(),
        format!("The argument {attr:?} is required. Set it in the data source block."),
    )
}

pub fn malformed_config(what: &str, problem: &str) -> (String, String) {
    (
        "Malformed Configuration Value".into(),
        format!("The {what} sent by Terraform could not be decoded: {problem}. This is a bug in Terraform or the provider; please report it with the Terraform version."),
    )
}

pub fn unknown_type(kind: &str, name: &str) -> (String, String) {
    (
        format!("Unsupported {}", title(kind)),
        format!("The secretsint provider has no {kind} named {name:?}. Its only data source is \"secretsint_plan\"; it has no resources, functions, ephemeral resources, list resources, actions or state stores."),
    )
}

pub fn fallback_in_strict(summary: &str) -> String {
    format!("{summary} (strict mode)")
}

pub fn strict_note() -> &'static str {
    "This is an error because strict = true in the provider block; set strict = false to accept the fallback as a warning."
}

/// "secrets backend" -> "Secrets Backend".
fn title(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
