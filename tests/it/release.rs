//! The release assets from `scripts/release.sh`, checked as a registry and Terraform check them:
//! the signature verifies, the checksums match, the manifest declares protocols 6.0 and 5.0, the
//! linux_amd64 and linux_arm64 zips each hold a static musl binary for their architecture (the
//! amd64 one runs here, the arm64 one under qemu-aarch64 when installed), the darwin_amd64,
//! darwin_arm64 and windows_amd64 zips a Mach-O or PE32+ binary for theirs (the Windows one runs
//! under Wine), `terraform providers lock` records all five platforms, and `terraform init`
//! installs the amd64 zip from a filesystem mirror (packed layout) and from a signed local
//! registry, recording a `zh:` hash equal to the SHA256SUMS entry.
//!
//! Runs when TF_ACC=1, like the acceptance tests: it builds the two release binaries (each a few
//! minutes the first time, nothing afterwards: target/<triple>/release is reused) and uses real
//! gpg, zip, unzip, ldd, file, qemu and Terraform.

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
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn release_zip_is_signed_static_and_installs_from_a_mirror() {
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

    // The registry's asset names: a zip per platform, each a static musl binary.
    let zip = out.join(format!("{NAME}_{v}_linux_amd64.zip"));
    let zip_arm64 = out.join(format!("{NAME}_{v}_linux_arm64.zip"));
    let foreign: Vec<(&str, PathBuf)> = ["darwin_amd64", "darwin_arm64", "windows_amd64"]
        .into_iter()
        .map(|p| (p, out.join(format!("{NAME}_{v}_{p}.zip"))))
        .collect();
    for (_, z) in &foreign {
        assert!(z.is_file(), "{} missing", z.display());
    }
    let sums = out.join(format!("{NAME}_{v}_SHA256SUMS"));
    let sig = out.join(format!("{NAME}_{v}_SHA256SUMS.sig"));
    let manifest = out.join(format!("{NAME}_{v}_manifest.json"));
    for f in [&zip, &zip_arm64, &sums, &sig, &manifest] {
        assert!(f.is_file(), "{} missing", f.display());
    }

    // The detached signature verifies against the throwaway key.
    run(Command::new("gpg")
        .env("GNUPGHOME", &gnupghome)
        .args(["--batch", "--verify"])
        .arg(&sig)
        .arg(&sums));

    // SHA256SUMS lists both zips and the manifest, and nothing else, with their real digests.
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
    assert_eq!(entry(&zip_arm64), sha256_hex(&zip_arm64));
    assert_eq!(entry(&manifest), sha256_hex(&manifest));
    for (_, z) in &foreign {
        assert_eq!(entry(z), sha256_hex(z));
    }
    assert_eq!(sums_text.lines().count(), 6, "{sums_text}");

    let m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    assert_eq!(m["version"], 1);
    assert_eq!(m["metadata"]["protocol_versions"], serde_json::json!(["6.0", "5.0"]));

    // Each zip holds exactly the binary, for its architecture and statically linked.
    let unpack = |zip: &Path, dir: &str| {
        let unpacked = tmp.path().join(dir);
        run(Command::new("unzip").arg("-q").arg(zip).arg("-d").arg(&unpacked));
        let entries: Vec<_> = std::fs::read_dir(&unpacked).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(entries, [std::ffi::OsString::from(format!("{NAME}_v{v}"))], "{}", zip.display());
        unpacked.join(format!("{NAME}_v{v}"))
    };
    let bin = unpack(&zip, "unpacked-amd64");
    let bin_arm64 = unpack(&zip_arm64, "unpacked-arm64");
    assert_static_elf(&bin, EM_X86_64, "x86-64");
    assert_static_elf(&bin_arm64, EM_AARCH64, "ARM aarch64");
    eprintln!(
        "static musl binaries: amd64 {} bytes, arm64 {} bytes",
        std::fs::metadata(&bin).unwrap().len(),
        std::fs::metadata(&bin_arm64).unwrap().len()
    );

    // Both run: amd64 here, arm64 under qemu user-mode emulation when it is installed
    // (scripts/install-tools.sh installs Debian's qemu-user-static).
    assert_names_its_version(&mut Command::new(&bin), "amd64");
    match ["qemu-aarch64", "qemu-aarch64-static"].into_iter().find_map(on_path) {
        Some(qemu) => assert_names_its_version(Command::new(qemu).arg(&bin_arm64), "arm64 under qemu"),
        None => eprintln!("arm64 binary not run: no qemu-aarch64 or qemu-aarch64-static on PATH"),
    }

    // macOS and Windows: each zip holds one binary of the right format and architecture; the
    // Windows one starts under Wine, as far as its magic-cookie message and its handshake.
    let mut unpacked = Vec::new();
    for (platform, z) in &foreign {
        let dir = tmp.path().join(format!("unpacked-{platform}"));
        run(Command::new("unzip").arg("-q").arg(z).arg("-d").arg(&dir));
        let exe = if platform.starts_with("windows") { ".exe" } else { "" };
        let entries: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(entries, [std::ffi::OsString::from(format!("{NAME}_v{v}{exe}"))], "{platform}");
        unpacked.push((*platform, dir.join(format!("{NAME}_v{v}{exe}"))));
    }
    assert_mach_o(&unpacked[0].1, 0x0100_0007, "x86_64");
    assert_mach_o(&unpacked[1].1, 0x0100_000c, "arm64");
    assert_pe_amd64(&unpacked[2].1);
    run_under_wine(&unpacked[2].1, tmp.path());

    // A filesystem mirror in the packed layout: the zip itself, as a registry mirror holds it.
    let mirror = tmp.path().join("mirror");
    let host_dir = mirror.join("registry.terraform.io/secretsint/secretsint");
    std::fs::create_dir_all(&host_dir).unwrap();
    std::fs::copy(&zip, host_dir.join(zip.file_name().unwrap())).unwrap();
    // The other four platforms beside it, for `terraform providers lock` below.
    let all_zips = std::iter::once(&zip_arm64).chain(foreign.iter().map(|(_, z)| z));
    let lock_mirror = tmp.path().join("lock-mirror");
    let lock_dir = lock_mirror.join("registry.terraform.io/secretsint/secretsint");
    std::fs::create_dir_all(&lock_dir).unwrap();
    for z in all_zips.chain(std::iter::once(&zip)) {
        std::fs::copy(z, lock_dir.join(z.file_name().unwrap())).unwrap();
    }
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
            String::from_utf8_lossy(&plan.stdout).contains("database/creds/prod--app"),
            "Terraform {version}"
        );
    }

    // A lock file made on Linux serves every platform: `providers lock` over the mirror records an
    // h1: hash for each of the five packages.
    let work = tmp.path().join("lock-all");
    std::fs::create_dir(&work).unwrap();
    std::fs::write(work.join("main.tf"), main_tf("secretsint/secretsint", v)).unwrap();
    let mut lock_cmd = terraform_cmd("1.15.5", &work, &rc);
    lock_cmd
        .arg("providers")
        .arg("lock")
        .arg(format!("-fs-mirror={}", lock_mirror.display()));
    for p in ["linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64", "windows_amd64"] {
        lock_cmd.arg(format!("-platform={p}"));
    }
    run(&mut lock_cmd);
    let lock = std::fs::read_to_string(work.join(".terraform.lock.hcl")).unwrap();
    let h1s = lock.matches("\"h1:").count();
    assert_eq!(h1s, 5, "one h1: hash per platform:\n{lock}");

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

/// A 64-bit Mach-O executable (MH_MAGIC_64, MH_EXECUTE) for `cputype`.
fn assert_mach_o(bin: &Path, cputype: u32, arch: &str) {
    let bytes = std::fs::read(bin).unwrap();
    let word = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    assert_eq!(word(0), 0xfeed_facf, "{} is not a 64-bit Mach-O file", bin.display());
    assert_eq!(word(4), cputype, "{} is not {arch}", bin.display());
    assert_eq!(word(12), 2, "{} is not an executable (MH_EXECUTE)", bin.display());
    eprintln!("darwin {arch}: {} bytes", bytes.len());
}

/// A PE32+ console executable for x86-64 (IMAGE_FILE_MACHINE_AMD64, subsystem console).
fn assert_pe_amd64(bin: &Path) {
    let bytes = std::fs::read(bin).unwrap();
    assert_eq!(&bytes[..2], b"MZ", "{} has no DOS header", bin.display());
    let pe = u32::from_le_bytes(bytes[0x3c..0x40].try_into().unwrap()) as usize;
    assert_eq!(&bytes[pe..pe + 4], b"PE\0\0", "{} has no PE header", bin.display());
    assert_eq!(u16::from_le_bytes([bytes[pe + 4], bytes[pe + 5]]), 0x8664, "not x86-64");
    let optional = pe + 24;
    assert_eq!(u16::from_le_bytes([bytes[optional], bytes[optional + 1]]), 0x20b, "not PE32+");
    assert_eq!(
        u16::from_le_bytes([bytes[optional + 68], bytes[optional + 69]]),
        3,
        "not a console program"
    );
    eprintln!("windows amd64: {} bytes", bytes.len());
}

/// Starts the Windows binary under Debian's Wine: without the magic cookie it explains itself and
/// exits 1; with it, it prints go-plugin's handshake on a loopback TCP port.
fn run_under_wine(exe: &Path, tmp: &Path) {
    let wine = PathBuf::from("/usr/lib/wine/wine64");
    assert!(wine.exists(), "wine64 is missing: run scripts/install-tools.sh");
    let dir = exe.parent().unwrap();
    // Wine 8 lacks bcryptprimitives.dll: a small stand-in beside the binary, built with zig.
    run(Command::new(repo_root().join(".tools/bin/zig"))
        .args(["cc", "-target", "x86_64-windows-gnu", "-shared", "-ladvapi32", "-o"])
        .arg(dir.join("bcryptprimitives.dll"))
        .arg(repo_root().join("tests/it/wine_bcryptprimitives.c")));
    let wine_cmd = || {
        let mut c = Command::new(&wine);
        c.arg(exe)
            .env("WINEPREFIX", tmp.join("wineprefix"))
            .env("WINEDEBUG", "-all")
            .env_remove(secretsint::server::MAGIC_COOKIE_KEY);
        c
    };
    // The first start creates the prefix; its own messages go to stderr before the program's.
    let out = wine_cmd().output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("This binary is a plugin for Terraform and OpenTofu"), "{said}");
    let mut child = wine_cmd()
        .env(secretsint::server::MAGIC_COOKIE_KEY, secretsint::server::MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        line.starts_with("1|6|tcp|127.0.0.1:") && line.trim_end().ends_with("|grpc|"),
        "{line}"
    );
}

/// ELF e_machine values.
const EM_X86_64: u16 = 62;
const EM_AARCH64: u16 = 183;

/// A 64-bit little-endian ELF executable for `machine` with no program interpreter (PT_INTERP),
/// which is what "statically linked" means to the kernel; ldd and file agree.
fn assert_static_elf(bin: &Path, machine: u16, file_arch: &str) {
    let elf = std::fs::read(bin).unwrap();
    let u16_at = |o: usize| u16::from_le_bytes(elf[o..o + 2].try_into().unwrap());
    let u32_at = |o: usize| u32::from_le_bytes(elf[o..o + 4].try_into().unwrap());
    let u64_at = |o: usize| u64::from_le_bytes(elf[o..o + 8].try_into().unwrap());
    assert_eq!(&elf[..4], b"\x7fELF", "{}", bin.display());
    assert_eq!((elf[4], elf[5]), (2, 1), "{}: ELFCLASS64, little-endian", bin.display());
    assert_eq!(u16_at(18), machine, "{}: e_machine", bin.display());
    let (phoff, phentsize, phnum) = (u64_at(32) as usize, u16_at(54) as usize, u16_at(56) as usize);
    const PT_INTERP: u32 = 3;
    let interp = (0..phnum).any(|i| u32_at(phoff + i * phentsize) == PT_INTERP);
    assert!(!interp, "{}: has a program interpreter (dynamically linked)", bin.display());

    let ldd = Command::new("ldd").arg(bin).output().unwrap();
    let ldd_text = String::from_utf8_lossy(&ldd.stdout).to_string() + &String::from_utf8_lossy(&ldd.stderr);
    assert!(
        ldd_text.contains("not a dynamic executable") || ldd_text.contains("statically linked"),
        "ldd {}: {ldd_text}",
        bin.display()
    );
    if let Some(file) = on_path("file") {
        let said = String::from_utf8_lossy(&run(Command::new(file).arg("-b").arg(bin)).stdout).to_string();
        assert!(said.contains(file_arch), "file: {said}");
        assert!(
            said.contains("statically linked") || said.contains("static-pie linked"),
            "file: {said}"
        );
    }
}

/// Run without Terraform's magic cookie, the plugin names its version (the one in Cargo.toml)
/// and exits 1.
fn assert_names_its_version(cmd: &mut Command, what: &str) {
    let out = cmd.env_remove("TF_PLUGIN_MAGIC_COOKIE").output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{what}: {said}");
    let v = env!("CARGO_PKG_VERSION");
    assert!(said.starts_with(&format!("{NAME} {v} ")), "{what}: names its version: {said}");
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
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
