#!/usr/bin/env bash
# Fetch the two Android build inputs Debian 12 lacks -- dx.jar (package dalvik-exchange) and android.jar API 23
# (package libandroid-23-java) -- from Debian 11 "bullseye", without touching the system's apt sources:
# a private apt state directory, the same Debian mirror the system already uses, signatures checked by apt
# against the Debian archive keyring, .debs unpacked with dpkg-deb -x. The exact package versions and the
# SHA-256 of the two jars are pinned, because the reproducible APK build depends on them byte for byte.
# Usage: fetch-sdk.sh [DEST]   (default: reference/.android-sdk next to this script)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DEST="${1:-$HERE/.android-sdk}"
DX_JAR="$DEST/usr/share/java/com.android.dx.jar"
ANDROID_JAR="$DEST/usr/share/java/com.android.android-23.jar"
PINS="$HERE/sdk.sha256"

verify() { (cd "$DEST/usr/share/java" && sha256sum --quiet -c "$PINS"); }
if [ -f "$DX_JAR" ] && [ -f "$ANDROID_JAR" ] && verify; then exit 0; fi

# The mirror the system already trusts for its own release (never a host name written here).
mirror="$(apt-get indextargets --format '$(SITE) $(RELEASE)' 2>/dev/null \
          | awk '$2 ~ /^(bookworm|bullseye|trixie)$/ {print $1; exit}')"
[ -n "$mirror" ] || { echo "fetch-sdk: no Debian mirror found in the system's apt sources" >&2; exit 2; }

work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{lists/partial,archives/partial}
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bullseye main" > "$work/sources.list"
apt_opts=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
          -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work" -o Dir::Cache::archives="$work/archives"
          -o Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false
          -o Acquire::Languages=none -o APT::Architectures=amd64 -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" -qq update
(cd "$work" && apt-get "${apt_opts[@]}" -qq download dalvik-exchange=10.0.0+r36-1 libandroid-23-java=6.0.1+r72-6)
mkdir -p "$DEST"
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$DEST"; done
verify || { echo "fetch-sdk: the fetched jars do not match $PINS" >&2; exit 1; }
echo "fetch-sdk: dx.jar and android.jar (API 23) in $DEST/usr/share/java"
