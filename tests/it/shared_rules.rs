//! Rules every backend follows the same way, checked across all four (issue 13's bugs: each was
//! written once per backend, and some copies were wrong).

use crate::support::WorkloadFiles;
use secretsint::planner::request::{DnsLabel, Duration};
use secretsint::planner::{plan, Backend, Choice, CredentialType, FindingKind, Request, Rotation, StoreKind, Target};

/// A certificate's DNS names appear once each in every artifact that lists them, whatever the
/// order of the duplicates (`Vec::dedup` removed only adjacent ones).
#[test]
fn certificate_dns_names_are_listed_once() {
    for backend in Backend::ALL {
        for target in [Target::Kubernetes, Target::Application] {
            let mut req = Request::new(*backend, target, Rotation::Automatic);
            req.credential = Some(CredentialType::Certificate);
            req.certificate.common_name = Some("orders.example.com".into());
            req.certificate.alt_names = Some(vec![
                "api.example.com".into(),
                "orders.example.com".into(),
                "www.example.com".into(),
                "api.example.com".into(),
            ]);
            let p = plan(&req);
            assert!(
                !p.findings.iter().any(|f| f.kind == FindingKind::Error),
                "{backend} {target}: {:?}",
                p.findings
            );
            let mut seen_somewhere = false;
            for (name, text) in p.workload_files() {
                for line in text.lines() {
                    // A line that lists several names (a YAML flow list, an HCL list, a
                    // comma-separated environment value) must not repeat one.
                    let hits = |n: &str| line.matches(n).count();
                    if hits("api.example.com") > 0 && hits("www.example.com") > 0 {
                        seen_somewhere = true;
                        assert_eq!(hits("api.example.com"), 1, "{backend} {target} {name}: {line}");
                        assert!(hits("orders.example.com") <= 1, "{backend} {target} {name}: {line}");
                    }
                }
                if name.ends_with(".yaml") && text.contains("dnsNames") {
                    let v: serde_json::Value = serde_norway::from_str(&text).unwrap();
                    let names: Vec<&str> = v["spec"]["dnsNames"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|n| n.as_str().unwrap())
                        .collect();
                    assert_eq!(
                        names,
                        ["orders.example.com", "api.example.com", "www.example.com"],
                        "{backend} {name}"
                    );
                    seen_somewhere = true;
                }
            }
            if *backend != Backend::AwsSecrets {
                // AWS plans no certificate issuance (manual fallback), so it lists no names.
                assert!(seen_somewhere, "{backend} {target}: no artifact lists the names");
            }
        }
    }
}

/// Every backend refuses an ESO refresh interval that is not shorter than the rotation period
/// (AWS and Azure never checked it).
#[test]
fn every_backend_refuses_a_refresh_interval_at_or_above_the_period() {
    for backend in Backend::ALL {
        let mut req = Request::new(*backend, Target::Kubernetes, Rotation::Automatic);
        req.credential = Some(CredentialType::ApiKey);
        req.rotation_period = Some(Duration::parse("4h").unwrap());
        req.kubernetes.refresh_interval = Some(Duration::parse("5h").unwrap());
        let p = plan(&req);
        let errors: Vec<_> = p.findings.iter().filter(|f| f.kind == FindingKind::Error).collect();
        assert!(
            errors.iter().any(|f| f.field == ["kubernetes", "refresh_interval"]),
            "{backend}: no error on kubernetes.refresh_interval: {:?}",
            p.findings
        );
        req.kubernetes.refresh_interval = Some(Duration::parse("1h").unwrap());
        let p = plan(&req);
        assert!(
            !p.findings.iter().any(|f| f.kind == FindingKind::Error),
            "{backend}: {:?}",
            p.findings
        );
    }
}

/// A ClusterSecretStore of every backend serves only the workload's namespace (the Azure one,
/// built by its own copy of the store types, served every namespace).
#[test]
fn every_cluster_secret_store_is_limited_to_the_workload_namespace() {
    for backend in Backend::ALL {
        for credential in CredentialType::ALL {
            let mut req = Request::new(*backend, Target::Kubernetes, Rotation::Manual);
            req.credential = Some(*credential);
            req.kubernetes.store_kind = Some(StoreKind::ClusterSecretStore);
            req.kubernetes.namespace = Some(DnsLabel::parse("orders", 63).unwrap());
            let p = plan(&req);
            let mut stores = 0;
            for (name, text) in p.workload_files() {
                if !name.ends_with(".yaml") || name.starts_with(".") {
                    continue;
                }
                let v: serde_json::Value = serde_norway::from_str(&text).unwrap();
                if v["kind"] != "ClusterSecretStore" {
                    continue;
                }
                stores += 1;
                assert_eq!(
                    v["spec"]["conditions"],
                    serde_json::json!([{"namespaces": ["orders"]}]),
                    "{backend} {credential} {name}: the store serves every namespace"
                );
            }
            if *credential != CredentialType::Certificate || *backend != Backend::Vault {
                assert!(
                    stores > 0 || p.workload_files().keys().all(|k| !k.contains("store")),
                    "{backend} {credential}"
                );
            }
        }
    }
}
