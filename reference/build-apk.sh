#!/usr/bin/env bash
# Build the reference app as a signed APK, reproducibly (same toolchain -> same bytes), without Gradle:
#   javac --release 8 against the platform stand-ins (platform/, never packaged) -> dx (Debian bullseye
#   dalvik-exchange) -> aapt package -I android.jar (API 23) -> zipalign -> apksigner v1+v2+v3 with the TEST-ONLY key.
# Needs: openjdk-17-jdk-headless aapt zipalign apksigner, and reference/fetch-sdk.sh run once.
# Usage: build-apk.sh [OUT.apk]   (default: auditor/reference/data/reference.apk, committed and shipped)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:-$HERE/../auditor/reference/data/reference.apk}"
JDK="${JDK:-/usr/lib/jvm/java-17-openjdk-amd64}"
SDK="${SDK:-$HERE/.android-sdk/usr/share/java}"
ANDROID_JAR="$SDK/com.android.android-23.jar"
DX_JAR="$SDK/com.android.dx.jar"
KEYSTORE="$HERE/test-only-keystore.p12"      # TEST-ONLY signing key: its password is in this file on purpose
export LC_ALL=C TZ=UTC SOURCE_DATE_EPOCH=1767225600
PATH="$JDK/bin:$PATH"

[ -f "$DX_JAR" ] && [ -f "$ANDROID_JAR" ] || { echo "build-apk: run reference/fetch-sdk.sh first" >&2; exit 2; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{platform,classes,dex}

# 1. The platform stand-ins serve only as the compile-time API (signatures); they are not packaged.
(cd "$HERE" && find platform -name '*.java' | sort) > "$work/platform.list"
(cd "$HERE" && javac --release 17 -encoding UTF-8 -nowarn -d "$work/platform" @"$work/platform.list")
# 2. The app and its SDKs: Java 8 bytecode without lambdas, which dx 10 at min-sdk 23 accepts.
(cd "$HERE" && find app -name '*.java' | sort) > "$work/app.list"
(cd "$HERE" && javac --release 8 -encoding UTF-8 -nowarn -g:none -cp "$work/platform" -d "$work/classes" @"$work/app.list")
# 3. Dex.
java -Xmx512m -cp "$DX_JAR" com.android.dx.command.Main --dex --min-sdk-version=23 \
     --output="$work/dex/classes.dex" "$work/classes"
# 4. Binary manifest + resources, then classes.dex at the root of the archive.
aapt package -f -M "$HERE/AndroidManifest.xml" -S "$HERE/res" -I "$ANDROID_JAR" -F "$work/unaligned.apk"
(cd "$work/dex" && aapt add -k "$work/unaligned.apk" classes.dex >/dev/null)
# 5. Align, sign (v1+v2+v3), verify.
zipalign -f -p 4 "$work/unaligned.apk" "$work/aligned.apk"
apksigner sign --ks "$KEYSTORE" --ks-pass pass:reference-test-only --ks-key-alias reference-test \
          --min-sdk-version 23 --out "$work/signed.apk" "$work/aligned.apk"
apksigner verify "$work/signed.apk"
mkdir -p "$(dirname "$OUT")"
mv "$work/signed.apk" "$OUT"
sha256sum "$OUT"
