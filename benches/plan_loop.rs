//! Plans one combination (database credential, four languages) N times; nothing else. Under
//! valgrind, the difference between two N gives instructions per plan, a figure that does not
//! move with machine load as wall time does. Run through `bench/instructions.sh`.
//!
//! Usage: plan_loop BACKEND TARGET ROTATION N   (anything else, as `cargo bench` passes to every
//! bench target, does nothing)

use std::hint::black_box;

use secretsint::planner::{self, Backend, Choice, CredentialType, Language, Request, Rotation, Target};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let parsed = match args.as_slice() {
        [b, t, r, n] => Backend::parse(b)
            .zip(Target::parse(t))
            .zip(Rotation::parse(r))
            .zip(n.parse::<usize>().ok())
            .map(|(((b, t), r), n)| (b, t, r, n)),
        // `cargo bench [-- FILTER]` runs every bench target, with criterion's arguments: not for us.
        _ => return,
    };
    let Some((backend, target, rotation, n)) = parsed else {
        eprintln!("usage: plan_loop BACKEND TARGET ROTATION N");
        std::process::exit(2);
    };
    let mut req = Request::new(backend, target, rotation);
    req.credential = Some(CredentialType::Database);
    req.languages = Some(Language::ALL.to_vec());
    for _ in 0..n {
        black_box(planner::plan(black_box(&req)));
    }
}
