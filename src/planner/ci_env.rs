//! How a CI job hands a secret value, read at run time into a shell variable, to its later
//! steps: once, in one place for every backend. A value that spans lines is refused before
//! anything prints it (a line break would end the workflow or logging command and let the rest
//! of the value set further variables, such as `BASH_ENV`); the value is masked before the
//! command that sets it.

/// A line that fails the job, printing only `what`, when `$var` holds a CR or LF.
pub fn single_line_guard(var: &str, what: &str) -> String {
    format!(
        "test \"$(printf '%s' \"${var}\" | tr -d '\\r\\n' | wc -c)\" -eq \"$(printf '%s' \"${var}\" | wc -c)\" || {{ echo \"{what} spans lines, which a CI variable cannot carry\" >&2; exit 1; }}"
    )
}

/// GitHub Actions: refuse a multi-line value, mask it, then append `NAME=value` to `$GITHUB_ENV`.
pub fn github_env(name: &str, var: &str) -> Vec<String> {
    vec![
        single_line_guard(var, name),
        format!("printf '::add-mask::%s\\n' \"${var}\""),
        format!("printf '%s=%s\\n' {name} \"${var}\" >> \"$GITHUB_ENV\""),
    ]
}

/// GitHub Actions: a file path (our own, not secret) for later steps.
pub fn github_env_path(name: &str, path: &str) -> String {
    format!("printf '%s=%s\\n' {name} \"{path}\" >> \"$GITHUB_ENV\"")
}

/// GitHub Actions: hands each field `(name, VAR)` of the JSON document at `doc` (under
/// `$RUNNER_TEMP`; `data` is the jq path to the fields) to later steps: a value through
/// [`github_env`], or with `pem` (values that span lines) a file `$RUNNER_TEMP/<name>.pem`
/// that `<VAR>_FILE` names.
pub fn github_fields(doc: &str, data: &str, fields: &[(&str, String)], pem: bool) -> Vec<String> {
    let mut lines = Vec::new();
    for (f, var) in fields {
        if pem {
            lines.push(format!("jq -er '{data}.{f}' \"{doc}\" > \"$RUNNER_TEMP/{f}.pem\""));
            lines.push(github_env_path(&format!("{var}_FILE"), &format!("$RUNNER_TEMP/{f}.pem")));
        } else {
            lines.push(format!("value=\"$(jq -er '{data}.{f}' \"{doc}\")\""));
            lines.extend(github_env(var, "value"));
        }
    }
    lines
}

/// Azure Pipelines: refuse a multi-line value, then set it as a secret variable (the agent
/// masks a secret variable from the moment the logging command is read).
pub fn azure_devops_secret(name: &str, var: &str) -> Vec<String> {
    vec![
        single_line_guard(var, name),
        format!("printf '##vso[task.setvariable variable=%s;issecret=true]%s\\n' {name} \"${var}\""),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_export_guards_before_it_prints() {
        for lines in [
            super::github_env("DB_PASSWORD", "value"),
            super::azure_devops_secret("DB_PASSWORD", "value"),
        ] {
            assert!(lines[0].starts_with("test "), "{lines:?}");
            assert!(lines[1..].iter().all(|l| l.contains("\"$value\"")));
        }
    }
}
