//! Every one of the 144 backend × target × rotation × credential combinations returns a
//! well-formed plan: no artifact is an empty string, a combination that is not fully planned
//! says so in a warning, and planning is deterministic.

use crate::support::WorkloadFiles;
use secretsint::planner;

use crate::support::all_requests;

#[test]
fn every_combination_is_well_formed() {
    let requests = all_requests();
    assert_eq!(requests.len(), 144);
    for req in &requests {
        let combo = format!("{} / {} / {} / {:?}", req.backend, req.target, req.rotation, req.credential);
        let plan = planner::plan(req);
        assert_eq!(plan, planner::plan(req), "{combo}: not deterministic");
        let sc = &plan.secrets_config;
        for (what, text) in [("backend_endpoint", &sc.backend_endpoint), ("secret_path", &sc.secret_path)] {
            assert!(!text.is_empty(), "{combo}: empty {what}");
        }
        assert!(
            sc.config_file.as_ref().is_none_or(|f| !f.trim().is_empty()),
            "{combo}: empty config_file"
        );
        for p in &plan.access_policies {
            assert!(
                !p.policy_name.is_empty() && !p.policy_document.trim().is_empty() && !p.scope.is_empty(),
                "{combo}: empty policy field"
            );
        }
        for c in &plan.integration_code {
            for text in [
                &c.sdk,
                &c.sdk_version,
                &c.authentication_snippet,
                &c.secret_retrieval_snippet,
                &c.error_handling,
            ] {
                assert!(!text.trim().is_empty(), "{combo}: empty integration_code field for {}", c.language);
            }
        }
        if let Some(r) = &plan.rotation_scripts {
            for text in [&r.schedule, &r.rotation_logic, &r.notification] {
                assert!(!text.trim().is_empty(), "{combo}: empty rotation_scripts field");
            }
        }
        for m in &plan.deployment_manifests {
            assert!(!m.filename.is_empty() && !m.content.trim().is_empty(), "{combo}: empty manifest");
        }
        for (path, content) in plan.workload_files() {
            assert!(!content.trim().is_empty(), "{combo}: empty file {path}");
            assert!(
                content.ends_with('\n') && !content.ends_with("\n\n"),
                "{combo}: {path} must end with exactly one newline"
            );
        }
        assert!(!plan.decisions.is_empty(), "{combo}: no decisions recorded");
        assert!(
            sc.config_file.is_some() && plan.rotation_scripts.is_some() && !plan.access_policies.is_empty(),
            "{combo}: every combination is planned: config_file, rotation_scripts and access_policies are set"
        );
        assert!(
            !plan.integration_code.is_empty(),
            "{combo}: integration_code for the default languages"
        );
    }
}
