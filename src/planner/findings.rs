//! The wording of every finding the planner raises, in one place (as `provider::messages` is
//! for the provider's own diagnostics): a Title Case summary, what happened, what to do. The
//! rules that raise them live beside the code they guard.

use super::choice::{Backend, CredentialType, DbEngine, Rotation, Target};
use super::duration::Duration;
use super::{Finding, FindingKind};

fn finding(kind: FindingKind, field: &[&str], summary: &str, detail: String) -> Finding {
    Finding {
        kind,
        field: field.iter().map(|f| f.to_string()).collect(),
        summary: summary.into(),
        detail,
    }
}

/// A string argument that fails its grammar (only possible for a hand-built request).
pub fn invalid_value(field: Vec<String>, shown: &str, problem: &str) -> Finding {
    Finding {
        kind: FindingKind::Error,
        field,
        summary: "Invalid Attribute Value".into(),
        detail: format!("{shown}: {problem}."),
    }
}

pub fn rotation_period_ignored() -> Finding {
    finding(
        FindingKind::Warning,
        &["rotation_period"],
        "Rotation Period Ignored",
        "rotation_period has no effect with rotation_policy = \"manual\": manual secrets change only when someone writes a new version. Remove it, or choose \"automatic\" or \"dynamic\".".into(),
    )
}

/// Why a rotation period is outside what the backend or rotation policy accepts.
pub enum PeriodProblem {
    DynamicTooLong,
    DynamicTooShort,
    AwsSchedule,
    GcpMinimum,
    ScheduleMinimum,
}

pub fn rotation_period_out_of_range(problem: PeriodProblem, period: Duration) -> Finding {
    let p = period.as_written();
    let detail = match problem {
        PeriodProblem::DynamicTooLong => format!(
            "rotation_period {p} is too long for dynamic credentials: short-lived credentials live at most 24h. Use a value from 1m to 24h, or choose rotation_policy = \"automatic\"."
        ),
        PeriodProblem::DynamicTooShort => format!(
            "rotation_period {p} is too short for dynamic credentials: a consumer must be able to fetch and use them. Use a value from 1m to 24h."
        ),
        PeriodProblem::AwsSchedule => format!(
            "rotation_period {p} is outside what AWS Secrets Manager accepts for a rotation schedule: use a value from 4h to 999d."
        ),
        PeriodProblem::GcpMinimum => {
            format!("rotation_period {p} is shorter than GCP Secret Manager's minimum rotation period: use 1h or more.")
        }
        PeriodProblem::ScheduleMinimum => format!("rotation_period {p} is shorter than a schedule can run: use 1m or more."),
    };
    finding(FindingKind::Error, &["rotation_period"], "Rotation Period Out Of Range", detail)
}

/// The one refresh rule of every backend, when it is broken.
pub fn refresh_not_below_period(refresh: Duration, period: Duration) -> Finding {
    finding(
        FindingKind::Error,
        &["kubernetes", "refresh_interval"],
        "Refresh Interval Not Below Rotation Period",
        format!(
            "kubernetes.refresh_interval {} is not shorter than the rotation_period {}: the synced Secret would keep a rotated-away value. Use a value below {}, or leave it unset.",
            refresh.as_written(),
            period.as_written(),
            period.as_written()
        ),
    )
}

pub fn refresh_not_below_ttl(given: Duration, ttl: Duration, derived: Duration) -> Finding {
    finding(
        FindingKind::Error,
        &["kubernetes", "refresh_interval"],
        "Refresh Interval Not Below Credential TTL",
        format!(
            "kubernetes.refresh_interval {} is not shorter than the credential TTL (rotation_period {}). The External Secrets \
             Operator mints a new credential on every refresh and never renews the old lease, so the synced Secret would \
             hold revoked credentials until the next refresh. Use a value below {}, for example {} (two thirds of the TTL), \
             or leave it unset.",
            given.as_written(),
            ttl.as_written(),
            ttl.as_written(),
            derived.as_written()
        ),
    )
}

/// The backends that cannot mint credentials on demand.
pub enum NoDynamic {
    Vault,
    Aws { requested: Duration },
    Azure,
    Gcp,
}

/// `rotation_policy = "dynamic"` fell back to scheduled rotation at `fallback`.
pub fn dynamic_falls_back(backend: NoDynamic, c: CredentialType, fallback: Duration) -> Finding {
    let f = fallback.as_written();
    let detail = match backend {
        NoDynamic::Vault => format!(
            "Vault has no secrets engine that mints {c} credentials on demand, so rotation_policy \"dynamic\" falls back to \
             \"automatic\" at {f}, the shortest safe period: a scheduled job writes a new KV v2 version and consumers re-read \
             it. Choose rotation_policy = \"automatic\" to make this explicit, or credential_type = \"database\" or \
             \"certificate\" for credentials Vault issues itself."
        ),
        NoDynamic::Aws { requested } => format!(
            "AWS Secrets Manager does not mint {c} credentials on demand, so rotation_policy \"dynamic\" falls back to \"automatic\" at {f}, \
             the shortest schedule Secrets Manager allows (rate(4 hours)); the requested TTL {} is not reachable. Choose \
             rotation_policy = \"automatic\" to make this explicit, or the vault backend for credentials minted per consumer.",
            requested.as_written()
        ),
        NoDynamic::Azure => format!(
            "Azure Key Vault has no engine that mints {c} credentials on demand, so rotation_policy \"dynamic\" falls back to \
             \"automatic\" every {f}, the shortest safe period: the Event Grid rotation Function writes a new version and consumers \
             re-read it. Choose rotation_policy = \"automatic\" to make this explicit, or use backend \"vault\" for credentials \
             minted per consumer."
        ),
        NoDynamic::Gcp => format!(
            "GCP Secret Manager stores versions but cannot mint {c} credentials on demand, so rotation_policy \"dynamic\" \
             falls back to \"automatic\" at {f}, the shortest period Secret Manager schedules (1h minimum): the rotation \
             function adds a new version and consumers re-read it. Choose rotation_policy = \"automatic\" to make this \
             explicit, or secrets_backend = \"vault\" for credentials minted per consumer."
        ),
    };
    finding(
        FindingKind::Fallback,
        &["rotation_policy"],
        "Dynamic Credentials Fall Back To Scheduled Rotation",
        detail,
    )
}

/// A third-party API key with no issuer hook: the plan's schedule reminds people, and nothing
/// it generates writes a key.
pub fn api_key_rotation_reminds(backend: Backend, target: Target, rotation: Rotation) -> Finding {
    let reminder = match backend {
        Backend::AwsSecrets => {
            "the rotation Lambda fails each scheduled rotation with a reminder, which the plan's EventBridge rule sends to its SNS topic"
        }
        Backend::AzureKeyVault => "the Event Grid Function logs a reminder when Key Vault publishes SecretNearExpiry",
        Backend::GcpSecretManager => {
            "the function subscribed to the secret's rotation topic logs a reminder when Secret Manager publishes SECRET_ROTATE"
        }
        Backend::Vault => "the scheduled job fails with a reminder when the secret is older than rotation_period",
    };
    // Vault's scheduled CI pipeline (target cicd) calls no hook; its Kubernetes CronJob does.
    let vault_pipeline = !super::effect::calls_hook(backend, target);
    let hook = match backend {
        Backend::AwsSecrets => "or set api_key.issuer_hook to a Lambda function that mints a key, ",
        _ if vault_pipeline => "",
        _ => "or set api_key.issuer_hook to an https endpoint that mints a key, ",
    };
    let missing = if vault_pipeline {
        "the Vault rotation pipeline of target \"cicd\" calls no api_key.issuer_hook to mint a new one (the Kubernetes CronJob of targets \"kubernetes\" and \"application\" does)"
    } else {
        "no api_key.issuer_hook says how to mint a new one"
    };
    finding(
        FindingKind::Fallback,
        &["rotation_policy"],
        "API Key Rotation Falls Back To A Reminder",
        format!(
            "The API key is issued by a third party (api_key.issuer = \"third-party\", the default) and {missing}, \
             so rotation_policy \"{rotation}\" falls back to a reminder: {reminder}, and nothing the plan generates writes a new key (a random value would be \
             a key the issuer does not know, and every consumer would fail). Rotate the key at its issuer and write the new one, {hook}\
             or set api_key.issuer = \"self\" (or credential_type = \"generic\") when the plan may make the key up."
        ),
    )
}

pub fn azure_certificate_falls_back(months: u64, renew_days: u64, period: Duration) -> Finding {
    finding(
        FindingKind::Fallback,
        &["rotation_policy"],
        "Dynamic Credentials Fall Back To Scheduled Rotation",
        format!(
            "Azure Key Vault cannot issue short-lived certificates on demand: its shortest certificate validity is {months} month. \
             rotation_policy \"dynamic\" falls back to \"automatic\": a {months}-month certificate that Key Vault renews itself \
             {renew_days} days before it expires. Choose rotation_policy = \"automatic\" to make this explicit, or use backend \"vault\" for \
             certificates that live {}.",
            period.as_written()
        ),
    )
}

pub fn aws_certificate_falls_back(rotation: Rotation) -> Finding {
    finding(
        FindingKind::Fallback,
        &["rotation_policy"],
        "Certificate Rotation Falls Back To Manual",
        format!(
            "AWS Secrets Manager cannot issue or renew certificates, so rotation_policy \"{rotation}\" for a certificate falls back to \"manual\": \
             the certificate, its private key and chain are stored as one secret version and a new version is written when the certificate \
             is re-issued. For automatic renewal issue it from ACM Private CA with aws_acm_certificate (certificate_authority_arn) and export it, \
             or choose rotation_policy = \"manual\" to make this explicit."
        ),
    )
}

/// AWS: the generated rotation function does not speak the engine, so the plan rotates nothing.
pub fn aws_rotation_engine_falls_back(rotation: Rotation, engine: DbEngine, template: &str, managed: Option<&str>) -> Finding {
    let master = match managed {
        Some(service) => format!(" The master user's password is left to the managed rotation of {service}, scheduled in terraform/aws.tf; application users need the template."),
        None => String::new(),
    };
    finding(
        FindingKind::Fallback,
        &["database", "engine"],
        "Rotation Falls Back To Manual",
        format!(
            "rotation_policy = \"{rotation}\" fell back to \"manual\": the generated rotation function rotates PostgreSQL, Redshift, MySQL and MariaDB users, not database.engine = \"{engine}\", so the plan emits no rotation function and no rotation schedule. \
             Deploy AWS's alternating-users rotation template {template} from the Serverless Application Repository, attach it with aws_secretsmanager_secret_rotation and allow its role in the secret's resource policy, \
             or choose rotation_policy = \"manual\".{master}"
        ),
    )
}

pub fn azure_rotation_engine(engine: DbEngine, requested: Rotation) -> Finding {
    finding(
        FindingKind::Fallback,
        &["database", "engine"],
        "Rotation Function Cannot Change This Database's Password",
        format!(
            "The generated rotation Function changes passwords on \"postgresql\", \"mysql\" and \"redshift\" only, so for \"{engine}\" rotation_policy \"{requested}\" falls back to \"manual\": the plan emits no rotation Function, and the secret changes only when someone writes a new version after changing the password on the database. Use database.engine \"postgresql\", \"mysql\" or \"redshift\" for rotation with alternating users, or backend \"vault\", whose database engine rotates {engine} passwords where it has a plugin for it."
        ),
    )
}

pub fn gcp_rotation_engine(engine: DbEngine, rotation: Rotation) -> Finding {
    finding(
        FindingKind::Fallback,
        &["database", "engine"],
        "Rotation Function Cannot Change This Engine's Password",
        format!(
            "The generated rotation function changes passwords on postgresql, redshift and mysql only, so rotation_policy \"{rotation}\" for {engine} \
             falls back to \"manual\": the plan emits no rotation schedule, topic or function, and people add new versions. Use \
             database.engine = \"postgresql\", \"redshift\" or \"mysql\" for alternating-user rotation, or rotation_policy = \"manual\" to make this explicit."
        ),
    )
}

pub fn gcp_certificate_too_short(lifetime: Duration) -> Finding {
    finding(
        FindingKind::Error,
        &["certificate", "ttl"],
        "Certificate Lifetime Too Short For Secret Manager Rotation",
        format!(
            "certificate.ttl {} leaves less than 1h, Secret Manager's shortest rotation period, before two thirds of the certificate's life have passed. Use a certificate.ttl of 90m or more.",
            lifetime.as_written()
        ),
    )
}

pub fn openbao_mongodb() -> Finding {
    finding(
        FindingKind::Warning,
        &["database", "engine"],
        "MongoDB Plugin Missing In OpenBao",
        "OpenBao does not ship the mongodb-database-plugin (its licence is not OSI-approved). On OpenBao, register an external MongoDB database plugin in the plugin catalog and set its name as plugin_name; on Vault the built-in plugin works as planned.".into(),
    )
}

pub fn vault_oracle_plugin() -> Finding {
    finding(
        FindingKind::Warning,
        &["database", "engine"],
        "Oracle Plugin Must Be Registered",
        "vault-plugin-database-oracle is not built into Vault or OpenBao: install it with Oracle's client libraries and register it in the plugin catalog before applying terraform/vault.tf. The role grants schema privileges (GRANT ... ON SCHEMA), which need Oracle Database 23ai; on older releases replace them with per-table grants.".into(),
    )
}

/// Key Vault certificate policies name DNS names, e-mail addresses and UPNs, not IP addresses.
pub fn azure_certificate_ip_sans(ips: &[String]) -> Finding {
    finding(
        FindingKind::Error,
        &["certificate", "alt_names"],
        "IP Address Not Supported By Key Vault",
        format!(
            "certificate.alt_names lists {}, but an Azure Key Vault certificate policy takes only DNS names, e-mail addresses and user principal names as alternative names. Remove the IP address, or issue this certificate through Vault PKI or GCP Certificate Authority Service.",
            ips.join(", ")
        ),
    )
}

/// What would close a rotation window (`planner::window`) that leaves consumers a dead credential.
pub enum WindowFix {
    /// Each CI job's lease must outlive the job: a `rotation_period` of more than this.
    LongerLease(Duration),
    /// Nothing keeps the old credential working.
    NothingOverlaps,
    /// The overlap exists but the copies are older; on Kubernetes the refresh interval counts.
    YoungerCopies { kubernetes: bool },
}

/// A rotating plan whose consumers can keep a copy longer than the replaced credential works:
/// `how` the credential is replaced, `stale` the copies' age and its `parts`, the `effect`.
pub fn rotation_window_too_short(what: &str, how: &str, stale: Duration, parts: &str, effect: &str, fix: WindowFix) -> Finding {
    let fix = match fix {
        WindowFix::LongerLease(at_least) => {
            format!("Set rotation_period to more than {} so each job's credential outlives the job.", at_least.to_text())
        }
        WindowFix::NothingOverlaps => format!(
            "Nothing in this plan keeps the old {what} working: rotate by hand with an overlap (rotation_policy = \"manual\"), or make every consumer read the secret again and retry when a login fails."
        ),
        WindowFix::YoungerCopies { kubernetes: true } => {
            format!("Lower kubernetes.refresh_interval, or lengthen the {what}'s lifetime, until the overlap exceeds the copies' age.")
        }
        WindowFix::YoungerCopies { kubernetes: false } => {
            format!("Lengthen the {what}'s lifetime until the overlap exceeds the copies' age.")
        }
    };
    finding(
        FindingKind::Fallback,
        &["rotation_policy"],
        "Rotation Can Break Consumers",
        format!(
            "{how}, but a planned consumer may keep a copy for {} ({parts}): {effect}. {fix}",
            stale.to_text()
        ),
    )
}
