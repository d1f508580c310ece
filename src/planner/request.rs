//! The planner's input: every argument of `secretsint_plan`, already checked for form.
//! `None` means "not set": the planner picks the default and records it in `decisions`.

use super::choice::*;

/// A span of time written like `90d`, `12h`, `30m`, `45s` or `1h30m`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration {
    seconds: u64,
}

impl Duration {
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
            let n: u64 = digits.parse().map_err(|_| format!("{text:?} is not a duration; {hint}"))?;
            total = n
                .checked_mul(unit)
                .and_then(|s| total.checked_add(s))
                .ok_or_else(|| format!("{text:?} is too long a duration"))?;
            digits.clear();
        }
        if !digits.is_empty() {
            return Err(format!("{text:?} has no unit; {hint}"));
        }
        if total == 0 {
            return Err(format!("{text:?} is zero; a duration must be positive"));
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

/// Free-form strings that are checked for shape where a backend or Kubernetes would refuse them.
pub mod shape {
    pub fn dns_subdomain(text: &str) -> Result<String, String> {
        let ok = !text.is_empty()
            && text.len() <= 253
            && text.split('.').all(|l| {
                !l.is_empty()
                    && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            });
        if ok {
            Ok(text.to_string())
        } else {
            Err(format!(
                "{text:?} is not a DNS subdomain name: use lowercase letters, digits, '-' and '.', at most 253 characters"
            ))
        }
    }

    /// A DNS name, optionally with one leading `*.` wildcard label.
    pub fn dns_subdomain_or_wildcard(text: &str) -> Result<String, String> {
        match text.strip_prefix("*.") {
            Some(rest) => dns_subdomain(rest).map(|_| text.to_string()),
            None => dns_subdomain(text),
        }
    }

    pub fn mount_path(text: &str) -> Result<String, String> {
        let ok = !text.is_empty()
            && !text.starts_with('/')
            && !text.ends_with('/')
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b))
            && !text.contains("//")
            && !has_dot_segment(text);
        if ok {
            Ok(text.to_string())
        } else {
            Err(format!(
                "{text:?} is not a mount path: use letters, digits, '-', '_', '.' and inner '/', without leading or trailing '/' or '.'/'..' segments"
            ))
        }
    }

    /// A `.` or `..` segment would make the path climb out of where it is written (path traversal).
    pub fn has_dot_segment(text: &str) -> bool {
        text.split('/').any(|seg| seg == "." || seg == "..")
    }

    pub fn https_url(text: &str) -> Result<String, String> {
        let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://"));
        match rest {
            // Control characters and whitespace never belong in a URL; 2048 is the common URL bound.
            Some(host)
                if !host.trim_end_matches('/').is_empty()
                    && text.len() <= 2048
                    && !host.contains(|c: char| c.is_whitespace() || c.is_control()) =>
            {
                Ok(text.trim_end_matches('/').to_string())
            }
            _ => Err(format!(
                "{text:?} is not a URL: write it as https://host:port, for example \"https://vault.example.com:8200\""
            )),
        }
    }

    pub fn digits(text: &str, len: usize, what: &str) -> Result<String, String> {
        if text.len() == len && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(text.to_string())
        } else {
            Err(format!("{text:?} is not {what}: it must be exactly {len} digits"))
        }
    }

    pub fn guid(text: &str, what: &str) -> Result<String, String> {
        let groups: Vec<&str> = text.split('-').collect();
        let lens = [8, 4, 4, 4, 12];
        let ok = groups.len() == 5
            && groups
                .iter()
                .zip(lens)
                .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()));
        if ok {
            Ok(text.to_ascii_lowercase())
        } else {
            Err(format!(
                "{text:?} is not {what}: write a GUID like \"00000000-0000-0000-0000-000000000000\""
            ))
        }
    }

    /// Letters, digits and the given extra punctuation, between `min` and `max` characters.
    pub fn token(text: &str, min: usize, max: usize, extra: &str, what: &str) -> Result<String, String> {
        let ok = (min..=max).contains(&text.len()) && text.chars().all(|c| c.is_ascii_alphanumeric() || extra.contains(c));
        if ok {
            Ok(text.to_string())
        } else {
            let extra_desc = if extra.is_empty() {
                String::new()
            } else {
                format!(" and any of {extra:?}")
            };
            Err(format!("{text:?} is not {what}: use {min} to {max} letters, digits{extra_desc}"))
        }
    }
}

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
        for bad in ["", "90", "d", "1w", "-1h", "1.5h", "0h", "99999999999999999999d"] {
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
