//! The RPC handlers both protocol versions share. v5 and v6 messages have the same shapes for
//! these RPCs, so one macro writes the whole `impl Provider` for each version; a version passes
//! in only the handlers whose names or messages differ.

macro_rules! provider_service {
    ($server:ident, { $($specific:item)* }) => {
        #[tonic::async_trait]
        impl Provider for $server {
            $($specific)*

            async fn get_metadata(&self, _: Request<get_metadata::Request>) -> Rpc<get_metadata::Response> {
                let data_sources = self
                    .core
                    .data_source_schemas()
                    .iter()
                    .map(|(n, _)| get_metadata::DataSourceMetadata { type_name: n.to_string() })
                    .collect();
                let functions = self
                    .core
                    .functions()
                    .iter()
                    .map(|f| get_metadata::FunctionMetadata { name: f.name.to_string() })
                    .collect();
                ok(get_metadata::Response {
                    server_capabilities: Some(capabilities()),
                    data_sources,
                    functions,
                    ..Default::default()
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
                ok(get_functions::Response {
                    functions: functions(self.core.functions()),
                    diagnostics: Vec::new(),
                })
            }


            async fn call_function(&self, r: Request<call_function::Request>) -> Rpc<call_function::Response> {
                let req = r.get_ref();
                let args: Vec<_> = req.arguments.iter().map(|a| wire(Some(a))).collect();
                let (result, error) = function_result(self.core.call_function(&req.name, &args));
                ok(call_function::Response { result, error })
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

        }
    };
}

pub(crate) use provider_service;
