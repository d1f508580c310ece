//! The real plugin binary: cookie, negotiation, AutoMTLS and every way it is told to exit.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use secretsint::proto::{plugin as gp, tfplugin5 as p5, tfplugin6 as p6};
use tokio::net::UnixStream;
use tonic::transport::Endpoint;

const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

fn plugin_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-secretsint"))
}

/// A client identity shaped like Terraform's: ECDSA P-521 with SHA-512, CN=localhost, CA:TRUE.
struct ClientId {
    pem: String,
    der: CertificateDer<'static>,
    key: Vec<u8>,
}

fn client_identity() -> ClientId {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
    let mut params = CertificateParams::new(vec!["localhost".into()]).unwrap();
    params.distinguished_name.push(rcgen::DnType::CommonName, "localhost");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).unwrap();
    ClientId {
        pem: cert.pem(),
        der: cert.der().clone(),
        key: key.serialize_der(),
    }
}

struct Running {
    child: Child,
    protocol: String,
    socket: PathBuf,
    server_cert: Vec<u8>,
}

fn start(env: &[(&str, &str)]) -> Running {
    let mut cmd = Command::new(plugin_bin());
    cmd.env_clear()
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("TMPDIR", std::env::temp_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn plugin");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let parts: Vec<&str> = line.trim_end().split('|').collect();
    assert_eq!(parts.len(), 6, "handshake line: {line:?}");
    assert_eq!((parts[0], parts[2], parts[4]), ("1", "unix", "grpc"));
    let server_cert = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(parts[5])
        .unwrap_or_default();
    Running {
        child,
        protocol: parts[1].into(),
        socket: PathBuf::from(parts[3]),
        server_cert,
    }
}

/// SIGTERM (what go-plugin sends when Shutdown fails), then the provider must be gone within
/// 5 s with its socket directory removed. SIGKILL would leave the directory: nothing can run.
fn terminate(r: &mut Running) {
    let pid = r.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    assert!(
        wait_exit(&mut r.child, Duration::from_secs(5)).is_some(),
        "provider {pid} ignored SIGTERM"
    );
    let dir = r.socket.parent().unwrap();
    assert!(!dir.exists(), "{} left behind", dir.display());
}

fn wait_exit(child: &mut Child, within: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < within {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

#[derive(Debug)]
struct TrustExactly(Vec<u8>);

impl ServerCertVerifier for TrustExactly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.0.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General("unexpected server certificate".into()))
        }
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(m, c, d, &algs)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(m, c, d, &algs)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        rustls::crypto::aws_lc_rs::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A gRPC channel over TLS to the plugin's socket, presenting `identity` (or no certificate).
async fn tls_channel(r: &Running, identity: Option<&ClientId>) -> Result<tonic::transport::Channel, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(TrustExactly(r.server_cert.clone())));
    let mut config = match identity {
        Some(id) => builder
            .with_client_auth_cert(vec![id.der.clone()], PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key.clone())))
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let socket = r.socket.clone();
    Endpoint::try_from("http://localhost")
        .unwrap()
        .connect_with_connector(tower::service_fn(move |_| {
            let socket = socket.clone();
            let connector = connector.clone();
            async move {
                let stream = UnixStream::connect(socket).await?;
                let tls = connector.connect(ServerName::try_from("localhost").unwrap(), stream).await?;
                Ok::<_, std::io::Error>(TokioIo::new(tls))
            }
        }))
        .await
        .map_err(|e| format!("{e:?}"))
}

#[test]
fn without_the_magic_cookie_it_explains_and_exits_1() {
    let out = Command::new(plugin_bin()).env_clear().output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("plugin for Terraform"));
}

#[test]
fn negotiates_the_highest_common_protocol() {
    for (offered, want) in [("5,6", "6"), ("5", "5"), ("6", "6")] {
        let mut r = start(&[("PLUGIN_PROTOCOL_VERSIONS", offered)]);
        assert_eq!(r.protocol, want, "offered {offered}");
        terminate(&mut r);
    }
    let out = Command::new(plugin_bin())
        .env_clear()
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "3,4")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn mtls_accepts_exactly_the_handed_certificate() {
    let id = client_identity();
    let mut r = start(&[("PLUGIN_PROTOCOL_VERSIONS", "5,6"), ("PLUGIN_CLIENT_CERT", &id.pem)]);
    assert!(!r.server_cert.is_empty(), "the handshake carries the server certificate");

    // No client certificate: refused.
    let refused = match tls_channel(&r, None).await {
        Err(_) => true,
        Ok(ch) => p6::provider_client::ProviderClient::new(ch)
            .get_provider_schema(p6::get_provider_schema::Request {})
            .await
            .is_err(),
    };
    assert!(refused, "a client without a certificate was served");
    // Another certificate of the same shape: refused.
    let stranger = client_identity();
    let refused = match tls_channel(&r, Some(&stranger)).await {
        Err(_) => true,
        Ok(ch) => p6::provider_client::ProviderClient::new(ch)
            .get_provider_schema(p6::get_provider_schema::Request {})
            .await
            .is_err(),
    };
    assert!(refused, "a client with the wrong certificate was served");

    // The right certificate: served.
    let ch = tls_channel(&r, Some(&id)).await.expect("TLS with the handed certificate");
    let schema = p6::provider_client::ProviderClient::new(ch.clone())
        .get_provider_schema(p6::get_provider_schema::Request {})
        .await
        .unwrap();
    assert!(schema.into_inner().data_source_schemas.contains_key("secretsint_plan"));

    // SIGINT is ignored.
    Command::new("kill").args(["-INT", &r.child.id().to_string()]).status().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert!(r.child.try_wait().unwrap().is_none(), "SIGINT stopped the plugin");

    // GRPCController.Shutdown: exits promptly, cleanly, and leaves no socket behind.
    gp::grpc_controller_client::GrpcControllerClient::new(ch)
        .shutdown(gp::Empty {})
        .await
        .unwrap();
    let status = wait_exit(&mut r.child, Duration::from_secs(2)).expect("exit after Shutdown");
    assert!(status.success());
    assert!(!r.socket.parent().unwrap().exists(), "socket directory left behind");
}

#[tokio::test]
async fn handshake_certificate_is_new_per_process() {
    let id = client_identity();
    let mut a = start(&[("PLUGIN_CLIENT_CERT", &id.pem)]);
    let mut b = start(&[("PLUGIN_CLIENT_CERT", &id.pem)]);
    assert_ne!(a.server_cert, b.server_cert);
    for r in [&mut a, &mut b] {
        terminate(r);
    }
}

#[tokio::test]
async fn stop_provider_exits_cleanly_on_protocol_5() {
    let id = client_identity();
    let mut r = start(&[("PLUGIN_PROTOCOL_VERSIONS", "5"), ("PLUGIN_CLIENT_CERT", &id.pem)]);
    let ch = tls_channel(&r, Some(&id)).await.unwrap();
    p5::provider_client::ProviderClient::new(ch)
        .stop(p5::stop::Request {})
        .await
        .unwrap();
    let status = wait_exit(&mut r.child, Duration::from_secs(2)).expect("exit after Stop");
    assert!(status.success());
    assert!(!r.socket.parent().unwrap().exists());
}

#[test]
fn exits_when_terraform_goes_away() {
    // A shell starts the plugin in the background and exits soon after: the plugin is orphaned.
    let out = Command::new("sh")
        .arg("-c")
        .arg(r#""$0" >/dev/null 2>&1 & echo $!; sleep 0.3"#)
        .arg(plugin_bin())
        .env_clear()
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .output()
        .unwrap();
    let pid = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let proc = PathBuf::from(format!("/proc/{pid}"));
    let start = Instant::now();
    while proc.exists() && start.elapsed() < Duration::from_secs(3) {
        // A zombie still has /proc/<pid>; its state is Z once it has exited.
        let stat = std::fs::read_to_string(proc.join("stat")).unwrap_or_default();
        if stat.split_whitespace().nth(2) == Some("Z") {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let stat = std::fs::read_to_string(proc.join("stat")).unwrap_or_default();
    assert!(
        !proc.exists() || stat.split_whitespace().nth(2) == Some("Z"),
        "plugin {pid} still running after its parent left"
    );
    assert!(start.elapsed() < Duration::from_secs(1), "took {:?} to notice", start.elapsed());
}

/// A socket directory left by a SIGKILLed provider (its pid is gone) is removed by the next
/// provider that starts; one of a live process and foreign names are kept.
#[test]
fn a_new_provider_removes_socket_directories_of_dead_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let mut gone = Command::new("true").spawn().unwrap();
    let dead_pid = gone.id();
    gone.wait().unwrap();
    let stale = tmp.path().join(format!("secretsint-plugin-{dead_pid}-1"));
    std::fs::create_dir(&stale).unwrap();
    std::fs::write(stale.join("plugin.sock"), "").unwrap();
    let live = tmp.path().join(format!("secretsint-plugin-{}-2", std::process::id()));
    std::fs::create_dir(&live).unwrap();
    let other = tmp.path().join(format!("other-{dead_pid}"));
    std::fs::create_dir(&other).unwrap();

    let mut r = start(&[("TMPDIR", tmp.path().to_str().unwrap())]);
    let deadline = Instant::now() + Duration::from_secs(5);
    while stale.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!stale.exists(), "the dead provider's directory is still there");
    assert!(live.exists() && other.exists());
    assert!(r.socket.exists(), "the running provider's own socket must stay");
    terminate(&mut r);
}
