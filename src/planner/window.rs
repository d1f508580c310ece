//! The rotation window, one rule for every backend and target: how long a replaced credential
//! keeps working after the new one exists (`overlap`) against how long a planned consumer may
//! still use a copy it read before (`max_staleness`). A plan that rotates guarantees no failed
//! login only when `overlap > max_staleness`; otherwise the plan says how long consumers can
//! fail after each rotation, as a fallback finding (an error under `strict`).
//!
//! Backends say how their credential is replaced ([`Replaced`]); targets say how stale a
//! consumer's copy can get ([`staleness`]). Neither knows the other.

use super::choice::{Backend, CredentialType, Target};
use super::duration::Duration;
use super::findings::{self, WindowFix};
use super::targets::{application, kubernetes};
use super::{Finding, Settings};

/// How the plan's credential is replaced, as its backend rotates it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replaced {
    /// The plan replaces nothing: people write new versions.
    NotRotated,
    /// Every `period` a new credential replaces the old one, which stops working at once (one
    /// database user whose password changes; a value overwritten in place).
    AtOnce { period: Duration },
    /// Every `period` a new credential is made, and the old one keeps working `overlap` longer
    /// (alternating users; a certificate renewed before it expires).
    Overlapping { period: Duration, overlap: Duration },
    /// Every read mints a credential that lives `ttl`, and the consumer reads again at two
    /// thirds of it (a lease, a short-lived certificate): the old one works the last third.
    Lease { ttl: Duration },
}

/// What a plan guarantees, for `rotation_scripts.overlap` and `rotation_scripts.max_staleness`.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    pub overlap: Duration,
    pub max_staleness: Duration,
    /// The parts `max_staleness` adds up, as a decision states them.
    pub parts: String,
    /// Whether the plan rotates at all (the invariant binds only then).
    pub rotates: bool,
}

impl Window {
    /// Whether no consumer can be left holding a credential that stopped working.
    pub fn holds(&self) -> bool {
        !self.rotates || self.overlap > self.max_staleness
    }
}

/// How long after a Secret changes a pod's mounted volume shows it: the kubelet's sync period
/// (1m by default) plus its cache of the Secret (up to another minute with the default Watch
/// strategy).
pub const KUBELET_SYNC: Duration = Duration::from_secs(2 * 60);

/// The longest a CI/CD job is assumed to keep a value it read when it started: GitHub-hosted
/// runners stop a job after 6 hours, and the other platforms' defaults are shorter.
pub const CI_JOB: Duration = Duration::from_secs(6 * 3600);

/// How stale a planned consumer's copy can get, and the parts that add up to it. A consumer of
/// a lease reads again before its credential expires, so only the delivery of its new copy
/// counts.
fn staleness(s: &Settings, replaced: Replaced, refresh: Option<Duration>) -> (Duration, String) {
    let lease = matches!(replaced, Replaced::Lease { .. });
    match s.target {
        Target::Kubernetes => {
            let (cache, _) = application::cache_ttl(s);
            let sdk = if lease { 0 } else { cache };
            match refresh {
                Some(refresh) => {
                    let synced = if lease { 0 } else { refresh.secs() };
                    let total = (synced + KUBELET_SYNC.secs()).max(sdk);
                    (
                        Duration::from_secs(total),
                        format!(
                            "{}the kubelet's {} to update a mounted Secret volume{}",
                            if lease {
                                String::new()
                            } else {
                                format!("the {} ESO refresh interval plus ", refresh.to_text())
                            },
                            KUBELET_SYNC.to_text(),
                            if sdk > 0 {
                                format!(", or the integration code's {sdk}s cache, whichever is longer")
                            } else {
                                String::new()
                            }
                        ),
                    )
                }
                None => (
                    Duration::from_secs(sdk),
                    if lease {
                        "none: the consumer reads again before its credential expires".to_string()
                    } else {
                        format!("the integration code's {sdk}s cache")
                    },
                ),
            }
        }
        Target::Application => {
            if lease {
                (
                    Duration::from_secs(0),
                    "none: the integration code reads again before its credential expires".into(),
                )
            } else if rereads(s) {
                // The copy is used until the database refuses it, then re-read; the cache TTL
                // no longer bounds how long a refused copy is used.
                let (cache, _) = application::cache_ttl(s);
                let retry = application::auth_retry_secs();
                (
                    Duration::from_secs(retry.min(cache)),
                    format!(
                        "a refused copy, until its re-read on an authentication failure: the integration code's connect helper then reads the secret again and retries for up to {retry}s; a copy that still works is kept up to its {cache}s cache"
                    ),
                )
            } else {
                let (cache, _) = application::cache_ttl(s);
                (Duration::from_secs(cache), format!("the integration code's {cache}s cache"))
            }
        }
        Target::Cicd => (
            CI_JOB,
            format!(
                "one job: a job reads the value when it starts and is assumed to end within {}",
                CI_JOB.to_text()
            ),
        ),
    }
}

/// Whether the planned consumer is the integration code's connect helper, which re-reads the
/// secret and retries when the database refuses a login (application plans of database
/// credentials; on Kubernetes pods also read the synced Secret, which nothing re-reads early).
fn rereads(s: &Settings) -> bool {
    s.target == Target::Application && s.credential == CredentialType::Database
}

/// When a re-reading consumer finds the new value after the old one stopped working: what each
/// backend's rotation makes readable, and when, against the connect helper's retry. Vault has
/// none: its database credentials are leases, which a consumer reads again before they expire.
fn readable(s: &Settings) -> Option<String> {
    let retry = application::auth_retry_secs();
    Some(match s.backend {
        Backend::AwsSecrets => format!(
            "AWSCURRENT moves to the new password at finishSecret, after setSecret changed it and testSecret tried it, so a refused login recovers only when both steps finish within the connect helper's {retry}s of retries (each Lambda step may run up to its 30s timeout)"
        ),
        Backend::AzureKeyVault => format!(
            "the Function writes the new version before it commits the password change, so a refused login finds the new value within the connect helper's {retry}s of retries when that commit lands within them"
        ),
        Backend::GcpSecretManager => format!(
            "the function adds the new version right after it changes the password, so a refused login finds the new value within the connect helper's {retry}s of retries when that one call lands within them"
        ),
        Backend::Vault => return None,
    })
}

/// The window of a plan whose credential is `replaced`, with `refresh` the ESO refresh
/// interval where one syncs it.
pub fn window(s: &Settings, replaced: Replaced, refresh: Option<Duration>) -> Window {
    let (max_staleness, parts) = staleness(s, replaced, refresh);
    let (overlap, rotates) = match replaced {
        Replaced::NotRotated => (Duration::from_secs(0), false),
        Replaced::AtOnce { .. } => (Duration::from_secs(0), true),
        Replaced::Overlapping { overlap, .. } => (overlap, true),
        // A CI job keeps its lease for the whole job; ESO reads again every refresh interval, and
        // anyone else at two thirds of the lifetime.
        Replaced::Lease { ttl } if s.target == Target::Cicd => (ttl, true),
        Replaced::Lease { ttl } => match refresh {
            Some(r) => (Duration::from_secs(ttl.secs().saturating_sub(r.secs())), true),
            None => (Duration::from_secs(ttl.secs() - ttl.secs() * 2 / 3), true),
        },
    };
    Window {
        overlap,
        max_staleness,
        parts,
        rotates,
    }
}

/// The rule: the window's decision, and the finding when a rotating plan cannot keep its
/// consumers working.
pub fn rule(s: &Settings, replaced: Replaced, refresh: Option<Duration>) -> (Window, String, Option<Finding>) {
    let w = window(s, replaced, refresh);
    let what = match s.credential {
        CredentialType::Database => "database credential",
        CredentialType::ApiKey => "API key",
        CredentialType::Certificate => "certificate",
        CredentialType::Generic => "secret",
    };
    // Kubernetes consumers of a synced Secret: what max_staleness cannot cover.
    let restart = if s.target == Target::Kubernetes {
        " Pods that read the Secret as environment variables see a new value only when they restart: the plan marks the Secret it keeps current with reloader.stakater.com/match: \"true\" (ESO's target template, cert-manager's secretTemplate), so annotating your Deployment with reloader.stakater.com/search: \"true\" lets Stakater Reloader restart its pods when the Secret changes; or mount the Secret as a volume and read it again."
    } else {
        ""
    };
    let mut finding = None;
    let decision = if !w.rotates {
        format!(
            "Rotation window: the plan replaces nothing; whoever replaces the {what} by hand must keep the old one working for more than {}, the longest a planned consumer keeps a copy ({}).{restart}",
            w.max_staleness.to_text(),
            w.parts
        )
    } else if w.holds() {
        format!(
            "Rotation window: {}, longer than the {} a planned consumer may keep a copy ({}), so no consumer is left with a {what} that stopped working.{restart}",
            kept(s, what, replaced, &w),
            w.max_staleness.to_text(),
            w.parts
        )
    } else {
        let (how, effect) = (kept(s, what, replaced, &w), effect(s, replaced, &w));
        let fix = match replaced {
            Replaced::Lease { .. } if s.target == Target::Cicd => WindowFix::LongerLease(w.max_staleness),
            Replaced::AtOnce { .. } => WindowFix::NothingOverlaps,
            _ => WindowFix::YoungerCopies {
                kubernetes: s.target == Target::Kubernetes,
            },
        };
        finding = Some(findings::rotation_window_too_short(
            what,
            &how,
            w.max_staleness,
            &w.parts,
            &effect,
            fix,
        ));
        format!(
            "Rotation window: {how}, but a planned consumer may keep a copy for {} ({}): {effect}.{restart}",
            w.max_staleness.to_text(),
            w.parts
        )
    };
    (w, decision, finding)
}

/// What a consumer suffers when the window does not hold.
fn effect(s: &Settings, replaced: Replaced, w: &Window) -> String {
    let gap = Duration::from_secs(w.max_staleness.secs() - w.overlap.secs()).to_text();
    match (replaced, rereads(s).then(|| readable(s)).flatten()) {
        (Replaced::Lease { ttl }, _) if s.target == Target::Cicd => format!("a job that runs longer than {} loses it", ttl.to_text()),
        (Replaced::AtOnce { .. } | Replaced::Overlapping { .. }, Some(when)) => {
            format!("after each rotation its logins can be refused for up to {gap} before an error surfaces; {when}")
        }
        _ => format!("after each rotation its logins can fail for up to {gap}"),
    }
}

/// What happens to the credential a consumer holds, as the window's decision and finding say it.
fn kept(s: &Settings, what: &str, replaced: Replaced, w: &Window) -> String {
    match replaced {
        Replaced::AtOnce { .. } if s.credential == CredentialType::Database => {
            format!("the rotation changes the one database user's password, so the old {what} stops working as soon as the new one is set")
        }
        Replaced::AtOnce { .. } => {
            format!("the rotation overwrites the {what}, so the old value stops working as soon as the new one is set")
        }
        Replaced::Lease { ttl } if s.target == Target::Cicd => format!("each job's {what} lives {}", ttl.to_text()),
        _ => format!(
            "a replaced {what} keeps working for {} after the new one exists",
            w.overlap.to_text()
        ),
    }
}

/// The ESO refresh interval of a Kubernetes plan whose synced value changes as `resync` says,
/// with the refresh rule's finding; nothing for another target.
pub fn refresh(s: &Settings, resync: kubernetes::Resync) -> (Option<Duration>, Option<Finding>) {
    if s.target != Target::Kubernetes {
        return (None, None);
    }
    let (refresh, finding) = kubernetes::refresh_interval(s, resync);
    (Some(refresh), finding)
}

/// Applies [`rule`] to a plan: fills the window into `scripts`, states it, and raises the finding.
pub fn apply(
    s: &Settings,
    replaced: Replaced,
    refresh: Option<Duration>,
    scripts: &mut super::RotationScripts,
    decisions: &mut Vec<String>,
    findings: &mut Vec<Finding>,
) {
    let (w, decision, finding) = rule(s, replaced, refresh);
    scripts.overlap = w.overlap.to_text();
    scripts.max_staleness = w.max_staleness.to_text();
    decisions.push(decision);
    findings.extend(finding);
}
