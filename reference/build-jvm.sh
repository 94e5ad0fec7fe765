#!/usr/bin/env bash
# Build the reference app as a JVM program: the app and SDK sources (app/), the Android stand-ins with the
# real class names and signatures (platform/) and the session driver (host/), javac --release 17, packed into a
# reproducible jar (sorted entries, fixed timestamps, a manifest without tool versions).
# Usage: build-jvm.sh [OUT.jar]   (default: auditor/reference/data/reference-app.jar, shipped in the package)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:-$HERE/../auditor/reference/data/reference-app.jar}"
JDK="${JDK:-/usr/lib/jvm/java-17-openjdk-amd64}"
export LC_ALL=C TZ=UTC

work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
(cd "$HERE" && find platform host app -name '*.java' | sort) > "$work/sources"
(cd "$HERE" && "$JDK/bin/javac" --release 17 -encoding UTF-8 -nowarn -d "$work/classes" @"$work/sources")
printf 'Manifest-Version: 1.0\r\nMain-Class: org.auditor.reference.host.Main\r\nCreated-By: reference/build-jvm.sh\r\n\r\n' > "$work/MANIFEST.MF"
mkdir -p "$(dirname "$OUT")"
rm -f "$OUT"
(cd "$work/classes" && find . -type f -name '*.class' | sed 's|^\./||' | sort) > "$work/entries"
(cd "$work/classes" && "$JDK/bin/jar" --create --file "$OUT.tmp" --date=2026-01-01T00:00:00Z \
     --manifest "$work/MANIFEST.MF" @"$work/entries")
mv "$OUT.tmp" "$OUT"
sha256sum "$OUT"
