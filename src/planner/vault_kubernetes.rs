//! Vault (or OpenBao) consumed from Kubernetes through the External Secrets Operator.

use super::{Plan, Settings};

pub fn covers(_s: &Settings) -> bool {
    false
}

pub fn plan(s: &Settings) -> Plan {
    super::not_yet_planned(s)
}
