//! Golden files for AWS Secrets Manager: every target × rotation × credential with default
//! arguments (`tests/golden/aws-<target>-<rotation>-<credential>/`), the other three CI/CD
//! platforms, and one customised case (customer-managed key, ClusterSecretStore, 12h period).

use std::path::{Path, PathBuf};

use secretsint::planner::request::{DnsLabel, Duration};
use secretsint::planner::{plan, Backend, CredentialType, FindingKind, Request, Rotation, StoreKind, Target};

use crate::golden::{check_golden, default_combinations, platform_case, OTHER_PLATFORMS};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

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

#[test]
fn golden_aws_every_combination() {
    let cases = aws_cases();
    assert_eq!(cases.len(), 40);
    for (case, req) in cases {
        let p = plan(&req);
        assert!(
            p.secrets_config.config_file.is_some() && p.rotation_scripts.is_some(),
            "{case} is not planned: {:?}",
            p.findings
        );
        assert!(!p.findings.iter().any(|f| f.kind == FindingKind::Error), "{case}: {:?}", p.findings);
        let falls_back = req.rotation == Rotation::Dynamic
            || (req.rotation == Rotation::Automatic && req.credential == Some(CredentialType::Certificate));
        assert_eq!(
            p.findings.iter().any(|f| f.kind == FindingKind::Fallback),
            falls_back,
            "{case}: {:?}",
            p.findings
        );
        assert_eq!(p.decisions.iter().any(|d| d.contains("fell back")), falls_back, "{case}");
        assert!(
            !p.integration_code.is_empty(),
            "{case}: integration.rs fills integration_code for every backend"
        );
        assert!(
            p.secrets_config.secret_path.starts_with("arn:aws:secretsmanager:") && !p.secrets_config.secret_path.ends_with('?'),
            "{case}"
        );
        let files = p.files();
        assert!(files.contains_key("terraform/aws.tf"), "{case}");
        for text in files.values() {
            assert!(
                !text.contains("external-secrets.io/v1beta1") && !text.contains("CI_JOB_JWT"),
                "{case}"
            );
        }
        check_golden(&case, &root().join(&case), &req);
    }
}
