//! Unknown inputs stay narrow (contract, composition invariant 5): a configuration holding
//! unknown values is planned twice, each unknown replaced by one of two stand-ins its grammar
//! accepts, and only what the two plans agree on stays known. The planner never sees an unknown.
//!
//! The two stand-ins of an argument differ in every character the grammar lets vary (counted
//! from either end), in length unless the grammar fixes it, and where the grammar allows one,
//! only one of them has a hyphen or dot, so any part of a result that copies, cuts, hashes or
//! measures the argument differs between the two plans and comes out unknown. What agrees did
//! not depend on the argument, within what two samples can show: an argument whose grammar has
//! branches two samples cannot cover (a KMS key given as an ID, an alias or an ARN), an unknown
//! choice, flag, number, list or whole block has no stand-ins, and then every computed
//! attribute is unknown, as before.

use crate::planner;
use crate::tf::Value;

use super::{config, result, ProviderConfig};

/// Two stand-ins per argument (a dotted path from the data source's root), each accepted by the
/// argument's grammar. Arguments of the same grammar get different letters, so no two unknowns
/// of one configuration share a stand-in.
pub const STAND_INS: &[(&str, [&str; 2])] = &[
    ("name", ["zzzzzz", "y1-y1y1-y1y1y"]),
    ("environment", ["xxxxxx", "w2-w2w2-w2w2w"]),
    ("kubernetes.namespace", ["vvvvvv", "u3-u3u3-u3u3u"]),
    ("kubernetes.service_account", ["tttttt", "s4-s4s.s4s4s"]),
    ("kubernetes.cluster_name", ["rrrrrr", "Q5-q5_Q5q5Q5"]),
    (
        "kubernetes.oidc_issuer",
        ["https://pppp.pppp", "https://o6-o6.o6o6o6.o6o6:8443/o6o6"],
    ),
    ("vault.address", ["https://nnnn.nnnn", "https://m7-m7.m7m7m7.m7m7:8201"]),
    ("database.host", ["llllll", "k8-k8.k8k8k8.k8"]),
    ("database.database_name", ["jjjjjj", "i9_i9-I9i9i9"]),
    ("aws.account_id", ["111111111111", "222222222222"]),
    (
        "azure.tenant_id",
        ["aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa", "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb"],
    ),
    (
        "azure.subscription_id",
        ["cccccccc-cccc-cccc-cccc-cccccccccccc", "dddddddd-dddd-dddd-dddd-dddddddddddd"],
    ),
    (
        "azure.identity_client_id",
        ["45454545-4545-4545-4545-454545454545", "67676767-6767-6767-6767-676767676767"],
    ),
    (
        "azure.identity_principal_id",
        ["89898989-8989-8989-8989-898989898989", "abababab-abab-abab-abab-abababababab"],
    ),
    (
        "azure.deployer_principal_id",
        ["cdcdcdcd-cdcd-cdcd-cdcd-cdcdcdcdcdcd", "efefefef-efef-efef-efef-efefefefefef"],
    ),
    (
        "cicd.principal_id",
        ["eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee", "ffffffff-ffff-ffff-ffff-ffffffffffff"],
    ),
    (
        "cicd.rotator_principal_id",
        ["01010101-0101-0101-0101-010101010101", "23232323-2323-2323-2323-232323232323"],
    ),
    ("gcp.project_id", ["hhhhhh", "g0-g0g0-g0g0g"]),
    ("gcp.project_number", ["333333", "4444444444444"]),
    ("gcp.writers", ["group:ffff@ffff.ffff", "user:e5e@e5e5e5e5e5.e5e5e"]),
];

/// The state for a configuration with unknown values: known wherever two stand-in plans agree,
/// with the configuration's own values (unknowns included) for its arguments. `None` when some
/// unknown has no stand-ins or a stand-in plan is refused; the caller then makes every computed
/// attribute unknown. No diagnostic of a stand-in plan is kept: they are about values nobody set.
pub fn narrowed(config: &Value, provider: &ProviderConfig) -> Option<Value> {
    narrowed_with(config, provider, plan)
}

/// [`narrowed`] for a `secretsint_workload`: an argument of a `secret` block has the stand-ins
/// of the `secretsint_plan` argument of the same name.
pub fn narrowed_workload(config: &Value, provider: &ProviderConfig) -> Option<Value> {
    narrowed_with(config, provider, plan_workload)
}

fn narrowed_with(config: &Value, provider: &ProviderConfig, plan: fn(&Value, &ProviderConfig) -> Option<Value>) -> Option<Value> {
    let planned = [0, 1].map(|side| substitute(config, "", side).and_then(|c| plan(&c, provider)));
    let [Some(a), Some(b)] = planned else {
        return None;
    };
    let mut state = merge(&a, &b);
    // The arguments as given: the stand-ins are only where the configuration holds unknowns.
    if let (Value::Map(state), Value::Map(args)) = (&mut state, config) {
        for (name, v) in args.iter().filter(|(_, v)| v.contains_unknown()) {
            state.insert(name.clone(), v.clone());
        }
    }
    Some(state)
}

/// `config` with every unknown replaced by its stand-in number `side`; `None` when an unknown
/// has none (it is a choice, a flag, a list, a block or an argument without a stand-in).
fn substitute(v: &Value, path: &str, side: usize) -> Option<Value> {
    match v {
        Value::Unknown => STAND_INS
            .iter()
            .find(|(p, _)| *p == in_secret_block(path))
            .map(|(_, pair)| Value::string(pair[side])),
        Value::Map(m) => m
            .iter()
            .map(|(k, item)| {
                let at = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                Some((k.clone(), substitute(item, &at, side)?))
            })
            .collect::<Option<_>>()
            .map(Value::Map),
        Value::List(items) if v.contains_unknown() => None,
        _ => Some(v.clone()),
    }
}

/// `secret.<label>.database.host` -> `database.host`: a `secret` block's arguments are those of
/// a plan.
fn in_secret_block(path: &str) -> &str {
    path.strip_prefix("secret.")
        .and_then(|rest| rest.split_once('.'))
        .map_or(path, |(_, arg)| arg)
}

/// The state of a fully known workload configuration, or `None` when it has any error.
fn plan_workload(config: &Value, provider: &ProviderConfig) -> Option<Value> {
    let (Some(w), diags) = config::workload_request(config, provider) else {
        return None;
    };
    let plan = planner::workload::plan_workload(&w);
    let strict = provider.strict || w.base.strict;
    if diags.has_errors()
        || result::findings_to_diagnostics(&plan.findings, strict, false).has_errors()
        || result::workload_placeholders_to_diagnostics(&w, strict).has_errors()
    {
        return None;
    }
    Some(result::workload_state(config, &w, &plan))
}

/// The state of a fully known configuration, or `None` when it has any error.
fn plan(config: &Value, provider: &ProviderConfig) -> Option<Value> {
    let (Some(req), diags) = config::request(config, provider) else {
        return None;
    };
    let plan = planner::plan(&req);
    let strict = provider.strict || req.strict;
    if diags.has_errors()
        || result::findings_to_diagnostics(&plan.findings, strict, false).has_errors()
        || result::placeholders_to_diagnostics(&plan.placeholders, strict).has_errors()
    {
        return None;
    }
    Some(result::state(config, &req, &plan))
}

/// What two results agree on: equal values stay, lists of one length and maps or objects with
/// one set of keys merge element by element, anything else is unknown (a map whose keys differ
/// is unknown as a whole, since its keys are what `for_each` needs exactly).
pub fn merge(a: &Value, b: &Value) -> Value {
    match (a, b) {
        _ if a == b => a.clone(),
        (Value::List(x), Value::List(y)) if x.len() == y.len() => Value::List(x.iter().zip(y).map(|(x, y)| merge(x, y)).collect()),
        (Value::Map(x), Value::Map(y)) if x.keys().eq(y.keys()) => {
            Value::Map(x.iter().zip(y.values()).map(|((k, x), y)| (k.clone(), merge(x, y))).collect())
        }
        _ => Value::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: &str) -> Value {
        Value::string(t)
    }

    #[test]
    fn merge_keeps_what_agrees_and_nothing_else() {
        let a = Value::object([
            ("same", s("x")),
            ("text", s("a")),
            ("list", Value::List(vec![s("1"), s("a")])),
            ("short", Value::List(vec![s("1")])),
            ("map", Value::object([("k", s("a")), ("j", s("1"))])),
            ("keys", Value::object([("a", s("1"))])),
            ("null", Value::Null),
        ]);
        let b = Value::object([
            ("same", s("x")),
            ("text", s("b")),
            ("list", Value::List(vec![s("1"), s("b")])),
            ("short", Value::List(vec![s("1"), s("2")])),
            ("map", Value::object([("k", s("b")), ("j", s("1"))])),
            ("keys", Value::object([("b", s("1"))])),
            ("null", s("set")),
        ]);
        let want = Value::object([
            ("same", s("x")),
            ("text", Value::Unknown),
            ("list", Value::List(vec![s("1"), Value::Unknown])),
            ("short", Value::Unknown),
            ("map", Value::object([("k", Value::Unknown), ("j", s("1"))])),
            ("keys", Value::Unknown),
            ("null", Value::Unknown),
        ]);
        assert_eq!(merge(&a, &b), want);
    }

    /// Each stand-in passes its argument's grammar, and the two of a pair share no character at
    /// any position counted from either end, beyond what the grammar fixes (a scheme, GUID
    /// dashes), so that no cut of one equals the same cut of the other.
    #[test]
    fn stand_ins_are_valid_and_differ_everywhere_they_can() {
        let base = || {
            Value::object([
                ("secrets_backend", s("vault")),
                ("integration_target", s("kubernetes")),
                ("rotation_policy", s("dynamic")),
            ])
        };
        for (path, pair) in STAND_INS {
            for stand_in in pair {
                let mut config = base();
                let (block, attr) = path.split_once('.').map_or((None, *path), |(b, a)| (Some(b), a));
                if let Value::Map(m) = &mut config {
                    match block {
                        Some(b) => m.insert(b.to_string(), Value::object([(attr, s(stand_in))])),
                        None => m.insert(attr.to_string(), s(stand_in)),
                    };
                }
                let diags = config::request(&config, &ProviderConfig::default()).1;
                let wrong: Vec<_> = diags
                    .iter()
                    .filter(|d| d.path.as_ref().is_some_and(|p| p.to_string() == *path))
                    .collect();
                assert!(
                    wrong.iter().all(|d| d.severity != crate::tf::Severity::Error),
                    "{path} = {stand_in:?}: {wrong:?}"
                );
            }
            let [a, b] = pair.map(str::as_bytes);
            let fixed = |c: u8| b":/-".contains(&c) && (a.len() == b.len() || path.ends_with("issuer") || path.ends_with("address"));
            let prefix = if a.starts_with(b"https://") { 8 } else { 0 };
            for (x, y) in a.iter().zip(b).skip(prefix).chain(a.iter().rev().zip(b.iter().rev())) {
                assert!(
                    x != y || fixed(*x),
                    "{path}: {:?} and {:?} share {:?}",
                    pair[0],
                    pair[1],
                    *x as char
                );
            }
            let fixed_length = path.ends_with("_id") && !path.starts_with("gcp.");
            assert!(fixed_length || a.len() != b.len(), "{path}: stand-ins of one length");
        }
    }

    fn quickstart(namespace: Value) -> Value {
        Value::object([
            ("secrets_backend", s("vault")),
            ("integration_target", s("kubernetes")),
            ("rotation_policy", s("dynamic")),
            ("credential_type", s("database")),
            ("name", s("orders")),
            ("include", Value::List(vec![s("files")])),
            ("kubernetes", Value::object([("namespace", namespace)])),
        ])
    }

    /// Every known leaf of `narrow` with its path, checked against `real` at the same path.
    fn check_known(narrow: &Value, real: &Value, path: &str, out: &mut Vec<String>) {
        match (narrow, real) {
            (Value::Unknown, _) => {}
            (Value::Map(n), Value::Map(r)) if n.keys().eq(r.keys()) => {
                for (k, v) in n {
                    check_known(v, &r[k], &format!("{path}.{k}"), out);
                }
            }
            (Value::List(n), Value::List(r)) if n.len() == r.len() => {
                for (i, (n, r)) in n.iter().zip(r).enumerate() {
                    check_known(n, r, &format!("{path}[{i}]"), out);
                }
            }
            _ if narrow == real => {}
            _ => out.push(format!("{path}: known as {narrow:?}, really {real:?}")),
        }
    }

    fn strings(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(t) => out.push(t.clone()),
            Value::List(items) => items.iter().for_each(|i| strings(i, out)),
            Value::Map(m) => m.iter().for_each(|(k, i)| {
                out.push(k.clone());
                strings(i, out)
            }),
            _ => {}
        }
    }

    /// Whatever the namespace turns out to be, every value known at plan time is the value the
    /// real plan has: no stand-in leaks, and no branch taken for the stand-ins is passed off as
    /// the real one.
    #[test]
    fn known_values_are_those_of_every_real_plan() {
        let provider = ProviderConfig::default();
        let narrow = narrowed(&quickstart(Value::Unknown), &provider).expect("a namespace has stand-ins");
        let Value::Map(files) = narrow.get("files") else {
            panic!("files keys stay known: {:?}", narrow.get("files"));
        };
        assert!(files.values().any(Value::is_unknown), "a file names the namespace");
        assert!(files.values().any(|v| !v.is_unknown()), "some file does not");
        let long = format!("n{}", "-9".repeat(31));
        for real in ["payments", "a", "default", "team-b2", "kube-system", long.as_str()] {
            let (state, diags) = super::super::read(&quickstart(s(real)), &provider);
            assert!(!diags.has_errors(), "{real}");
            let mut wrong = Vec::new();
            check_known(&narrow, &state, "", &mut wrong);
            assert!(wrong.is_empty(), "namespace {real:?}:\n{}", wrong.join("\n"));
        }
        assert_eq!(narrow.get("kubernetes").get("namespace"), &Value::Unknown);
        let Value::List(policies) = narrow.get("access_policies") else {
            panic!("policies stay a list")
        };
        assert!(!policies.is_empty() && policies.iter().all(|p| p.get("policy_name").as_str().is_some()));
    }

    /// The canary: one stand-in plan alone would publish the stand-in as the namespace.
    #[test]
    fn a_single_stand_in_plan_would_leak_and_the_double_plan_does_not() {
        let provider = ProviderConfig::default();
        let [a, b] = STAND_INS.iter().find(|(p, _)| *p == "kubernetes.namespace").unwrap().1;
        let single = plan(&substitute(&quickstart(Value::Unknown), "", 0).unwrap(), &provider).unwrap();
        let mut texts = Vec::new();
        strings(&single, &mut texts);
        assert!(texts.iter().any(|t| t.contains(a)), "the single plan echoes the stand-in");
        let mut texts = Vec::new();
        strings(&narrowed(&quickstart(Value::Unknown), &provider).unwrap(), &mut texts);
        for stand_in in [a, b] {
            assert!(!texts.iter().any(|t| t.contains(stand_in)), "{stand_in} leaked");
        }
    }

    #[test]
    fn unknowns_without_stand_ins_leave_every_computed_attribute_unknown() {
        let provider = ProviderConfig::default();
        let mut config = quickstart(s("payments"));
        if let Value::Map(m) = &mut config {
            m.insert("credential_type".into(), Value::Unknown);
        }
        assert_eq!(narrowed(&config, &provider), None);
        let (state, diags) = super::super::read(&config, &provider);
        assert!(diags.is_empty());
        assert_eq!(state, result::unknown_state(&config));
        let mut config = quickstart(s("payments"));
        if let Value::Map(m) = &mut config {
            m.insert("languages".into(), Value::List(vec![s("go"), Value::Unknown]));
            m.insert("kubernetes".into(), Value::Unknown);
        }
        assert_eq!(narrowed(&config, &provider), None);
    }

    #[test]
    fn a_refused_stand_in_plan_falls_back_to_all_unknown() {
        // Under strict, every placeholder left in a plan is an error: both stand-in plans of the
        // quickstart are refused, so nothing is claimed known.
        let provider = ProviderConfig {
            strict: true,
            ..Default::default()
        };
        assert_eq!(narrowed(&quickstart(Value::Unknown), &provider), None);
    }

    fn set(config: &mut Value, path: &str, v: Value) {
        let Value::Map(m) = config else { unreachable!() };
        match path.split_once('.') {
            Some((block, attr)) => {
                let Value::Map(b) = m.entry(block.to_string()).or_insert_with(|| Value::Map(Default::default())) else {
                    unreachable!()
                };
                b.insert(attr.to_string(), v);
            }
            None => {
                m.insert(path.to_string(), v);
            }
        }
    }

    /// The property behind the stand-ins, for every argument that has them, on one combination
    /// per backend and target: whatever real value the argument turns out to have, every value
    /// known at plan time is the real plan's.
    #[test]
    fn every_stand_in_argument_keeps_known_only_what_real_values_agree_on() {
        let guid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
        let samples: &[(&str, &[&str])] = &[
            ("name", &["payments", "b", "orders-eu-2"]),
            ("environment", &["staging", "p", "prod-eu-west"]),
            ("kubernetes.namespace", &["default", "team-a"]),
            ("kubernetes.service_account", &["orders", "orders.api-v1"]),
            ("kubernetes.cluster_name", &["prod-eks", "Main_Cluster1"]),
            (
                "kubernetes.oidc_issuer",
                &["https://oidc.eks.us-east-1.amazonaws.com/id/ABC123", "https://issuer.example"],
            ),
            ("vault.address", &["https://vault.example.com:8200", "https://10.0.0.5"]),
            ("database.host", &["db.internal", "10.1.2.3"]),
            ("database.database_name", &["orders", "app_db-1"]),
            ("aws.account_id", &["123456789012"]),
            ("azure.tenant_id", &[guid]),
            ("azure.subscription_id", &[guid]),
            ("azure.identity_client_id", &[guid]),
            ("azure.identity_principal_id", &[guid]),
            ("azure.deployer_principal_id", &[guid]),
            ("cicd.principal_id", &[guid]),
            ("cicd.rotator_principal_id", &[guid]),
            ("gcp.project_id", &["my-project-123"]),
            ("gcp.project_number", &["123456789012"]),
            ("gcp.writers", &["group:orders-writers@acme.com", "user:ops@acme.com"]),
        ];
        let combos = [
            ["vault", "kubernetes", "dynamic", "database"],
            ["vault", "cicd", "automatic", "api-key"],
            ["aws-secrets", "kubernetes", "automatic", "database"],
            ["aws-secrets", "application", "manual", "generic"],
            ["azure-keyvault", "cicd", "automatic", "api-key"],
            ["azure-keyvault", "kubernetes", "manual", "generic"],
            ["gcp-secretmanager", "application", "automatic", "database"],
            ["gcp-secretmanager", "kubernetes", "manual", "api-key"],
        ];
        let provider = ProviderConfig::default();
        let mut narrowed_some = 0;
        for (path, _) in STAND_INS {
            let reals = samples
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, r)| *r)
                .unwrap_or_else(|| panic!("{path}: no samples"));
            for [backend, target, rotation, credential] in combos {
                let mut config = Value::object([
                    ("secrets_backend", s(backend)),
                    ("integration_target", s(target)),
                    ("rotation_policy", s(rotation)),
                    ("credential_type", s(credential)),
                    ("include", Value::List(vec![s("files"), s("contract_json")])),
                ]);
                set(&mut config, path, Value::Unknown);
                let Some(narrow) = narrowed(&config, &provider) else { continue };
                narrowed_some += 1;
                for real in reals {
                    set(&mut config, path, s(real));
                    let (state, diags) = super::super::read(&config, &provider);
                    if diags.has_errors() {
                        continue;
                    }
                    let mut wrong = Vec::new();
                    check_known(&narrow, &state, "", &mut wrong);
                    assert!(
                        wrong.is_empty(),
                        "{path} = {real:?} on {backend}/{target}/{rotation}/{credential}:\n{}",
                        wrong.join("\n")
                    );
                }
            }
        }
        assert!(narrowed_some > STAND_INS.len() * 4, "most cases narrow: {narrowed_some}");
    }
}
