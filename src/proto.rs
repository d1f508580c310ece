//! The only module that includes generated protobuf code. Everything outside `protocol/` and
//! `server/` works with the neutral types in `tf/` instead.

#![allow(clippy::all, clippy::pedantic, missing_docs)]

pub mod tfplugin5 {
    tonic::include_proto!("tfplugin5");
}

pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

pub mod plugin {
    tonic::include_proto!("plugin");
}
