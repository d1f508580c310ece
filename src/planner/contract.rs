//! `contract_json` (the whole result as one document) and `id` (a fingerprint of the inputs).

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::request::Request;
use super::{Plan, Settings};

/// The normalised inputs: every argument after defaults, in a fixed order.
fn inputs(s: &Settings) -> Value {
    let mut doc = json!({
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
    });
    // Arguments added later enter the document only when set, so the fingerprint of every
    // configuration that does not use them stays what it was.
    for (block, key, value) in [
        ("kubernetes", "oidc_issuer", &s.kubernetes.oidc_issuer),
        ("cicd", "oidc_issuer", &s.cicd.oidc_issuer),
        // Equal to its placeholder, an ID plans exactly as when unset.
        ("cicd", "owner_id", &(s.cicd.owner_id != "123456").then(|| s.cicd.owner_id.clone())),
        (
            "cicd",
            "repository_id",
            &(s.cicd.repository_id != "456789").then(|| s.cicd.repository_id.clone()),
        ),
        (
            "cicd",
            "principal_id",
            &(s.cicd.principal_id != super::resolve::ADO_PRINCIPAL).then(|| s.cicd.principal_id.clone()),
        ),
        (
            "cicd",
            "rotator_principal_id",
            &(s.cicd.rotator_principal_id != super::resolve::ADO_ROTATOR_PRINCIPAL).then(|| s.cicd.rotator_principal_id.clone()),
        ),
        ("azure", "identity_client_id", &s.azure.identity_client_id),
        ("azure", "identity_principal_id", &s.azure.identity_principal_id),
        ("azure", "deployer_principal_id", &s.azure.deployer_principal_id),
        ("gcp", "writers", &s.gcp.writers),
    ] {
        if let (Some(v), Some(obj)) = (value, doc.get_mut(block).and_then(Value::as_object_mut)) {
            obj.insert(key.into(), json!(v));
        }
    }
    if s.cicd.classic_subject {
        doc["cicd"]["classic_subject"] = json!(true);
    }
    doc
}

/// Hex SHA-256 of the normalised inputs. The timestamp is not an input to the plan, so it is left out.
pub fn fingerprint(req: &Request) -> String {
    let (settings, _) = super::resolve::resolve(req);
    fingerprint_of(&inputs(&settings))
}

/// The whole result as one pretty-printed JSON document with a trailing newline.
pub fn contract_json(req: &Request, plan: &Plan) -> String {
    identity(req, plan).1
}

/// `(fingerprint, contract_json)` with the defaults resolved once, as a read needs both.
pub fn identity(req: &Request, plan: &Plan) -> (String, String) {
    let (settings, _) = super::resolve::resolve(req);
    let inputs = inputs(&settings);
    let fingerprint = fingerprint_of(&inputs);
    let Value::Object(inputs) = inputs else {
        return (fingerprint, String::new());
    };
    // Serialised straight from the plan (no intermediate JSON tree of every artifact), in the
    // order the document has always had: inputs, timestamp, then the results.
    let doc = Contract {
        inputs: &inputs,
        timestamp: &req.timestamp,
        plan,
    };
    let mut text = Vec::with_capacity(4096);
    let mut ser = serde_json::Serializer::with_formatter(&mut text, serde_json::ser::PrettyFormatter::new());
    if serde::Serialize::serialize(&doc, &mut ser).is_err() {
        return (fingerprint, String::new());
    }
    text.push(b'\n');
    (fingerprint, String::from_utf8(text).unwrap_or_default())
}

fn fingerprint_of(inputs: &Value) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(inputs.to_string().as_bytes());
    let mut hex = String::with_capacity(64);
    for b in digest {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    hex
}

struct Contract<'a> {
    inputs: &'a serde_json::Map<String, Value>,
    timestamp: &'a Option<String>,
    plan: &'a Plan,
}

impl serde::Serialize for Contract<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let p = self.plan;
        let mut map = serializer.serialize_map(Some(self.inputs.len() + 9))?;
        for (k, v) in self.inputs {
            map.serialize_entry(k, v)?;
        }
        map.serialize_entry("timestamp", self.timestamp)?;
        map.serialize_entry("secrets_config", &p.secrets_config)?;
        map.serialize_entry("access_policies", &p.access_policies)?;
        map.serialize_entry("integration_code", &p.integration_code)?;
        map.serialize_entry("rotation_scripts", &p.rotation_scripts)?;
        map.serialize_entry("deployment_manifests", &p.deployment_manifests)?;
        map.serialize_entry("decisions", &p.decisions)?;
        map.serialize_entry("placeholders", &p.placeholders)?;
        map.serialize_entry("platform_files", &p.platform_files)?;
        map.end()
    }
}
