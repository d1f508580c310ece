//! The neutral provider core that both protocol versions adapt to. It speaks in `tf` values
//! and diagnostics; `v5` and `v6` only translate messages.
//!
//! Invariant: no RPC handler panics or returns a gRPC error for bad input; every problem is a
//! diagnostic. Only transport failures are gRPC errors.

mod common;
pub mod convert;
pub mod v5;
pub mod v6;

use std::sync::RwLock;

use tokio::sync::watch;

use crate::provider::{self, messages, ProviderConfig};
use crate::tf::schema::Schema;
use crate::tf::{msgpack, Diagnostics, Type, Value};

/// A configuration as it arrived: msgpack (what Terraform sends), JSON, or nothing.
#[derive(Clone, Copy, Debug)]
pub enum Wire<'a> {
    Msgpack(&'a [u8]),
    Json(&'a [u8]),
    Missing,
}

pub struct Core {
    config: RwLock<ProviderConfig>,
    stop: watch::Sender<bool>,
}

impl Default for Core {
    fn default() -> Self {
        Core::new()
    }
}

impl Core {
    pub fn new() -> Core {
        Core {
            config: RwLock::new(ProviderConfig::default()),
            stop: watch::channel(false).0,
        }
    }

    /// Fires when Terraform asks the provider to stop.
    pub fn stopped(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    pub fn provider_schema(&self) -> &'static Schema {
        provider::schema::provider()
    }

    pub fn data_source_schemas(&self) -> [(&'static str, &'static Schema); 2] {
        provider::DataSource::ALL.map(|d| (d.type_name(), d.schema()))
    }

    pub fn validate_provider_config(&self, wire: Wire<'_>) -> Diagnostics {
        match decode(wire, provider_type(), "provider configuration") {
            Ok(v) => provider::config::provider_config(&v).1,
            Err(d) => d,
        }
    }

    pub fn configure(&self, wire: Wire<'_>) -> Diagnostics {
        let value = match decode(wire, provider_type(), "provider configuration") {
            Ok(v) => v,
            Err(d) => return d,
        };
        let (config, diags) = provider::config::provider_config(&value);
        if let Ok(mut guard) = self.config.write() {
            *guard = config;
        }
        diags
    }

    fn provider_config(&self) -> ProviderConfig {
        self.config.read().map(|g| g.clone()).unwrap_or_default()
    }

    pub fn validate_data_source(&self, type_name: &str, wire: Wire<'_>) -> Diagnostics {
        let Some(data_source) = provider::DataSource::from_type_name(type_name) else {
            return unknown_type("data source", type_name);
        };
        let config = match decode(wire, data_source.implied_type(), "data source configuration") {
            Ok(v) => v,
            Err(d) => return d,
        };
        data_source.validate(&config, &self.provider_config())
    }

    /// The new state as msgpack, or `None` when there is none to return.
    pub fn read_data_source(&self, type_name: &str, wire: Wire<'_>) -> (Option<Vec<u8>>, Diagnostics) {
        let Some(data_source) = provider::DataSource::from_type_name(type_name) else {
            return (None, unknown_type("data source", type_name));
        };
        let ty = data_source.implied_type();
        let config = match decode(wire, ty, "data source configuration") {
            Ok(v) => v,
            Err(d) => return (None, d),
        };
        let (state, diags) = data_source.read(&config, &self.provider_config());
        if diags.has_errors() {
            return (None, diags);
        }
        (Some(msgpack::encode(&state, ty)), diags)
    }

    /// Every provider-defined function.
    pub fn functions(&self) -> &'static [provider::functions::Function] {
        provider::functions::functions()
    }

    /// The result of a function call as msgpack of its return type. An argument that does not
    /// decode is an error on that argument, never a gRPC error.
    pub fn call_function(&self, name: &str, args: &[Wire<'_>]) -> Result<Vec<u8>, provider::functions::FunctionError> {
        use provider::functions::{signature, FunctionError};
        let f = signature(name, args.len())?;
        let values = args
            .iter()
            .zip(&f.parameters)
            .enumerate()
            .map(|(i, (wire, p))| {
                decode(*wire, &p.ty, "function argument").map_err(|d| FunctionError {
                    text: d.iter().map(|d| d.detail.as_str()).collect::<Vec<_>>().join(" "),
                    argument: Some(i as i64),
                })
            })
            .collect::<Result<Vec<Value>, _>>()?;
        let result = provider::functions::call(name, &values)?;
        Ok(msgpack::encode(&result, &f.returns))
    }

    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

fn provider_type() -> &'static Type {
    static TYPE: std::sync::OnceLock<Type> = std::sync::OnceLock::new();
    TYPE.get_or_init(|| provider::schema::provider().block.implied_type())
}

pub fn unknown_type(kind: &str, name: &str) -> Diagnostics {
    let (summary, detail) = messages::unknown_type(kind, name);
    let mut d = Diagnostics::new();
    d.error(None, summary, detail);
    d
}

fn decode(wire: Wire<'_>, ty: &Type, what: &str) -> Result<Value, Diagnostics> {
    let result = match wire {
        Wire::Msgpack(bytes) => msgpack::decode(bytes, ty),
        Wire::Json(bytes) => crate::tf::json::decode(bytes, ty),
        Wire::Missing => return Ok(Value::Null),
    };
    result.map_err(|e| {
        let problem = if e.path.is_root() {
            e.message
        } else {
            format!("at {}: {}", e.path, e.message)
        };
        let (summary, detail) = messages::malformed_config(what, &problem);
        let mut d = Diagnostics::new();
        d.error(None, summary, detail);
        d
    })
}
