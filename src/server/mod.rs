//! The go-plugin contract: magic cookie, protocol negotiation, AutoMTLS, the one handshake line
//! on stdout, logs on stderr, and a clean exit on every way a plugin is told to go.

mod handshake;
mod services;
pub mod tls;

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tracing::{debug, info, warn};

pub use handshake::{negotiate, MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE, SUPPORTED_PROTOCOLS};

use crate::protocol::{v5::V5, v6::V6, Core};

/// How long in-flight RPCs may take to finish once the provider is told to go.
const DRAIN: Duration = Duration::from_millis(800);

/// Runs the plugin until Terraform lets it go; returns the process exit code.
pub fn run() -> i32 {
    // Taken first: if Terraform dies, the plugin is re-parented and this id changes.
    #[cfg(unix)]
    let parent = Some(std::os::unix::process::parent_id());
    // Windows has no re-parenting to watch: Terraform ends the process itself.
    #[cfg(not(unix))]
    let parent = None;
    if std::env::var(MAGIC_COOKIE_KEY).ok().as_deref() != Some(MAGIC_COOKIE_VALUE) {
        eprintln!(
            "terraform-provider-secretsint {} (plugin protocols 6 and 5)\n\
             This binary is a plugin for Terraform and OpenTofu. It is not meant to be run directly.\n\
             Install it (secretsint install) and use it from a configuration with `data \"secretsint_plan\"`,\n\
             or use the `secretsint` command to plan without Terraform.",
            env!("CARGO_PKG_VERSION")
        );
        return 1;
    }
    init_logging();
    let offered = std::env::var("PLUGIN_PROTOCOL_VERSIONS").ok();
    let protocol = match negotiate(offered.as_deref()) {
        Ok(v) => v,
        Err(message) => {
            eprintln!("{message}");
            return 1;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("secretsint: cannot start the async runtime: {e}");
            return 1;
        }
    };
    match runtime.block_on(serve(protocol, parent)) {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("secretsint: {message}");
            1
        }
    }
}

fn init_logging() {
    // TF_LOG_PROVIDER_<NAME> first, as terraform-plugin-log reads it: one provider's level
    // without turning on every other plugin's.
    let level = std::env::var("TF_LOG_PROVIDER_SECRETSINT")
        .or_else(|_| std::env::var("TF_LOG_PROVIDER"))
        .or_else(|_| std::env::var("TF_LOG"))
        .unwrap_or_default();
    let max = match level.to_ascii_uppercase().as_str() {
        "OFF" => return,
        "TRACE" | "JSON" => tracing::Level::TRACE,
        "DEBUG" => tracing::Level::DEBUG,
        "INFO" => tracing::Level::INFO,
        "ERROR" => tracing::Level::ERROR,
        _ => tracing::Level::WARN,
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(max)
        .with_ansi(false)
        .with_target(false)
        .try_init();
}

/// A private directory for the socket, removed on drop so no file outlives the process.
#[cfg(unix)]
struct SocketDir(std::path::PathBuf);

#[cfg(unix)]
impl SocketDir {
    fn create() -> Result<SocketDir, String> {
        use std::os::unix::fs::DirBuilderExt;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("{SOCKET_DIR_PREFIX}{}-{nanos}", std::process::id()));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(SocketDir(dir))
    }
}

#[cfg(unix)]
const SOCKET_DIR_PREFIX: &str = "secretsint-plugin-";

/// A provider that is SIGKILLed (the OOM killer, `kill -9`) cannot remove its socket directory.
#[cfg(unix)]
/// The next provider to start removes such leftovers: directories with our prefix, owned by our
/// user, whose process no longer exists (`/proc/<pid>` is gone). Without procfs nothing is
/// touched, and a directory whose pid was reused by a live process is kept.
fn sweep_stale_socket_dirs(own: &std::path::Path) {
    use std::os::unix::fs::MetadataExt;
    let (Some(tmp), Ok(own_meta)) = (own.parent(), std::fs::symlink_metadata(own)) else {
        return;
    };
    if !std::path::Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(tmp) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(SOCKET_DIR_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let path = entry.path();
        let ours = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir() && m.uid() == own_meta.uid());
        if ours && path != own && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            debug!(dir = %path.display(), "removing the socket directory of a provider that is gone");
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

#[cfg(unix)]
impl Drop for SocketDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Where the plugin listens: a unix socket in a private directory (removed when the plugin
/// ends), or on Windows a TCP port on the loopback address, as go-plugin does there.
#[cfg(unix)]
fn listen() -> Result<(services::Listener, String, String, SocketDir), String> {
    let dir = SocketDir::create()?;
    let socket = dir.0.join("plugin.sock");
    let listener = services::Listener::bind(&socket).map_err(|e| format!("cannot listen on {}: {e}", socket.display()))?;
    Ok((listener, "unix".into(), socket.display().to_string(), dir))
}

#[cfg(not(unix))]
fn listen() -> Result<(services::Listener, String, String, ()), String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?.to_string();
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let listener = services::Listener::from_std(listener).map_err(|e| e.to_string())?;
    Ok((listener, "tcp".into(), address, ()))
}

/// Fires on SIGTERM (unix); Windows sends none, Terraform ends the process there.
#[cfg(unix)]
fn terminations() -> Result<tokio::sync::mpsc::Receiver<()>, String> {
    // Terraform forwards Ctrl-C to the whole process group; it then tells us to stop itself.
    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).map_err(|e| e.to_string())?;
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        while sigint.recv().await.is_some() {
            debug!("ignoring SIGINT; Terraform stops the provider itself");
        }
    });
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tokio::spawn(async move {
        while sigterm.recv().await.is_some() {
            let _ = tx.send(()).await;
        }
    });
    Ok(rx)
}

#[cfg(not(unix))]
fn terminations() -> Result<tokio::sync::mpsc::Receiver<()>, String> {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tokio::spawn(async move {
        // Ctrl-C reaches every process of the console; Terraform then stops the provider itself.
        while tokio::signal::ctrl_c().await.is_ok() {
            debug!("ignoring Ctrl-C; Terraform stops the provider itself");
        }
        drop(tx);
    });
    Ok(rx)
}

/// Whether the process that started the plugin is gone (unix: the plugin was re-parented).
fn parent_gone(parent: Option<u32>) -> bool {
    #[cfg(unix)]
    {
        parent.is_some_and(|p| std::os::unix::process::parent_id() != p)
    }
    #[cfg(not(unix))]
    {
        let _ = parent;
        false
    }
}

async fn serve(protocol: u32, parent: Option<u32>) -> Result<(), String> {
    let mut sigterm = terminations()?;

    let tls = match std::env::var("PLUGIN_CLIENT_CERT") {
        Ok(pem) if !pem.trim().is_empty() => Some(tls::AutoMtls::new(pem.as_bytes())?),
        _ => None,
    };
    let (listener, network, address, dir) = listen()?;

    let core = Arc::new(Core::new());
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let shutdown_tx = Arc::new(shutdown_tx);

    let line = handshake::line(protocol, &network, &address, tls.as_ref().map(|t| t.server_cert_der()));
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")
            .and_then(|_| out.flush())
            .map_err(|e| format!("cannot write the handshake: {e}"))?;
    }
    info!(protocol, network, address, "plugin ready");
    // Off the handshake's path: Terraform is already connecting.
    #[cfg(unix)]
    {
        let own = dir.0.clone();
        std::thread::spawn(move || sweep_stale_socket_dirs(&own));
    }

    // Every way to be told to go ends in the same shutdown signal.
    {
        let tx = shutdown_tx.clone();
        let mut stopped = core.stopped();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            let reason = loop {
                tokio::select! {
                    _ = stopped.wait_for(|s| *s) => break "StopProvider",
                    Some(()) = sigterm.recv() => break "SIGTERM",
                    _ = tick.tick() => {
                        if parent_gone(parent) {
                            break "Terraform went away";
                        }
                    }
                }
            };
            info!(reason, "shutting down");
            let _ = tx.send(true);
        });
    }

    let incoming = services::incoming(listener, tls, shutdown_rx.clone());
    let mut router = tonic::transport::Server::builder()
        .add_service(services::controller(shutdown_tx.clone()))
        .add_service(services::stdio(shutdown_rx.clone()))
        .add_service(services::broker(shutdown_rx.clone()));
    router = match protocol {
        5 => router.add_service(V5::server(core)),
        _ => router.add_service(V6::server(core)),
    };
    let mut until = shutdown_rx.clone();
    let mut deadline = shutdown_rx;
    let server = router.serve_with_incoming_shutdown(incoming, async move {
        let _ = until.wait_for(|s| *s).await;
    });
    tokio::select! {
        result = server => {
            if let Err(e) = result {
                warn!(error = %e, "server ended with an error");
            }
        }
        _ = async {
            let _ = deadline.wait_for(|s| *s).await;
            tokio::time::sleep(DRAIN).await;
        } => debug!("drain period over"),
    }
    // The socket directory goes last, once nothing listens on it any more.
    #[cfg(unix)]
    drop(dir);
    #[cfg(not(unix))]
    let () = dir;
    Ok(())
}
