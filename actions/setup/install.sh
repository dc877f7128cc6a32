#!/usr/bin/env bash
# Installs one gates binary for the runner's platform and puts it on PATH.
#
#   GATES_BINARY     coverage-gate, pr-commenter, ...            (required)
#   GATES_VERSION    release tag; default: version.txt beside this script, pinned at release
#   GATES_LOCAL_BIN  a directory that already holds the binary (self-tests, air-gapped GHES)
#   GATES_DOWNLOAD_URL  base of the release downloads (default: this repository's GitHub releases)
#
# The archive's sha256 must equal the one committed in checksums/<version>.txt at release time:
# a checksum fetched from the same place as the archive would prove nothing.
set -euo pipefail

fail() {
  echo "::error title=gates setup::$1"
  exit 1
}

bin=${GATES_BINARY:?GATES_BINARY must name the binary}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${GITHUB_PATH:?GITHUB_PATH is not set: run inside GitHub Actions}"

if [ -n "${GATES_LOCAL_BIN:-}" ]; then
  if [ ! -f "$GATES_LOCAL_BIN/$bin" ] && [ ! -f "$GATES_LOCAL_BIN/$bin.exe" ]; then
    fail "GATES_LOCAL_BIN=$GATES_LOCAL_BIN holds no $bin"
  fi
  echo "$GATES_LOCAL_BIN" >> "$GITHUB_PATH"
  echo "using the local $bin in $GATES_LOCAL_BIN"
  exit 0
fi

version=${GATES_VERSION:-}
[ -n "$version" ] || version=$(tr -d '[:space:]' < "$here/version.txt")

ext=tar.xz
case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64) target=aarch64-unknown-linux-musl ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  macOS/X64) target=x86_64-apple-darwin ;;
  Windows/X64) target=x86_64-pc-windows-msvc; ext=zip ;;
  *) fail "${RUNNER_OS:-unknown OS} ${RUNNER_ARCH:-unknown arch} is not supported: gates ships Linux x64/arm64, macOS arm64/x64 and Windows x64 (or set GATES_LOCAL_BIN to a build of your own)" ;;
esac

asset="$bin-$target.$ext"
sums="$here/checksums/$version.txt"
[ -f "$sums" ] || fail "no pinned checksums for $version in actions/setup/checksums/: use a released version (a tag such as v1) or GATES_LOCAL_BIN"
expected=$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1 }' "$sums")
[ -n "$expected" ] || fail "$sums lists no $asset"

tmp=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/gates.XXXXXX")
base=${GATES_DOWNLOAD_URL:-https://github.com/org/gates/releases/download}
url="$base/$version/$asset"
curl --fail --location --silent --show-error --retry 3 --output "$tmp/$asset" "$url" \
  || fail "could not download $url: check the version, and that the runner can reach github.com (or set GATES_LOCAL_BIN)"

if command -v sha256sum > /dev/null; then
  actual=$(sha256sum "$tmp/$asset" | cut -d' ' -f1)
else
  actual=$(shasum -a 256 "$tmp/$asset" | cut -d' ' -f1)
fi
[ "$actual" = "$expected" ] || fail "checksum mismatch for $asset: expected $expected, got $actual; the download was altered or is not the released file"

case "$ext" in
  # Windows runners have bsdtar, which reads zip, when unzip is missing.
  zip) mkdir -p "$tmp/x" && { unzip -q "$tmp/$asset" -d "$tmp/x" 2> /dev/null || tar -xf "$tmp/$asset" -C "$tmp/x"; } ;;
  *) mkdir -p "$tmp/x" && tar -xJf "$tmp/$asset" -C "$tmp/x" ;;
esac
dir=$(dirname "$(find "$tmp/x" -type f \( -name "$bin" -o -name "$bin.exe" \) | head -n 1)")
[ -n "$dir" ] && [ "$dir" != "." ] || fail "$asset holds no $bin"
chmod +x "$dir/$bin" 2> /dev/null || true
echo "$dir" >> "$GITHUB_PATH"
echo "installed $bin $version ($target)"
