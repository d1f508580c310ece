//! AWS rotation of a third-party API key: the Lambda never makes a key up. With an issuer hook
//! it stages the key the hook mints; without one it only reminds (fails each scheduled rotation,
//! which the plan's EventBridge rule reports), and its role may only describe the secret.

use super::*;

/// The rotation function of a third-party API key: a reminder, or a call to the issuer hook.
const API_KEY_LAMBDA_SOURCE: &str = include_str!("snippets/api_key_lambda.py");

/// A third-party API key's function makes no value up: no GetRandomPassword. With an issuer hook
/// it invokes that function; as a reminder it only describes the secret and writes nothing.
pub(super) fn api_key_rotation_statements(s: &Settings, st: &mut Vec<Statement>) {
    let Some(mode) = api_key_rotation(s) else { return };
    st.retain(|x| x.sid != "GenerateNewValues");
    match mode {
        ApiKeyRotation::Hook(hook) => st.insert(1, statement("InvokeTheIssuerHook", "Allow", &["lambda:InvokeFunction"], &[&hook])),
        ApiKeyRotation::Reminder => {
            if let Some(rotate) = st.iter_mut().find(|x| x.sid == "RotateTheSecret") {
                rotate.sid = "DescribeTheSecretItReminds".into();
                rotate.action = vec!["secretsmanager:DescribeSecret"];
            }
            st.retain(|x| x.sid != "UseTheSecretsKey");
        }
        ApiKeyRotation::SelfIssued => {}
    }
}

/// How an API key rotates, for a third-party key (`None` for a self-issued key and every other
/// credential, which keep the random-value function).
pub(super) fn api_key_rotation(s: &Settings) -> Option<ApiKeyRotation> {
    if s.credential != CredentialType::ApiKey {
        return None;
    }
    match s.api_key.rotation() {
        ApiKeyRotation::SelfIssued => None,
        other => Some(other),
    }
}

/// What the function of a third-party API key does on the schedule, and the fallback finding
/// when it can only remind.
pub(super) fn api_key_decisions(
    s: &Settings,
    n: &Names,
    mode: &ApiKeyRotation,
    period: Duration,
    schedule: &str,
    d: &mut Vec<String>,
    findings: &mut Vec<Finding>,
) {
    match mode {
        ApiKeyRotation::Reminder => {
            findings.push(findings::api_key_rotation_reminds(s.backend, s.target, s.rotation));
            d.push(format!(
                "rotation_policy \"{}\" fell back to a reminder for the third-party API key: with no api_key.issuer_hook nothing here can mint a key, and a random one would break every consumer. The Lambda {} runs on {schedule} (every {}) and at createSecret writes nothing and fails with a reminder, so Secrets Manager reports RotationFailed; its role may only describe the secret. Rotate the key at its issuer and write it with `aws secretsmanager put-secret-value --secret-id {} --secret-string file://new-api-key.json` under the {} policy, or declare api_key.issuer_hook.",
                s.rotation,
                n.rotation_function,
                period.to_text(),
                n.secret_name,
                n.write_policy
            ));
        }
        ApiKeyRotation::Hook(hook) => d.push(format!(
            "The Lambda {} rotates the third-party API key on {schedule} (every {}): createSecret invokes the issuer hook {hook} (lambda:InvokeFunction on it only) with the SecretId and ClientRequestToken and stages the api_key it returns as AWSPENDING, testSecret requires that key to be non-empty and different from AWSCURRENT, and finishSecret makes it AWSCURRENT; Secrets Manager invokes the function under a permission limited to this account (aws:SourceAccount).",
            n.rotation_function,
            period.to_text()
        )),
        ApiKeyRotation::SelfIssued => {}
    }
}

/// The function of a third-party API key, for its mode: the reminder holds no write call and no
/// random source at all; the hook variant writes only what the issuer hook returned.
pub(super) fn api_key_lambda_source(n: &Names, mode: &ApiKeyRotation) -> String {
    let (flag, hook) = match mode {
        ApiKeyRotation::Hook(hook) => ("hook", hook.as_str()),
        _ => ("reminder", ""),
    };
    static LAMBDA: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let selected = template::Conditional::new(with_finish_secret(&LAMBDA, API_KEY_LAMBDA_SOURCE)).select(&[("MODE", flag)]);
    template::fill_in(
        &selected,
        Syntax::Python,
        &[
            ("SECRET_NAME", Var::from(n.secret_name.as_str())),
            ("FIELD", Var::from(fields(CredentialType::ApiKey)[0])),
            ("HOOK", Var::from(hook)),
        ],
    )
    .0
}
