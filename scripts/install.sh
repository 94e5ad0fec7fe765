#!/usr/bin/env bash
# Install auditor on a fresh Debian/Ubuntu machine: system packages, then a virtual environment in .venv
# with the pinned Python packages (constraints.txt). With --test, also everything the test suite needs.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-}"

want_packages() {
    grep -hv '^\s*#' "$@" | tr -s ' \t' '\n' | sed '/^$/d'
}
lists=(scripts/apt-runtime.txt)
[ "$mode" = "--test" ] && lists+=(scripts/apt-test.txt)
missing=()
for pkg in $(want_packages "${lists[@]}"); do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing system packages: ${missing[*]}"
    $sudo apt-get -o DPkg::Lock::Timeout=900 update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ "$mode" = "--test" ] && ! command -v npm >/dev/null; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends nodejs npm
fi

python=""
for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
        python="$candidate"; break
    fi
done
[ -n "$python" ] || { echo "auditor needs Python 3.11 (mitmproxy 11.0.x); none found" >&2; exit 2; }
[ -x .venv/bin/python ] || "$python" -m venv .venv
extras=""; [ "$mode" = "--test" ] && extras="[test]"
.venv/bin/pip install -q -c constraints.txt -e ".${extras}"
.venv/bin/pip check
if [ "$mode" = "--test" ]; then
    # The Frida agent's pinned TypeScript dependencies (hooks/package-lock.json): the rebuild test needs them.
    (cd hooks && npm ci --no-audit --no-fund --loglevel=error)
    # The reference APK build needs dx.jar and android.jar (API 23), which only Debian 11 ships (pinned, hashed).
    bash reference/fetch-sdk.sh
    # The arm64 BoringSSL the arm64 TLS patterns are tested on (tests/unpin/test_tls_patterns_arm64.py).
    bash tests/unpin/fetch-arm64-boringssl.sh
fi
