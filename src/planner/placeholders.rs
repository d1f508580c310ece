//! Placeholders: values a plan carries where only the user knows the real one (an account ID,
//! a Vault address, a cluster's OIDC issuer). Each has an argument that replaces it; a plan lists
//! the ones left, and under `strict` a placeholder left is an error, so a production plan cannot
//! ship `123456789012` unnoticed.

use serde::Serialize;

use super::effect::{self, Combo};
use super::request::{Request, TEXT_FIELDS};
use super::{backends, Settings};

/// A placeholder left in a plan: the argument that replaces it, and the value standing in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Placeholder {
    pub argument: String,
    pub value: String,
}

/// An argument (block, name) whose default is a placeholder, and that default as the plan uses it.
type Source = (&'static str, &'static str, fn(&Settings) -> String);

/// Every argument whose default is a placeholder.
const SOURCES: &[Source] = &[
    ("vault", "address", |s| s.vault.address.clone()),
    ("aws", "account_id", |s| s.aws.account_id.clone()),
    ("azure", "vault_name", |s| s.azure.vault_name.clone()),
    ("azure", "tenant_id", |s| s.azure.tenant_id.clone()),
    ("azure", "subscription_id", |s| s.azure.subscription_id.clone()),
    ("azure", "identity_client_id", backends::azure::identity_client_id),
    ("azure", "identity_principal_id", |s| {
        s.azure
            .identity_principal_id
            .clone()
            .unwrap_or_else(|| backends::azure::PRINCIPAL_PLACEHOLDER.into())
    }),
    ("azure", "deployer_principal_id", |s| {
        s.azure
            .deployer_principal_id
            .clone()
            .unwrap_or_else(|| backends::azure::PRINCIPAL_PLACEHOLDER.into())
    }),
    ("gcp", "project_id", |s| s.gcp.project_id.clone()),
    ("gcp", "project_number", |s| s.gcp.project_number.clone()),
    ("gcp", "writers", backends::gcp::writers),
    ("database", "host", |s| s.database.host.clone()),
    ("kubernetes", "cluster_name", |s| s.kubernetes.cluster_name.clone()),
    ("kubernetes", "oidc_issuer", backends::aws::eks_issuer),
    ("cicd", "repository", |s| s.cicd.repository.clone()),
    ("cicd", "oidc_issuer", |s| {
        match crate::planner::targets::cicd::token_platform(s.cicd.platform) {
            Some(p) => p.issuer(&s.cicd),
            None => backends::aws::cicd::ado_issuer(s),
        }
    }),
    ("cicd", "owner_id", |s| s.cicd.owner_id.clone()),
    ("cicd", "repository_id", |s| s.cicd.repository_id.clone()),
    ("cicd", "principal_id", |s| s.cicd.principal_id.clone()),
    ("cicd", "rotator_principal_id", |s| s.cicd.rotator_principal_id.clone()),
    ("certificate", "common_name", |s| s.certificate.common_name.clone()),
];

/// The placeholders left in the plan of `req`: arguments it leaves unset whose default is a
/// placeholder, where the combination uses them (`effect::USES`), in schema order.
pub fn left(req: &Request, s: &Settings) -> Vec<Placeholder> {
    let combo = Combo {
        backend: s.backend,
        target: s.target,
        rotation: s.rotation,
        credential: s.credential,
        platform: s.cicd.platform,
    };
    SOURCES
        .iter()
        .filter(|(block, attr, _)| {
            let unset = TEXT_FIELDS
                .iter()
                .find(|f| f.block == Some(*block) && f.attr == *attr)
                .is_some_and(|f| (f.get)(req).is_none());
            let used = effect::USES
                .iter()
                .find(|u| u.block == Some(*block) && u.attr == *attr)
                .is_some_and(|u| (u.used)(combo));
            unset && used
        })
        .map(|(block, attr, value)| Placeholder {
            argument: format!("{block}.{attr}"),
            value: value(s),
        })
        .collect()
}
