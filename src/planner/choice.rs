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
