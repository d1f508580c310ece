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

/// The summary of the rotation-window finding (`planner::window`): a fallback by severity (an
/// error under `strict`), but not a substitution, so it has no "fell back" decision.
pub const WINDOW_FINDING: &str = "Rotation Can Break Consumers";

/// Whether a finding says the planner substituted something (a fallback other than the window's).
pub fn substitutes(f: &secretsint::planner::Finding) -> bool {
    f.kind == secretsint::planner::FindingKind::Fallback && f.summary != WINDOW_FINDING
}

/// Every request of [`all_requests`], a `cicd` one once per CI/CD platform, each named
/// `<backend>-<target>-<rotation>-<credential>[-<platform>]`.
pub fn every_request_on_every_platform() -> Vec<(String, secretsint::planner::Request)> {
    use secretsint::planner::{Choice, CicdPlatform, Target};
    let mut out = Vec::new();
    for base in all_requests() {
        let platforms: Vec<Option<CicdPlatform>> = if base.target == Target::Cicd {
            CicdPlatform::ALL.iter().map(|p| Some(*p)).collect()
        } else {
            vec![None]
        };
        for platform in platforms {
            let mut req = base.clone();
            req.cicd.platform = platform;
            let case = format!(
                "{}-{}-{}-{}{}",
                req.backend,
                req.target,
                req.rotation,
                req.credential.unwrap(),
                platform.map(|p| format!("-{p}")).unwrap_or_default()
            );
            out.push((case, req));
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
        // Every copy, so tests can read contract_json and the code files.
        ("include", Value::List(vec![s("contract_json"), s("files")])),
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

/// A unified diff of two texts (`-` golden, `+` planned), three lines of context, for golden
/// mismatches: a longest-common-subsequence over lines, enough for files of a few thousand lines.
pub fn unified_diff(want: &str, got: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let (n, m) = (a.len(), b.len());
    // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    // The edit script: (' ' | '-' | '+', line number in a, line number in b, text).
    let mut ops = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push((' ', i, j, a[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', i, j, a[i]));
            i += 1;
        } else {
            ops.push(('+', i, j, b[j]));
            j += 1;
        }
    }
    let mut out = String::from("--- golden\n+++ planned\n");
    let changed: Vec<usize> = ops.iter().enumerate().filter(|(_, o)| o.0 != ' ').map(|(k, _)| k).collect();
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(3);
        let mut end = changed[k];
        while k < changed.len() && changed[k] <= end + 7 {
            end = changed[k];
            k += 1;
        }
        let end = (end + 4).min(ops.len());
        let (a0, b0) = (ops[start].1 + 1, ops[start].2 + 1);
        let a_len = ops[start..end].iter().filter(|o| o.0 != '+').count();
        let b_len = ops[start..end].iter().filter(|o| o.0 != '-').count();
        out.push_str(&format!("@@ -{a0},{a_len} +{b0},{b_len} @@\n"));
        for (tag, _, _, line) in &ops[start..end] {
            out.push_str(&format!("{tag}{line}\n"));
        }
    }
    out
}

#[test]
fn unified_diff_shows_changed_lines_with_context() {
    let want = "a\nb\nc\nd\ne\nf\ng\n";
    let got = "a\nb\nc\nD\ne\nf\ng\nh\n";
    let diff = unified_diff(want, got);
    assert!(diff.contains("-d\n+D\n"), "{diff}");
    assert!(diff.contains("+h\n"), "{diff}");
    assert!(diff.starts_with("--- golden\n+++ planned\n@@ -1,"), "{diff}");
}

/// A plan's `files` relative to its workload directory (`<environment>--<name>/`, which every key
/// sits under), for tests that name an artifact by its path inside the workload.
pub trait WorkloadFiles {
    fn workload_files(&self) -> std::collections::BTreeMap<String, String>;
}

impl WorkloadFiles for secretsint::planner::Plan {
    fn workload_files(&self) -> std::collections::BTreeMap<String, String> {
        let prefix = format!("{}/", self.workload);
        self.files()
            .into_iter()
            .map(|(k, v)| match k.strip_prefix(&prefix) {
                Some(rel) => (rel.to_string(), v),
                None => panic!("files key {k} is not under {prefix}"),
            })
            .collect()
    }
}
