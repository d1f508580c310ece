//! In-process protocol tests: the same requests through tfplugin5 and tfplugin6.

use secretsint::proto::{tfplugin5 as p5, tfplugin6 as p6};
use secretsint::tf::{Number, Value};

use crate::support::*;

fn dv6(v: &Value) -> Option<p6::DynamicValue> {
    Some(p6::DynamicValue {
        msgpack: encode(v),
        json: vec![],
    })
}

fn dv5(v: &Value) -> Option<p5::DynamicValue> {
    Some(p5::DynamicValue {
        msgpack: encode(v),
        json: vec![],
    })
}

fn attr_path6(p: &Option<p6::AttributePath>) -> Vec<String> {
    use p6::attribute_path::step::Selector;
    p.iter()
        .flat_map(|p| p.steps.iter())
        .map(|s| match &s.selector {
            Some(Selector::AttributeName(n)) => n.clone(),
            Some(Selector::ElementKeyString(k)) => format!("[{k:?}]"),
            Some(Selector::ElementKeyInt(i)) => format!("[{i}]"),
            None => "?".into(),
        })
        .collect()
}

fn errors6(diags: &[p6::Diagnostic]) -> Vec<&p6::Diagnostic> {
    diags
        .iter()
        .filter(|d| d.severity == p6::diagnostic::Severity::Error as i32)
        .collect()
}

#[tokio::test]
async fn schema_is_complete_and_identical_on_both_protocols() {
    let h = InProcess::start().await;
    let mut c6 = p6::provider_client::ProviderClient::new(h.channel.clone());
    let mut c5 = p5::provider_client::ProviderClient::new(h.channel.clone());
    let s6 = c6
        .get_provider_schema(p6::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    let s5 = c5.get_schema(p5::get_provider_schema::Request {}).await.unwrap().into_inner();
    assert!(s6.diagnostics.is_empty() && s5.diagnostics.is_empty());
    let ds6 = s6.data_source_schemas["secretsint_plan"].block.as_ref().unwrap();
    let ds5 = s5.data_source_schemas["secretsint_plan"].block.as_ref().unwrap();
    let names6: Vec<&str> = ds6.attributes.iter().map(|a| a.name.as_str()).collect();
    let names5: Vec<&str> = ds5.attributes.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names6, names5);
    for want in [
        "secrets_backend",
        "integration_target",
        "rotation_policy",
        "credential_type",
        "name",
        "environment",
        "languages",
        "rotation_period",
        "timestamp",
        "id",
        "secrets_config",
        "access_policies",
        "integration_code",
        "rotation_scripts",
        "deployment_manifests",
        "decisions",
        "files",
        "contract_json",
    ] {
        assert!(names6.contains(&want), "missing attribute {want}");
    }
    let blocks: Vec<&str> = ds6.block_types.iter().map(|b| b.type_name.as_str()).collect();
    assert_eq!(
        blocks,
        [
            "vault",
            "aws",
            "azure",
            "gcp",
            "database",
            "kubernetes",
            "cicd",
            "certificate",
            "api_key"
        ]
    );
    let backend = ds6.attributes.iter().find(|a| a.name == "secrets_backend").unwrap();
    assert!(backend.required && !backend.computed);
    assert_eq!(
        backend.description,
        "Where the secrets live. One of \"vault\", \"aws-secrets\", \"azure-keyvault\" or \"gcp-secretmanager\"."
    );
    let sc = ds6.attributes.iter().find(|a| a.name == "secrets_config").unwrap();
    assert_eq!(
        String::from_utf8(sc.r#type.clone()).unwrap(),
        r#"["object",{"authentication_method":"string","backend_endpoint":"string","config_file":"string","config_format":"string","secret_path":"string"}]"#
    );
    let provider = s6.provider.unwrap().block.unwrap();
    assert_eq!(
        provider.attributes.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        ["default_languages", "strict"]
    );
}

#[tokio::test]
async fn validate_reports_every_error_on_its_path() {
    let h = InProcess::start().await;
    let mut c6 = p6::provider_client::ProviderClient::new(h.channel.clone());
    let bad = config(&[
        ("secrets_backend", s("hashicorp")),
        ("integration_target", s("kubernetes")),
        ("rotation_policy", s("dynamic")),
        ("credential_type", s("database")),
        ("rotation_period", s("2 days")),
        ("name", s("Payments_API")),
        ("languages", Value::List(vec![s("python"), s("rust")])),
        (
            "database",
            config(&[("engine", s("sqlite")), ("port", Value::Number(Number::from_i64(70000)))]),
        ),
    ]);
    let r = c6
        .validate_data_resource_config(p6::validate_data_resource_config::Request {
            type_name: "secretsint_plan".into(),
            config: dv6(&bad),
        })
        .await
        .unwrap()
        .into_inner();
    let errs = errors6(&r.diagnostics);
    let paths: Vec<String> = errs.iter().map(|d| attr_path6(&d.attribute).join(".").replace(".[", "[")).collect();
    assert_eq!(
        paths,
        [
            "secrets_backend",
            "name",
            "languages[1]",
            "rotation_period",
            "database.engine",
            "database.port"
        ]
    );
    assert_eq!(errs[0].summary, "Invalid Secrets Backend");
    assert!(
        errs[0]
            .detail
            .contains(r#""vault", "aws-secrets", "azure-keyvault" or "gcp-secretmanager""#),
        "{}",
        errs[0].detail
    );
    assert!(errs[4]
        .detail
        .contains(r#""postgresql", "mysql", "mongodb", "mssql", "oracle" or "redshift""#));
}

#[tokio::test]
async fn unknown_values_are_not_errors_and_make_what_depends_on_them_unknown() {
    let h = InProcess::start().await;
    let mut c6 = p6::provider_client::ProviderClient::new(h.channel.clone());
    let mut cfg = vault_k8s_dynamic_db();
    if let Value::Map(m) = &mut cfg {
        m.insert("name".into(), Value::Unknown);
        m.insert("kubernetes".into(), config(&[("namespace", Value::Unknown)]));
    }
    let v = c6
        .validate_data_resource_config(p6::validate_data_resource_config::Request {
            type_name: "secretsint_plan".into(),
            config: dv6(&cfg),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(v.diagnostics.is_empty(), "{:?}", v.diagnostics);
    // The refined-unknown encoding (extension 12) is unknown too.
    let mut bytes = encode(&cfg);
    let plain = [0xd4u8, 0, 0];
    let pos = bytes.windows(3).position(|w| w == plain).unwrap();
    bytes.splice(pos..pos + 3, [0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc3]);
    let r = c6
        .read_data_source(p6::read_data_source::Request {
            type_name: "secretsint_plan".into(),
            config: Some(p6::DynamicValue {
                msgpack: bytes,
                json: vec![],
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(errors6(&r.diagnostics).is_empty());
    let state = decode_state(&r.state.unwrap().msgpack);
    // The name is in every file path and in the contract: those are wholly unknown.
    for computed in ["id", "files", "contract_json"] {
        assert_eq!(state.get(computed), &Value::Unknown, "{computed}");
    }
    assert_eq!(state.get("name"), &Value::Unknown);
    assert_no_stand_in(&state);
}

/// No stand-in of `provider::unknowns` is in any known string of `v`, keys included.
fn assert_no_stand_in(v: &Value) {
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
    let mut texts = Vec::new();
    strings(v, &mut texts);
    for (path, pair) in secretsint::provider::unknowns::STAND_INS {
        for stand_in in pair {
            assert!(
                !texts.iter().any(|t| t.contains(stand_in)),
                "the stand-in {stand_in:?} of {path} leaked"
            );
        }
    }
}

/// Checks a state planned with an unknown namespace against the state of a known one: the same
/// `files` keys, unknown content at least where the real content names the namespace, known content equal to the real one, and every policy name known.
fn check_narrow(narrow: &Value, real: &Value, namespace: &str) {
    let (Value::Map(files), Value::Map(real_files)) = (narrow.get("files"), real.get("files")) else {
        panic!("files keys stay known: {:?}", narrow.get("files"));
    };
    assert!(files.keys().eq(real_files.keys()), "files keys differ from the real plan's");
    // Empty for every backend today; its keys must stay known as they are filled.
    let platform = narrow.get("platform_files");
    assert!(matches!(platform, Value::Map(_)), "platform_files keys stay known: {platform:?}");
    assert_eq!(platform, real.get("platform_files"));
    let mut known = 0;
    for (path, content) in files {
        let real_content = real_files[path].as_str().unwrap();
        match content {
            Value::Unknown => {}
            _ => {
                known += 1;
                assert_eq!(content, &real_files[path], "{path}");
                assert!(!real_content.contains(namespace), "{path} names the namespace yet is known");
            }
        }
    }
    assert!(known > 0 && known < files.len(), "{known} of {} files known", files.len());
    assert!(
        files
            .iter()
            .any(|(p, c)| c.is_unknown() && real_files[p].as_str().unwrap().contains(namespace)),
        "a file naming the namespace is unknown"
    );
    let (Value::List(policies), Value::List(real_policies)) = (narrow.get("access_policies"), real.get("access_policies")) else {
        panic!("access_policies stays a known list: {:?}", narrow.get("access_policies"));
    };
    assert_eq!(policies.len(), real_policies.len());
    for (p, r) in policies.iter().zip(real_policies) {
        assert_eq!(p.get("policy_name"), r.get("policy_name"));
    }
    assert_no_stand_in(narrow);
}

/// Invariant 5: a namespace from a resource not yet created leaves `files` keys, policy names
/// and the content not naming it known, on both protocols, through the data source and plan().
#[tokio::test]
async fn an_unknown_namespace_leaves_files_keys_and_policy_names_known_on_both_protocols() {
    let h = InProcess::start().await;
    let mut c6 = p6::provider_client::ProviderClient::new(h.channel.clone());
    let mut c5 = p5::provider_client::ProviderClient::new(h.channel.clone());
    let with_namespace = |ns: Value| {
        let mut cfg = vault_k8s_dynamic_db();
        if let Value::Map(m) = &mut cfg {
            m.insert("name".into(), s("orders"));
            m.insert("include".into(), Value::List(vec![s("files")]));
            m.insert("kubernetes".into(), config(&[("namespace", ns)]));
        }
        cfg
    };
    let (unknown, known) = (with_namespace(Value::Unknown), with_namespace(s("shop-ns")));
    let real = c6
        .read_data_source(p6::read_data_source::Request {
            type_name: "secretsint_plan".into(),
            config: dv6(&known),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let real = decode_state(&real.state.unwrap().msgpack);
    let (r6, r5) = read_both(&mut c6, &mut c5, &unknown).await;
    assert!(r6.diagnostics.is_empty() && r5.diagnostics.is_empty(), "{:?}", r6.diagnostics);
    let (state6, state5) = (r6.state.unwrap().msgpack, r5.state.unwrap().msgpack);
    assert_eq!(state6, state5, "protocols differ");
    let narrow = decode_state(&state6);
    assert_eq!(narrow.get("kubernetes").get("namespace"), &Value::Unknown);
    check_narrow(&narrow, &real, "shop-ns");

    // plan() gets the unknown too (its parameter allows unknowns) and answers the same object.
    let arg = dynamic_arg(&unknown);
    let (f6, f5) = call_both(&mut c6, &mut c5, "plan", std::slice::from_ref(&arg)).await;
    assert_eq!(f6.error, None);
    let result = f6.result.unwrap().msgpack;
    assert_eq!(result, f5.result.unwrap().msgpack);
    check_narrow(&decode_state(&result), &real, "shop-ns");

    // file() of a path whose content names the namespace is unknown; of one that does not, known.
    let Value::Map(files) = narrow.get("files") else { unreachable!() };
    for (path, content) in files {
        let path_arg = secretsint::tf::msgpack::encode(&s(path), &secretsint::tf::Type::String);
        let r = c6
            .call_function(p6::call_function::Request {
                name: "file".into(),
                arguments: args6(&[arg.clone(), path_arg]),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(r.error, None, "{path}");
        let got = secretsint::tf::msgpack::decode(&r.result.unwrap().msgpack, &secretsint::tf::Type::String).unwrap();
        assert_eq!(&got, content, "{path}");
    }

    // A wholly unknown configuration gives an unknown result, as Terraform itself would answer.
    let r = c6
        .call_function(p6::call_function::Request {
            name: "plan".into(),
            arguments: args6(&[dynamic_arg(&Value::Unknown)]),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.error, None);
    let got = secretsint::tf::msgpack::decode(
        &r.result.unwrap().msgpack,
        &secretsint::provider::schema::plan().block.implied_type(),
    )
    .unwrap();
    assert_eq!(got, Value::Unknown);
}

#[tokio::test]
async fn read_is_identical_on_both_protocols_and_repeatable() {
    let h = InProcess::start().await;
    let mut c6 = p6::provider_client::ProviderClient::new(h.channel.clone());
    let mut c5 = p5::provider_client::ProviderClient::new(h.channel.clone());
    let cfg = vault_k8s_dynamic_db();
    let mut states = Vec::new();
    for _ in 0..2 {
        let (r6, r5) = read_both(&mut c6, &mut c5, &cfg).await;
        assert!(errors6(&r6.diagnostics).is_empty(), "{:?}", r6.diagnostics);
        states.push(r6.state.unwrap().msgpack);
        states.push(r5.state.unwrap().msgpack);
    }
    assert!(
        states.windows(2).all(|w| w[0] == w[1]),
        "state bytes differ between protocols or runs"
    );
    let state = decode_state(&states[0]);
    let id = state.get("id").as_str().unwrap();
    assert!(id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(state.get("secrets_backend"), &s("vault"));
    let contract: serde_json::Value = serde_json::from_str(state.get("contract_json").as_str().unwrap()).unwrap();
    assert_eq!(contract["secrets_backend"], "vault");
    assert_eq!(contract["credential_type"], "database");
}

#[tokio::test]
async fn malformed_dynamic_values_are_diagnostics_not_panics() {
    let h = InProcess::start().await;
    let mut c6 = p6::provider_client::ProviderClient::new(h.channel.clone());
    let mut c5 = p5::provider_client::ProviderClient::new(h.channel.clone());
    let cases: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (vec![0xc1], vec![]),
        (vec![0x81, 0xa3, b'b', b'a', b'd', 0xc0], vec![]),
        (vec![0xdf, 0xff, 0xff, 0xff, 0xff], vec![]),
        (b"not msgpack at all".to_vec(), vec![]),
        (vec![], b"{\"secrets_backend\": 7}".to_vec()),
        (vec![], b"{".to_vec()),
    ];
    for (msgpack, json) in cases {
        let r = c6
            .read_data_source(p6::read_data_source::Request {
                type_name: "secretsint_plan".into(),
                config: Some(p6::DynamicValue {
                    msgpack: msgpack.clone(),
                    json: json.clone(),
                }),
                ..Default::default()
            })
            .await
            .expect("an answer, not a gRPC error")
            .into_inner();
        let errs = errors6(&r.diagnostics);
        assert_eq!(errs.len(), 1, "{msgpack:?} {json:?}");
        assert_eq!(errs[0].summary, "Malformed Configuration Value");
        assert!(r.state.is_none());
        let v = c5
            .validate_data_source_config(p5::validate_data_source_config::Request {
                type_name: "secretsint_plan".into(),
                config: Some(p5::DynamicValue { msgpack, json }),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(v.diagnostics.len(), 1);
    }
}

#[tokio::test]
async fn unsupported_rpcs_answer_with_diagnostics() {
    let h = InProcess::start().await;
    let mut c6 = p6::provider_client::ProviderClient::new(h.channel.clone());
    let mut c5 = p5::provider_client::ProviderClient::new(h.channel.clone());
    let r = c6
        .validate_resource_config(p6::validate_resource_config::Request {
            type_name: "secretsint_thing".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.diagnostics[0].summary, "Unsupported Resource Type");
    let r = c5
        .plan_resource_change(p5::plan_resource_change::Request {
            type_name: "secretsint_thing".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.diagnostics.len(), 1);
    let r = c6
        .read_data_source(p6::read_data_source::Request {
            type_name: "secretsint_other".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.diagnostics[0].summary, "Unsupported Data Source");
    assert!(c6
        .get_functions(p6::get_functions::Request {})
        .await
        .unwrap()
        .into_inner()
        .diagnostics
        .is_empty());
    let ids = c6
        .get_resource_identity_schemas(p6::get_resource_identity_schemas::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(ids.diagnostics.is_empty());
    let f = c6
        .call_function(p6::call_function::Request {
            name: "nope".into(),
            arguments: vec![],
        })
        .await
        .unwrap()
        .into_inner();
    assert!(f.error.unwrap().text.contains("no function"));
    let m = c6.get_metadata(p6::get_metadata::Request {}).await.unwrap().into_inner();
    assert_eq!(m.data_sources.len(), 2);
    let m5 = c5.get_metadata(p5::get_metadata::Request {}).await.unwrap().into_inner();
    let names: Vec<&str> = m5.data_sources.iter().map(|d| d.type_name.as_str()).collect();
    assert_eq!(names, ["secretsint_plan", "secretsint_workload"]);
    let mut list = c6
        .list_resource(p6::list_resource::Request {
            type_name: "x".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let event = list.message().await.unwrap().unwrap();
    assert_eq!(event.diagnostic.len(), 1);
    let ss = c6
        .lock_state(p6::lock_state::Request {
            type_name: "x".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ss.diagnostics.len(), 1);
}

#[tokio::test]
async fn provider_config_is_validated_and_applied() {
    let h = InProcess::start().await;
    let mut c6 = p6::provider_client::ProviderClient::new(h.channel.clone());
    let ty = secretsint::provider::schema::provider().block.implied_type();
    let bad = Value::object([("default_languages", Value::List(vec![s("cobol")])), ("strict", Value::Null)]);
    let v = c6
        .validate_provider_config(p6::validate_provider_config::Request {
            config: Some(p6::DynamicValue {
                msgpack: secretsint::tf::msgpack::encode(&bad, &ty),
                json: vec![],
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(attr_path6(&v.diagnostics[0].attribute), ["default_languages", "[0]"]);
    let good = Value::object([("default_languages", Value::List(vec![s("java")])), ("strict", Value::Bool(false))]);
    let c = c6
        .configure_provider(p6::configure_provider::Request {
            config: Some(p6::DynamicValue {
                msgpack: secretsint::tf::msgpack::encode(&good, &ty),
                json: vec![],
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(c.diagnostics.is_empty());
    let r = c6
        .read_data_source(p6::read_data_source::Request {
            type_name: "secretsint_plan".into(),
            config: dv6(&vault_k8s_dynamic_db()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let state = decode_state(&r.state.unwrap().msgpack);
    let contract: serde_json::Value = serde_json::from_str(state.get("contract_json").as_str().unwrap()).unwrap();
    assert_eq!(contract["languages"], serde_json::json!(["java"]));
}

/// A function argument of dynamic type as Terraform sends it: `[type JSON, value]`.
fn dynamic_arg(v: &Value) -> Vec<u8> {
    use secretsint::tf::Type;
    fn type_of(v: &Value) -> Type {
        match v {
            Value::String(_) => Type::String,
            Value::Number(_) => Type::Number,
            Value::Bool(_) => Type::Bool,
            Value::List(items) => Type::Tuple(items.iter().map(type_of).collect()),
            Value::Map(m) => Type::object(m.iter().map(|(k, v)| (k.clone(), type_of(v)))),
            Value::Null | Value::Unknown => Type::Dynamic,
        }
    }
    let ty = type_of(v);
    let type_json = ty.to_json().to_string();
    let mut out = vec![0x92, 0xda];
    out.extend((type_json.len() as u16).to_be_bytes());
    out.extend(type_json.as_bytes());
    out.extend(secretsint::tf::msgpack::encode(v, &ty));
    out
}

/// Reads `secretsint_plan` with `config` on protocol 6 and on protocol 5.
async fn read_both(
    c6: &mut p6::provider_client::ProviderClient<tonic::transport::Channel>,
    c5: &mut p5::provider_client::ProviderClient<tonic::transport::Channel>,
    config: &Value,
) -> (p6::read_data_source::Response, p5::read_data_source::Response) {
    let r6 = c6
        .read_data_source(p6::read_data_source::Request {
            type_name: "secretsint_plan".into(),
            config: dv6(config),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let r5 = c5
        .read_data_source(p5::read_data_source::Request {
            type_name: "secretsint_plan".into(),
            config: dv5(config),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    (r6, r5)
}

/// Calls function `name` with `args` (msgpack) on protocol 6 and on protocol 5.
async fn call_both(
    c6: &mut p6::provider_client::ProviderClient<tonic::transport::Channel>,
    c5: &mut p5::provider_client::ProviderClient<tonic::transport::Channel>,
    name: &str,
    args: &[Vec<u8>],
) -> (p6::call_function::Response, p5::call_function::Response) {
    let r6 = c6
        .call_function(p6::call_function::Request {
            name: name.into(),
            arguments: args6(args),
        })
        .await
        .unwrap()
        .into_inner();
    let r5 = c5
        .call_function(p5::call_function::Request {
            name: name.into(),
            arguments: args5(args),
        })
        .await
        .unwrap()
        .into_inner();
    (r6, r5)
}

fn args6(args: &[Vec<u8>]) -> Vec<p6::DynamicValue> {
    args.iter()
        .map(|a| p6::DynamicValue {
            msgpack: a.clone(),
            json: vec![],
        })
        .collect()
}

fn args5(args: &[Vec<u8>]) -> Vec<p5::DynamicValue> {
    args.iter()
        .map(|a| p5::DynamicValue {
            msgpack: a.clone(),
            json: vec![],
        })
        .collect()
}

#[tokio::test]
async fn functions_plan_like_the_data_source_on_both_protocols() {
    let h = InProcess::start().await;
    let mut c6 = p6::provider_client::ProviderClient::new(h.channel.clone());
    let mut c5 = p5::provider_client::ProviderClient::new(h.channel.clone());

    // Declared in the schema, by GetFunctions and in the metadata, identically on both versions.
    let s6 = c6
        .get_provider_schema(p6::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    let s5 = c5.get_schema(p5::get_provider_schema::Request {}).await.unwrap().into_inner();
    let mut names: Vec<&String> = s6.functions.keys().collect();
    names.sort();
    assert_eq!(names, ["file", "plan"]);
    let f6 = c6.get_functions(p6::get_functions::Request {}).await.unwrap().into_inner();
    let f5 = c5.get_functions(p5::get_functions::Request {}).await.unwrap().into_inner();
    for name in ["file", "plan"] {
        let (a, b, c) = (&s6.functions[name], &s5.functions[name], &f6.functions[name]);
        assert_eq!(a.r#return.as_ref().unwrap().r#type, b.r#return.as_ref().unwrap().r#type);
        assert_eq!(a, c);
        assert_eq!(f5.functions[name].summary, a.summary);
        // Unknowns reach the functions, which keep them narrow; nulls are Terraform's to refuse.
        assert!(a.parameters.iter().all(|p| p.allow_unknown_values && !p.allow_null_value));
    }
    let plan_type: serde_json::Value = serde_json::from_slice(&s6.functions["plan"].r#return.as_ref().unwrap().r#type).unwrap();
    assert_eq!(plan_type[1]["files"], serde_json::json!(["map", "string"]));
    let m = c6.get_metadata(p6::get_metadata::Request {}).await.unwrap().into_inner();
    assert_eq!(m.functions.len(), 2);

    // plan(config) is the data source's state, byte for byte, on both versions.
    let cfg = vault_k8s_dynamic_db();
    let state = c6
        .read_data_source(p6::read_data_source::Request {
            type_name: "secretsint_plan".into(),
            config: dv6(&cfg),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .state
        .unwrap()
        .msgpack;
    let arg = dynamic_arg(&cfg);
    let (r6, r5) = call_both(&mut c6, &mut c5, "plan", std::slice::from_ref(&arg)).await;
    assert_eq!(r6.error, None);
    assert_eq!(r6.result.as_ref().unwrap().msgpack, state);
    assert_eq!(r5.result.unwrap().msgpack, state);

    // file(config, path) is one entry of `files`; a missing path fails on argument 1.
    let files = decode_state(&state).get("files").clone();
    let Value::Map(files) = files else { panic!("files is a map") };
    let (path, content) = files.iter().find(|(p, _)| p.starts_with("prod--app/policies/")).unwrap();
    let path_arg = secretsint::tf::msgpack::encode(&s(path), &secretsint::tf::Type::String);
    let r = c6
        .call_function(p6::call_function::Request {
            name: "file".into(),
            arguments: args6(&[arg.clone(), path_arg]),
        })
        .await
        .unwrap()
        .into_inner();
    let got = secretsint::tf::msgpack::decode(&r.result.unwrap().msgpack, &secretsint::tf::Type::String).unwrap();
    assert_eq!(&got, content);
    let missing = secretsint::tf::msgpack::encode(&s("nope.yaml"), &secretsint::tf::Type::String);
    let r = c5
        .call_function(p5::call_function::Request {
            name: "file".into(),
            arguments: args5(&[arg.clone(), missing]),
        })
        .await
        .unwrap()
        .into_inner();
    let e = r.error.unwrap();
    assert_eq!(e.function_argument, Some(1));
    assert!(e.text.contains(path.as_str()), "{}", e.text);

    // A refused argument fails on argument 0, naming the attribute; garbage is an error, not a panic.
    let mut bad = cfg.clone();
    if let Value::Map(m) = &mut bad {
        m.insert("secrets_backend".into(), s("Vault"));
    }
    let r = c6
        .call_function(p6::call_function::Request {
            name: "plan".into(),
            arguments: args6(&[dynamic_arg(&bad)]),
        })
        .await
        .unwrap()
        .into_inner();
    let e = r.error.unwrap();
    assert_eq!((e.function_argument, r.result), (Some(0), None));
    assert!(e.text.starts_with("secrets_backend: "), "{}", e.text);
    for garbage in [vec![0xc1], vec![0x92, 0xa1, b'x', 0xc0], vec![]] {
        let r = c6
            .call_function(p6::call_function::Request {
                name: "plan".into(),
                arguments: args6(std::slice::from_ref(&garbage)),
            })
            .await
            .expect("an answer, not a gRPC error")
            .into_inner();
        assert_eq!(r.error.unwrap().function_argument, Some(0), "{garbage:?}");
    }
    let r = c6
        .call_function(p6::call_function::Request {
            name: "plan".into(),
            arguments: args6(&[arg.clone(), arg]),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r.error.unwrap().text.contains("takes 1 argument"));
}
