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
    pub identity_client_id: Option<String>,
    pub identity_principal_id: Option<String>,
    pub deployer_principal_id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct GcpInput {
    pub project_id: Option<String>,
    pub project_number: Option<String>,
    pub location: Option<String>,
    pub writers: Option<String>,
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
    pub oidc_issuer: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CicdInput {
    pub platform: Option<CicdPlatform>,
    pub repository: Option<String>,
    pub branch: Option<String>,
    pub oidc_issuer: Option<String>,
    pub owner_id: Option<String>,
    pub repository_id: Option<String>,
    pub classic_subject: Option<bool>,
    pub principal_id: Option<String>,
    pub rotator_principal_id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CertificateInput {
    pub common_name: Option<String>,
    pub alt_names: Option<Vec<String>>,
    pub ttl: Option<Duration>,
}

/// Who issues an API key and, for a third-party key, where a new one is minted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApiKeyInput {
    pub issuer: Option<ApiKeyIssuer>,
    pub issuer_hook: Option<String>,
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
    pub api_key: ApiKeyInput,
    /// Copies the data source keeps in state beyond its lean default; the plan is the same.
    pub include: Option<Vec<Include>>,
    /// From the provider block.
    pub default_languages: Option<Vec<Language>>,
    pub strict: bool,
    /// The secret's label inside a `secretsint_workload` (`secret "KEY" {}`), `None` for a
    /// `secretsint_plan`. It names every per-secret object, so the secrets of one workload
    /// never share a name (see [`super::Settings::stem`]).
    pub secret_label: Option<DnsLabel>,
}

/// One free-text argument: where it sits in the configuration, the grammar it must match, and
/// where a `Request` holds it. The provider reads, and `plan()` re-checks, every argument through
/// this one table, so a field and its grammar cannot drift apart between the two walls.
pub struct TextField {
    /// The nested block, or `None` for a top-level argument.
    pub block: Option<&'static str>,
    pub attr: &'static str,
    pub grammar: fn(&str) -> Result<String, String>,
    pub get: fn(&Request) -> Option<&String>,
    pub slot: fn(&mut Request) -> &mut Option<String>,
}

impl TextField {
    /// `block.attr`, as diagnostics and findings name it.
    pub fn name(&self) -> String {
        match self.block {
            Some(block) => format!("{block}.{}", self.attr),
            None => self.attr.to_string(),
        }
    }
}

macro_rules! text_fields {
    ($(($($block:ident)?) $attr:ident => $grammar:expr,)*) => {
        /// Every free-text argument of a request, in schema order.
        pub const TEXT_FIELDS: &[TextField] = &[$(TextField {
            block: text_fields!(@block $($block)?),
            attr: stringify!($attr),
            grammar: $grammar,
            get: |r| r.$($block.)?$attr.as_ref(),
            slot: |r| &mut r.$($block.)?$attr,
        },)*];
    };
    (@block) => { None };
    (@block $block:ident) => { Some(stringify!($block)) };
}

/// `https_url` without its plain-http flag: the provider warns about `http://` itself.
fn url(text: &str) -> Result<String, String> {
    shape::https_url(text).map(|(url, _)| url)
}

/// An OIDC issuer: `https://` only, even on loopback (no identity provider verifies another).
fn https_only(text: &str) -> Result<String, String> {
    match shape::https_url(text)? {
        (_, true) => Err(format!("{text:?} is not an https URL: an OIDC issuer is always served over https")),
        (url, false) => Ok(url),
    }
}

text_fields! {
    () timestamp => shape::rfc3339,
    (vault) address => url,
    (vault) namespace => shape::mount_path,
    (vault) kv_mount => shape::mount_path,
    (vault) auth_mount => shape::mount_path,
    (vault) database_mount => shape::mount_path,
    (vault) pki_mount => shape::mount_path,
    (aws) region => shape::aws_region,
    (aws) account_id => shape::aws_account_id,
    (aws) kms_key_id => shape::kms_key_id,
    (azure) vault_name => shape::key_vault_name,
    (azure) tenant_id => shape::tenant_id,
    (azure) subscription_id => shape::subscription_id,
    (azure) resource_group => shape::resource_group,
    (azure) identity_client_id => shape::client_id,
    (azure) identity_principal_id => shape::object_id,
    (azure) deployer_principal_id => shape::object_id,
    (gcp) project_id => shape::gcp_project_id,
    (gcp) project_number => shape::project_number,
    (gcp) location => shape::gcp_location,
    (gcp) writers => shape::iam_member,
    (database) host => shape::db_host,
    (database) database_name => shape::database_name,
    (kubernetes) service_account => shape::dns_subdomain,
    (kubernetes) cluster_name => shape::cluster_name,
    (kubernetes) oidc_issuer => https_only,
    (cicd) repository => shape::repository,
    (cicd) branch => shape::branch,
    (cicd) oidc_issuer => https_only,
    (cicd) owner_id => shape::numeric_id,
    (cicd) repository_id => shape::numeric_id,
    (cicd) principal_id => shape::object_id,
    (cicd) rotator_principal_id => shape::object_id,
    (certificate) common_name => shape::certificate_name,
    (api_key) issuer_hook => shape::issuer_hook,
}

impl Request {
    /// Every string argument that fails its grammar (`planner::shape`), as an error finding on
    /// its attribute. The provider checks the same table while it reads a configuration, so
    /// this finds something only when a caller builds a `Request` by hand: `plan()` then
    /// refuses it, and no value that could change an artifact's meaning reaches any renderer.
    pub fn grammar_findings(&self) -> Vec<super::Finding> {
        let mut out: Vec<super::Finding> = TEXT_FIELDS
            .iter()
            .filter_map(|f| {
                let problem = (f.grammar)((f.get)(self)?).err()?;
                let path = f.block.into_iter().chain([f.attr]).map(String::from).collect();
                Some(super::findings::invalid_value(path, &f.name(), &problem))
            })
            .collect();
        // Name and environment first: they come first in the schema.
        let parts = [("name", &self.name), ("environment", &self.environment)];
        let workload = parts.into_iter().filter_map(|(attr, label)| {
            let problem = shape::workload_part(label.as_ref()?.as_str()).err()?;
            Some(super::findings::invalid_value(vec![attr.into()], attr, &problem))
        });
        out.splice(0..0, workload.collect::<Vec<_>>());
        for (i, name) in self.certificate.alt_names.iter().flatten().enumerate() {
            if let Err(problem) = shape::subject_alt_name(name) {
                out.push(super::findings::invalid_value(
                    vec!["certificate".into(), "alt_names".into(), i.to_string()],
                    &format!("certificate.alt_names[{i}]"),
                    &problem,
                ));
            }
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
            api_key: ApiKeyInput::default(),
            include: None,
            default_languages: None,
            strict: false,
            secret_label: None,
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
