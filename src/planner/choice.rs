//! Closed sets of choices. Each enum lists its values once; validation, schema descriptions
//! and docs all read the same list.

/// A closed set of string choices.
pub trait Choice: Sized + Copy + 'static {
    /// The attribute's own name for messages, e.g. "secrets backend".
    const WHAT: &'static str;
    const ALL: &'static [Self];
    fn as_str(self) -> &'static str;

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// The value a user most likely meant by `text`, which did not parse: the same word in
    /// another case or with `_` for `-`, a common other name (`k8s`, `postgres`, `github`), or
    /// the one value within two edits. Only ever a suggestion for a message, never accepted.
    fn suggest(text: &str) -> Option<Self> {
        let norm = text.trim().to_ascii_lowercase().replace('_', "-");
        if let Some(c) = Self::ALL.iter().copied().find(|c| c.as_str().to_ascii_lowercase() == norm) {
            return Some(c);
        }
        if let Some(c) = OTHER_NAMES
            .iter()
            .filter(|(other, _)| *other == norm)
            .find_map(|(_, name)| Self::parse(name))
        {
            return Some(c);
        }
        let near: Vec<(usize, Self)> = Self::ALL
            .iter()
            .copied()
            .map(|c| (edit_distance(&norm, &c.as_str().to_ascii_lowercase()), c))
            .filter(|(d, _)| *d <= 2)
            .collect();
        let closest = near.iter().map(|(d, _)| *d).min()?;
        match near.iter().filter(|(d, _)| *d == closest).collect::<Vec<_>>()[..] {
            [(_, c)] => Some(*c),
            _ => None,
        }
    }

    /// `"a", "b" or "c"`, for messages and descriptions.
    fn allowed() -> String {
        let quoted: Vec<String> = Self::ALL.iter().map(|c| format!("\"{}\"", c.as_str())).collect();
        match quoted.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {}", rest.join(", "), last),
            Some((last, _)) => last.clone(),
            None => String::new(),
        }
    }
}

/// Names people use for our values, each mapped to the value it means. Checked by a test: every
/// right-hand side is a value of some choice.
const OTHER_NAMES: &[(&str, &str)] = &[
    ("k8s", "kubernetes"),
    ("kube", "kubernetes"),
    ("eks", "kubernetes"),
    ("aks", "kubernetes"),
    ("gke", "kubernetes"),
    ("openbao", "vault"),
    ("bao", "vault"),
    ("hashicorp-vault", "vault"),
    ("aws", "aws-secrets"),
    ("secretsmanager", "aws-secrets"),
    ("aws-secretsmanager", "aws-secrets"),
    ("azure", "azure-keyvault"),
    ("keyvault", "azure-keyvault"),
    ("azure-key-vault", "azure-keyvault"),
    ("gcp", "gcp-secretmanager"),
    ("google", "gcp-secretmanager"),
    ("secretmanager", "gcp-secretmanager"),
    ("gcp-secret-manager", "gcp-secretmanager"),
    ("ci", "cicd"),
    ("ci-cd", "cicd"),
    ("pipeline", "cicd"),
    ("app", "application"),
    ("static", "manual"),
    ("rotate", "automatic"),
    ("scheduled", "automatic"),
    ("ephemeral", "dynamic"),
    ("db", "database"),
    ("password", "database"),
    ("apikey", "api-key"),
    ("token", "api-key"),
    ("cert", "certificate"),
    ("tls", "certificate"),
    ("x509", "certificate"),
    ("postgres", "postgresql"),
    ("pg", "postgresql"),
    ("mariadb", "mysql"),
    ("mongo", "mongodb"),
    ("sqlserver", "mssql"),
    ("sql-server", "mssql"),
    ("node", "nodejs"),
    ("javascript", "nodejs"),
    ("js", "nodejs"),
    ("typescript", "nodejs"),
    ("golang", "go"),
    ("py", "python"),
    ("github", "github-actions"),
    ("gha", "github-actions"),
    ("gitlab", "gitlab-ci"),
    ("ado", "azure-devops"),
    ("azure-pipelines", "azure-devops"),
];

/// Levenshtein distance, for suggestions between short words.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

macro_rules! choice {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant),+ }

        impl Choice for $name {
            const WHAT: &'static str = $what;
            const ALL: &'static [Self] = &[$($name::$variant),+];
            fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

choice!(
    /// Where the secrets live.
    Backend, "secrets backend" {
    Vault => "vault",
    AwsSecrets => "aws-secrets",
    AzureKeyVault => "azure-keyvault",
    GcpSecretManager => "gcp-secretmanager",
});

choice!(
    /// Who consumes the secrets.
    Target, "integration target" {
    Kubernetes => "kubernetes",
    Cicd => "cicd",
    Application => "application",
});

choice!(
    /// How credentials change over time.
    Rotation, "rotation policy" {
    Manual => "manual",
    Automatic => "automatic",
    Dynamic => "dynamic",
});

choice!(
    /// What kind of secret is managed.
    CredentialType, "credential type" {
    Database => "database",
    ApiKey => "api-key",
    Certificate => "certificate",
    Generic => "generic",
});

impl CredentialType {
    /// The last segment of every secret's name and path (`config` for generic secrets).
    pub fn leaf(self) -> &'static str {
        match self {
            CredentialType::Database => "database",
            CredentialType::ApiKey => "api-key",
            CredentialType::Certificate => "certificate",
            CredentialType::Generic => "config",
        }
    }

    /// The fields a secret of this type holds, in the order consumers see them.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            CredentialType::Database => &["username", "password"],
            CredentialType::ApiKey => &["api_key"],
            CredentialType::Certificate => &["certificate", "private_key"],
            CredentialType::Generic => &["value"],
        }
    }
}

choice!(
    /// Languages for SDK integration code.
    Language, "language" {
    Python => "python",
    Go => "go",
    Nodejs => "nodejs",
    Java => "java",
});

choice!(
    /// What the data source fills beyond its lean default (the CLI always fills both).
    Include, "extra output" {
    ContractJson => "contract_json",
    Files => "files",
});

choice!(
    /// Database engines the plan can configure.
    DbEngine, "database engine" {
    Postgresql => "postgresql",
    Mysql => "mysql",
    Mongodb => "mongodb",
    Mssql => "mssql",
    Oracle => "oracle",
    Redshift => "redshift",
});

choice!(
    /// Who issues an API key: a third party the plan cannot mint keys at (the default), or this
    /// plan itself, when the key is only a shared secret the consumer and the service both read.
    ApiKeyIssuer, "API key issuer" {
    ThirdParty => "third-party",
    SelfIssued => "self",
});

choice!(
    /// External Secrets Operator store kinds.
    StoreKind, "store kind" {
    SecretStore => "SecretStore",
    ClusterSecretStore => "ClusterSecretStore",
});

choice!(
    /// CI/CD platforms.
    CicdPlatform, "CI/CD platform" {
    GithubActions => "github-actions",
    GitlabCi => "gitlab-ci",
    Jenkins => "jenkins",
    AzureDevops => "azure-devops",
});

choice!(
    /// How the consumer authenticates to the backend.
    AuthMethod, "authentication method" {
    Kubernetes => "kubernetes",
    Approle => "approle",
    Jwt => "jwt",
    Iam => "iam",
    Irsa => "irsa",
    PodIdentity => "pod-identity",
    ManagedIdentity => "managed-identity",
    WorkloadIdentity => "workload-identity",
    Oidc => "oidc",
});

choice!(
    /// The language of `secrets_config.config_file`.
    ConfigFormat, "config format" {
    Hcl => "hcl",
    Json => "json",
    Yaml => "yaml",
});

choice!(
    /// Kinds of access policy documents.
    PolicyType, "policy type" {
    VaultPolicy => "vault-policy",
    IamPolicy => "iam-policy",
    IamTrustPolicy => "iam-trust-policy",
    ResourcePolicy => "resource-policy",
    RbacAssignment => "rbac-assignment",
    IamBinding => "iam-binding",
    KubernetesRbac => "kubernetes-rbac",
});

choice!(
    /// Kinds of rotation workflow.
    RotationType, "rotation type" {
    None => "none",
    Lambda => "lambda",
    Managed => "managed",
    CloudFunction => "cloud-function",
    EventGridFunction => "event-grid-function",
    Cronjob => "cronjob",
    VaultEngine => "vault-engine",
    CertManager => "cert-manager",
});

choice!(
    /// Kinds of deployment manifest.
    ManifestType, "manifest type" {
    Kubernetes => "kubernetes",
    Terraform => "terraform",
    Cicd => "cicd",
    Cloudformation => "cloudformation",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_allowed() {
        assert_eq!(Backend::parse("aws-secrets"), Some(Backend::AwsSecrets));
        assert_eq!(Backend::parse("aws"), None);
        assert_eq!(Target::allowed(), r#""kubernetes", "cicd" or "application""#);
        for b in Backend::ALL {
            assert_eq!(Backend::parse(b.as_str()), Some(*b));
        }
    }
}

#[cfg(test)]
mod suggestion_tests {
    use super::*;

    #[test]
    fn suggestions_for_case_other_names_and_typos() {
        assert_eq!(Backend::suggest("Vault"), Some(Backend::Vault));
        assert_eq!(Backend::suggest("openbao"), Some(Backend::Vault));
        assert_eq!(Target::suggest("k8s"), Some(Target::Kubernetes));
        assert_eq!(DbEngine::suggest("postgres"), Some(DbEngine::Postgresql));
        assert_eq!(CredentialType::suggest("api_key"), Some(CredentialType::ApiKey));
        assert_eq!(Rotation::suggest("dynamc"), Some(Rotation::Dynamic));
        assert_eq!(StoreKind::suggest("clustersecretstore"), Some(StoreKind::ClusterSecretStore));
        assert_eq!(CicdPlatform::suggest("github"), Some(CicdPlatform::GithubActions));
        // Nothing near, or two equally near: no guess.
        assert_eq!(Rotation::suggest("weekly"), None);
        assert_eq!(Language::suggest("rust"), None);
    }

    #[test]
    fn every_other_name_means_a_value() {
        let values: Vec<&str> = [
            Backend::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            Target::ALL.iter().map(|c| c.as_str()).collect(),
            Rotation::ALL.iter().map(|c| c.as_str()).collect(),
            CredentialType::ALL.iter().map(|c| c.as_str()).collect(),
            Language::ALL.iter().map(|c| c.as_str()).collect(),
            DbEngine::ALL.iter().map(|c| c.as_str()).collect(),
            CicdPlatform::ALL.iter().map(|c| c.as_str()).collect(),
        ]
        .concat();
        for (other, name) in OTHER_NAMES {
            assert!(values.contains(name), "{other} -> {name}");
            assert!(!values.contains(other), "{other} is itself a value");
        }
    }
}

choice!(
    /// The principal an access policy is attached to (or, for a resource policy, who applies it).
    AttachTo, "principal" {
    Workload => "workload",
    Writer => "writer",
    Rotator => "rotator",
    Deployer => "deployer",
    Ci => "ci",
});

impl AttachTo {
    /// The consumer's kind: a CI job on the cicd target, the workload otherwise.
    pub fn consumer(target: Target) -> AttachTo {
        match target {
            Target::Cicd => AttachTo::Ci,
            _ => AttachTo::Workload,
        }
    }
}
