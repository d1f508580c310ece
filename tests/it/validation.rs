//! Validation that helps: the exact diagnostic for each narrow check, on its attribute path.

use secretsint::provider::{self, ProviderConfig};
use secretsint::tf::{Diagnostics, Severity, Value};

use crate::bad_input::{path, with};
use crate::support::*;

/// The one diagnostic of `severity` on `at`, as (summary, detail).
fn only(diags: &Diagnostics, severity: Severity, at: &str) -> (String, String) {
    let found: Vec<_> = diags
        .iter()
        .filter(|d| d.severity == severity && d.path.as_ref() == Some(&path(at)))
        .collect();
    assert_eq!(found.len(), 1, "one {severity:?} on {at}: {diags:?}");
    (found[0].summary.clone(), found[0].detail.clone())
}

fn validate(config: &Value) -> Diagnostics {
    provider::validate(config, &ProviderConfig::default())
}

#[test]
fn enum_values_get_a_did_you_mean() {
    let cases = [
        (
            "secrets_backend",
            "Vault",
            "secrets_backend = \"Vault\" is not a supported secrets backend. Did you mean \"vault\"? Use one of \"vault\", \"aws-secrets\", \"azure-keyvault\" or \"gcp-secretmanager\".",
        ),
        (
            "integration_target",
            "k8s",
            "integration_target = \"k8s\" is not a supported integration target. Did you mean \"kubernetes\"? Use one of \"kubernetes\", \"cicd\" or \"application\".",
        ),
        (
            "database.engine",
            "postgres",
            "database.engine = \"postgres\" is not a supported database engine. Did you mean \"postgresql\"? Use one of \"postgresql\", \"mysql\", \"mongodb\", \"mssql\", \"oracle\" or \"redshift\".",
        ),
        (
            "rotation_policy",
            "weekly",
            "rotation_policy = \"weekly\" is not a supported rotation policy. Use one of \"manual\", \"automatic\" or \"dynamic\".",
        ),
    ];
    for (at, given, detail) in cases {
        let d = validate(&with(at, s(given)));
        assert_eq!(only(&d, Severity::Error, at).1, detail);
    }
}

#[test]
fn durations_take_weeks_and_messages_quote_them_as_written() {
    let mut weekly = with("rotation_period", s("1w"));
    if let Value::Map(m) = &mut weekly {
        m.insert("rotation_policy".into(), s("automatic"));
    }
    let d = validate(&weekly);
    assert!(!d.has_errors(), "1w is a duration: {d:?}");
    // dynamic credentials live at most 24h: the message quotes "48h", not its canonical "2d".
    let d = validate(&with("rotation_period", s("48h")));
    assert_eq!(
        only(&d, Severity::Error, "rotation_period").1,
        "rotation_period 48h is too long for dynamic credentials: short-lived credentials live at most 24h. Use a value from 1m to 24h, or choose rotation_policy = \"automatic\"."
    );
    let d = validate(&with("kubernetes.refresh_interval", s("90m")));
    assert!(
        only(&d, Severity::Error, "kubernetes.refresh_interval")
            .1
            .starts_with("kubernetes.refresh_interval 90m is not shorter than"),
        "{d:?}"
    );
}
