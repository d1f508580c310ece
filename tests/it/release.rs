//! The release assets from `scripts/release.sh`, checked as a registry and Terraform check them:
//! the signature verifies, the checksums match, the manifest declares protocols 6.0 and 5.0, the
//! binary inside the zip is static, and `terraform init` installs the zip from a filesystem
//! mirror (packed layout) and records a `zh:` hash equal to the SHA256SUMS entry.
//!
//! Runs when TF_ACC=1, like the acceptance tests: it builds the release binary (minutes the first
//! time, nothing afterwards) and uses real gpg, zip, unzip, ldd and Terraform.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

use crate::support::repo_root;

const NAME: &str = "terraform-provider-secretsint";

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A throwaway signing key in its own GNUPGHOME; returns its fingerprint.
fn throwaway_key(gnupghome: &Path) -> String {
    let gpg = || {
        let mut c = Command::new("gpg");
        c.env("GNUPGHOME", gnupghome)
            .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""]);
        c
    };
    run(gpg().args([
        "--quick-gen-key",
        "secretsint release test <release-test@example.invalid>",
        "rsa3072",
        "sign",
        "1d",
    ]));
    let listing = run(gpg().args(["--with-colons", "--list-secret-keys"]));
    let text = String::from_utf8(listing.stdout).unwrap();
    let fpr = text.lines().find_map(|l| l.strip_prefix("fpr:")).expect("a fingerprint");
    fpr.trim_matches(':').to_string()
}

fn sha256_hex(path: &Path) -> String {
    Sha256::digest(std::fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn terraform(version: &str) -> PathBuf {
    let name = if version == "1.15.5" {
        "terraform".to_string()
    } else {
        format!("terraform-{version}")
    };
    repo_root().join(".tools/bin").join(name)
}

#[test]
fn release_zip_is_signed_static_and_installs_from_a_mirror() {
    if std::env::var("TF_ACC").as_deref() != Ok("1") {
        eprintln!("release test not run: set TF_ACC=1 (scripts/test.sh does)");
        return;
    }
    let v = env!("CARGO_PKG_VERSION");
    let tmp = tempfile::tempdir().unwrap();
    let gnupghome = tmp.path().join("gnupg");
    std::fs::create_dir(&gnupghome).unwrap();
    std::fs::set_permissions(&gnupghome, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let fpr = throwaway_key(&gnupghome);
    let out = tmp.path().join("dist");
    let started = std::time::Instant::now();
    run(Command::new(repo_root().join("scripts/release.sh"))
        .arg("--out")
        .arg(&out)
        .env("GNUPGHOME", &gnupghome)
        .env("GPG_FINGERPRINT", &fpr));
    eprintln!("release.sh took {:.1?}", started.elapsed());

    // The registry's asset names.
    let zip = out.join(format!("{NAME}_{v}_linux_amd64.zip"));
    let sums = out.join(format!("{NAME}_{v}_SHA256SUMS"));
    let sig = out.join(format!("{NAME}_{v}_SHA256SUMS.sig"));
    let manifest = out.join(format!("{NAME}_{v}_manifest.json"));
    for f in [&zip, &sums, &sig, &manifest] {
        assert!(f.is_file(), "{} missing", f.display());
    }

    // The detached signature verifies against the throwaway key.
    run(Command::new("gpg")
        .env("GNUPGHOME", &gnupghome)
        .args(["--batch", "--verify"])
        .arg(&sig)
        .arg(&sums));

    // SHA256SUMS lists the zip and the manifest with their real digests.
    let sums_text = std::fs::read_to_string(&sums).unwrap();
    let entry = |file: &Path| {
        let name = file.file_name().unwrap().to_str().unwrap();
        let line = sums_text
            .lines()
            .find(|l| l.ends_with(&format!("  {name}")))
            .unwrap_or_else(|| panic!("{name} not in {sums_text}"));
        line.split_whitespace().next().unwrap().to_string()
    };
    let zip_sum = entry(&zip);
    assert_eq!(zip_sum, sha256_hex(&zip));
    assert_eq!(entry(&manifest), sha256_hex(&manifest));

    let m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    assert_eq!(m["version"], 1);
    assert_eq!(m["metadata"]["protocol_versions"], serde_json::json!(["6.0", "5.0"]));

    // The zip holds exactly the binary, and the binary is static and runs.
    let unpacked = tmp.path().join("unpacked");
    run(Command::new("unzip").arg("-q").arg(&zip).arg("-d").arg(&unpacked));
    let entries: Vec<_> = std::fs::read_dir(&unpacked).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(entries, [std::ffi::OsString::from(format!("{NAME}_v{v}"))]);
    let bin = unpacked.join(format!("{NAME}_v{v}"));
    let ldd = Command::new("ldd").arg(&bin).output().unwrap();
    let ldd_text = String::from_utf8_lossy(&ldd.stdout).to_string() + &String::from_utf8_lossy(&ldd.stderr);
    assert!(ldd_text.contains("not a dynamic executable"), "ldd: {ldd_text}");
    eprintln!("static binary: {} bytes", std::fs::metadata(&bin).unwrap().len());
    let no_cookie = Command::new(&bin).env_remove("TF_PLUGIN_MAGIC_COOKIE").output().unwrap();
    assert_eq!(no_cookie.status.code(), Some(1));
    let said = String::from_utf8_lossy(&no_cookie.stderr);
    assert!(
        said.starts_with(&format!("{NAME} {v} ")),
        "names its version, the one in Cargo.toml: {said}"
    );

    // A filesystem mirror in the packed layout: the zip itself, as a registry mirror holds it.
    let mirror = tmp.path().join("mirror");
    let host_dir = mirror.join("registry.terraform.io/secretsint/secretsint");
    std::fs::create_dir_all(&host_dir).unwrap();
    std::fs::copy(&zip, host_dir.join(zip.file_name().unwrap())).unwrap();
    let rc = tmp.path().join("terraform.rc");
    std::fs::write(
        &rc,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/secretsint/*\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/secretsint/*\"]\n  }}\n}}\n",
            mirror.display()
        ),
    )
    .unwrap();
    let binary_digest = Sha256::digest(std::fs::read(&bin).unwrap());
    let binary_hex: String = binary_digest.iter().map(|b| format!("{b:02x}")).collect();
    // h1: is Go's dirhash of the unpacked package: sha256 over "<sha256>  <name>\n" per file.
    let h1 = {
        use base64::Engine;
        let summary = format!("{binary_hex}  {NAME}_v{v}\n");
        format!(
            "h1:{}",
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(summary.as_bytes()))
        )
    };
    for version in ["1.15.5", "1.0.3"] {
        let work = tmp.path().join(format!("mirror-{version}"));
        std::fs::create_dir(&work).unwrap();
        std::fs::write(work.join("main.tf"), main_tf("secretsint/secretsint", v)).unwrap();
        let tf = |args: &[&str]| run(terraform_cmd(version, &work, &rc).args(args));
        tf(&["init", "-input=false", "-no-color"]);
        let lock = std::fs::read_to_string(work.join(".terraform.lock.hcl")).unwrap();
        assert!(lock.contains(&format!("version     = \"{v}\"")), "{lock}");
        assert!(
            lock.contains(&format!("\"{h1}\"")),
            "Terraform {version}: lock lacks {h1} of the zipped binary:\n{lock}"
        );
        // The installed static binary serves a real plan (handshake, AutoMTLS, read).
        let plan = tf(&["plan", "-input=false", "-no-color"]);
        assert!(
            String::from_utf8_lossy(&plan.stdout).contains("database/creds/prod-app"),
            "Terraform {version}"
        );
    }

    // A registry (the provider registry protocol over HTTPS on localhost): Terraform downloads the
    // zip, verifies the GPG signature over SHA256SUMS and the zip against it, and records zh:.
    let registry = Registry::start(tmp.path(), &out, &fpr);
    let source = format!("localhost:{}/secretsint/secretsint", registry.port);
    let plain_rc = tmp.path().join("direct.rc");
    std::fs::write(&plain_rc, "# direct installation only\n").unwrap();
    for version in ["1.15.5", "1.0.3"] {
        let work = tmp.path().join(format!("registry-{version}"));
        std::fs::create_dir(&work).unwrap();
        std::fs::write(work.join("main.tf"), main_tf(&source, v)).unwrap();
        let out =
            run(terraform_cmd(version, &work, &plain_rc)
                .env("SSL_CERT_FILE", &registry.cert)
                .args(["init", "-input=false", "-no-color"]));
        let said = String::from_utf8_lossy(&out.stdout);
        // Terraform names the key it verified SHA256SUMS.sig with: ours.
        let key_id = fpr[fpr.len() - 16..].to_ascii_uppercase();
        assert!(
            said.contains(&format!("(self-signed, key ID {key_id})")),
            "Terraform {version}: {said}"
        );
        let lock = std::fs::read_to_string(work.join(".terraform.lock.hcl")).unwrap();
        assert!(
            lock.contains(&format!("\"zh:{zip_sum}\"")),
            "Terraform {version}: lock lacks zh:{zip_sum}:\n{lock}"
        );
        assert!(lock.contains(&format!("\"{h1}\"")), "Terraform {version}: {lock}");
    }
    drop(registry);

    // Tampering is refused: a zip that does not match SHA256SUMS, and a SHA256SUMS that does not
    // match its signature.
    let tampered_zip = |dir: &Path| {
        let mut bytes = std::fs::read(dir.join(zip.file_name().unwrap())).unwrap();
        bytes.extend_from_slice(b"tampered");
        std::fs::write(dir.join(zip.file_name().unwrap()), bytes).unwrap();
    };
    let tampered_sums = |dir: &Path| {
        let path = dir.join(sums.file_name().unwrap());
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("{text}{}  extra-file.zip\n", "0".repeat(64))).unwrap();
    };
    for (case, tamper, words) in [
        ("zip", &tampered_zip as &dyn Fn(&Path), "checksum"),
        ("sums", &tampered_sums as &dyn Fn(&Path), "signature"),
    ] {
        let assets = tmp.path().join(format!("tampered-{case}"));
        std::fs::create_dir(&assets).unwrap();
        for entry in std::fs::read_dir(&out).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, assets.join(path.file_name().unwrap())).unwrap();
        }
        tamper(&assets);
        let registry = Registry::start(tmp.path(), &assets, &fpr);
        let work = tmp.path().join(format!("tampered-{case}-work"));
        std::fs::create_dir(&work).unwrap();
        let source = format!("localhost:{}/secretsint/secretsint", registry.port);
        std::fs::write(work.join("main.tf"), main_tf(&source, v)).unwrap();
        let refused = terraform_cmd("1.15.5", &work, &plain_rc)
            .env("SSL_CERT_FILE", &registry.cert)
            .args(["init", "-input=false", "-no-color"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&refused.stderr);
        assert!(!refused.status.success(), "a tampered {case} was installed");
        assert!(err.contains(words), "tampered {case}: {err}");
        assert!(!work.join(".terraform.lock.hcl").exists());
    }
}

fn main_tf(source: &str, v: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    secretsint = {{\n      source  = \"{source}\"\n      version = \"{v}\"\n    }}\n  }}\n}}\n\ndata \"secretsint_plan\" \"x\" {{\n  secrets_backend    = \"vault\"\n  integration_target = \"kubernetes\"\n  rotation_policy    = \"dynamic\"\n  credential_type    = \"database\"\n}}\n\noutput \"path\" {{\n  value = data.secretsint_plan.x.secrets_config.secret_path\n}}\n"
    )
}

fn terraform_cmd(version: &str, work: &Path, rc: &Path) -> Command {
    let mut c = Command::new(terraform(version));
    c.current_dir(work)
        .env("TF_CLI_CONFIG_FILE", rc)
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .env_remove("TF_CLI_ARGS")
        .env_remove("TF_LOG");
    c
}

/// The provider registry protocol, just enough for `terraform init`: service discovery, the
/// versions list and the download endpoint naming the zip, SHA256SUMS, its signature and the key.
const REGISTRY_PY: &str = r#"
import http.server, json, os, ssl, sys
root, cert, key, version, key_id = sys.argv[1:6]
name = "terraform-provider-secretsint"
armor = open(os.path.join(root, "signing-key.asc")).read()
zip_name = f"{name}_{version}_linux_amd64.zip"
sums = open(os.path.join(root, f"{name}_{version}_SHA256SUMS")).read()
shasum = next(l.split()[0] for l in sums.splitlines() if l.endswith(zip_name))

class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        base = f"https://localhost:{self.server.server_port}/files/"
        routes = {
            "/.well-known/terraform.json": {"providers.v1": "/v1/providers/"},
            "/v1/providers/secretsint/secretsint/versions": {"versions": [
                {"version": version, "protocols": ["6.0", "5.0"], "platforms": [{"os": "linux", "arch": "amd64"}]}]},
            f"/v1/providers/secretsint/secretsint/{version}/download/linux/amd64": {
                "protocols": ["6.0", "5.0"], "os": "linux", "arch": "amd64", "filename": zip_name,
                "download_url": base + zip_name, "shasum": shasum,
                "shasums_url": base + f"{name}_{version}_SHA256SUMS",
                "shasums_signature_url": base + f"{name}_{version}_SHA256SUMS.sig",
                "signing_keys": {"gpg_public_keys": [{"key_id": key_id, "ascii_armor": armor}]}},
        }
        if self.path in routes:
            body, ctype = json.dumps(routes[self.path]).encode(), "application/json"
        elif self.path.startswith("/files/") and "/" not in self.path[7:] and os.path.isfile(os.path.join(root, self.path[7:])):
            body, ctype = open(os.path.join(root, self.path[7:]), "rb").read(), "application/octet-stream"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
server.socket = ctx.wrap_socket(server.socket, server_side=True)
print(server.server_port, flush=True)
server.serve_forever()
"#;

/// A local HTTPS registry serving the release directory; stopped on drop.
struct Registry {
    child: std::process::Child,
    port: u16,
    cert: PathBuf,
}

impl Registry {
    fn start(tmp: &Path, assets: &Path, fpr: &str) -> Registry {
        use std::io::BufRead;
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let stem = assets.file_name().unwrap().to_string_lossy().to_string();
        let cert_path = tmp.join(format!("{stem}-cert.pem"));
        let key_path = tmp.join(format!("{stem}-key.pem"));
        std::fs::write(&cert_path, cert.pem()).unwrap();
        std::fs::write(&key_path, key.serialize_pem()).unwrap();
        let script = tmp.join("registry.py");
        std::fs::write(&script, REGISTRY_PY).unwrap();
        assert!(assets.join("signing-key.asc").is_file(), "release.sh exports the public key");
        let mut child = Command::new("python3")
            .arg(&script)
            .arg(assets)
            .arg(&cert_path)
            .arg(&key_path)
            .arg(env!("CARGO_PKG_VERSION"))
            .arg(&fpr[fpr.len() - 16..])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().parse().unwrap_or_else(|_| panic!("registry did not start: {line:?}"));
        Registry {
            child,
            port,
            cert: cert_path,
        }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
