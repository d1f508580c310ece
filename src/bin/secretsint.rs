//! The `secretsint` command-line tool.

fn main() {
    let code = secretsint::cli::run(std::env::args_os(), &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}
