//! The protocol versions the provider claims are the ones its own `.proto` files implement.

use crate::support::repo_root;

fn declared(file: &str) -> String {
    let text = std::fs::read_to_string(repo_root().join("proto").join(file)).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("// protocol-version: "))
        .expect("a protocol-version line")
        .trim()
        .to_string()
}

#[test]
fn proto_files_pin_the_protocol_versions() {
    assert_eq!(declared("tfplugin5.proto"), "5.11");
    assert_eq!(declared("tfplugin6.proto"), "6.11");
    assert_eq!(secretsint::server::SUPPORTED_PROTOCOLS, [6, 5]);
}

#[test]
fn generated_code_is_reachable_from_one_module_only() {
    let mut offenders = Vec::new();
    let mut stack = vec![repo_root().join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let rel = path.strip_prefix(repo_root()).unwrap().to_string_lossy().to_string();
            if text.contains("include_proto!") && rel != "src/proto.rs" {
                offenders.push(rel.clone());
            }
            let allowed = rel == "src/proto.rs" || rel.starts_with("src/protocol/") || rel.starts_with("src/server/");
            // `crate::proto::`/`crate::proto;`, not `crate::protocol` (the neutral core is public API)
            let names_proto = text.contains("crate::proto::") || text.contains("crate::proto;");
            if (names_proto || text.contains("prost::")) && !allowed {
                offenders.push(rel);
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "generated protobuf code used outside proto/protocol/server: {offenders:?}"
    );
}
