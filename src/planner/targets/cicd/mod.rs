//! CI/CD platforms. Each file owns one platform's file layout and syntax.

pub mod jenkins;
