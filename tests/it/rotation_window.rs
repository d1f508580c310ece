//! The rotation window (`planner::window`, issue 15): every plan states how long a replaced
//! credential keeps working (`rotation_scripts.overlap`) and how long a planned consumer may keep
//! a copy (`max_staleness`), in its outputs and in one decision; a plan that rotates with an
//! overlap not above the staleness carries the window finding (a fallback: an error under
//! `strict`), and no other plan does.

use secretsint::planner::duration::Duration;
use secretsint::planner::{plan, Backend, Choice, CredentialType, FindingKind, Plan, Request, Rotation, Target};

use crate::support::{every_request_on_every_platform, WINDOW_FINDING};

fn every_plan() -> Vec<(String, Plan)> {
    every_request_on_every_platform()
        .into_iter()
        .map(|(case, req)| (case, plan(&req)))
        .collect()
}

/// (overlap, max_staleness, rotates, window finding present) of a plan, checked for shape.
fn window_of(case: &str, p: &Plan) -> (Duration, Duration, bool, bool) {
    let r = p.rotation_scripts.as_ref().unwrap_or_else(|| panic!("{case}: no rotation_scripts"));
    // The provider's durations are positive; the window's may be 0s.
    let parse = |text: &str, what: &str| match text {
        "0s" => Duration::from_secs(0),
        _ => Duration::parse(text).unwrap_or_else(|e| panic!("{case}: {what} {text:?}: {e}")),
    };
    let overlap = parse(&r.overlap, "overlap");
    let stale = parse(&r.max_staleness, "max_staleness");
    let stated: Vec<&String> = p.decisions.iter().filter(|d| d.starts_with("Rotation window: ")).collect();
    assert_eq!(stated.len(), 1, "{case}: one decision states the window: {stated:?}");
    let rotates = !stated[0].contains("the plan replaces nothing");
    let found: Vec<_> = p.findings.iter().filter(|f| f.summary == WINDOW_FINDING).collect();
    assert!(found.len() <= 1, "{case}: {found:?}");
    if let Some(f) = found.first() {
        assert_eq!(f.kind, FindingKind::Fallback, "{case}: an error under strict, a warning otherwise");
        assert_eq!(f.field, ["rotation_policy"], "{case}");
        assert!(
            f.detail.contains(&format!("may keep a copy for {}", r.max_staleness)),
            "{case}: {}",
            f.detail
        );
    }
    (overlap, stale, rotates, !found.is_empty())
}

fn req(backend: Backend, target: Target, rotation: Rotation, credential: CredentialType) -> Request {
    let mut r = Request::new(backend, target, rotation);
    r.credential = Some(credential);
    r
}

fn self_issued(mut r: Request) -> Request {
    r.api_key.issuer = Some(secretsint::planner::ApiKeyIssuer::SelfIssued);
    r
}

#[test]
fn every_plan_states_its_window_and_warns_exactly_when_it_does_not_hold() {
    let (mut holds, mut breaks, mut manual) = (0, 0, 0);
    for (case, p) in every_plan() {
        let (overlap, stale, rotates, warned) = window_of(&case, &p);
        let manual_type = p.rotation_scripts.as_ref().unwrap().rotation_type.as_str() == "none";
        // A third-party API key's schedule only reminds: its workflow runs and replaces nothing.
        let reminds = p.findings.iter().any(|f| f.summary == "API Key Rotation Falls Back To A Reminder");
        assert_eq!(
            !rotates,
            manual_type || reminds,
            "{case}: rotation_type none ⇔ the plan replaces nothing"
        );
        assert_eq!(
            warned,
            rotates && overlap <= stale,
            "{case}: overlap {overlap:?}, max_staleness {stale:?}"
        );
        match (rotates, warned) {
            (false, _) => manual += 1,
            (true, false) => holds += 1,
            (true, true) => breaks += 1,
        }
    }
    eprintln!("rotation window over every plan: {holds} rotate and hold, {breaks} rotate and can break consumers, {manual} rotate nothing");
    assert!(holds > 0 && breaks > 0 && manual > 0);
}

/// What the windows are, where the backends' rotation shapes decide them.
#[test]
fn the_windows_follow_how_each_backend_replaces_its_credential() {
    use Backend::*;
    use CredentialType::*;
    use Rotation::*;
    use Target::*;
    let cases = [
        // AWS alternates PostgreSQL users: the previous one works until the next rotation.
        (req(AwsSecrets, Kubernetes, Automatic, Database), "90d", "1h2m", false),
        // Azure alternates users: the previous one works a whole period; the application's
        // connect helper re-reads a refused copy for 15s.
        (req(AzureKeyVault, Application, Automatic, Database), "90d", "15s", false),
        // GCP alternates users too (PostgreSQL, MySQL, Redshift).
        (req(GcpSecretManager, Kubernetes, Automatic, Database), "90d", "1h2m", false),
        // An overwritten (self-issued) API key stops at once too.
        (self_issued(req(Vault, Cicd, Automatic, ApiKey)), "0s", "6h", true),
        // A third-party API key is only reminded of: people replace it.
        (req(Vault, Cicd, Automatic, ApiKey), "0s", "6h", false),
        (req(AwsSecrets, Application, Automatic, ApiKey), "0s", "5m", false),
        // A lease read again at two thirds of its lifetime: a third of it overlaps.
        (req(Vault, Kubernetes, Dynamic, Database), "20m", "2m", false),
        (req(Vault, Application, Dynamic, Database), "20m", "0s", false),
        // Vault plans an automatic database credential as a lease too (24h at most), never a
        // static role's one password.
        (req(Vault, Kubernetes, Automatic, Database), "8h", "2m", false),
        (req(Vault, Application, Automatic, Database), "8h", "0s", false),
        // A CI job keeps its lease for the whole job, assumed up to 6h.
        (req(Vault, Cicd, Dynamic, Database), "1h", "6h", true),
        // Certificates renewed before they expire: the old one works until then.
        (req(AzureKeyVault, Kubernetes, Automatic, Certificate), "30d", "1h2m", false),
        // Nothing is rotated by the plan.
        (req(AwsSecrets, Application, Manual, ApiKey), "0s", "5m", false),
    ];
    // Redshift alternates users too (issue 15): the clone joins the user's groups, and the
    // previous user works until the next rotation, as for PostgreSQL.
    let redshift = |mut r: Request| {
        r.database.engine = Some(secretsint::planner::DbEngine::Redshift);
        r
    };
    let cases: Vec<_> = cases
        .into_iter()
        .chain([
            (redshift(req(AwsSecrets, Kubernetes, Automatic, Database)), "90d", "1h2m", false),
            (redshift(req(AwsSecrets, Application, Automatic, Database)), "90d", "15s", false),
            (redshift(req(AzureKeyVault, Application, Automatic, Database)), "90d", "15s", false),
            (
                redshift(req(GcpSecretManager, Kubernetes, Automatic, Database)),
                "90d",
                "1h2m",
                false,
            ),
        ])
        .collect();
    for (r, overlap, stale, warned) in cases {
        let case = format!("{}-{}-{}-{}", r.backend, r.target, r.rotation, r.credential.unwrap());
        let p = plan(&r);
        let s = p.rotation_scripts.as_ref().unwrap();
        assert_eq!((s.overlap.as_str(), s.max_staleness.as_str()), (overlap, stale), "{case}");
        assert_eq!(p.findings.iter().any(|f| f.summary == WINDOW_FINDING), warned, "{case}");
    }
}

/// The rule answers the arguments that move the window: a CI lease as long as the job holds;
/// an ESO refresh interval so close to the lease's lifetime that the old credential expires
/// before pods see the new one breaks (the canary for a harness that would miss a late sync).
#[test]
fn the_window_moves_with_the_lifetime_and_the_refresh_interval() {
    let mut ci = req(Backend::Vault, Target::Cicd, Rotation::Dynamic, CredentialType::Database);
    ci.rotation_period = Some(Duration::parse("6h").unwrap());
    let p = plan(&ci);
    let f = p
        .findings
        .iter()
        .find(|f| f.summary == WINDOW_FINDING)
        .expect("a lease as long as the job does not outlive it");
    assert!(f.detail.contains("Set rotation_period to more than 6h"), "{}", f.detail);
    ci.rotation_period = Some(Duration::parse("7h").unwrap());
    let p = plan(&ci);
    assert!(!p.findings.iter().any(|f| f.summary == WINDOW_FINDING), "{:?}", p.findings);

    let mut k8s = req(Backend::Vault, Target::Kubernetes, Rotation::Dynamic, CredentialType::Database);
    k8s.rotation_period = Some(Duration::parse("1h").unwrap());
    k8s.kubernetes.refresh_interval = Some(Duration::parse("59m").unwrap());
    let p = plan(&k8s);
    let s = p.rotation_scripts.as_ref().unwrap();
    assert_eq!((s.overlap.as_str(), s.max_staleness.as_str()), ("1m", "2m"));
    let f = p
        .findings
        .iter()
        .find(|f| f.summary == WINDOW_FINDING)
        .expect("a 1m overlap behind a 2m sync breaks");
    assert!(
        f.detail.contains("can fail for up to 1m") && f.detail.contains("Lower kubernetes.refresh_interval"),
        "{}",
        f.detail
    );
}

/// An application's database credential is read through the connect helper, which re-reads a
/// refused copy: the staleness is its 15s of retries, not the cache, and the decision says what
/// the retry depends on per backend. Other credentials (no connect helper) keep the cache.
#[test]
fn the_connect_helper_bounds_an_application_database_copy_by_its_retries() {
    for b in Backend::ALL {
        let p = plan(&req(*b, Target::Application, Rotation::Automatic, CredentialType::Database));
        let s = p.rotation_scripts.as_ref().unwrap();
        let window = p.decisions.iter().find(|d| d.starts_with("Rotation window: ")).unwrap();
        if *b == Backend::Vault {
            // Vault's automatic database credential is a lease the code reads again before it
            // expires: nothing stale to retry past.
            assert_eq!((s.overlap.as_str(), s.max_staleness.as_str()), ("8h", "0s"), "{b}");
            assert!(window.contains("reads again before its credential expires"), "{b}: {window}");
        } else {
            assert_eq!(s.max_staleness, "15s", "{b}");
            assert!(window.contains("until its re-read on an authentication failure"), "{b}: {window}");
        }
        assert!(
            p.decisions
                .iter()
                .any(|d| d.contains("retries after 0s, 1s, 2s, 4s, 8s (15s in all)")),
            "{b}: {:?}",
            p.decisions
        );
        if s.overlap == "0s" {
            assert!(window.contains("before an error surfaces"), "{b}: {window}");
        }
        let generic = plan(&req(*b, Target::Application, Rotation::Automatic, CredentialType::Generic));
        assert_eq!(generic.rotation_scripts.as_ref().unwrap().max_staleness, "5m", "{b}");
    }
    // Redshift alternates users on every backend that rotates it (issue 15): the replaced user
    // keeps working a whole period, so no plan says its logins can be refused, on any target.
    for b in [Backend::AwsSecrets, Backend::AzureKeyVault, Backend::GcpSecretManager] {
        for t in [Target::Application, Target::Kubernetes] {
            for rotation in [Rotation::Automatic, Rotation::Dynamic] {
                let mut redshift = req(b, t, rotation, CredentialType::Database);
                redshift.database.engine = Some(secretsint::planner::DbEngine::Redshift);
                let p = plan(&redshift);
                let case = format!("{b}/{t}/{rotation}");
                let s = p.rotation_scripts.as_ref().unwrap();
                assert_ne!(s.overlap, "0s", "{case}");
                assert!(!p.findings.iter().any(|f| f.summary == WINDOW_FINDING), "{case}: {:?}", p.findings);
                let window = p.decisions.iter().find(|d| d.starts_with("Rotation window: ")).unwrap();
                assert!(
                    window.contains("keeps working for") && !window.contains("stops working"),
                    "{case}: {window}"
                );
                assert!(
                    !p.decisions
                        .iter()
                        .any(|d| d.contains("single-user") && !d.starts_with("Managed rotation:")),
                    "{case}: {:?}",
                    p.decisions
                );
            }
        }
    }
}

/// The reload path a Kubernetes plan gives pods that read a synced Secret as environment
/// variables: every Secret the plan keeps current (ESO's target, cert-manager's Certificate) is
/// marked for Stakater Reloader's search mode, and the window decision says how to use it.
#[test]
fn every_secret_a_kubernetes_plan_keeps_current_is_marked_for_reloader() {
    use secretsint::planner::ManifestType;
    let mut marked = 0;
    for (case, req) in every_request_on_every_platform() {
        if req.target != Target::Kubernetes {
            continue;
        }
        let p = plan(&req);
        let window = p.decisions.iter().find(|d| d.starts_with("Rotation window: ")).unwrap();
        assert!(window.contains("reloader.stakater.com/search: \"true\""), "{case}: {window}");
        let mut synced = 0;
        let manifests = p.deployment_manifests.iter().filter(|m| m.kind == ManifestType::Kubernetes);
        for (m, doc) in manifests
            .flat_map(|m| serde_norway::Deserializer::from_str(&m.content).map(move |d| (m, serde::Deserialize::deserialize(d).unwrap())))
        {
            let doc: serde_norway::Value = doc;
            let annotations = match doc["kind"].as_str() {
                Some("ExternalSecret") => &doc["spec"]["target"]["template"]["metadata"]["annotations"],
                Some("Certificate") => &doc["spec"]["secretTemplate"]["annotations"],
                _ => continue,
            };
            assert_eq!(
                annotations["reloader.stakater.com/match"].as_str(),
                Some("true"),
                "{case}: {}\n{}",
                m.filename,
                m.content
            );
            synced += 1;
        }
        assert!(synced > 0, "{case}: no synced Secret");
        marked += 1;
    }
    assert_eq!(marked, 48, "every backend x rotation x credential on Kubernetes");
}
