//! Terraform's value system, independent of any wire format or protocol version:
//! types, three-state values, msgpack/JSON codecs, attribute paths, diagnostics and schemas.
//!
//! Invariant: nothing here names a prost/tonic type; `protocol/convert` maps these to the wire.

pub mod diag;
pub mod json;
pub mod msgpack;
pub mod path;
pub mod schema;
pub mod types;
pub mod value;

pub use diag::{Diagnostic, Diagnostics, Severity};
pub use path::{Path, Step};
pub use types::Type;
pub use value::{Number, Value};
