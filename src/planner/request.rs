//! The planner's input: every argument of `secretsint_plan`, already checked for form.
//! `None` means "not set": the planner picks the default and records it in `decisions`.

use super::choice::*;

/// A span of time written like `90d`, `12h`, `30m`, `45s` or `1h30m`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration {
    seconds: u64,
}

impl Duration {
    /// No duration argument may exceed ten years: every bound a backend or a renderer has
    /// (int64 nanoseconds in Go, 32-bit seconds in shell arithmetic) lies well beyond it.
    pub const MAX: Duration = Duration::from_secs(3650 * 86_400);

    pub const fn from_secs(seconds: u64) -> Duration {
        Duration { seconds }
    }

    pub const fn secs(self) -> u64 {
        self.seconds
    }

    pub fn parse(text: &str) -> Result<Duration, String> {
        let hint = "write a whole number followed by a unit s, m, h or d, such as \"90d\", \"12h\" or \"1h30m\"";
        if text.is_empty() {
            return Err(format!("an empty string is not a duration; {hint}"));
        }
        let mut total: u64 = 0;
        let mut digits = String::new();
        for ch in text.chars() {
            if ch.is_ascii_digit() {
                digits.push(ch);
                continue;
            }
            let unit = match ch {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                _ => return Err(format!("{text:?} is not a duration; {hint}")),
            };
            if digits.is_empty() {
                return Err(format!("{text:?} is not a duration; {hint}"));
            }
            let n: u64 = digits
                .parse()
                .map_err(|_| format!("{text:?} is longer than 3650d, the longest duration the provider accepts"))?;
            total = n
                .checked_mul(unit)
                .and_then(|s| total.checked_add(s))
                .ok_or_else(|| format!("{text:?} is longer than 3650d, the longest duration the provider accepts"))?;
            digits.clear();
        }
        if !digits.is_empty() {
            return Err(format!("{text:?} has no unit; {hint}"));
        }
        if total == 0 {
            return Err(format!("{text:?} is zero; a duration must be positive"));
        }
        if total > Duration::MAX.seconds {
            return Err(format!("{text:?} is longer than 3650d, the longest duration the provider accepts"));
        }
        Ok(Duration { seconds: total })
    }

    /// Canonical text: the largest units that divide it, e.g. `90d`, `36h`, `1h30m`.
    pub fn to_text(self) -> String {
        let mut rest = self.seconds;
        let mut out = String::new();
        for (unit, name) in [(86_400, 'd'), (3600, 'h'), (60, 'm'), (1, 's')] {
            if rest >= unit {
                out.push_str(&format!("{}{name}", rest / unit));
                rest %= unit;
            }
        }
        if out.is_empty() {
            out.push_str("0s");
        }
        out
    }

    /// Go duration syntax (hours at most), as Kubernetes controllers and Vault accept: `40m`, `2160h`.
    pub fn to_go(self) -> String {
        let (h, m, s) = (self.seconds / 3600, (self.seconds % 3600) / 60, self.seconds % 60);
        let mut out = String::new();
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if m > 0 {
            out.push_str(&format!("{m}m"));
        }
        if s > 0 || out.is_empty() {
            out.push_str(&format!("{s}s"));
        }
        out
    }
}

/// An RFC 1123 DNS label: lowercase letters, digits and '-', starting with a letter,
/// not ending with '-', at most `max` characters.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DnsLabel(String);

impl DnsLabel {
    pub fn parse(text: &str, max: usize) -> Result<DnsLabel, String> {
        let ok_chars = text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let starts = text.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
        let ends = text.bytes().last().is_some_and(|b| b != b'-');
        if text.is_empty() || text.len() > max || !ok_chars || !starts || !ends {
            return Err(format!(
                "{text:?} is not a DNS label: use 1 to {max} lowercase letters, digits or '-', starting with a letter and not ending with '-'"
            ));
        }
        Ok(DnsLabel(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The grammar of every free-form argument.
pub use super::shape;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct VaultInput {
    pub address: Option<String>,
    pub namespace: Option<String>,
    pub kv_mount: Option<String>,
    pub auth_mount: Option<String>,
    pub database_mount: Option<String>,
    pub pki_mount: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct AwsInput {
    pub region: Option<String>,
    pub account_id: Option<String>,
    pub kms_key_id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct AzureInput {
    pub vault_name: Option<String>,
    pub tenant_id: Option<String>,
    pub subscription_id: Option<String>,
    pub resource_group: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct GcpInput {
    pub project_id: Option<String>,
    pub project_number: Option<String>,
    pub location: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DatabaseInput {
    pub engine: Option<DbEngine>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub database_name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct KubernetesInput {
    pub namespace: Option<DnsLabel>,
    pub service_account: Option<String>,
    pub store_kind: Option<StoreKind>,
    pub refresh_interval: Option<Duration>,
    pub cluster_name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CicdInput {
    pub platform: Option<CicdPlatform>,
    pub repository: Option<String>,
    pub branch: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CertificateInput {
    pub common_name: Option<String>,
    pub alt_names: Option<Vec<String>>,
    pub ttl: Option<Duration>,
}

/// A complete, form-checked request. Cross-field rules (per-backend limits) are the planner's.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub backend: Backend,
    pub target: Target,
    pub rotation: Rotation,
    pub credential: Option<CredentialType>,
    pub name: Option<DnsLabel>,
    pub environment: Option<DnsLabel>,
    pub languages: Option<Vec<Language>>,
    pub rotation_period: Option<Duration>,
    pub timestamp: Option<String>,
    pub vault: VaultInput,
    pub aws: AwsInput,
    pub azure: AzureInput,
    pub gcp: GcpInput,
    pub database: DatabaseInput,
    pub kubernetes: KubernetesInput,
    pub cicd: CicdInput,
    pub certificate: CertificateInput,
    /// From the provider block.
    pub default_languages: Option<Vec<Language>>,
    pub strict: bool,
}

impl Request {
    /// Every string argument that fails its grammar (`planner::shape`), as an error finding on
    /// its attribute. The provider checks the same grammars while it reads a configuration, so
    /// this finds something only when a caller builds a `Request` by hand: `plan()` then
    /// refuses it, and no value that could change an artifact's meaning reaches any renderer.
    pub fn grammar_findings(&self) -> Vec<super::Finding> {
        use shape::*;
        type Check = fn(&str) -> Result<String, String>;
        let url: Check = |t| https_url(t).map(|(u, _)| u);
        let fields: [(&str, &str, Option<&String>, Check); 23] = [
            ("vault", "address", self.vault.address.as_ref(), url),
            ("vault", "namespace", self.vault.namespace.as_ref(), mount_path),
            ("vault", "kv_mount", self.vault.kv_mount.as_ref(), mount_path),
            ("vault", "auth_mount", self.vault.auth_mount.as_ref(), mount_path),
            ("vault", "database_mount", self.vault.database_mount.as_ref(), mount_path),
            ("vault", "pki_mount", self.vault.pki_mount.as_ref(), mount_path),
            ("aws", "region", self.aws.region.as_ref(), aws_region),
            ("aws", "account_id", self.aws.account_id.as_ref(), aws_account_id),
            ("aws", "kms_key_id", self.aws.kms_key_id.as_ref(), kms_key_id),
            ("azure", "vault_name", self.azure.vault_name.as_ref(), key_vault_name),
            ("azure", "tenant_id", self.azure.tenant_id.as_ref(), tenant_id),
            ("azure", "subscription_id", self.azure.subscription_id.as_ref(), subscription_id),
            ("azure", "resource_group", self.azure.resource_group.as_ref(), resource_group),
            ("gcp", "project_id", self.gcp.project_id.as_ref(), gcp_project_id),
            ("gcp", "project_number", self.gcp.project_number.as_ref(), project_number),
            ("gcp", "location", self.gcp.location.as_ref(), gcp_location),
            ("database", "host", self.database.host.as_ref(), db_host),
            ("database", "database_name", self.database.database_name.as_ref(), database_name),
            (
                "kubernetes",
                "service_account",
                self.kubernetes.service_account.as_ref(),
                dns_subdomain,
            ),
            ("kubernetes", "cluster_name", self.kubernetes.cluster_name.as_ref(), cluster_name),
            ("cicd", "repository", self.cicd.repository.as_ref(), repository),
            ("cicd", "branch", self.cicd.branch.as_ref(), branch),
            (
                "certificate",
                "common_name",
                self.certificate.common_name.as_ref(),
                certificate_name,
            ),
        ];
        let mut out: Vec<super::Finding> = fields
            .iter()
            .filter_map(|(block, attr, value, check)| {
                let problem = check(value.as_ref()?).err()?;
                Some(super::Finding {
                    kind: super::FindingKind::Error,
                    field: vec![block.to_string(), attr.to_string()],
                    summary: "Invalid Attribute Value".into(),
                    detail: format!("{block}.{attr}: {problem}."),
                })
            })
            .collect();
        for (i, name) in self.certificate.alt_names.iter().flatten().enumerate() {
            if let Err(problem) = certificate_name(name) {
                out.push(super::Finding {
                    kind: super::FindingKind::Error,
                    field: vec!["certificate".into(), "alt_names".into(), i.to_string()],
                    summary: "Invalid Attribute Value".into(),
                    detail: format!("certificate.alt_names[{i}]: {problem}."),
                });
            }
        }
        if let Some(Err(problem)) = self.timestamp.as_deref().map(rfc3339) {
            out.push(super::Finding {
                kind: super::FindingKind::Error,
                field: vec!["timestamp".into()],
                summary: "Invalid Attribute Value".into(),
                detail: format!("timestamp: {problem}."),
            });
        }
        out
    }

    /// A request with only the three required choices set.
    pub fn new(backend: Backend, target: Target, rotation: Rotation) -> Request {
        Request {
            backend,
            target,
            rotation,
            credential: None,
            name: None,
            environment: None,
            languages: None,
            rotation_period: None,
            timestamp: None,
            vault: VaultInput::default(),
            aws: AwsInput::default(),
            azure: AzureInput::default(),
            gcp: GcpInput::default(),
            database: DatabaseInput::default(),
            kubernetes: KubernetesInput::default(),
            cicd: CicdInput::default(),
            certificate: CertificateInput::default(),
            default_languages: None,
            strict: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let ok = [
            ("90d", 7_776_000, "90d", "2160h"),
            ("12h", 43_200, "12h", "12h"),
            ("1h30m", 5400, "1h30m", "1h30m"),
            ("40m", 2400, "40m", "40m"),
            ("36h", 129_600, "1d12h", "36h"),
        ];
        for (text, secs, canon, go) in ok {
            let d = Duration::parse(text).unwrap();
            assert_eq!(d.secs(), secs, "{text}");
            assert_eq!(d.to_text(), canon);
            assert_eq!(d.to_go(), go);
        }
        for bad in [
            "",
            "90",
            "d",
            "1w",
            "-1h",
            "1.5h",
            "0h",
            "99999999999999999999d",
            "18446744073709551615s",
            "3651d",
        ] {
            assert!(Duration::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dns_labels() {
        assert!(DnsLabel::parse("payments-api", 40).is_ok());
        for bad in ["", "Payments", "1app", "app-", "a_b", &"a".repeat(41)] {
            assert!(DnsLabel::parse(bad, 40).is_err(), "{bad}");
        }
    }
}
