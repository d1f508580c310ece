//! Shared helpers for the integration tests: configuration values, an in-process gRPC server
//! with both protocol versions, and the paths of the real tools.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hyper_util::rt::TokioIo;
use secretsint::protocol::{v5::V5, v6::V6, Core};
use secretsint::provider;
use secretsint::tf::{msgpack, Value};
use tokio::net::{UnixListener, UnixStream};
use tonic::transport::{Channel, Endpoint};

/// Every backend × target × rotation × credential combination (144), in declaration order,
/// each with its credential type set explicitly.
pub fn all_requests() -> Vec<secretsint::planner::Request> {
    use secretsint::planner::{Backend, Choice, CredentialType, Request, Rotation, Target};
    let mut out = Vec::new();
    for b in Backend::ALL {
        for t in Target::ALL {
            for r in Rotation::ALL {
                for c in CredentialType::ALL {
                    let mut req = Request::new(*b, *t, *r);
                    req.credential = Some(*c);
                    out.push(req);
                }
            }
        }
    }
    out
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under `.tools/` that scripts/install-tools.sh puts there; a clear failure when missing.
pub fn tool(rel: &str) -> PathBuf {
    let path = repo_root().join(".tools").join(rel);
    assert!(path.exists(), "{} is missing: run scripts/install-tools.sh", path.display());
    path
}

/// A data source configuration from (attribute, value) pairs; nested blocks as `Value::Map`.
pub fn config(pairs: &[(&str, Value)]) -> Value {
    Value::object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())))
}

pub fn s(text: &str) -> Value {
    Value::string(text)
}

pub fn vault_k8s_dynamic_db() -> Value {
    config(&[
        ("secrets_backend", s("vault")),
        ("integration_target", s("kubernetes")),
        ("rotation_policy", s("dynamic")),
        ("credential_type", s("database")),
    ])
}

pub fn encode(v: &Value) -> Vec<u8> {
    msgpack::encode(v, &provider::schema::plan().block.implied_type())
}

pub fn decode_state(bytes: &[u8]) -> Value {
    msgpack::decode(bytes, &provider::schema::plan().block.implied_type()).expect("state decodes")
}

/// A server with both protocol versions on a private unix socket (plaintext: the adapters are
/// under test here; TLS is tested against the real binary).
pub struct InProcess {
    pub channel: Channel,
    _dir: tempfile::TempDir,
}

impl InProcess {
    pub async fn start() -> InProcess {
        let dir = tempfile::tempdir().expect("tempdir");
        let socket = dir.path().join("p.sock");
        let listener = UnixListener::bind(&socket).expect("bind");
        let core = Arc::new(Core::new());
        let incoming = tokio_stream::wrappers::UnixListenerStream::new(listener);
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(V5::server(core.clone()))
                .add_service(V6::server(core))
                .serve_with_incoming(incoming),
        );
        let channel = connect_unix(&socket).await;
        InProcess { channel, _dir: dir }
    }
}

pub async fn connect_unix(socket: &Path) -> Channel {
    let socket = socket.to_path_buf();
    Endpoint::try_from("http://[::]:50051")
        .expect("endpoint")
        .connect_with_connector(tower::service_fn(move |_| {
            let socket = socket.clone();
            async move { UnixStream::connect(socket).await.map(TokioIo::new) }
        }))
        .await
        .expect("connect")
}
