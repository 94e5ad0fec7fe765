#!/usr/bin/env bash
# Fetch the two Android build inputs Debian 12 lacks -- dx.jar (package dalvik-exchange) and android.jar API 23
# (package libandroid-23-java) -- from Debian 11 "bullseye", without touching the system's apt sources
# (scripts/debian-fetch.sh: a private apt state, signatures checked by apt, dpkg-deb -x). The exact package
# versions and the SHA-256 of the two jars are pinned, because the reproducible APK build depends on them
# byte for byte.
# Usage: fetch-sdk.sh [DEST]   (default: reference/.android-sdk next to this script)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DEST="${1:-$HERE/.android-sdk}"
DX_JAR="$DEST/usr/share/java/com.android.dx.jar"
ANDROID_JAR="$DEST/usr/share/java/com.android.android-23.jar"
PINS="$HERE/sdk.sha256"

verify() { (cd "$DEST/usr/share/java" && sha256sum --quiet -c "$PINS"); }
if [ -f "$DX_JAR" ] && [ -f "$ANDROID_JAR" ] && verify; then exit 0; fi

bash "$HERE/../scripts/debian-fetch.sh" bullseye amd64 "$DEST" dalvik-exchange=10.0.0+r36-1 \
    libandroid-23-java=6.0.1+r72-6
verify || { echo "fetch-sdk: the fetched jars do not match $PINS" >&2; exit 1; }
echo "fetch-sdk: dx.jar and android.jar (API 23) in $DEST/usr/share/java"
