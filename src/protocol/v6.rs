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

#[tonic::async_trait]
impl Provider for V6 {
    async fn get_metadata(&self, _: Request<get_metadata::Request>) -> Rpc<get_metadata::Response> {
        let data_sources = self
            .core
            .data_source_schemas()
            .iter()
            .map(|(n, _)| get_metadata::DataSourceMetadata { type_name: n.to_string() })
            .collect();
        ok(get_metadata::Response {
            server_capabilities: Some(capabilities()),
            data_sources,
            ..Default::default()
        })
    }

    async fn get_provider_schema(&self, _: Request<get_provider_schema::Request>) -> Rpc<get_provider_schema::Response> {
        let data_source_schemas = self
            .core
            .data_source_schemas()
            .iter()
            .map(|(n, s)| (n.to_string(), schema(s)))
            .collect();
        ok(get_provider_schema::Response {
            provider: Some(schema(self.core.provider_schema())),
            data_source_schemas,
            server_capabilities: Some(capabilities()),
            ..Default::default()
        })
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

    async fn upgrade_resource_state(&self, r: Request<upgrade_resource_state::Request>) -> Rpc<upgrade_resource_state::Response> {
        ok(upgrade_resource_state::Response {
            diagnostics: none("resource type", &r.get_ref().type_name),
            ..Default::default()
        })
    }

    async fn get_resource_identity_schemas(
        &self,
        _: Request<get_resource_identity_schemas::Request>,
    ) -> Rpc<get_resource_identity_schemas::Response> {
        ok(get_resource_identity_schemas::Response::default())
    }

    async fn upgrade_resource_identity(&self, r: Request<upgrade_resource_identity::Request>) -> Rpc<upgrade_resource_identity::Response> {
        ok(upgrade_resource_identity::Response {
            diagnostics: none("resource type", &r.get_ref().type_name),
            ..Default::default()
        })
    }

    async fn configure_provider(&self, r: Request<configure_provider::Request>) -> Rpc<configure_provider::Response> {
        let d = self.core.configure(wire(r.get_ref().config.as_ref()));
        ok(configure_provider::Response {
            diagnostics: diagnostics(&d),
        })
    }

    async fn read_resource(&self, r: Request<read_resource::Request>) -> Rpc<read_resource::Response> {
        ok(read_resource::Response {
            diagnostics: none("resource type", &r.get_ref().type_name),
            ..Default::default()
        })
    }

    async fn plan_resource_change(&self, r: Request<plan_resource_change::Request>) -> Rpc<plan_resource_change::Response> {
        ok(plan_resource_change::Response {
            diagnostics: none("resource type", &r.get_ref().type_name),
            ..Default::default()
        })
    }

    async fn apply_resource_change(&self, r: Request<apply_resource_change::Request>) -> Rpc<apply_resource_change::Response> {
        ok(apply_resource_change::Response {
            diagnostics: none("resource type", &r.get_ref().type_name),
            ..Default::default()
        })
    }

    async fn import_resource_state(&self, r: Request<import_resource_state::Request>) -> Rpc<import_resource_state::Response> {
        ok(import_resource_state::Response {
            diagnostics: none("resource type", &r.get_ref().type_name),
            ..Default::default()
        })
    }

    async fn move_resource_state(&self, r: Request<move_resource_state::Request>) -> Rpc<move_resource_state::Response> {
        ok(move_resource_state::Response {
            diagnostics: none("resource type", &r.get_ref().target_type_name),
            ..Default::default()
        })
    }

    async fn read_data_source(&self, r: Request<read_data_source::Request>) -> Rpc<read_data_source::Response> {
        let req = r.get_ref();
        let (state, d) = self.core.read_data_source(&req.type_name, wire(req.config.as_ref()));
        ok(read_data_source::Response {
            state: state.map(dynamic),
            diagnostics: diagnostics(&d),
            deferred: None,
        })
    }

    async fn generate_resource_config(&self, r: Request<generate_resource_config::Request>) -> Rpc<generate_resource_config::Response> {
        ok(generate_resource_config::Response {
            diagnostics: none("resource type", &r.get_ref().type_name),
            ..Default::default()
        })
    }

    async fn validate_ephemeral_resource_config(
        &self,
        r: Request<validate_ephemeral_resource_config::Request>,
    ) -> Rpc<validate_ephemeral_resource_config::Response> {
        ok(validate_ephemeral_resource_config::Response {
            diagnostics: none("ephemeral resource type", &r.get_ref().type_name),
        })
    }

    async fn open_ephemeral_resource(&self, r: Request<open_ephemeral_resource::Request>) -> Rpc<open_ephemeral_resource::Response> {
        ok(open_ephemeral_resource::Response {
            diagnostics: none("ephemeral resource type", &r.get_ref().type_name),
            ..Default::default()
        })
    }

    async fn renew_ephemeral_resource(&self, r: Request<renew_ephemeral_resource::Request>) -> Rpc<renew_ephemeral_resource::Response> {
        ok(renew_ephemeral_resource::Response {
            diagnostics: none("ephemeral resource type", &r.get_ref().type_name),
            ..Default::default()
        })
    }

    async fn close_ephemeral_resource(&self, r: Request<close_ephemeral_resource::Request>) -> Rpc<close_ephemeral_resource::Response> {
        ok(close_ephemeral_resource::Response {
            diagnostics: none("ephemeral resource type", &r.get_ref().type_name),
        })
    }

    type ListResourceStream = BoxStream<list_resource::Event>;

    async fn list_resource(&self, r: Request<list_resource::Request>) -> Rpc<Self::ListResourceStream> {
        let event = list_resource::Event {
            diagnostic: none("list resource type", &r.get_ref().type_name),
            ..Default::default()
        };
        ok(Box::pin(tokio_stream::once(Ok(event))))
    }

    async fn validate_list_resource_config(
        &self,
        r: Request<validate_list_resource_config::Request>,
    ) -> Rpc<validate_list_resource_config::Response> {
        ok(validate_list_resource_config::Response {
            diagnostics: none("list resource type", &r.get_ref().type_name),
        })
    }

    async fn get_functions(&self, _: Request<get_functions::Request>) -> Rpc<get_functions::Response> {
        ok(get_functions::Response::default())
    }

    async fn call_function(&self, r: Request<call_function::Request>) -> Rpc<call_function::Response> {
        let text = crate::provider::messages::unknown_type("function", &r.get_ref().name).1;
        ok(call_function::Response {
            result: None,
            error: Some(FunctionError {
                text,
                function_argument: None,
            }),
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

    async fn plan_action(&self, r: Request<plan_action::Request>) -> Rpc<plan_action::Response> {
        ok(plan_action::Response {
            diagnostics: none("action", &r.get_ref().action_type),
            deferred: None,
        })
    }

    type InvokeActionStream = BoxStream<invoke_action::Event>;

    async fn invoke_action(&self, r: Request<invoke_action::Request>) -> Rpc<Self::InvokeActionStream> {
        let completed = invoke_action::event::Completed {
            diagnostics: none("action", &r.get_ref().action_type),
        };
        let event = invoke_action::Event {
            r#type: Some(invoke_action::event::Type::Completed(completed)),
        };
        ok(Box::pin(tokio_stream::once(Ok(event))))
    }

    async fn validate_action_config(&self, r: Request<validate_action_config::Request>) -> Rpc<validate_action_config::Response> {
        ok(validate_action_config::Response {
            diagnostics: none("action", &r.get_ref().type_name),
        })
    }

    async fn stop_provider(&self, _: Request<stop_provider::Request>) -> Rpc<stop_provider::Response> {
        self.core.stop();
        ok(stop_provider::Response::default())
    }
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: false,
        move_resource_state: false,
        generate_resource_config: false,
    }
}
