//! Golden files for AWS Secrets Manager: every target × rotation × credential with default
//! arguments (`tests/golden/aws-<target>-<rotation>-<credential>/`), the other three CI/CD
//! platforms, and one customised case (customer-managed key, ClusterSecretStore, 12h period).

use secretsint::planner::request::{DnsLabel, Duration};
use secretsint::planner::{Backend, CredentialType, Request, Rotation, StoreKind, Target};

use crate::golden::{default_combinations, platform_case, OTHER_PLATFORMS};

/// All 36 default combinations plus the extra cases, each with its golden directory name.
pub fn aws_cases() -> Vec<(String, Request)> {
    let mut out = default_combinations(Backend::AwsSecrets, "aws");
    for p in OTHER_PLATFORMS {
        out.push(platform_case(
            Backend::AwsSecrets,
            "aws",
            p,
            Rotation::Automatic,
            CredentialType::Database,
        ));
    }
    let mut custom = Request::new(Backend::AwsSecrets, Target::Kubernetes, Rotation::Automatic);
    custom.credential = Some(CredentialType::ApiKey);
    custom.name = Some(DnsLabel::parse("payments", 40).expect("label"));
    custom.environment = Some(DnsLabel::parse("staging", 63).expect("label"));
    custom.rotation_period = Some(Duration::parse("12h").expect("duration"));
    custom.aws.region = Some("eu-west-1".into());
    custom.aws.kms_key_id = Some("1234abcd-12ab-34cd-56ef-1234567890ab".into());
    custom.kubernetes.store_kind = Some(StoreKind::ClusterSecretStore);
    custom.kubernetes.namespace = Some(DnsLabel::parse("payments-ns", 63).expect("label"));
    custom.timestamp = Some("2026-11-28T00:00:00Z".into());
    out.push(("aws-kubernetes-custom-kms-cluster-store".into(), custom));
    out
}
