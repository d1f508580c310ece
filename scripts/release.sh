#!/usr/bin/env bash
# Builds the release assets a Terraform Registry, a private registry or Terraform Cloud's private
# registry accepts (the layout GoReleaser produces for hashicorp's provider scaffolding):
#   terraform-provider-secretsint_<v>_linux_amd64.zip   one file: terraform-provider-secretsint_v<v>, statically linked
#   terraform-provider-secretsint_<v>_manifest.json     terraform-registry-manifest.json (protocol versions 6.0, 5.0)
#   terraform-provider-secretsint_<v>_SHA256SUMS        sha256 of every zip and the manifest
#   terraform-provider-secretsint_<v>_SHA256SUMS.sig    detached binary GPG signature of the SHA256SUMS
#   signing-key.asc                                     the public key, for a private registry's signing-keys
# <v> is the version in Cargo.toml, the one `secretsint version` prints.
#
# Usage: scripts/release.sh [--out DIR] [--unsigned]
#   --out DIR    where the assets go (default target/release-artifacts/<v>); earlier assets there are replaced
#   --unsigned   skip the signature (never for a real release: registries require it)
# Env: GPG_FINGERPRINT  the signing key (required unless --unsigned); GNUPGHOME as gpg uses it
#      SOURCE_DATE_EPOCH file times inside the zip (default: the last commit's time), for reproducible zips
#
# Platforms: linux_amd64 is built for x86_64-unknown-linux-musl when that Rust standard library
# is installed, else for x86_64-unknown-linux-gnu with +crt-static (a fully static glibc binary;
# the provider resolves no host names, so static glibc's NSS limits do not apply). linux_arm64
# needs the aarch64-unknown-linux-musl standard library and a cross C compiler (aws-lc-sys builds
# C); without them it is skipped with a message, never faked.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

log() { printf 'release: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

out="" sign=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --unsigned) sign=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || die "Cargo.toml version '$version' is not semantic"
grep -q "^## \[$version\]" CHANGELOG.md || die "CHANGELOG.md has no '## [$version]' section"
if [[ $sign == 1 ]]; then
  [[ -n ${GPG_FINGERPRINT:-} ]] || die "set GPG_FINGERPRINT to the signing key (or pass --unsigned)"
  command -v gpg >/dev/null || die "gpg not found (scripts/install-tools.sh installs it)"
fi
command -v zip >/dev/null || die "zip not found (scripts/install-tools.sh installs it)"

name=terraform-provider-secretsint
out=${out:-$root/target/release-artifacts/$version}
mkdir -p -- "$out"
out=$(cd -- "$out" && pwd -P)
# Remove only our own earlier assets: --out may be a directory that holds other files.
rm -f -- "$out/${name}_"* "$out/signing-key.asc"
# Not exported: build scripts track SOURCE_DATE_EPOCH, and a new commit must not force a rebuild.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 315532800)}

sysroot=$(rustc --print sysroot)
has_std() { [[ -d $sysroot/lib/rustlib/$1/lib ]]; }

# build <terraform os_arch> <rust triple> [RUSTFLAGS for that target]
build() {
  local platform=$1 triple=$2 flags=${3:-}
  local var
  var=CARGO_TARGET_$(tr 'a-z-' 'A-Z_' <<<"$triple")_RUSTFLAGS
  log "building $platform ($triple${flags:+, $flags})"
  env -u SOURCE_DATE_EPOCH "$var=$flags" cargo build --release --locked --quiet --target "$triple" --bin "$name"
  local bin=$root/target/$triple/release/$name
  # A static binary runs wherever it is unpacked, whatever libc (if any) the host has.
  local ldd_out
  ldd_out=$(ldd "$bin" 2>&1 || true)
  [[ $ldd_out == *"not a dynamic executable"* || $ldd_out == *"statically linked"* ]] ||
    die "$bin is dynamically linked: $ldd_out"
  local stage
  stage=$(mktemp -d)
  cp -- "$bin" "$stage/${name}_v$version"
  chmod 0755 "$stage/${name}_v$version"
  touch -d "@$epoch" "$stage/${name}_v$version"
  (cd -- "$stage" && TZ=UTC zip -q -X "$out/${name}_${version}_${platform}.zip" "${name}_v$version")
  rm -rf -- "$stage"
  log "wrote ${name}_${version}_${platform}.zip ($(stat -c %s "$bin") byte binary; ldd: ${ldd_out//$'\n'/ })"
}

if has_std x86_64-unknown-linux-musl; then
  build linux_amd64 x86_64-unknown-linux-musl
else
  # static (non-PIE) so that even old loaders and ldd treat it as a plain static executable
  build linux_amd64 x86_64-unknown-linux-gnu "-C target-feature=+crt-static -C relocation-model=static"
fi
if has_std aarch64-unknown-linux-musl && command -v aarch64-linux-gnu-gcc >/dev/null; then
  CC_aarch64_unknown_linux_musl=aarch64-linux-gnu-gcc CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=aarch64-linux-gnu-gcc \
    build linux_arm64 aarch64-unknown-linux-musl
else
  log "linux_arm64 skipped: needs the aarch64-unknown-linux-musl Rust standard library (rustup target add) and aarch64-linux-gnu-gcc"
fi

cp -- terraform-registry-manifest.json "$out/${name}_${version}_manifest.json"
(cd -- "$out" && sha256sum -- *.zip "${name}_${version}_manifest.json" >"${name}_${version}_SHA256SUMS")
if [[ $sign == 1 ]]; then
  gpg --batch --yes --quiet --local-user "$GPG_FINGERPRINT" --detach-sign \
    --output "$out/${name}_${version}_SHA256SUMS.sig" "$out/${name}_${version}_SHA256SUMS"
  gpg --batch --armor --export "$GPG_FINGERPRINT" >"$out/signing-key.asc"
fi
ls -1 -- "$out"
