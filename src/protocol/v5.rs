//! Protocol 5 (`tfplugin5.Provider`): a thin adapter over [`Core`].

use std::pin::Pin;
use std::sync::Arc;

use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use super::{unknown_type, Core};
use crate::proto::tfplugin5::provider_server::Provider;
use crate::proto::tfplugin5::*;

mod conv {
    crate::protocol::convert::conversions!(crate::proto::tfplugin5);
}
pub use conv::*;

pub struct V5 {
    core: Arc<Core>,
}

impl V5 {
    pub fn new(core: Arc<Core>) -> V5 {
        V5 { core }
    }

    pub fn server(core: Arc<Core>) -> crate::proto::tfplugin5::provider_server::ProviderServer<V5> {
        crate::proto::tfplugin5::provider_server::ProviderServer::new(V5::new(core))
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

crate::protocol::common::provider_service!(V5, {
    async fn get_schema(&self, _: Request<get_provider_schema::Request>) -> Rpc<get_provider_schema::Response> {
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

    async fn prepare_provider_config(&self, r: Request<prepare_provider_config::Request>) -> Rpc<prepare_provider_config::Response> {
        let config = r.into_inner().config;
        let d = self.core.validate_provider_config(wire(config.as_ref()));
        ok(prepare_provider_config::Response {
            prepared_config: config,
            diagnostics: diagnostics(&d),
        })
    }

    async fn validate_resource_type_config(
        &self,
        r: Request<validate_resource_type_config::Request>,
    ) -> Rpc<validate_resource_type_config::Response> {
        ok(validate_resource_type_config::Response {
            diagnostics: none("resource type", &r.get_ref().type_name),
        })
    }

    async fn validate_data_source_config(
        &self,
        r: Request<validate_data_source_config::Request>,
    ) -> Rpc<validate_data_source_config::Response> {
        let req = r.get_ref();
        let d = self.core.validate_data_source(&req.type_name, wire(req.config.as_ref()));
        ok(validate_data_source_config::Response {
            diagnostics: diagnostics(&d),
        })
    }

    async fn configure(&self, r: Request<configure::Request>) -> Rpc<configure::Response> {
        let d = self.core.configure(wire(r.get_ref().config.as_ref()));
        ok(configure::Response {
            diagnostics: diagnostics(&d),
        })
    }

    async fn stop(&self, _: Request<stop::Request>) -> Rpc<stop::Response> {
        self.core.stop();
        ok(stop::Response::default())
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
