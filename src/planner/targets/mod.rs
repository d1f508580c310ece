//! The integration targets' own syntax, written once: each module renders one platform's files
//! from typed values and never imports a backend. Backends hand these modules what they need.

pub mod application;
pub mod cicd;
pub mod kubernetes;
