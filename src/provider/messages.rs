//! Every user-facing diagnostic wording lives here: a Title Case summary, then what happened,
//! then what to do about it.

use crate::planner::Choice;

pub fn invalid_choice<C: Choice>(attr: &str, given: &str) -> (String, String) {
    let hint = C::suggest(given).map_or_else(String::new, |c| format!(" Did you mean \"{}\"?", c.as_str()));
    (
        format!("Invalid {}", title(C::WHAT)),
        format!(
            "{attr} = {given:?} is not a supported {}.{hint} Use one of {}.",
            C::WHAT,
            C::allowed()
        ),
    )
}

/// How much of a rejected value a diagnostic quotes.
pub const CLIP: usize = 100;

/// The first `CLIP` bytes of `text` (on a character boundary).
pub fn clip(text: &str) -> &str {
    let mut end = text.len().min(CLIP);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

pub fn invalid_value(attr: &str, problem: &str) -> (String, String) {
    ("Invalid Attribute Value".into(), format!("{attr}: {problem}."))
}

pub fn too_long(attr: &str, len: usize, max: usize) -> (String, String) {
    (
        "Value Too Long".into(),
        format!("{attr} is {len} bytes long; the provider accepts at most {max} bytes per argument. Shorten the value."),
    )
}

pub fn duplicate_choice(what: &str, attr: &str, given: &str, repeats: usize) -> (String, String) {
    let times = if repeats == 1 {
        "once more".to_string()
    } else {
        format!("{repeats} more times")
    };
    (
        format!("Duplicate {}", title(what)),
        format!("{attr} lists {given:?} {times} after its first entry. List each {what} once."),
    )
}

/// Appended to the first of several invalid elements of one list.
pub fn and_more(list: &str, more: usize) -> String {
    let s = if more == 1 { "" } else { "s" };
    format!(" {more} more element{s} of {list} fail the same way; fix them alike.")
}

pub fn too_many(attr: &str, len: usize, max: usize) -> (String, String) {
    (
        "Too Many Elements".into(),
        format!("{attr} has {len} elements; the provider accepts at most {max}. Shorten the list."),
    )
}

pub fn plain_http(attr: &str) -> (String, String) {
    (
        "Plain HTTP Address".into(),
        format!("{attr} uses http://, which is accepted only for a loopback dev server: tokens and secrets cross the connection in clear text. Use https:// for any shared server."),
    )
}

pub fn required(attr: &str) -> (String, String) {
    (
        "Missing Required Argument".into(),
        format!("The argument {attr:?} is required. Set it in the data source block."),
    )
}

/// A required argument of a nested block (`secret["db"].credential_type`).
pub fn required_in_block(path: &str) -> (String, String) {
    let (block, attr) = path.rsplit_once('.').unwrap_or(("the block", path));
    (
        "Missing Required Argument".into(),
        format!("The argument {attr:?} is required in {block}. Set it in that block."),
    )
}

/// A workload with no `secret` block, or more than it may hold.
pub fn secret_count(blocks: usize, max: usize) -> (String, String) {
    let fix = if blocks == 0 {
        "Add a `secret \"LABEL\" { credential_type = …, rotation_policy = … }` block for each secret the workload reads"
    } else {
        "Split the secrets over several workloads (one `secretsint_workload` each), or drop the ones this workload does not read"
    };
    (
        "Wrong Number Of Secrets".into(),
        format!("secret: this workload declares {blocks} secret blocks; a workload holds 1 to {max}. {fix}."),
    )
}

/// Why a label with `--` is refused.
pub fn label_double_hyphen(label: &str) -> String {
    format!("{label:?} holds '--', which joins environment, name and label in every identifier of a secret (\"<environment>--<name>--<label>\"), so a label may not contain it: use single hyphens")
}

pub fn invalid_label(path: &str, problem: &str) -> (String, String) {
    (
        "Invalid Secret Label".into(),
        format!("{path}: {problem}. The label keys the secret in `secrets` and names its objects and files; rename the block, e.g. secret \"orders-db\" {{ … }}."),
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
        format!("The secretsint provider has no {kind} named {name:?}. Its data sources are \"secretsint_plan\" and \"secretsint_workload\"; it has no resources, functions, ephemeral resources, list resources, actions or state stores."),
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

/// A block or argument set in a configuration that this combination never reads.
pub fn no_effect(kind: &str, path: &str, plan: &str, when: &str) -> (String, String) {
    (
        format!("{} Has No Effect", title(kind)),
        format!(
            "The {kind} {path} has no effect on this plan ({plan}): it is used only when {when}. Remove it, or change the choice it belongs to; with strict = true this is an error."
        ),
    )
}

/// A placeholder left in a plan under `strict`.
pub fn placeholder_in_strict(argument: &str, value: &str) -> (String, String) {
    (
        "Placeholder Left In Plan".into(),
        format!(
            "{argument} is unset, so the plan carries the placeholder {value:?} in its place. With strict = true every placeholder is an error: set {argument} to the real value."
        ),
    )
}
