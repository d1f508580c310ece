//! The one table of pinned SDK versions every snippet and dependency line reads from.

use super::choice::{Backend, Language};
use super::RotationScripts;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sdk {
    pub package: &'static str,
    pub version: &'static str,
}

/// The client library for a backend in a language (registry data, November 2026).
pub fn sdk(backend: Backend, language: Language) -> Sdk {
    let (package, version) = match (backend, language) {
        (Backend::Vault, Language::Python) => ("hvac", "2.4.0"),
        (Backend::Vault, Language::Go) => ("github.com/hashicorp/vault/api", "v1.23.0"),
        (Backend::Vault, Language::Nodejs) => ("node-vault", "0.12.0"),
        (Backend::Vault, Language::Java) => ("org.springframework.cloud:spring-cloud-starter-vault-config", "5.0.3"),
        (Backend::AwsSecrets, Language::Python) => ("boto3", "1.44.8"),
        (Backend::AwsSecrets, Language::Go) => ("github.com/aws/aws-sdk-go-v2/service/secretsmanager", "v1.50.12"),
        (Backend::AwsSecrets, Language::Nodejs) => ("@aws-sdk/client-secrets-manager", "3.1164.0"),
        (Backend::AwsSecrets, Language::Java) => ("software.amazon.awssdk:secretsmanager", "2.57.8"),
        (Backend::AzureKeyVault, Language::Python) => ("azure-keyvault-secrets", "4.12.0"),
        (Backend::AzureKeyVault, Language::Go) => ("github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets", "v1.5.0"),
        (Backend::AzureKeyVault, Language::Nodejs) => ("@azure/keyvault-secrets", "4.12.0"),
        (Backend::AzureKeyVault, Language::Java) => ("com.azure:azure-security-keyvault-secrets", "4.11.1"),
        (Backend::GcpSecretManager, Language::Python) => ("google-cloud-secret-manager", "2.32.0"),
        (Backend::GcpSecretManager, Language::Go) => ("cloud.google.com/go/secretmanager", "v1.16.0"),
        (Backend::GcpSecretManager, Language::Nodejs) => ("@google-cloud/secret-manager", "7.2.0"),
        (Backend::GcpSecretManager, Language::Java) => ("com.google.cloud:google-cloud-secretmanager", "2.85.0"),
    };
    Sdk { package, version }
}

/// A package a snippet needs; `bom` marks a Maven BOM imported in dependencyManagement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dependency {
    pub package: &'static str,
    pub version: &'static str,
    pub bom: bool,
}

const fn lib(package: &'static str, version: &'static str) -> Dependency {
    Dependency {
        package,
        version,
        bom: false,
    }
}

const fn bom(package: &'static str, version: &'static str) -> Dependency {
    Dependency {
        package,
        version,
        bom: true,
    }
}

/// azure-identity for Python, named in the Azure snippet's header.
pub const AZURE_IDENTITY_PYTHON: &str = "1.27.0";
/// The `go` line of generated go.mod files (the SDKs above need at least this).
pub const GO_VERSION: &str = "1.24";
/// The engines range of generated package.json files (the Azure and Google SDKs need Node 22).
pub const NODE_ENGINES: &str = ">=22";
/// maven.compiler.release of the generated pom.xml (Spring Boot 4 needs 17).
pub const JAVA_RELEASE: u32 = 17;

/// Everything a backend's snippet in a language imports: the SDK of [`sdk`] first, then its
/// authentication and core packages; for Java the BOMs that manage the library versions.
pub fn dependencies(backend: Backend, language: Language) -> Vec<Dependency> {
    let main = sdk(backend, language);
    let first = lib(main.package, main.version);
    match (backend, language) {
        // Spring Cloud 2025.1 runs on Boot 4.0: both BOMs, so the starter resolves without Boot's parent POM.
        (Backend::Vault, Language::Java) => vec![
            bom("org.springframework.boot:spring-boot-dependencies", "4.0.7"),
            bom("org.springframework.cloud:spring-cloud-dependencies", "2025.1.4"),
            first,
        ],
        (Backend::AwsSecrets, Language::Go) => vec![
            first,
            lib("github.com/aws/aws-sdk-go-v2", "v1.48.0"),
            lib("github.com/aws/aws-sdk-go-v2/config", "v1.33.18"),
        ],
        (Backend::AwsSecrets, Language::Java) => vec![bom("software.amazon.awssdk:bom", main.version), first],
        (Backend::AzureKeyVault, Language::Python) => vec![first, lib("azure-identity", AZURE_IDENTITY_PYTHON)],
        (Backend::AzureKeyVault, Language::Go) => vec![
            first,
            lib("github.com/Azure/azure-sdk-for-go/sdk/azcore", "v1.24.0"),
            lib("github.com/Azure/azure-sdk-for-go/sdk/azidentity", "v1.14.0"),
        ],
        (Backend::AzureKeyVault, Language::Nodejs) => vec![first, lib("@azure/identity", "4.14.1")],
        (Backend::AzureKeyVault, Language::Java) => vec![
            bom("com.azure:azure-sdk-bom", "1.3.8"),
            first,
            lib("com.azure:azure-identity", "1.18.4"),
        ],
        (Backend::GcpSecretManager, Language::Go) => vec![first, lib("github.com/googleapis/gax-go/v2", "v2.15.0")],
        (Backend::GcpSecretManager, Language::Java) => vec![bom("com.google.cloud:libraries-bom", "26.76.0"), first],
        _ => vec![first],
    }
}

/// The image the Kubernetes rotation CronJob runs (sh, curl, sed, base64; no Vault CLI needed).
pub const CURL_IMAGE: &str = "curlimages/curl:8.17.0";

/// Directory and file extension for a language's snippet in `files`.
pub fn source_layout(language: Language) -> (&'static str, &'static str) {
    match language {
        Language::Python => ("python", "py"),
        Language::Go => ("go", "go"),
        Language::Nodejs => ("nodejs", "js"),
        Language::Java => ("java", "java"),
    }
}

/// The file name `rotation_logic` is written to, by the kind of content it holds.
pub fn rotation_logic_filename(r: &RotationScripts) -> String {
    let text = r.rotation_logic.trim_start();
    let ext = if text.starts_with('{') {
        "json"
    } else if text.starts_with("#!/usr/bin/env python") || text.starts_with("import ") {
        "py"
    } else if text.starts_with("#!/bin/sh") {
        "sh"
    } else if text.starts_with("apiVersion:") {
        "yaml"
    } else {
        "hcl"
    };
    format!("{}.{ext}", r.rotation_type)
}

/// The AWS CLI image GitLab jobs run (its entrypoint is `aws`; jobs override it).
pub const AWS_CLI_IMAGE: &str = "amazon/aws-cli:2.27.9";
/// AWS Toolkit for Azure DevOps task that reads a Secrets Manager secret into a secret variable.
pub const AWS_ADO_SECRET_TASK: &str = "SecretsManagerGetSecret@1";
/// The Azure CLI image GitLab jobs run (PyPI azure-cli 2.91.0, 2026-10).
pub const AZURE_CLI_IMAGE: &str = "mcr.microsoft.com/azure-cli:2.91.0";
/// Python packages the Key Vault rotation Function imports besides azure-keyvault-secrets.
/// azure-functions 1.26.0 is the newest for Python 3.11-3.12 (2.x needs 3.13).
pub const AZURE_FUNCTIONS_PYTHON: &str = "1.26.0";
pub const PSYCOPG_PYTHON: &str = "3.3.9";
/// The MySQL/MariaDB driver of the Key Vault rotation Function (pure Python, as in
/// scripts/tools.d/40-azure.sh).
pub const AZURE_PYMYSQL_PYTHON: &str = "1.2.4";
/// The Cloud Functions (2nd gen) runtime of the generated rotation function.
pub const GCP_FUNCTION_RUNTIME: &str = "python313";
/// Python packages the generated GCP rotation function imports, pinned in its requirements.txt
/// (the same pins scripts/tools.d/41-gcp.sh installs for the mypy check).
pub const GCP_FUNCTIONS_FRAMEWORK: &str = "3.10.2";
pub const GCP_PRIVATE_CA: &str = "1.20.0";
pub const GCP_CRYPTOGRAPHY: &str = "50.0.2";
pub const GCP_PG8000: &str = "1.31.6";
pub const GCP_PYMYSQL: &str = "1.2.4";

/// A GitHub Action the generated workflows use, pinned by the full commit its release tag points
/// at (tags can move; commits cannot). `uses:` carries the commit and a `# <version>` comment,
/// the form Dependabot and Renovate update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Action {
    pub repository: &'static str,
    pub version: &'static str,
    /// The commit `version` points at (an annotated tag peeled to its commit).
    pub commit: &'static str,
    /// `runs.using` of the action.yml at that commit: a runtime runners run by default.
    pub runtime: &'static str,
    /// When tag, commit and runtime were last read off the action's repository.
    pub checked: &'static str,
}

impl Action {
    /// The `uses:` value: `<repository>@<commit>`.
    pub fn uses(&self) -> String {
        format!("{}@{}", self.repository, self.commit)
    }

    /// `<repository> <version>`, as decisions name it.
    pub fn named(&self) -> String {
        format!("{} {}", self.repository, self.version)
    }
}

pub const CHECKOUT: Action = Action {
    repository: "actions/checkout",
    version: "v7.0.1",
    commit: "3d3c42e5aac5ba805825da76410c181273ba90b1",
    runtime: "node24",
    checked: "2026-12-03",
};
pub const AWS_CREDENTIALS: Action = Action {
    repository: "aws-actions/configure-aws-credentials",
    version: "v6.2.3",
    commit: "e6de054238d6b7531b4efff3b6587d9aade6a06c",
    runtime: "node24",
    checked: "2026-12-03",
};
pub const AWS_GET_SECRETS: Action = Action {
    repository: "aws-actions/aws-secretsmanager-get-secrets",
    version: "v3.0.1",
    commit: "2cb1a461cbd4865ac4299648312e4704c646cd53",
    runtime: "node24",
    checked: "2026-12-03",
};
/// An annotated tag: the commit, not the tag object 858f4093….
pub const AZURE_LOGIN: Action = Action {
    repository: "azure/login",
    version: "v3.0.1",
    commit: "f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca",
    runtime: "node24",
    checked: "2026-12-03",
};
pub const GCP_AUTH: Action = Action {
    repository: "google-github-actions/auth",
    version: "v3.0.0",
    commit: "7c6bc770dae815cd3e89ee6cdf493a5fab2cc093",
    runtime: "node24",
    checked: "2026-12-03",
};

/// Every action a generated workflow may use; a test fails on any other `uses:`.
pub const ACTIONS: &[Action] = &[CHECKOUT, AWS_CREDENTIALS, AWS_GET_SECRETS, AZURE_LOGIN, GCP_AUTH];

/// The pinned action a `uses:` value names, if it is one of ours.
pub fn action(uses: &str) -> Option<&'static Action> {
    let (repository, commit) = uses.split_once('@')?;
    ACTIONS.iter().find(|a| a.repository == repository && a.commit == commit)
}
