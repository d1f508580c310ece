//! CI/CD platforms. Each file owns one platform's file layout and syntax.

pub mod azure_devops;
pub mod github;
pub mod gitlab;
pub mod jenkins;

/// The shell line that creates a job's private directory `dir` for secret material (each
/// platform has its own, `SECRETS_DIR`); files written after it are private (umask 077).
fn make_private_dir(dir: &str) -> String {
    format!("umask 077 && mkdir -p \"{dir}\"")
}

/// The shell line of an always-run cleanup that removes `dir` and everything in it.
fn remove_dir(dir: &str) -> String {
    format!("rm -rf \"{dir}\"")
}
