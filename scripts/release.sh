#!/usr/bin/env bash
# Builds the release assets a Terraform Registry, a private registry or Terraform Cloud's private
# registry accepts (the layout GoReleaser produces for hashicorp's provider scaffolding):
#   terraform-provider-secretsint_<v>_linux_amd64.zip   one file: terraform-provider-secretsint_v<v>, static musl (x86_64)
#   terraform-provider-secretsint_<v>_linux_arm64.zip   one file: terraform-provider-secretsint_v<v>, static musl (aarch64)
#   terraform-provider-secretsint_<v>_darwin_amd64.zip  one file: terraform-provider-secretsint_v<v>, Mach-O x86_64
#   terraform-provider-secretsint_<v>_darwin_arm64.zip  one file: terraform-provider-secretsint_v<v>, Mach-O arm64
#   terraform-provider-secretsint_<v>_windows_amd64.zip one file: terraform-provider-secretsint_v<v>.exe, PE32+ x86-64
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
# Platforms: linux_amd64 (x86_64-unknown-linux-musl) and linux_arm64 (aarch64-unknown-linux-musl),
# both fully static; darwin_amd64 and darwin_arm64 (x86_64-/aarch64-apple-darwin); windows_amd64
# (x86_64-pc-windows-gnu). Release profile, built with cargo-zigbuild (zig as the C compiler and
# linker, aws-lc-sys builds C). Needs what scripts/install-tools.sh installs: the five rustup
# targets, zig (.tools/venv-zig) and cargo-zigbuild (.tools/cargo). A missing piece is an error,
# never skipped. Each binary's format and architecture is checked; the macOS ones are not run here.
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

# Linux: musl targets, statically linked by Rust's musl default (crt-static). macOS and Windows
# link against their system libraries (libSystem, kernel32/ws2_32/bcryptprimitives), as every Go
# provider does. aws-lc-sys compiles C for each target: cargo-zigbuild hands that (and the link)
# to zig, which carries clang, the musl and mingw headers and the macOS libc stubs.
# scripts/install-tools.sh installs all of it.
export PATH=$root/.tools/bin:$root/.tools/cargo/bin:$PATH
sysroot=$(rustc --print sysroot)
for triple in x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-apple-darwin aarch64-apple-darwin x86_64-pc-windows-gnu; do
  [[ -d $sysroot/lib/rustlib/$triple/lib ]] ||
    die "the $triple standard library is missing (scripts/install-tools.sh runs rustup target add)"
done
command -v cargo-zigbuild >/dev/null || die "cargo-zigbuild not found (scripts/install-tools.sh installs it into .tools/cargo)"
command -v zig >/dev/null || die "zig not found (scripts/install-tools.sh installs it into .tools/venv-zig)"

# check_linux <binary> <ELF machine as readelf names it>: static, for that machine.
check_linux() {
  local bin=$1 machine=$2
  # A static binary runs wherever it is unpacked, whatever libc (if any) the host has.
  local ldd_out
  ldd_out=$(ldd "$bin" 2>&1 || true)
  [[ $ldd_out == *"not a dynamic executable"* || $ldd_out == *"statically linked"* ]] ||
    die "$bin is dynamically linked: $ldd_out"
  # ldd says the same of a foreign-architecture file: check the ELF header too (no interpreter).
  local header
  header=$(LC_ALL=C readelf -h -l "$bin")
  grep -q "Machine: *$machine" <<<"$header" || die "$bin is not a $machine executable: $(grep Machine: <<<"$header")"
  ! grep -q 'INTERP' <<<"$header" || die "$bin asks for a program interpreter (dynamic)"
}

# check_file <what file(1) must say> <binary>: the format and architecture of a foreign binary.
check_file() {
  local want=$1 bin=$2 said
  said=$(file -b "$bin")
  [[ $said == *"$want"* ]] || die "$bin is not a $want: $said"
}

# build <terraform os_arch> <rust triple> <check command...>
build() {
  local platform=$1 triple=$2
  shift 2
  log "building $platform ($triple, cargo zigbuild --release)"
  local started=$SECONDS
  # .cargo/config.toml [env] (AWS_LC_SYS_NO_JITTER_ENTROPY) applies: zigbuild runs cargo build.
  # zig finds no macOS SDK here and links against its own libSystem stubs; that warning is noise.
  env -u SOURCE_DATE_EPOCH cargo zigbuild --release --locked --quiet --target "$triple" --bin "$name" 2> >(grep -v -e 'MacOSX.sdk' -e 'xcrun' -e 'SDK is needed' -e 'DEVELOPER_DIR' -e '^  |$' -e '^  = ' >&2)
  local exe=""
  [[ $platform == windows_* ]] && exe=.exe
  local bin=$root/target/$triple/release/$name$exe
  "$@" "$bin"
  local stage
  stage=$(mktemp -d)
  cp -- "$bin" "$stage/${name}_v$version$exe"
  chmod 0755 "$stage/${name}_v$version$exe"
  touch -d "@$epoch" "$stage/${name}_v$version$exe"
  (cd -- "$stage" && TZ=UTC zip -q -X "$out/${name}_${version}_${platform}.zip" "${name}_v$version$exe")
  rm -rf -- "$stage"
  log "wrote ${name}_${version}_${platform}.zip ($(stat -c %s "$bin") byte binary, $((SECONDS - started)) s)"
}

linux() { check_linux "$2" "$1"; }
build linux_amd64 x86_64-unknown-linux-musl linux 'Advanced Micro Devices X86-64'
build linux_arm64 aarch64-unknown-linux-musl linux AArch64
build darwin_amd64 x86_64-apple-darwin check_file 'Mach-O 64-bit x86_64 executable'
build darwin_arm64 aarch64-apple-darwin check_file 'Mach-O 64-bit arm64 executable'
build windows_amd64 x86_64-pc-windows-gnu check_file 'PE32+ executable (console) x86-64'

cp -- terraform-registry-manifest.json "$out/${name}_${version}_manifest.json"
(cd -- "$out" && sha256sum -- *.zip "${name}_${version}_manifest.json" >"${name}_${version}_SHA256SUMS")
if [[ $sign == 1 ]]; then
  gpg --batch --yes --quiet --local-user "$GPG_FINGERPRINT" --detach-sign \
    --output "$out/${name}_${version}_SHA256SUMS.sig" "$out/${name}_${version}_SHA256SUMS"
  gpg --batch --armor --export "$GPG_FINGERPRINT" >"$out/signing-key.asc"
fi
ls -1 -- "$out"
