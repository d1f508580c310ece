//! Protocol 6 (`tfplugin6.Provider`): a thin adapter over [`Core`].

use std::pin::Pin;
use std::sync::Arc;

use tokio_stream::Stream;
use tonic::{Request, Response, Status, Streaming};

use super::{unknown_type, Core};
use crate::proto::tfplugin6::provider_server::Provider;
use crate::proto::tfplugin6::*;

mod conv {
    crate::protocol::convert::conversions!(crate::proto::tfplugin6);
}
pub use conv::*;

pub struct V6 {
    core: Arc<Core>,
}

impl V6 {
    pub fn new(core: Arc<Core>) -> V6 {
        V6 { core }
    }

    pub fn server(core: Arc<Core>) -> crate::proto::tfplugin6::provider_server::ProviderServer<V6> {
        crate::proto::tfplugin6::provider_server::ProviderServer::new(V6::new(core))
            .max_decoding_message_size(256 * 1024 * 1024)
            .max_encoding_message_size(256 * 1024 * 1024)
    }
}

type Rpc<T> = Result<Response<T>, Status>;
type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

fn none(kind: &str, name: &str) -> Vec<Diagnostic> {
    diagnostics(&unknown_type(kind, name))
}

fn ok<T>(t: T) -> Rpc<T> {
    Ok(Response::new(t))
}

crate::protocol::common::provider_service!(V6, {
    async fn get_provider_schema(&self, _: Request<get_provider_schema::Request>) -> Rpc<get_provider_schema::Response> {
        // Built once per process: the schema never changes, and Terraform asks for it in every
        // provider process it starts (fewer times since get_provider_schema_optional, below).
        static SCHEMA: std::sync::OnceLock<get_provider_schema::Response> = std::sync::OnceLock::new();
        let core = &self.core;
        ok(SCHEMA
            .get_or_init(|| get_provider_schema::Response {
                provider: Some(schema(core.provider_schema())),
                data_source_schemas: core.data_source_schemas().iter().map(|(n, s)| (n.to_string(), schema(s))).collect(),
                server_capabilities: Some(capabilities()),
                functions: functions(core.functions()),
                ..Default::default()
            })
            .clone())
    }

    async fn validate_provider_config(&self, r: Request<validate_provider_config::Request>) -> Rpc<validate_provider_config::Response> {
        let d = self.core.validate_provider_config(wire(r.get_ref().config.as_ref()));
        ok(validate_provider_config::Response {
            diagnostics: diagnostics(&d),
        })
    }

    async fn validate_resource_config(&self, r: Request<validate_resource_config::Request>) -> Rpc<validate_resource_config::Response> {
        ok(validate_resource_config::Response {
            diagnostics: none("resource type", &r.get_ref().type_name),
        })
    }

    async fn validate_data_resource_config(
        &self,
        r: Request<validate_data_resource_config::Request>,
    ) -> Rpc<validate_data_resource_config::Response> {
        let req = r.get_ref();
        let d = self.core.validate_data_source(&req.type_name, wire(req.config.as_ref()));
        ok(validate_data_resource_config::Response {
            diagnostics: diagnostics(&d),
        })
    }

    async fn configure_provider(&self, r: Request<configure_provider::Request>) -> Rpc<configure_provider::Response> {
        let d = self.core.configure(wire(r.get_ref().config.as_ref()));
        ok(configure_provider::Response {
            diagnostics: diagnostics(&d),
        })
    }

    async fn validate_state_store_config(&self, r: Request<validate_state_store::Request>) -> Rpc<validate_state_store::Response> {
        ok(validate_state_store::Response {
            diagnostics: none("state store", &r.get_ref().type_name),
        })
    }

    async fn configure_state_store(&self, r: Request<configure_state_store::Request>) -> Rpc<configure_state_store::Response> {
        ok(configure_state_store::Response {
            diagnostics: none("state store", &r.get_ref().type_name),
            ..Default::default()
        })
    }

    type ReadStateBytesStream = BoxStream<read_state_bytes::Response>;

    async fn read_state_bytes(&self, r: Request<read_state_bytes::Request>) -> Rpc<Self::ReadStateBytesStream> {
        let chunk = read_state_bytes::Response {
            diagnostics: none("state store", &r.get_ref().type_name),
            ..Default::default()
        };
        ok(Box::pin(tokio_stream::once(Ok(chunk))))
    }

    async fn write_state_bytes(&self, _: Request<Streaming<write_state_bytes::RequestChunk>>) -> Rpc<write_state_bytes::Response> {
        ok(write_state_bytes::Response {
            diagnostics: none("state store", ""),
        })
    }

    async fn lock_state(&self, r: Request<lock_state::Request>) -> Rpc<lock_state::Response> {
        ok(lock_state::Response {
            diagnostics: none("state store", &r.get_ref().type_name),
            ..Default::default()
        })
    }

    async fn unlock_state(&self, r: Request<unlock_state::Request>) -> Rpc<unlock_state::Response> {
        ok(unlock_state::Response {
            diagnostics: none("state store", &r.get_ref().type_name),
        })
    }

    async fn get_states(&self, r: Request<get_states::Request>) -> Rpc<get_states::Response> {
        ok(get_states::Response {
            diagnostics: none("state store", &r.get_ref().type_name),
            ..Default::default()
        })
    }

    async fn delete_state(&self, r: Request<delete_state::Request>) -> Rpc<delete_state::Response> {
        ok(delete_state::Response {
            diagnostics: none("state store", &r.get_ref().type_name),
        })
    }

    async fn stop_provider(&self, _: Request<stop_provider::Request>) -> Rpc<stop_provider::Response> {
        self.core.stop();
        ok(stop_provider::Response::default())
    }
});

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        plan_destroy: true,
        // Terraform (>= 1.6) then takes the schema from its per-run cache instead of calling
        // GetProviderSchema again in each of the provider processes a plan starts.
        get_provider_schema_optional: true,
        move_resource_state: false,
        generate_resource_config: false,
    }
}
