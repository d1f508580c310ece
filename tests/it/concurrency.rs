//! Many reads at once over one connection, as Terraform does with `-parallelism`: no errors,
//! and every answer byte-identical to the same read made alone.

use secretsint::planner::Choice;
use secretsint::proto::tfplugin6 as p6;
use secretsint::tf::Value;

use crate::support::*;

/// All 144 backend × target × rotation × credential combinations, each with a distinct name.
pub fn all_combinations() -> Vec<Value> {
    crate::support::all_requests()
        .iter()
        .enumerate()
        .map(|(i, q)| {
            config(&[
                ("secrets_backend", s(q.backend.as_str())),
                ("integration_target", s(q.target.as_str())),
                ("rotation_policy", s(q.rotation.as_str())),
                ("credential_type", s(q.credential.unwrap().as_str())),
                ("name", s(&format!("app{i}"))),
            ])
        })
        .collect()
}

/// The answer as comparable bytes: the state and every diagnostic.
async fn read(client: &mut p6::provider_client::ProviderClient<tonic::transport::Channel>, cfg: &[u8]) -> Result<Vec<u8>, String> {
    let r = client
        .read_data_source(p6::read_data_source::Request {
            type_name: "secretsint_plan".into(),
            config: Some(p6::DynamicValue {
                msgpack: cfg.to_vec(),
                json: vec![],
            }),
            ..Default::default()
        })
        .await
        .map_err(|e| format!("gRPC error: {e}"))?
        .into_inner();
    if r.diagnostics.iter().any(|d| d.severity == p6::diagnostic::Severity::Error as i32) {
        return Err(format!("error diagnostics: {:?}", r.diagnostics));
    }
    let mut out = r.state.ok_or("no state")?.msgpack;
    for d in r.diagnostics {
        out.extend(d.summary.into_bytes());
        out.extend(d.detail.into_bytes());
    }
    Ok(out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_reads_over_one_connection_match_serial_reads() {
    let h = InProcess::start().await;
    let configs: Vec<Vec<u8>> = all_combinations().iter().map(encode).collect();
    let mut client = p6::provider_client::ProviderClient::new(h.channel.clone()).max_decoding_message_size(64 << 20);

    let mut serial = Vec::new();
    for cfg in &configs {
        serial.push(read(&mut client, cfg).await.unwrap());
    }

    let tasks: Vec<_> = (0..1000)
        .map(|i| {
            let mut c = client.clone();
            let cfg = configs[i % configs.len()].clone();
            tokio::spawn(async move { (i, read(&mut c, &cfg).await) })
        })
        .collect();
    let mut errors = Vec::new();
    for task in tasks {
        let (i, result) = task.await.unwrap();
        match result {
            Ok(bytes) if bytes == serial[i % configs.len()] => {}
            Ok(_) => errors.push(format!("read {i}: differs from the serial read")),
            Err(e) => errors.push(format!("read {i}: {e}")),
        }
    }
    assert!(
        errors.is_empty(),
        "{} of 1000 concurrent reads failed; first: {:?}",
        errors.len(),
        errors.first()
    );
}

/// Terraform validates a data source and then reads it with the same configuration; the core
/// keeps the validation's plan for that read. The answer must be the one a read alone gives,
/// for every combination, and a plan made before the provider configuration changed must not
/// be reused.
#[test]
fn a_read_after_its_validation_equals_a_read_alone() {
    use secretsint::protocol::{Core, Wire};
    const TYPE: &str = "secretsint_plan";
    for cfg in all_combinations() {
        let bytes = encode(&cfg);
        let alone = Core::new().read_data_source(TYPE, Wire::Msgpack(&bytes));
        let core = Core::new();
        let _ = core.validate_data_source(TYPE, Wire::Msgpack(&bytes));
        let _ = core.validate_data_source(TYPE, Wire::Msgpack(&bytes));
        assert_eq!(core.read_data_source(TYPE, Wire::Msgpack(&bytes)), alone, "{cfg:?}");
        // Taken by the first read; a second read plans again and agrees.
        assert_eq!(core.read_data_source(TYPE, Wire::Msgpack(&bytes)), alone, "{cfg:?}");
    }

    let ty = secretsint::provider::schema::provider().block.implied_type();
    let java = secretsint::tf::msgpack::encode(
        &Value::object([("default_languages", Value::List(vec![s("java")])), ("strict", Value::Null)]),
        &ty,
    );
    let bytes = encode(&all_combinations()[0]);
    let expected = {
        let core = Core::new();
        assert!(!core.configure(Wire::Msgpack(&java)).has_errors());
        core.read_data_source(TYPE, Wire::Msgpack(&bytes))
    };
    let core = Core::new();
    let _ = core.validate_data_source(TYPE, Wire::Msgpack(&bytes));
    assert!(!core.configure(Wire::Msgpack(&java)).has_errors());
    let got = core.read_data_source(TYPE, Wire::Msgpack(&bytes));
    assert_eq!(got, expected);
    assert_ne!(
        got,
        Core::new().read_data_source(TYPE, Wire::Msgpack(&bytes)),
        "default_languages had no effect"
    );
}
