//! `contract_json` (the whole result as one document) and `id` (a fingerprint of the inputs).

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::request::Request;
use super::{Plan, Settings};

/// The normalised inputs: every argument after defaults, in a fixed order.
fn inputs(s: &Settings) -> Value {
    json!({
        "secrets_backend": s.backend,
        "integration_target": s.target,
        "rotation_policy": s.rotation,
        "credential_type": s.credential,
        "name": s.name,
        "environment": s.environment,
        "languages": s.languages,
        "rotation_period": s.rotation_period.map(|p| p.to_text()),
        "vault": {
            "address": s.vault.address, "namespace": s.vault.namespace, "kv_mount": s.vault.kv_mount,
            "auth_mount": s.vault.auth_mount, "database_mount": s.vault.database_mount, "pki_mount": s.vault.pki_mount,
        },
        "aws": { "region": s.aws.region, "account_id": s.aws.account_id, "kms_key_id": s.aws.kms_key_id },
        "azure": {
            "vault_name": s.azure.vault_name, "tenant_id": s.azure.tenant_id,
            "subscription_id": s.azure.subscription_id, "resource_group": s.azure.resource_group,
        },
        "gcp": { "project_id": s.gcp.project_id, "project_number": s.gcp.project_number, "location": s.gcp.location },
        "database": {
            "engine": s.database.engine, "host": s.database.host, "port": s.database.port,
            "database_name": s.database.database_name,
        },
        "kubernetes": {
            "namespace": s.kubernetes.namespace, "service_account": s.kubernetes.service_account,
            "store_kind": s.kubernetes.store_kind, "refresh_interval": s.kubernetes.refresh_interval.map(|d| d.to_text()),
            "cluster_name": s.kubernetes.cluster_name,
        },
        "cicd": { "platform": s.cicd.platform, "repository": s.cicd.repository, "branch": s.cicd.branch },
        "certificate": {
            "common_name": s.certificate.common_name, "alt_names": s.certificate.alt_names,
            "ttl": s.certificate.ttl.to_text(),
        },
        "strict": s.strict,
    })
}

/// Hex SHA-256 of the normalised inputs. The timestamp is not an input to the plan, so it is left out.
pub fn fingerprint(req: &Request) -> String {
    let (settings, _) = super::resolve::resolve(req);
    let digest = Sha256::digest(inputs(&settings).to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The whole result as one pretty-printed JSON document with a trailing newline.
pub fn contract_json(req: &Request, plan: &Plan) -> String {
    let (settings, _) = super::resolve::resolve(req);
    let mut doc = serde_json::Map::new();
    if let Value::Object(fields) = inputs(&settings) {
        doc.extend(fields);
    }
    doc.insert("timestamp".into(), json!(req.timestamp));
    doc.insert("secrets_config".into(), json!(plan.secrets_config));
    doc.insert("access_policies".into(), json!(plan.access_policies));
    doc.insert("integration_code".into(), json!(plan.integration_code));
    doc.insert("rotation_scripts".into(), json!(plan.rotation_scripts));
    doc.insert("deployment_manifests".into(), json!(plan.deployment_manifests));
    doc.insert("decisions".into(), json!(plan.decisions));
    let mut text = serde_json::to_string_pretty(&Value::Object(doc)).unwrap_or_default();
    text.push('\n');
    text
}
