//! The plugin binary Terraform and OpenTofu start.

fn main() {
    std::process::exit(secretsint::server::run());
}
