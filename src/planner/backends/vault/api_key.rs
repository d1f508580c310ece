//! A third-party API key's issuer hook on Vault (targets kubernetes and application): the
//! rotation CronJob's script, its policy, its second projected token, and its decision.

use super::*;

/// The scheduled KV job of a third-party API key with an issuer hook: it writes what the hook mints.
pub(super) const HOOK_SCRIPT: &str = include_str!("snippets/hook-kv.sh");
/// Where the CronJob mounts the service account token whose audience is the hook URL.
pub(super) const HOOK_TOKEN_DIR: &str = "/var/run/secrets/issuer-hook";

/// The issuer hook the CronJob calls: a third-party API key's, on the kubernetes and application
/// targets (the cicd target's scheduled pipeline calls none; resolve drops it there).
pub(super) fn hook(s: &Settings) -> Option<String> {
    match s.api_key.rotation() {
        crate::planner::ApiKeyRotation::Hook(url) if s.credential == CredentialType::ApiKey && s.target != Target::Cicd => Some(url),
        _ => None,
    }
}

/// The hook job's policy: read (to refuse an unchanged key), create and update on this secret's
/// data, read and patch (rotated_at) on its metadata; nothing else.
pub(super) fn hook_policy(s: &Settings, n: &Names) -> AccessPolicy {
    AccessPolicy {
        policy_name: n.hook_policy.clone(),
        policy_type: PolicyType::VaultPolicy,
        policy_document: render::hcl1(&policy_body(&[
            (&n.kv_data, &["create", "read", "update"]),
            (&n.kv_metadata, &["read", "patch"]),
        ])),
        scope: n.kv_data.clone(),
        secret: s.secret_key(),
        attach_to: AttachTo::Rotator,
    }
}

pub(super) fn hook_decision(s: &Settings, n: &Names, sch: Schedule) -> String {
    let url = hook(s).unwrap_or_default();
    format!(
        "The third-party API key is minted by the issuer hook {url}: the rotation CronJob checks every {} and, once {} have passed since custom_metadata.rotated_at, POSTs {{\"secret_id\": \"{}\", \"idempotency_key\": \"{}@<current version>\"}} (the idempotency key also in the Idempotency-Key header) over https only with no redirects, authenticated by a Kubernetes service account token of service account \"{}\" whose audience is {url} (a second projected token; the Vault token never goes to the hook), so the hook must verify that token against the cluster's OIDC issuer or with a TokenReview; it refuses an answer whose api_key is empty, missing or equal to the current key (writing nothing and failing the job), and otherwise writes it with a check-and-set on the version it read (options.cas) and records rotated_at, under the policy {} (create, read and update on {}, read and patch on {}) held by its role {}.",
        sch.check.to_text(),
        sch.period.to_text(),
        n.kv_data,
        n.kv_data,
        n.rotator_sa,
        n.hook_policy,
        n.kv_data,
        n.kv_metadata,
        n.rotator_role
    )
}

pub(super) fn hook_notification(n: &Names) -> String {
    format!(
        "Each rotation writes the issuer hook's new key as a new version of {} and sets custom_metadata.rotated_at; a hook failure, or an empty or unchanged key, fails the job without writing, and it is retried at the next check.",
        n.kv_data
    )
}

/// The CronJob's extra environment with a hook: its URL and the file of its audience's token.
pub(super) fn hook_env(s: &Settings) -> Vec<k8s::EnvVar> {
    hook(s)
        .map(|url| {
            vec![
                k8s::EnvVar {
                    name: "ISSUER_HOOK_URL",
                    value: url,
                },
                k8s::EnvVar {
                    name: "HOOK_JWT_FILE",
                    value: format!("{HOOK_TOKEN_DIR}/token"),
                },
            ]
        })
        .unwrap_or_default()
}
