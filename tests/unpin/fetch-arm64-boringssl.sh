#!/usr/bin/env bash
# The arm64 build of Debian's android-libboringssl (the same version as the x86-64 one the TLS tests link),
# unpacked into tests/unpin/.arm64 (ignored by git) for tests/unpin/test_tls_patterns_arm64.py: the pattern
# search is run on its bytes and its exports say where the functions are. Nothing is installed, and the
# system's dpkg architectures are left as they are (scripts/debian-fetch.sh). The library's SHA-256 is pinned
# (arm64-boringssl.sha256): the expected addresses come from this very file. Idempotent.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DEST="$HERE/.arm64"
LIBRARY_DIR="$DEST/usr/lib/aarch64-linux-gnu/android"
PINS="$HERE/arm64-boringssl.sha256"

verify() { [ -f "$LIBRARY_DIR/libssl.so.0" ] && (cd "$LIBRARY_DIR" && sha256sum --quiet -c "$PINS"); }
if verify; then exit 0; fi

bash "$HERE/../../scripts/debian-fetch.sh" bookworm arm64 "$DEST" android-libboringssl=13.0.0+r24-2
verify || { echo "fetch-arm64-boringssl: the fetched libssl.so.0 does not match $PINS" >&2; exit 1; }
echo "fetch-arm64-boringssl: arm64 libssl.so.0 in $LIBRARY_DIR"
