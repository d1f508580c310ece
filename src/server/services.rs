//! go-plugin's side services (controller, stdio, broker) and the stream of accepted connections.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
/// What the plugin listens on: a unix socket, or TCP on loopback where there are none (Windows).
#[cfg(unix)]
pub type Listener = tokio::net::UnixListener;
#[cfg(unix)]
type Socket = tokio::net::UnixStream;
#[cfg(not(unix))]
pub type Listener = tokio::net::TcpListener;
#[cfg(not(unix))]
type Socket = tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};
use tracing::{debug, warn};

use crate::proto::plugin;

use super::tls::AutoMtls;

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// A stream that yields nothing and ends when the plugin shuts down, so graceful shutdown
/// is never held open by Terraform's long-lived side streams.
fn idle_until<T: Send + 'static>(shutdown: watch::Receiver<bool>) -> BoxStream<T> {
    let wait = tokio_stream::once(()).then(move |_| {
        let mut rx = shutdown.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    });
    Box::pin(wait.filter_map(|_| None))
}

pub struct Controller {
    shutdown: Arc<watch::Sender<bool>>,
}

#[tonic::async_trait]
impl plugin::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(&self, _: Request<plugin::Empty>) -> Result<Response<plugin::Empty>, Status> {
        debug!("GRPCController.Shutdown");
        let _ = self.shutdown.send(true);
        Ok(Response::new(plugin::Empty {}))
    }
}

pub fn controller(shutdown: Arc<watch::Sender<bool>>) -> plugin::grpc_controller_server::GrpcControllerServer<Controller> {
    plugin::grpc_controller_server::GrpcControllerServer::new(Controller { shutdown })
}

pub struct Stdio {
    shutdown: watch::Receiver<bool>,
}

#[tonic::async_trait]
impl plugin::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = BoxStream<plugin::StdioData>;

    // The provider never writes to its own stdout after the handshake, so there is nothing to relay.
    async fn stream_stdio(&self, _: Request<()>) -> Result<Response<Self::StreamStdioStream>, Status> {
        Ok(Response::new(idle_until(self.shutdown.clone())))
    }
}

pub fn stdio(shutdown: watch::Receiver<bool>) -> plugin::grpc_stdio_server::GrpcStdioServer<Stdio> {
    plugin::grpc_stdio_server::GrpcStdioServer::new(Stdio { shutdown })
}

pub struct Broker {
    shutdown: watch::Receiver<bool>,
}

#[tonic::async_trait]
impl plugin::grpc_broker_server::GrpcBroker for Broker {
    type StartStreamStream = BoxStream<plugin::ConnInfo>;

    // The provider opens no extra connections; the stream only stays open as go-plugin expects.
    async fn start_stream(&self, _: Request<Streaming<plugin::ConnInfo>>) -> Result<Response<Self::StartStreamStream>, Status> {
        Ok(Response::new(idle_until(self.shutdown.clone())))
    }
}

pub fn broker(shutdown: watch::Receiver<bool>) -> plugin::grpc_broker_server::GrpcBrokerServer<Broker> {
    plugin::grpc_broker_server::GrpcBrokerServer::new(Broker { shutdown })
}

/// One accepted connection, with or without TLS.
pub enum Conn {
    Tls(Box<tokio_rustls::server::TlsStream<Socket>>),
    Plain(Socket),
}

impl tonic::transport::server::Connected for Conn {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Conn {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[std::io::IoSlice<'_>]) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
            Conn::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Conn::Tls(s) => s.is_write_vectored(),
            Conn::Plain(s) => s.is_write_vectored(),
        }
    }
}

/// Accepts connections and completes TLS handshakes off the accept loop, so one slow or
/// refused client never delays another. Refused handshakes are logged and dropped.
pub fn incoming(listener: Listener, tls: Option<AutoMtls>, mut shutdown: watch::Receiver<bool>) -> ReceiverStream<std::io::Result<Conn>> {
    let (tx, rx) = mpsc::channel(16);
    let acceptor = tls.as_ref().map(AutoMtls::acceptor);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = shutdown.wait_for(|s| *s) => break,
            };
            let stream = match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    warn!(error = %e, "accept failed");
                    continue;
                }
            };
            let tx = tx.clone();
            match acceptor.clone() {
                Some(acceptor) => {
                    tokio::spawn(async move {
                        match acceptor.accept(stream).await {
                            Ok(tls) => {
                                let _ = tx.send(Ok(Conn::Tls(Box::new(tls)))).await;
                            }
                            Err(e) => {
                                warn!(error = %e, "refused a connection: TLS handshake failed")
                            }
                        }
                    });
                }
                None => {
                    let _ = tx.send(Ok(Conn::Plain(stream))).await;
                }
            }
        }
    });
    ReceiverStream::new(rx)
}
