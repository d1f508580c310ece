//! Real Terraform under load and under violence (TF_ACC=1): 1000 data sources planned with
//! `-parallelism=64` equal the same plan made one at a time, and a Terraform killed with
//! SIGKILL mid-plan leaves no provider process and no socket directory behind.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use secretsint::planner::Choice;

use crate::acceptance::{plugin, Workspace};

const HEADER: &str = "terraform {\n  required_providers {\n    secretsint = { source = \"secretsint/secretsint\" }\n  }\n}\n";

/// `n` data sources cycling through all 144 combinations.
pub fn many_data_sources(n: usize) -> String {
    let combos: Vec<_> = crate::support::all_requests()
        .into_iter()
        .map(|q| {
            (
                q.backend.as_str(),
                q.target.as_str(),
                q.rotation.as_str(),
                q.credential.unwrap().as_str(),
            )
        })
        .collect();
    let mut tf = HEADER.to_string();
    for i in 0..n {
        let (b, t, r, c) = combos[i % combos.len()];
        tf.push_str(&format!(
            "data \"secretsint_plan\" \"p{i}\" {{\n  secrets_backend    = \"{b}\"\n  integration_target = \"{t}\"\n  rotation_policy    = \"{r}\"\n  credential_type    = \"{c}\"\n  name               = \"app{i}\"\n}}\n"
        ));
    }
    tf
}

/// The data sources' values from `terraform show -json <plan>`, keyed by address.
fn read_values(ws: &Workspace, plan: &str) -> serde_json::Map<String, serde_json::Value> {
    let out = ws
        .command("1.15.5", &["show", "-json", plan])
        .env_remove("TF_LOG")
        .output()
        .unwrap();
    assert!(out.status.success(), "show: {}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let resources = doc["prior_state"]["values"]["root_module"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    resources
        .into_iter()
        .map(|r| (r["address"].as_str().unwrap().to_string(), r["values"].clone()))
        .collect()
}

fn plan(ws: &Workspace, parallelism: u32, out: &str) -> Duration {
    let start = Instant::now();
    let p = format!("-parallelism={parallelism}");
    let o = format!("-out={out}");
    let result = ws
        .command("1.15.5", &["plan", "-input=false", "-no-color", "-refresh=false", &p, &o])
        .env_remove("TF_LOG")
        .output()
        .unwrap();
    let took = start.elapsed();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "plan {p} failed:\n{stderr}");
    assert!(!stderr.contains("Error"), "plan {p} reported errors:\n{stderr}");
    took
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn a_thousand_data_sources_at_parallelism_64_equal_a_serial_plan() {
    let ws = Workspace::new(&many_data_sources(1000), &plugin());
    ws.ok("1.15.5", &["init", "-input=false", "-no-color"]);
    let parallel = plan(&ws, 64, "p64.tfplan");
    let serial = plan(&ws, 1, "p1.tfplan");
    eprintln!("1000 data sources: -parallelism=64 {parallel:?}, -parallelism=1 {serial:?}");
    let a = read_values(&ws, "p64.tfplan");
    let b = read_values(&ws, "p1.tfplan");
    assert_eq!(a.len(), 1000, "the parallel plan read {} data sources", a.len());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (addr, v) in &a {
        assert!(v == &b[addr], "{addr} differs between -parallelism=64 and -parallelism=1");
    }
}

/// (pid, ppid, state, comm) of every process.
fn processes() -> Vec<(u32, u32, char, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": comm may hold spaces, so split at the last ')'
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = stat[open + 1..close].to_string();
        let mut rest = stat[close + 1..].split_whitespace();
        let state = rest.next().and_then(|s| s.chars().next()).unwrap_or('?');
        let ppid = rest.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        out.push((pid, ppid, state, comm));
    }
    out
}

fn alive(pid: u32) -> bool {
    processes()
        .iter()
        .any(|(p, _, state, _)| *p == pid && *state != 'Z' && *state != 'X')
}

fn socket_dirs(tmp: &Path) -> Vec<String> {
    std::fs::read_dir(tmp)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("secretsint-plugin-"))
                .collect()
        })
        .unwrap_or_default()
}

/// Starts a plan and returns once its `nth_start`-th provider process is serving:
/// (terraform, every provider pid seen, that provider's pid).
fn start_and_find(ws: &Workspace, tmp: &Path, nth_start: usize) -> Result<(std::process::Child, Vec<u32>, u32), String> {
    let stderr_path = ws.dir.path().join(format!("stderr{nth_start}"));
    let mut tf = ws
        .command("1.15.5", &["plan", "-input=false", "-no-color", "-refresh=false"])
        .env_remove("TF_LOG")
        .env("TMPDIR", tmp)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    let tf_pid = tf.id();
    let mut seen: Vec<u32> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if Instant::now() > deadline {
            let _ = tf.kill();
            let _ = tf.wait();
            return Err(format!("no provider start #{nth_start} within 60 s"));
        }
        if let Some(status) = tf.try_wait().unwrap() {
            let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
            return Err(format!(
                "terraform ended ({status}) before provider start #{nth_start} was seen (saw {seen:?}):\n{stderr}"
            ));
        }
        for (pid, ppid, _, comm) in processes() {
            // comm is cut to 15 bytes: "terraform-provi"
            if ppid == tf_pid && comm.starts_with("terraform-prov") && !seen.contains(&pid) {
                seen.push(pid);
            }
        }
        for d in socket_dirs(tmp) {
            let pid = d
                .trim_start_matches("secretsint-plugin-")
                .split('-')
                .next()
                .and_then(|p| p.parse().ok());
            if let Some(pid) = pid.filter(|p| !seen.contains(p)) {
                seen.push(pid);
            }
        }
        // wait until that provider is serving: its socket directory exists
        if seen.len() >= nth_start {
            let victim = seen[nth_start - 1];
            if socket_dirs(tmp)
                .iter()
                .any(|d| d.starts_with(&format!("secretsint-plugin-{victim}-")))
            {
                return Ok((tf, seen, victim));
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn terraform_killed_mid_plan_leaves_no_provider_and_no_files() {
    let ws = Workspace::new(&many_data_sources(300), &plugin());
    ws.ok("1.15.5", &["init", "-input=false", "-no-color"]);
    // Kill at each of the three provider starts of a plan (validate, validate, configure + read).
    for nth_start in 1..=3usize {
        let tmp = ws.dir.path().join(format!("tmp{nth_start}"));
        std::fs::create_dir(&tmp).unwrap();
        // Under heavy load a poll can miss a short-lived provider; Terraform then finishes first.
        // That is a miss of the test, not a failure of the provider: try again, at most 3 times.
        let mut attempt = 0;
        let (mut tf, seen, victim) = loop {
            attempt += 1;
            match start_and_find(&ws, &tmp, nth_start) {
                Ok(found) => break found,
                Err(why) if attempt < 3 => eprintln!("attempt {attempt}: {why}"),
                Err(why) => panic!("{why}"),
            }
        };
        let tf_pid = tf.id();
        std::thread::sleep(Duration::from_millis(20));
        tf.kill().unwrap(); // SIGKILL
        let killed_at = Instant::now();
        tf.wait().unwrap();
        while alive(victim) && killed_at.elapsed() < Duration::from_secs(3) {
            std::thread::sleep(Duration::from_millis(10));
        }
        let took = killed_at.elapsed();
        assert!(
            !alive(victim),
            "provider {victim} still running 3 s after Terraform was killed (start #{nth_start})"
        );
        assert!(
            took <= Duration::from_secs(1),
            "provider {victim} took {took:?} to exit after SIGKILL of Terraform"
        );
        // every provider this Terraform started is gone, and nothing is left in TMPDIR
        for pid in &seen {
            assert!(!alive(*pid), "orphan provider {pid}");
        }
        let orphans: Vec<_> = processes().into_iter().filter(|(_, ppid, _, _)| *ppid == tf_pid).collect();
        assert!(orphans.is_empty(), "children of the killed Terraform remain: {orphans:?}");
        assert_eq!(socket_dirs(&tmp), Vec::<String>::new(), "socket directories left behind");
        eprintln!("start #{nth_start}: provider {victim} exited {took:?} after SIGKILL of terraform {tf_pid}");
    }
}
