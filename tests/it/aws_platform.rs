//! AWS platform and workload apart (issue 14): what every workload on one platform shares (the
//! IAM OIDC providers) lives in `platform_files`, byte-identical across plans that share the
//! platform inputs, and workload Terraform only references it; IAM statement Sids are unique per
//! secret, so `source_policy_documents` merges the documents of many plans. Without TF_ACC the
//! structural checks run; with it, `terraform validate` of many workloads beside the platform
//! file once, `terraform plan` of the merged documents, and moto with every plan's roles.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use secretsint::planner::request::{DnsLabel, Duration};
use secretsint::planner::workload::{plan_workload, SecretSpec, WorkloadRequest};
use secretsint::planner::{
    plan, Backend, Choice, CicdPlatform, CredentialType, DbEngine, ManifestType, Plan, PolicyType, Request, Rotation, StoreKind, Target,
};
use serde_json::{json, Value};

use crate::aws_backend::{python, AWS_MIRROR};
use crate::support::{repo_root, tool};

/// The workload Terraform of a plan: its one `aws.tf` deployment manifest (not by `files` key, which
/// may gain a per-workload prefix).
pub(crate) fn workload_terraform(p: &Plan) -> &str {
    let tf: Vec<&str> = p
        .deployment_manifests
        .iter()
        .filter(|m| m.kind == ManifestType::Terraform && m.filename.ends_with("aws.tf"))
        .map(|m| m.content.as_str())
        .collect();
    assert_eq!(tf.len(), 1, "one workload .tf per AWS plan");
    tf[0]
}

fn label(text: &str) -> DnsLabel {
    DnsLabel::parse(text, 40).expect("label")
}

/// One platform: target, CI platform, and either the default or customised platform inputs.
fn platform(target: Target, ci: Option<CicdPlatform>, custom: bool) -> Request {
    let mut req = Request::new(Backend::AwsSecrets, target, Rotation::Manual);
    req.cicd.platform = ci;
    if custom {
        req.aws.region = Some("eu-west-1".into());
        req.aws.account_id = Some("210987654321".into());
        req.aws.kms_key_id = Some("1234abcd-12ab-34cd-56ef-1234567890ab".into());
        req.kubernetes.cluster_name = Some("shared-eks".into());
        req.kubernetes.store_kind = Some(StoreKind::ClusterSecretStore);
        req.kubernetes.oidc_issuer = Some("https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF".into());
        req.cicd.repository = Some("acme/platform".into());
        req.cicd.oidc_issuer = match ci {
            Some(CicdPlatform::AzureDevops) => Some("https://vstoken.dev.azure.com/11111111-2222-3333-4444-555555555555".into()),
            Some(CicdPlatform::Jenkins) => Some("https://jenkins.acme.example/oidc".into()),
            _ => None,
        };
    }
    req
}

/// Every platform: each target, each CI platform for the cicd target, default and customised.
fn platforms() -> Vec<(String, Request)> {
    let mut out = Vec::new();
    for target in Target::ALL {
        let cis: Vec<Option<CicdPlatform>> = match target {
            Target::Cicd => CicdPlatform::ALL.iter().copied().map(Some).collect(),
            _ => vec![None],
        };
        for ci in cis {
            for custom in [false, true] {
                let case = format!(
                    "{target}/{}/{}",
                    ci.map(|c| c.as_str()).unwrap_or("-"),
                    if custom { "custom" } else { "default" }
                );
                out.push((case, platform(*target, ci, custom)));
            }
        }
    }
    out
}

/// Plans on one platform that differ in everything a workload chooses: name, environment,
/// credential, rotation and its period, the database, namespace, service account and branch.
fn workloads_on(base: &Request) -> Vec<Request> {
    let pairs = [
        ("app", "prod"),
        ("payments", "prod-eu"),
        ("eu-payments", "prod"),
        ("orders", "staging"),
    ];
    let mut out = Vec::new();
    for (i, (name, env)) in pairs.iter().enumerate() {
        for rotation in Rotation::ALL {
            for credential in CredentialType::ALL {
                let mut req = base.clone();
                req.rotation = *rotation;
                req.credential = Some(*credential);
                req.name = Some(label(name));
                req.environment = Some(label(env));
                if *rotation == Rotation::Automatic && i % 2 == 1 {
                    req.rotation_period = Some(Duration::parse("12h").expect("duration"));
                }
                if *credential == CredentialType::Database {
                    req.database.engine = Some([DbEngine::Postgresql, DbEngine::Mysql, DbEngine::Redshift, DbEngine::Mssql][i]);
                    if i == 2 {
                        req.database.host = Some("orders.abcdefghij12.us-east-1.rds.amazonaws.com".into());
                    }
                }
                req.kubernetes.namespace = Some(label(name));
                req.kubernetes.service_account = Some(format!("{name}-sa"));
                req.cicd.branch = Some(if i % 2 == 0 { "main".into() } else { "release".into() });
                out.push(req);
            }
        }
    }
    out
}

fn blocks<'a>(body: &'a hcl::Body, kind: &'a str, resource: &'a str) -> impl Iterator<Item = &'a hcl::Block> + 'a {
    body.blocks()
        .filter(move |b| b.identifier() == kind && b.labels().first().is_some_and(|l| l.as_str() == resource))
}

fn string_attr(block: &hcl::Block, key: &str) -> Option<String> {
    block.body().attributes().find(|a| a.key() == key).and_then(|a| match a.expr() {
        hcl::Expression::String(s) => Some(s.clone()),
        hcl::Expression::TemplateExpr(t) => match t.as_ref() {
            hcl::expr::TemplateExpr::Heredoc(h) => Some(h.template.clone()),
            hcl::expr::TemplateExpr::QuotedString(s) => Some(s.clone()),
        },
        _ => None,
    })
}

/// Invariant 2 on AWS: for every target and CI platform, plans sharing the platform inputs hold
/// byte-identical `platform_files`, which declare the OIDC provider the roles trust; no workload
/// Terraform declares one, and each reads the platform's by the ARN its trust policy names. The
/// canary: customised platform inputs change the platform file, so the comparison can see them.
#[test]
fn platform_files_are_byte_identical_for_every_workload_on_a_platform() {
    let mut by_platform: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut plans = 0;
    for (case, base) in platforms() {
        let mut first: Option<BTreeMap<String, String>> = None;
        for req in workloads_on(&base) {
            let p = plan(&req);
            assert!(!p.deployment_manifests.is_empty(), "{case}: refused: {:?}", p.findings);
            plans += 1;
            assert!(p.platform_files.keys().all(|k| k.starts_with("platform/")), "{case}");
            match &first {
                None => first = Some(p.platform_files.clone()),
                Some(f) => assert_eq!(
                    f,
                    &p.platform_files,
                    "{case}: {}/{} {:?} {:?} changed the platform files",
                    req.environment.as_ref().unwrap().as_str(),
                    req.name.as_ref().unwrap().as_str(),
                    req.credential,
                    req.rotation
                ),
            }
            let tf: hcl::Body = hcl::from_str(workload_terraform(&p)).unwrap();
            assert_eq!(
                blocks(&tf, "resource", "aws_iam_openid_connect_provider").count(),
                0,
                "{case}: a workload declares a platform object"
            );
            let master = blocks(&tf, "resource", "aws_secretsmanager_secret_rotation")
                .filter(|b| b.labels()[1].as_str() != "app")
                .count();
            assert_eq!(master, 0, "{case}: a workload schedules another secret's rotation");
            let platform_tf = p.platform_files.get("platform/aws.tf");
            assert_eq!(platform_tf.is_some(), base.target != Target::Application, "{case}");
            let Some(platform_tf) = platform_tf else { continue };
            let platform_body: hcl::Body = hcl::from_str(platform_tf).unwrap();
            let providers: Vec<&hcl::Block> = blocks(&platform_body, "resource", "aws_iam_openid_connect_provider").collect();
            assert_eq!(providers.len(), 1, "{case}");
            let url = string_attr(providers[0], "url").unwrap();
            let account = base.aws.account_id.clone().unwrap_or("123456789012".into());
            let arn = format!("arn:aws:iam::{account}:oidc-provider/{}", url.trim_start_matches("https://"));
            // The workload reads the provider by the planned ARN, and its trust names the same.
            let reads: Vec<&hcl::Block> = blocks(&tf, "data", "aws_iam_openid_connect_provider").collect();
            assert_eq!(reads.len(), 1, "{case}");
            let variable = tf
                .blocks()
                .find(|b| b.identifier() == "variable" && b.labels()[0].as_str().ends_with("_oidc_provider_arn"))
                .unwrap_or_else(|| panic!("{case}: no provider variable"));
            assert_eq!(string_attr(variable, "default").as_deref(), Some(arn.as_str()), "{case}");
            let trust = p
                .access_policies
                .iter()
                .find(|a| a.policy_type == PolicyType::IamTrustPolicy && a.policy_document.contains("Federated"))
                .unwrap_or_else(|| panic!("{case}: no federated trust"));
            let doc: Value = serde_json::from_str(&trust.policy_document).unwrap();
            assert_eq!(doc["Statement"][0]["Principal"]["Federated"], json!(arn), "{case}");
        }
        by_platform.insert(case, first.unwrap());
    }
    assert!(plans >= 12 * 48, "{plans}");
    // The canary: the customised platform inputs reach the platform file.
    for (case, files) in &by_platform {
        if let Some(default_case) = case.strip_suffix("/custom") {
            let default = &by_platform[&format!("{default_case}/default")];
            if !files.is_empty() {
                assert_ne!(files, default, "{case}: platform inputs do not reach the platform file");
            }
        }
    }
}

/// Every IAM document a plan emits: access policies, Terraform heredocs (SNS topic policy too)
/// and CloudFormation's policies, each as (where, JSON).
fn all_documents(p: &Plan) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = p
        .access_policies
        .iter()
        .map(|a| (a.policy_name.clone(), serde_json::from_str(&a.policy_document).unwrap()))
        .collect();
    let tf: hcl::Body = hcl::from_str(workload_terraform(p)).unwrap();
    for b in tf.blocks().filter(|b| b.identifier() == "resource") {
        for key in ["policy", "assume_role_policy"] {
            if let Some(text) = string_attr(b, key) {
                out.push((format!("{}.{key}", b.labels()[0].as_str()), serde_json::from_str(&text).unwrap()));
            }
        }
    }
    let cfn = p
        .deployment_manifests
        .iter()
        .find(|m| m.kind == ManifestType::Cloudformation)
        .unwrap();
    let cfn: Value = serde_json::from_str(&cfn.content).unwrap();
    for (name, r) in cfn["Resources"].as_object().unwrap() {
        for key in ["ResourcePolicy", "PolicyDocument"] {
            if r["Properties"][key].is_object() {
                out.push((format!("cloudformation {name}"), r["Properties"][key].clone()));
            }
        }
    }
    out
}

fn sids(doc: &Value) -> Vec<String> {
    doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Sid"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Two workloads × two environments, each with every credential and rotation on every target,
/// plus the pair whose `<environment>-<name>` is the same text, with a customer-managed key (so
/// KMS statements appear).
fn composing_requests() -> Vec<Request> {
    let mut out = Vec::new();
    for target in Target::ALL {
        for (name, env) in [
            ("orders", "prod"),
            ("orders", "staging"),
            ("payments", "prod"),
            ("payments", "staging"),
            ("payments", "prod-eu"),
            ("eu-payments", "prod"),
        ] {
            for rotation in Rotation::ALL {
                for credential in CredentialType::ALL {
                    let mut req = Request::new(Backend::AwsSecrets, *target, *rotation);
                    req.credential = Some(*credential);
                    req.name = Some(label(name));
                    req.environment = Some(label(env));
                    req.aws.kms_key_id = Some("1234abcd-12ab-34cd-56ef-1234567890ab".into());
                    out.push(req);
                }
            }
        }
    }
    out
}

/// Invariant 4's last clause: every Sid is letters and digits, unique in its document, and
/// belongs to one secret across all plans, in every IAM document, resource policy, KMS statement
/// and CloudFormation policy. The canary: without the suffix, the same Sids stand in many
/// secrets' documents, which is what made `source_policy_documents` fail.
#[test]
fn sids_are_unique_per_secret_across_workloads() {
    let mut owner: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut old_owner: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut documents = 0;
    for req in composing_requests() {
        let p = plan(&req);
        let secret = p.secrets_config.secret_path.clone();
        for (place, doc) in all_documents(&p) {
            documents += 1;
            let ids = sids(&doc);
            let unique: BTreeSet<&String> = ids.iter().collect();
            assert_eq!(unique.len(), ids.len(), "{secret} {place}: a Sid repeats: {ids:?}");
            for sid in ids {
                assert!(
                    !sid.is_empty() && sid.bytes().all(|b| b.is_ascii_alphanumeric()),
                    "{secret} {place}: Sid {sid:?}"
                );
                let old = sid[..sid.len() - 8].to_string();
                old_owner.entry(old).or_default().insert(secret.clone());
                owner.entry(sid).or_default().insert(secret.clone());
            }
        }
    }
    assert!(documents > 1000, "{documents}");
    let shared: Vec<_> = owner.iter().filter(|(_, o)| o.len() > 1).collect();
    assert!(shared.is_empty(), "Sids in several secrets' documents: {shared:?}");
    // The canary: the Sids as they were collide across secrets.
    let read = &old_owner["ReadTheSecret"];
    assert!(read.len() >= 6, "{read:?}");
    // And the two workloads whose `<environment>-<name>` is the same text get different Sids.
    let sid_of = |env: &str, name: &str| {
        let mut req = Request::new(Backend::AwsSecrets, Target::Application, Rotation::Manual);
        req.name = Some(label(name));
        req.environment = Some(label(env));
        let p = plan(&req);
        let read = p.access_policies.iter().find(|a| a.policy_name.ends_with("-secret-read")).unwrap();
        sids(&serde_json::from_str(&read.policy_document).unwrap())
    };
    assert_ne!(sid_of("prod-eu", "payments"), sid_of("prod", "eu-payments"));
}

/// The plans the Terraform and moto checks compose: two workloads × two environments with four
/// different credentials and three rotations, on one platform.
fn four_workloads(base: &Request) -> Vec<(String, Plan)> {
    let shapes = [
        ("orders", "prod", CredentialType::Database, Rotation::Automatic),
        ("orders", "staging", CredentialType::ApiKey, Rotation::Manual),
        ("payments", "prod", CredentialType::Certificate, Rotation::Automatic),
        ("payments", "staging", CredentialType::Generic, Rotation::Dynamic),
    ];
    shapes
        .iter()
        .map(|(name, env, credential, rotation)| {
            let mut req = base.clone();
            req.name = Some(label(name));
            req.environment = Some(label(env));
            req.credential = Some(*credential);
            req.rotation = *rotation;
            (format!("{env}-{name}"), plan(&req))
        })
        .collect()
}

/// The same platform's `secretsint_workload`s: two workloads × two environments, three secrets
/// each (a database, an API key and a certificate, with three rotations), so one consumer role
/// holds three read policies.
fn three_secret_workloads(base: &Request) -> Vec<(String, Plan)> {
    let mut out = Vec::new();
    // Other workloads than four_workloads' (one workload planned twice is one role declared twice).
    for name in ["checkout", "ledger"] {
        for env in ["prod", "staging"] {
            let mut w = WorkloadRequest {
                base: base.clone(),
                secrets: vec![
                    SecretSpec {
                        label: label("db"),
                        credential: CredentialType::Database,
                        rotation: Rotation::Automatic,
                        rotation_period: None,
                        database: Default::default(),
                        certificate: Default::default(),
                    },
                    SecretSpec {
                        label: label("stripe"),
                        credential: CredentialType::ApiKey,
                        rotation: Rotation::Manual,
                        rotation_period: None,
                        database: Default::default(),
                        certificate: Default::default(),
                    },
                    SecretSpec {
                        label: label("tls"),
                        credential: CredentialType::Certificate,
                        rotation: Rotation::Automatic,
                        rotation_period: None,
                        database: Default::default(),
                        certificate: Default::default(),
                    },
                ],
            };
            w.base.name = Some(label(name));
            w.base.environment = Some(label(env));
            let p = plan_workload(&w);
            let errors: Vec<_> = p
                .findings
                .iter()
                .filter(|f| f.kind == secretsint::planner::FindingKind::Error)
                .collect();
            assert!(errors.is_empty(), "{name}/{env}: {errors:?}");
            out.push((format!("{env}-{name}-workload"), p));
        }
    }
    out
}

/// The platforms the Terraform and moto checks run on: every target, every CI platform.
fn composing_platforms() -> Vec<(String, Request)> {
    let mut out = vec![
        ("kubernetes".to_string(), platform(Target::Kubernetes, None, false)),
        ("application".to_string(), platform(Target::Application, None, false)),
    ];
    for ci in CicdPlatform::ALL {
        out.push((format!("cicd-{ci}"), platform(Target::Cicd, Some(*ci), false)));
    }
    out
}

/// Runs terraform in `dir` against the hashicorp/aws 5.100.0 filesystem mirror; `Err` holds
/// the output of a failed run.
fn terraform(dir: &Path, args: &[&str]) -> Result<String, String> {
    let rc = dir.join("terraform.rc");
    std::fs::write(
        &rc,
        format!("provider_installation {{\n  filesystem_mirror {{\n    path    = \"{AWS_MIRROR}\"\n    include = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n}}\n"),
    )
    .unwrap();
    let out = Command::new(tool("bin/terraform"))
        .args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", &rc)
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        // Placeholders: the provider signs nothing, every check that would call AWS is skipped.
        .env("AWS_ACCESS_KEY_ID", "placeholder")
        .env("AWS_SECRET_ACCESS_KEY", "placeholder")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if out.status.success() {
        Ok(text)
    } else {
        Err(text)
    }
}

fn mirror_present() -> bool {
    let provider = Path::new(AWS_MIRROR).join("registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64/terraform-provider-aws_v5.100.0_x5");
    if !provider.exists() {
        eprintln!("NOTICE: skipped: no hashicorp/aws 5.100.0 filesystem mirror at {AWS_MIRROR} on this machine");
    }
    provider.exists()
}

/// Invariant 2 against Terraform: on every platform, the workload Terraform of two workloads ×
/// two environments (one module each, as a user composes them, fed the platform module's
/// provider ARN) beside the platform file once passes `terraform init` and `validate`. The
/// canary: the old shape, a workload declaring the provider next to the platform file in one
/// module, is refused as a duplicate.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn workloads_and_the_platform_file_once_pass_terraform_validate() {
    if !mirror_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut root = String::new();
    let mut modules = 0;
    for (case, base) in composing_platforms() {
        let mut plans = four_workloads(&base);
        plans.extend(three_secret_workloads(&base));
        let platform = &plans[0].1.platform_files;
        for (_, p) in &plans {
            assert_eq!(&p.platform_files, platform, "{case}");
        }
        let platform_module = format!("platform-{case}");
        if let Some(tf) = platform.get("platform/aws.tf") {
            std::fs::create_dir_all(dir.path().join(&platform_module)).unwrap();
            std::fs::write(dir.path().join(&platform_module).join("aws.tf"), tf).unwrap();
            root.push_str(&format!(
                "module \"{platform_module}\" {{\n  source = \"./{platform_module}\"\n}}\n"
            ));
        }
        for (workload, p) in &plans {
            let tf = workload_terraform(p);
            let module = format!("{case}-{workload}");
            std::fs::create_dir_all(dir.path().join(&module)).unwrap();
            std::fs::write(dir.path().join(&module).join("aws.tf"), tf).unwrap();
            root.push_str(&format!("module \"{module}\" {{\n  source = \"./{module}\"\n"));
            // A workload's are per secret, `<label>__rotation_subnet_ids`.
            let body: hcl::Body = hcl::from_str(tf).unwrap();
            for var in body.blocks().filter(|b| b.identifier() == "variable") {
                let name = var.labels()[0].as_str();
                if name.ends_with("rotation_subnet_ids") || name.ends_with("rotation_security_group_ids") {
                    root.push_str(&format!("  {name} = []\n"));
                }
            }
            for label in ["ci", "eks"] {
                if tf.contains(&format!("variable \"{label}_oidc_provider_arn\"")) {
                    root.push_str(&format!(
                        "  {label}_oidc_provider_arn = module.{platform_module}.{label}_oidc_provider_arn\n"
                    ));
                }
            }
            root.push_str("}\n");
            modules += 1;
        }
    }
    assert!(modules >= 24 + 24, "{modules}");
    std::fs::write(dir.path().join("main.tf"), &root).unwrap();
    terraform(dir.path(), &["init", "-backend=false", "-input=false", "-no-color"]).unwrap_or_else(|e| panic!("{e}"));
    let out = terraform(dir.path(), &["validate", "-no-color"]).unwrap_or_else(|e| panic!("{e}"));
    assert!(out.contains("The configuration is valid"), "{out}");

    // The canary: the provider declared by the workload too, in the platform's module.
    let (_, base) = &composing_platforms()[2];
    let canary = tempfile::tempdir().unwrap();
    let platform = &four_workloads(base)[0].1.platform_files["platform/aws.tf"];
    let body: hcl::Body = hcl::from_str(platform).unwrap();
    let provider = blocks(&body, "resource", "aws_iam_openid_connect_provider").next().unwrap().clone();
    let declared_twice = hcl::Body::builder().add_block(provider).build();
    std::fs::write(canary.path().join("aws.tf"), platform).unwrap();
    std::fs::write(canary.path().join("workload.tf"), hcl::to_string(&declared_twice).unwrap()).unwrap();
    let refused = terraform(canary.path(), &["init", "-backend=false", "-input=false", "-no-color"])
        .and_then(|_| terraform(canary.path(), &["validate", "-no-color"]))
        .expect_err("a provider declared twice validates");
    assert!(refused.contains("Duplicate resource"), "{refused}");
}

/// Every identity policy of one plan per secret (six workload-environment pairs, the two whose
/// `<environment>-<name>` is the same text among them, × four credentials, with a customer-managed
/// key), as a `source_policy_documents` list; with `strip_suffix`, with the Sids as they were.
fn identity_policies(strip_suffix: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for req in composing_requests() {
        let rotation = match req.credential {
            Some(CredentialType::Database) | Some(CredentialType::Certificate) => Rotation::Automatic,
            Some(CredentialType::ApiKey) => Rotation::Manual,
            _ => Rotation::Dynamic,
        };
        if req.target != Target::Kubernetes || req.rotation != rotation {
            continue;
        }
        let p = plan(&req);
        assert!(seen.insert(p.secrets_config.secret_path.clone()), "one plan per secret");
        for a in p.access_policies.iter().filter(|a| a.policy_type == PolicyType::IamPolicy) {
            let mut doc: Value = serde_json::from_str(&a.policy_document).unwrap();
            if strip_suffix {
                for st in doc["Statement"].as_array_mut().unwrap() {
                    let sid = st["Sid"].as_str().unwrap().to_string();
                    st["Sid"] = json!(sid[..sid.len() - 8]);
                }
            }
            out.push(doc.to_string());
        }
    }
    assert_eq!(seen.len(), 24);
    out
}

fn merge_config(documents: &[String]) -> String {
    let list = hcl::Expression::Array(documents.iter().map(|d| hcl::Expression::String(d.clone())).collect());
    let body = hcl::Body::builder()
        .add_block(
            hcl::Block::builder("provider")
                .add_label("aws")
                .add_attribute(("region", "us-east-1"))
                .add_attribute(("skip_credentials_validation", true))
                .add_attribute(("skip_requesting_account_id", true))
                .add_attribute(("skip_metadata_api_check", true))
                .build(),
        )
        .add_block(
            hcl::Block::builder("data")
                .add_label("aws_iam_policy_document")
                .add_label("merged")
                .add_attribute(("source_policy_documents", list))
                .build(),
        )
        .add_block(
            hcl::Block::builder("output")
                .add_label("merged")
                .add_attribute((
                    "value",
                    hcl::Expression::from(
                        hcl::expr::Traversal::builder(hcl::expr::Variable::unchecked("data"))
                            .attr("aws_iam_policy_document")
                            .attr("merged")
                            .attr("json")
                            .build(),
                    ),
                ))
                .build(),
        )
        .build();
    hcl::to_string(&body).unwrap()
}

/// `source_policy_documents` over every identity policy of the composing plans: `terraform
/// plan` (the data source is computed by the provider, offline) merges them into one document
/// holding every statement. The canary: the same documents with the Sids as they were fail on a
/// duplicate Sid.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn source_policy_documents_merge_the_policies_of_many_plans() {
    if !mirror_present() {
        return;
    }
    let run = |documents: &[String]| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), merge_config(documents)).unwrap();
        terraform(dir.path(), &["init", "-backend=false", "-input=false", "-no-color"]).unwrap_or_else(|e| panic!("{e}"));
        let out = terraform(dir.path(), &["plan", "-input=false", "-no-color", "-out=plan.out"]);
        let shown = out.is_ok().then(|| terraform(dir.path(), &["show", "-json", "plan.out"]).unwrap());
        (out, shown)
    };
    let documents = identity_policies(false);
    let statements: usize = documents
        .iter()
        .map(|d| serde_json::from_str::<Value>(d).unwrap()["Statement"].as_array().unwrap().len())
        .sum();
    assert!(documents.len() >= 40, "{}", documents.len());
    let (out, shown) = run(&documents);
    out.unwrap_or_else(|e| panic!("{e}"));
    let shown: Value = serde_json::from_str(&shown.unwrap()).unwrap();
    let merged: Value = serde_json::from_str(shown["planned_values"]["outputs"]["merged"]["value"].as_str().unwrap()).unwrap();
    assert_eq!(merged["Statement"].as_array().unwrap().len(), statements, "{merged}");
    eprintln!("merged {} documents, {statements} statements", documents.len());

    let (old, _) = run(&identity_policies(true));
    let refused = old.expect_err("the old Sids merged");
    assert!(refused.to_lowercase().contains("duplicate"), "{refused}");
}

/// The role an attachment attaches to, by its block's label.
fn label_of_role(b: &hcl::Block) -> String {
    let a = b.body().attributes().find(|a| a.key() == "role").unwrap();
    let hcl::Expression::Traversal(t) = a.expr() else {
        panic!("role is not a reference")
    };
    match &t.operators[0] {
        hcl::expr::TraversalOperator::GetAttr(id) => id.as_str().to_string(),
        other => panic!("{other:?}"),
    }
}

/// The IAM and Secrets Manager objects of one plan's Terraform, for check_workloads.py.
fn objects(tf: &str, roles: &mut Vec<Value>, policies: &mut Vec<Value>, attachments: &mut Vec<Value>, secrets: &mut Vec<Value>) {
    let body: hcl::Body = hcl::from_str(tf).unwrap();
    let mut role_names = BTreeMap::new();
    let mut policy_names = BTreeMap::new();
    for b in blocks(&body, "resource", "aws_iam_role") {
        let name = string_attr(b, "name").unwrap();
        role_names.insert(b.labels()[1].as_str().to_string(), name.clone());
        roles.push(json!({"name": name, "trust": string_attr(b, "assume_role_policy").unwrap()}));
    }
    for b in blocks(&body, "resource", "aws_iam_policy") {
        let name = string_attr(b, "name").unwrap();
        policy_names.insert(b.labels()[1].as_str().to_string(), name.clone());
        policies.push(json!({"name": name, "document": string_attr(b, "policy").unwrap()}));
    }
    let label_of = |b: &hcl::Block, key: &str| -> String {
        let a = b.body().attributes().find(|a| a.key() == key).unwrap();
        let hcl::Expression::Traversal(t) = a.expr() else {
            panic!("{key} is not a reference")
        };
        match &t.operators[0] {
            hcl::expr::TraversalOperator::GetAttr(id) => id.as_str().to_string(),
            other => panic!("{other:?}"),
        }
    };
    for b in blocks(&body, "resource", "aws_iam_role_policy_attachment") {
        attachments.push(json!({
            "role": role_names[&label_of(b, "role")],
            "policy": policy_names[&label_of(b, "policy_arn")],
        }));
    }
    // Every secret with the resource policy that names it (a workload holds several).
    for secret in blocks(&body, "resource", "aws_secretsmanager_secret") {
        let policy = blocks(&body, "resource", "aws_secretsmanager_secret_policy")
            .find(|p| label_of(p, "secret_arn") == secret.labels()[1].as_str())
            .unwrap();
        secrets.push(json!({"name": string_attr(secret, "name").unwrap(), "policy": string_attr(policy, "policy").unwrap()}));
    }
}

/// moto, one account per platform: the platform's OIDC provider once, then the roles, policies,
/// attachments and secrets of two workloads × two environments with their planned names, all
/// accepted together; every role holds exactly the policies its Terraform attaches. The canary:
/// moto refuses the same provider declared a second time, as IAM does.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn moto_accepts_the_roles_and_policies_of_many_workloads_together() {
    let mut accounts = Vec::new();
    let mut expected_secrets = 0;
    let mut shared_roles = 0;
    for (case, base) in composing_platforms() {
        let mut plans = four_workloads(&base);
        plans.extend(three_secret_workloads(&base));
        expected_secrets += plans.iter().map(|(_, p)| p.secrets.len()).sum::<usize>();
        // One consumer role per workload holds every secret's read policy.
        for (_, p) in plans.iter().filter(|(_, p)| p.secrets.len() == 3) {
            let tf = workload_terraform(p);
            let body: hcl::Body = hcl::from_str(tf).unwrap();
            let consumer: Vec<_> = blocks(&body, "resource", "aws_iam_role_policy_attachment")
                .filter(|b| label_of_role(b) == "consumer")
                .collect();
            assert_eq!(consumer.len(), 3, "{case}: the consumer role holds the three read policies");
            assert_eq!(
                blocks(&body, "resource", "aws_iam_role")
                    .filter(|b| b.labels()[1].as_str() == "consumer")
                    .count(),
                1
            );
            shared_roles += 1;
        }
        let mut platform = Vec::new();
        if let Some(tf) = plans[0].1.platform_files.get("platform/aws.tf") {
            let body: hcl::Body = hcl::from_str(tf).unwrap();
            for b in blocks(&body, "resource", "aws_iam_openid_connect_provider") {
                let audiences = b.body().attributes().find(|a| a.key() == "client_id_list").unwrap();
                let hcl::Expression::Array(list) = audiences.expr() else { panic!() };
                let list: Vec<String> = list
                    .iter()
                    .map(|e| match e {
                        hcl::Expression::String(s) => s.clone(),
                        other => panic!("{other:?}"),
                    })
                    .collect();
                platform.push(json!({"url": string_attr(b, "url").unwrap(), "client_id_list": list}));
            }
        }
        let (mut roles, mut policies, mut attachments, mut secrets) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (_, p) in &plans {
            objects(workload_terraform(p), &mut roles, &mut policies, &mut attachments, &mut secrets);
        }
        accounts.push(json!({"name": case, "platform": platform, "roles": roles, "policies": policies, "attachments": attachments, "secrets": secrets}));
    }
    let out = python(
        &repo_root().join("tests/it/aws/check_workloads.py"),
        &[],
        Some(&Value::Array(accounts).to_string()),
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    eprintln!("{}", v["created"]);
    assert_eq!(v["problems"], json!([]), "{v}");
    assert!(v["created"]["roles"].as_u64().unwrap() >= 6 * 4, "{v}");
    assert_eq!(v["created"]["secrets"], json!(expected_secrets), "{v}");
    assert_eq!(shared_roles, composing_platforms().len() * 4, "every platform's four workloads");
    assert_eq!(v["created"]["oidc_providers"], json!(5), "one per platform with OIDC: {v}");
    let second = v["second_provider"].as_array().unwrap();
    assert_eq!(second.len(), 5, "{v}");
    assert!(
        second.iter().all(|s| s.as_str().unwrap().contains("EntityAlreadyExists")),
        "a provider declared twice must fail: {v}"
    );
}
