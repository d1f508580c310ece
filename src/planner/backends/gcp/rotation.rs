//! The rotation function of GCP plans: its source (the shared handler with the credential's
//! `new_value`), requirements, environment, and the decisions that describe it.

use super::*;

/// A third-party API key with an issuer hook: the key the hook mints, never a random one.
const NEW_VALUE_HOOK: &str = include_str!("snippets/new_value_hook.py");
const IMPORTS_HOOK: &str = include_str!("snippets/imports_hook.py");
/// The random source of every rotation that makes its value up (not a hook's).
const RANDOM: &str = include_str!("snippets/random.py");
const RANDOM_IMPORTS: &str = "import secrets\nimport string\n";

/// What the function may do to the secret's versions: add them, and for certificates also disable
/// and destroy old ones (they hold private keys).
pub(super) fn rotator_writer_role(s: &Settings) -> (&'static str, &'static str) {
    match s.credential {
        CredentialType::Certificate => ("version-manager", ROLE_SECRET_VERSION_MANAGER),
        _ => ("version-adder", ROLE_SECRET_VERSION_ADDER),
    }
}

pub(super) fn rotation_decisions(s: &Settings, n: &Names, p: Duration, decisions: &mut Vec<String>) {
    decisions.push(format!(
        "Secret Manager rotates on its own schedule: rotation_period = {}s ({}), and next_rotation_time = timeadd(plantimestamp(), \"{}s\") at the first apply; the planner reads no clock (the timestamp argument only reaches contract_json), and Terraform ignores later changes to next_rotation_time because Secret Manager advances it after every rotation.",
        p.secs(),
        p.to_text(),
        p.secs()
    ));
    decisions.push(format!(
        "Rotation needs the topic projects/{}/topics/{}: the Secret Manager service agent service-{}@gcp-sa-secretmanager.iam.gserviceaccount.com (created by google_project_service_identity in {PLATFORM_FILE}) gets {ROLE_PUBSUB_PUBLISHER} on it, and the secret depends on that grant.",
        n.project, n.topic, n.number
    ));
    if reminds(s) {
        decisions.push(reminder_decision(s, n));
    } else {
        decisions.push(format!(
            "The rotation function {} (Cloud Functions 2nd gen, {} in {}) runs as {} with {}{} and {ROLE_SECRET_VIEWER} on the secret only; it is triggered by {PUBSUB_EVENT} on the topic, acts only on eventType SECRET_ROTATE for this secret, and adds exactly one version per notification: a redelivered message finds a version newer than its publish time and adds nothing.",
            n.function,
            versions::GCP_FUNCTION_RUNTIME,
            n.region,
            n.rotator_email(),
            rotator_writer_role(s).1,
            if s.credential == CredentialType::Database {
                format!(", {ROLE_SECRET_ACCESSOR} (to read which user version \"latest\" holds)")
            } else if hooks(s) {
                format!(", {ROLE_SECRET_ACCESSOR} (to compare the hook's key with version \"latest\")")
            } else {
                String::new()
            }
        ));
    }
    if s.gcp.location.is_none() {
        decisions.push(format!(
            "The function, its source bucket and trigger run in {DEFAULT_REGION}; set gcp.location to choose the region."
        ));
    }
    decisions.push(format!(
        "The plan enables no APIs: enable secretmanager, pubsub, cloudfunctions, cloudbuild, run, eventarc and artifactregistry{} in project {} first; terraform/gcp.tf zips functions/rotate with hashicorp/archive, so keep the two directories side by side.",
        if s.credential == CredentialType::Certificate { " (and privateca)" } else { "" },
        n.project
    ));
    match s.credential {
        CredentialType::Database => {
            decisions.push(format!(
                "Alternating users: the function reads which of the database users \"{}\" and \"{}\" version \"latest\" holds, sets a new password on the other one and adds a version holding it, so the user of the version it replaces keeps its password until the next rotation, {} later; it never changes the password of the user in version \"latest\". Create both users with the same privileges before the first rotation (the function creates no users and grants nothing).",
                n.role,
                n.alternate_user,
                p.to_text()
            ));
            decisions.push(format!(
                "The function changes passwords on {}:{} as the admin whose JSON credentials (username, password) you add to secret {} (the function's environment names it in DB_ADMIN_SECRET_VERSION, and only the rotator's service account is granted {ROLE_SECRET_ACCESSOR} on it); the admin needs the right to change both users' passwords. It connects with TLS verification, so the database must be reachable from the function (Direct VPC egress for private IPs) with a certificate the function trusts.",
                s.database.host, s.database.port, n.admin_secret_id
            ));
        }
        CredentialType::Certificate => {
            let lifetime = certificate_lifetime(s);
            decisions.push(format!(
                "For certificates the function makes a new EC P-256 key and CSR for {} and has it signed by Certificate Authority Service pool {} (an existing pool; the rotator gets {ROLE_CA_REQUESTER} on it) with lifetime {}; the version holds the PEM certificate chain and key.",
                s.certificate.all_names().join(", "),
                n.ca_pool,
                lifetime.to_text()
            ));
            decisions.push(
                "Certificate issuance is keyed by the event: a redelivered message whose version was already added stops at the publish-time check before any request, and every CreateCertificate carries a request_id derived from the Pub/Sub message ID (a UUID v5 of the secret and the message ID), which CAS remembers for at least 60 minutes, so a retry within that time issues no second certificate (certificate_id, required by the Enterprise tier and ignored by DevOps, comes from the same ID). If CAS answers a retry with the certificate of an earlier attempt whose key was never stored, the function adds no version and fails, and Eventarc retries; a retry after those 60 minutes gets a new certificate.".into(),
            );
            decisions.push(format!(
                "Old versions hold private keys, so at each rotation the function disables every version other than \"latest\" whose certificate has expired (created more than {} ago: its overlap is over), and destroys a disabled version once its certificate has been expired for one rotation period ({}) more; it holds {ROLE_SECRET_VERSION_MANAGER} instead of {ROLE_SECRET_VERSION_ADDER} for that. An expired key stays enabled at most until the next rotation.",
                lifetime.to_text(),
                p.to_text()
            ));
        }
        CredentialType::ApiKey => decisions.extend(self_issued_decision(s, n)),
        CredentialType::Generic => decisions.push(format!("The function writes a new random 32-character {} value.", s.credential)),
    }
}

/// The rotation function's source: the shared handler with the credential's `new_value`.
pub(super) fn function_source(s: &Settings) -> String {
    if reminds(s) {
        return REMIND_API_KEY.to_string();
    }
    let (imports, new_value) = match s.credential {
        CredentialType::Database => (IMPORTS_DATABASE, NEW_VALUE_DATABASE),
        CredentialType::Certificate => (IMPORTS_CERTIFICATE, NEW_VALUE_CERTIFICATE),
        CredentialType::ApiKey if hooks(s) => {
            static HOOK: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            (IMPORTS_HOOK, crate::planner::snippets::with_hook_call(&HOOK, NEW_VALUE_HOOK))
        }
        CredentialType::ApiKey | CredentialType::Generic => ("", NEW_VALUE_RANDOM),
    };
    // A hook's function holds no random source at all: the only value it can add is the hook's.
    let (random_imports, random) = if hooks(s) { ("", "") } else { (RANDOM_IMPORTS, RANDOM) };
    // Composition of our own code fragments (the `code` context), so a whole comment line is
    // the placeholder: the template stays valid Python, and an empty fragment leaves no line.
    template::fill(
        ROTATE_MAIN,
        &[
            ("# {{code:RANDOM_IMPORTS}}\n", random_imports),
            ("# {{code:IMPORTS}}\n", imports),
            ("# {{code:RANDOM}}\n", random),
            ("# {{code:NEW_VALUE}}\n", new_value),
        ],
    )
}

pub(super) fn requirements(s: &Settings) -> String {
    let mut lines = vec![
        format!("functions-framework=={}", versions::GCP_FUNCTIONS_FRAMEWORK),
        format!(
            "{}=={}",
            versions::sdk(Backend::GcpSecretManager, Language::Python).package,
            versions::sdk(Backend::GcpSecretManager, Language::Python).version
        ),
    ];
    match s.credential {
        CredentialType::Database => {
            lines.push(format!("pg8000=={}", versions::GCP_PG8000));
            lines.push(format!("PyMySQL=={}", versions::GCP_PYMYSQL));
        }
        CredentialType::Certificate => {
            lines.push(format!("google-cloud-private-ca=={}", versions::GCP_PRIVATE_CA));
            lines.push(format!("cryptography=={}", versions::GCP_CRYPTOGRAPHY));
        }
        _ => {}
    }
    lines.sort();
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// The function's environment: what to rotate and how, never a secret value.
pub(super) fn function_env(s: &Settings, n: &Names, period: Duration) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("SECRET_NAME", n.secret_name.clone()),
        ("CREDENTIAL_TYPE", s.credential.as_str().to_string()),
    ];
    match s.credential {
        CredentialType::Database => {
            env.push(("DB_ENGINE", s.database.engine.as_str().to_string()));
            env.push(("DB_HOST", s.database.host.clone()));
            env.push(("DB_PORT", s.database.port.to_string()));
            env.push(("DB_NAME", s.database.database_name.clone()));
            env.push(("DB_USERNAME", n.role.clone()));
            env.push(("DB_ALTERNATE_USERNAME", n.alternate_user.clone()));
            env.push((
                "DB_ADMIN_SECRET_VERSION",
                format!("projects/{}/secrets/{}/versions/latest", n.project, n.admin_secret_id),
            ));
        }
        CredentialType::Certificate => {
            env.push(("CA_POOL", n.ca_pool.clone()));
            env.push(("COMMON_NAME", s.certificate.common_name.clone()));
            env.push(("DNS_NAMES", s.certificate.dns_names().join(",")));
            let ips = s.certificate.ip_addresses();
            if !ips.is_empty() {
                env.push(("IP_ADDRESSES", ips.join(",")));
            }
            env.push(("CERT_TTL_SECONDS", certificate_lifetime(s).secs().to_string()));
            env.push(("ROTATION_PERIOD_SECONDS", period.secs().to_string()));
        }
        CredentialType::ApiKey => {
            if let Some(url) = hook(s) {
                env.push(("ISSUER_HOOK_URL", url));
            }
        }
        CredentialType::Generic => {}
    }
    env
}
