//! CI/CD platforms. Each file owns one platform's file layout and syntax.

pub mod azure_devops;
pub mod github;
pub mod gitlab;
pub mod jenkins;
