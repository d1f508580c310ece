//! GCP rotation of a third-party API key: the function subscribed to the rotation topic only
//! reminds (one ERROR log entry per SECRET_ROTATE) and never adds a version, since it cannot mint
//! a key the issuer knows.

use super::*;

/// The function of a third-party API key: it logs a reminder and never adds a version.
pub(super) const REMIND_API_KEY: &str = include_str!("snippets/remind_api_key.py");

/// Whether the rotation function only reminds: a third-party API key, which it cannot mint.
pub(super) fn reminds(s: &Settings) -> bool {
    s.credential == CredentialType::ApiKey && s.api_key.rotation() == crate::planner::ApiKeyRotation::Reminder
}

/// The issuer hook the function calls for a third-party API key, if the plan declares one.
pub(super) fn hook(s: &Settings) -> Option<String> {
    match s.api_key.rotation() {
        crate::planner::ApiKeyRotation::Hook(h) if s.credential == CredentialType::ApiKey => Some(h),
        _ => None,
    }
}

/// Whether the function adds the key an issuer hook mints.
pub(super) fn hooks(s: &Settings) -> bool {
    hook(s).is_some()
}

/// What the rotation topic's messages lead to.
pub(super) fn notification(s: &Settings, n: &Names, p: Duration) -> String {
    format!(
        "Secret Manager publishes SECRET_ROTATE to projects/{}/topics/{} every {}; the function {} {}.",
        n.project,
        n.topic,
        p.to_text(),
        n.function,
        if reminds(s) {
            "logs one ERROR entry per notification saying the API key is due: route it to people with a Cloud Logging alert"
        } else {
            "adds one version per notification, and failed runs are retried by Eventarc (RETRY_POLICY_RETRY) and visible in Cloud Logging"
        }
    )
}

/// A self-issued key's random value, said as such; nothing for a reminder (its own decision).
pub(super) fn self_issued_decision(s: &Settings, n: &Names) -> Option<String> {
    if let Some(hook) = hook(s) {
        return Some(format!(
            "The third-party API key is minted by the issuer hook {hook}: on SECRET_ROTATE the function POSTs {{\"secret_id\", \"idempotency_key\"}} to it (the secret's resource name, and the Pub/Sub message ID, also sent as the Idempotency-Key header, the same on every redelivery of the message) with a Google-signed ID token of {} whose audience is the hook URL, over https only and following no redirect; granting that service account roles/run.invoker on a Cloud Run or Cloud Functions hook is yours. It adds exactly the api_key of the JSON answer as the new version ({{\"api_key\": ...}}), and refuses (adds nothing, fails so Eventarc retries) an empty or missing api_key or one equal to version \"latest\". It holds no random source.",
            n.rotator_email()
        ));
    }
    (!reminds(s)).then(|| {
        "The function writes a new random 32-character api-key value: the key is self-issued (api_key.issuer = \"self\"), so the service that checks it must read this secret.".to_string()
    })
}

pub(super) fn reminder_decision(s: &Settings, n: &Names) -> String {
    format!(
        "rotation_policy \"{}\" fell back to a reminder for the third-party API key: the function {} (Cloud Functions 2nd gen, {} in {}) is triggered by {PUBSUB_EVENT} on the topic and, for SECRET_ROTATE of this secret, logs one ERROR entry saying the key is due; it calls no Secret Manager API and never adds a version (a random value would be a key the issuer does not know), and its service account {} holds no role on the secret (only {ROLE_RUN_INVOKER} on the function, for Eventarc). Rotate the key at its issuer and add it as a version, set api_key.issuer_hook to an https endpoint that mints one, or set api_key.issuer = \"self\" if the plan may make it up.",
        s.rotation,
        n.function,
        versions::GCP_FUNCTION_RUNTIME,
        n.region,
        n.rotator_email()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::request::Request;
    use crate::planner::resolve::resolve;

    #[test]
    fn a_third_party_key_falls_back_to_a_reminder_not_to_dynamic_rotation() {
        for r in [Rotation::Automatic, Rotation::Dynamic] {
            let mut req = Request::new(Backend::GcpSecretManager, Target::Application, r);
            req.credential = Some(CredentialType::ApiKey);
            let s = resolve(&req).0;
            let (period, finding, decision) = rotation(&s);
            assert!(period.is_some() && finding.is_none() && decision.is_none(), "{r}");
            let p = plan(&s);
            assert_eq!(
                p.findings
                    .iter()
                    .filter(|f| f.summary == "API Key Rotation Falls Back To A Reminder")
                    .count(),
                1,
                "{r}"
            );
            let code = &p.rotation_scripts.as_ref().unwrap().rotation_logic;
            assert!(!code.contains("add_secret_version") && !code.contains("secrets.choice"), "{code}");
        }
    }
}
