//! The planner's input: every argument of `secretsint_plan`, already checked for form.
//! `None` means "not set": the planner picks the default and records it in `decisions`.

use super::choice::*;

pub use super::duration::Duration;

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
                Some(super::findings::invalid_value(
                    vec![block.to_string(), attr.to_string()],
                    &format!("{block}.{attr}"),
                    &problem,
                ))
            })
            .collect();
        for (i, name) in self.certificate.alt_names.iter().flatten().enumerate() {
            if let Err(problem) = certificate_name(name) {
                out.push(super::findings::invalid_value(
                    vec!["certificate".into(), "alt_names".into(), i.to_string()],
                    &format!("certificate.alt_names[{i}]"),
                    &problem,
                ));
            }
        }
        if let Some(Err(problem)) = self.timestamp.as_deref().map(rfc3339) {
            out.push(super::findings::invalid_value(vec!["timestamp".into()], "timestamp", &problem));
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
    fn dns_labels() {
        assert!(DnsLabel::parse("payments-api", 40).is_ok());
        for bad in ["", "Payments", "1app", "app-", "a_b", &"a".repeat(41)] {
            assert!(DnsLabel::parse(bad, 40).is_err(), "{bad}");
        }
    }
}
