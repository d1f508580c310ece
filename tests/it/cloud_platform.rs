//! Issue 14 on Azure and GCP: platform and workload apart. What every workload on one vault or
//! project shares (the Key Vault, its audit setting and one Event Grid system topic, the
//! deployer's roles; the project's audit config, the Secret Manager service agent, the CI
//! workload identity pool and provider) is in `platform_files`, byte-identical for every plan
//! that shares the platform inputs; workload Terraform only looks those objects up, and the
//! workload and platform modules compose: no shared address, every reference resolves, and the
//! lookups name what the platform declares.

use std::collections::{BTreeMap, BTreeSet};

use secretsint::planner::request::{DnsLabel, Duration};
use secretsint::planner::{plan, Backend, Choice, CicdPlatform, CredentialType, DbEngine, ManifestType, Plan, Request, Rotation, Target};

/// Resource types only the platform may declare: their names do not depend on the workload.
fn shared_types(backend: Backend) -> &'static [&'static str] {
    match backend {
        Backend::AzureKeyVault => &[
            "azurerm_key_vault",
            "azurerm_monitor_diagnostic_setting",
            "azurerm_eventgrid_system_topic",
        ],
        _ => &[
            "google_project_iam_audit_config",
            "google_project_service_identity",
            "google_iam_workload_identity_pool",
            "google_iam_workload_identity_pool_provider",
        ],
    }
}

fn platform_file(backend: Backend) -> &'static str {
    match backend {
        Backend::AzureKeyVault => "platform/azure.tf",
        _ => "platform/gcp.tf",
    }
}

/// The workload's Terraform: the `.tf` deployment manifests (not looked up by `files` key, which
/// may gain a workload prefix).
fn workload_tf(p: &Plan) -> Vec<(&str, &str)> {
    p.deployment_manifests
        .iter()
        .filter(|m| m.kind == ManifestType::Terraform && m.filename.ends_with(".tf"))
        .map(|m| (m.filename.as_str(), m.content.as_str()))
        .collect()
}

fn label(text: &str) -> DnsLabel {
    DnsLabel::parse(text, 40).unwrap()
}

/// One request on the platform of `(backend, target, platform)` for a workload.
fn request(backend: Backend, target: Target, platform: Option<CicdPlatform>, w: (&str, &str, Rotation, CredentialType)) -> Request {
    let (name, environment, rotation, credential) = w;
    let mut req = Request::new(backend, target, rotation);
    req.credential = Some(credential);
    req.name = Some(label(name));
    req.environment = Some(label(environment));
    req.cicd.platform = platform;
    if name == "eu-payments" {
        // Workload inputs beyond the four enums, which the platform must not read either.
        req.database.engine = Some(DbEngine::Mysql);
        req.database.host = Some("mysql.payments.example.com".into());
        req.certificate.common_name = Some("payments.example.com".into());
        req.kubernetes.namespace = Some(label("payments"));
        req.kubernetes.service_account = Some("payments-api".into());
        req.cicd.branch = Some("release".into());
        req.rotation_period = Some(Duration::parse("30d").unwrap());
    }
    req
}

/// Every platform of Azure and GCP: backend, target, and the CI platform of a cicd target.
fn platforms() -> Vec<(Backend, Target, Option<CicdPlatform>)> {
    let mut out = Vec::new();
    for backend in [Backend::AzureKeyVault, Backend::GcpSecretManager] {
        for target in Target::ALL {
            if *target == Target::Cicd {
                out.extend(CicdPlatform::ALL.iter().map(|p| (backend, *target, Some(*p))));
            } else {
                out.push((backend, *target, None));
            }
        }
    }
    out
}

/// Workloads that differ in everything but the platform: name, environment, rotation, credential.
fn workloads() -> Vec<(&'static str, &'static str, Rotation, CredentialType)> {
    let mut out = Vec::new();
    for (name, environment) in [("app", "prod"), ("orders", "staging"), ("eu-payments", "prod")] {
        for r in Rotation::ALL {
            for c in CredentialType::ALL {
                out.push((name, environment, *r, *c));
            }
        }
    }
    out
}

#[test]
fn platform_files_are_byte_identical_across_workloads() {
    let mut plans = 0;
    for (backend, target, platform) in platforms() {
        let mut first: Option<(String, std::collections::BTreeMap<String, String>)> = None;
        for w in workloads() {
            let p = plan(&request(backend, target, platform, w));
            let case = format!("{backend}/{target}/{platform:?}/{w:?}");
            assert_eq!(p.platform_files.keys().collect::<Vec<_>>(), vec![platform_file(backend)], "{case}");
            match &first {
                None => first = Some((case, p.platform_files.clone())),
                Some((first_case, files)) => {
                    for (path, text) in files {
                        assert!(
                            p.platform_files[path] == *text,
                            "{case} and {first_case} differ in {path}:\n{}",
                            crate::support::unified_diff(text, &p.platform_files[path])
                        );
                    }
                }
            }
            plans += 1;
        }
    }
    assert!(plans >= 12 * 36, "{plans}");

    // Canary: the platform inputs do reach the platform files.
    let w = ("app", "prod", Rotation::Manual, CredentialType::Generic);
    let base = request(Backend::AzureKeyVault, Target::Kubernetes, None, w);
    let mut other = base.clone();
    other.azure.vault_name = Some("kv-other".into());
    assert_ne!(plan(&base).platform_files, plan(&other).platform_files);
    let base = request(Backend::GcpSecretManager, Target::Cicd, Some(CicdPlatform::GithubActions), w);
    let mut other = base.clone();
    other.cicd.repository = Some("acme/other".into());
    assert_ne!(plan(&base).platform_files, plan(&other).platform_files);
}

/// Every declared (type, label) of a Terraform text: resources as `type`, data sources as
/// `data.type`, variables as `var`, outputs as `output`.
fn declared(text: &str) -> Vec<(String, String)> {
    let body: hcl::Body = hcl::from_str(text).unwrap();
    body.blocks()
        .filter_map(|b| {
            let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
            match (b.identifier.as_str(), labels.as_slice()) {
                ("resource", [t, l]) => Some((t.to_string(), l.to_string())),
                ("data", [t, l]) => Some((format!("data.{t}"), l.to_string())),
                ("variable", [l]) => Some(("var".to_string(), l.to_string())),
                ("output", [l]) => Some(("output".to_string(), l.to_string())),
                _ => None,
            }
        })
        .collect()
}

/// `type.label` references (traversals and `${...}` in templates) to resources, data sources
/// and variables of the providers the plans use.
fn references(text: &str) -> BTreeSet<(String, String)> {
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-';
    let roots = ["azurerm_", "google_", "time_", "archive_", "data.", "var."];
    let mut out = BTreeSet::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts = i == 0 || !word(bytes[i - 1]);
        let rest = &text[i..];
        if starts && roots.iter().any(|r| rest.starts_with(r)) {
            let len = rest.bytes().take_while(|b| word(*b)).count();
            let parts: Vec<&str> = rest[..len].split('.').collect();
            match parts.as_slice() {
                ["var", v, ..] => {
                    out.insert(("var".to_string(), v.to_string()));
                }
                ["data", t, l, ..] => {
                    out.insert((format!("data.{t}"), l.to_string()));
                }
                [t, l, ..] if *t != "data" && *t != "var" => {
                    out.insert((t.to_string(), l.to_string()));
                }
                _ => {}
            }
            i += len.max(1);
        } else {
            i += 1;
        }
    }
    out
}

/// The literal string value of `attr` on the first block `kind`/`type_name` of a Terraform text.
fn attr_of(text: &str, kind: &str, type_name: &str, attr: &str) -> Option<String> {
    let body: hcl::Body = hcl::from_str(text).unwrap();
    body.blocks()
        .filter(|b| b.identifier.as_str() == kind && b.labels.first().map(|l| l.as_str()) == Some(type_name))
        .flat_map(|b| b.body.attributes().cloned().collect::<Vec<_>>())
        .find(|a| a.key.as_str() == attr)
        .and_then(|a| match a.expr {
            hcl::Expression::String(s) => Some(s),
            _ => None,
        })
}

#[test]
fn workload_terraform_declares_no_shared_object() {
    let mut checked = 0;
    for (backend, target, platform) in platforms() {
        for w in workloads() {
            let p = plan(&request(backend, target, platform, w));
            let case = format!("{backend}/{target}/{platform:?}/{w:?}");
            let tf = workload_tf(&p);
            assert!(!tf.is_empty(), "{case}: no workload Terraform");
            for (file, text) in tf {
                for (t, l) in declared(text) {
                    assert!(!shared_types(backend).contains(&t.as_str()), "{case}: {file} declares {t}.{l}");
                }
                // The deployer's officer role on the whole vault is the platform's.
                let body: hcl::Body = hcl::from_str(text).unwrap();
                for b in body
                    .blocks()
                    .filter(|b| b.labels.first().map(|l| l.as_str()) == Some("azurerm_role_assignment"))
                {
                    let scope = b.body.attributes().find(|a| a.key.as_str() == "scope").map(|a| a.expr.to_string());
                    assert_ne!(scope.as_deref(), Some("data.azurerm_key_vault.kv.id"), "{case}: {file}");
                }
                checked += 1;
            }
            let platform_text = &p.platform_files[platform_file(backend)];
            let mut types: Vec<String> = declared(platform_text).into_iter().map(|(t, _)| t).collect();
            types.dedup();
            for t in shared_types(backend) {
                let needed = !t.starts_with("google_iam_workload_identity_pool") || target == Target::Cicd;
                assert_eq!(types.contains(&t.to_string()), needed, "{case}: platform and {t}");
            }
        }
    }
    assert!(checked >= 12 * 36, "{checked}");
}

/// The platform module and several workloads' modules on it: no workload declares an address
/// the platform declares, every reference of each module resolves in it, every lookup of a
/// platform object names the object the platform declares, and no two workloads name a cloud
/// object alike.
#[test]
fn platform_and_workloads_compose() {
    let set = [
        ("orders", "prod", Rotation::Automatic, CredentialType::Database),
        ("orders", "staging", Rotation::Manual, CredentialType::ApiKey),
        ("payments", "prod", Rotation::Automatic, CredentialType::Certificate),
        ("eu-payments", "prod", Rotation::Dynamic, CredentialType::Generic),
    ];
    // Objects named within a parent (an identity, a storage account, a bucket) may repeat.
    let scoped = [
        "azurerm_federated_identity_credential",
        "azurerm_storage_container",
        "google_storage_bucket_object",
    ];
    for (backend, target, platform) in platforms() {
        let plans: Vec<Plan> = set.iter().map(|w| plan(&request(backend, target, platform, *w))).collect();
        let case = format!("{backend}/{target}/{platform:?}");
        let platform_text = plans[0].platform_files[platform_file(backend)].clone();
        let platform_declared = declared(&platform_text);
        for (t, l) in references(&platform_text) {
            assert!(
                platform_declared.contains(&(t.clone(), l.clone())),
                "{case}: platform refers to undeclared {t}.{l}"
            );
        }
        let mut names: BTreeMap<(String, String), usize> = BTreeMap::new();
        for (i, p) in plans.iter().enumerate() {
            assert_eq!(p.platform_files[platform_file(backend)], platform_text, "{case}");
            for (file, text) in workload_tf(p) {
                let ours = declared(text);
                let mut seen = BTreeSet::new();
                for d in &ours {
                    assert!(seen.insert(d.clone()), "{case}/{i}: {file} declares {d:?} twice");
                    if !d.0.starts_with("data.") && d.0 != "var" && d.0 != "output" {
                        assert!(!platform_declared.contains(d), "{case}/{i}: {file} redeclares {d:?}");
                    }
                }
                for (t, l) in references(text) {
                    assert!(
                        ours.contains(&(t.clone(), l.clone())),
                        "{case}/{i}: {file} refers to undeclared {t}.{l}"
                    );
                }
                let body: hcl::Body = hcl::from_str(text).unwrap();
                for b in body.blocks().filter(|b| b.identifier.as_str() == "resource") {
                    let t = b.labels[0].as_str().to_string();
                    if scoped.contains(&t.as_str()) {
                        continue;
                    }
                    for a in b.body.attributes() {
                        if let ("name" | "account_id" | "secret_id", hcl::Expression::String(v)) = (a.key.as_str(), &a.expr) {
                            let before = names.insert((t.clone(), v.clone()), i);
                            assert!(
                                before.is_none_or(|j| j == i),
                                "{case}: workloads {before:?} and {i} both name {t} {v:?}"
                            );
                        }
                    }
                }
                // The lookups name what the platform declares (the backend's own file; the Azure
                // DevOps branch check beside it looks nothing up).
                if !(file.ends_with("/azure.tf") || file.ends_with("/gcp.tf")) {
                    continue;
                }
                match backend {
                    Backend::AzureKeyVault => {
                        assert_eq!(
                            attr_of(text, "data", "azurerm_key_vault", "name"),
                            attr_of(&platform_text, "resource", "azurerm_key_vault", "name"),
                            "{case}/{i}"
                        );
                        if let Some(topic) = attr_of(
                            text,
                            "resource",
                            "azurerm_eventgrid_system_topic_event_subscription",
                            "system_topic",
                        ) {
                            assert_eq!(
                                Some(topic),
                                attr_of(&platform_text, "resource", "azurerm_eventgrid_system_topic", "name"),
                                "{case}/{i}"
                            );
                        }
                    }
                    _ => {
                        assert_eq!(
                            attr_of(text, "data", "google_iam_workload_identity_pool", "workload_identity_pool_id"),
                            attr_of(
                                &platform_text,
                                "resource",
                                "google_iam_workload_identity_pool",
                                "workload_identity_pool_id"
                            ),
                            "{case}/{i}"
                        );
                        if let Some(member) = attr_of(text, "resource", "google_pubsub_topic_iam_member", "member") {
                            let number = "123456789012";
                            assert_eq!(
                                member,
                                format!("serviceAccount:service-{number}@gcp-sa-secretmanager.iam.gserviceaccount.com")
                            );
                            assert!(platform_text.contains("google_project_service_identity"), "{case}");
                        }
                    }
                }
            }
        }
        assert!(names.len() > 4, "{case}: {names:?}");
    }
}
