#!/usr/bin/env bash
# Fetch exact versions of Debian packages of any release and architecture and unpack them into a folder,
# without touching the system's apt sources or its dpkg architectures: a private apt state directory, the same
# Debian mirror the system already uses, signatures checked by apt against the Debian archive keyring, .debs
# unpacked with dpkg-deb -x (nothing is installed). Each .deb's SHA-256 is printed.
# Usage: debian-fetch.sh RELEASE ARCH DEST PACKAGE=VERSION...
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: debian-fetch.sh RELEASE ARCH DEST PACKAGE=VERSION..." >&2; exit 2; }
release="$1"; arch="$2"; dest="$3"; shift 3

# The mirror the system already trusts for its own release (never a host name written here).
mirror="$(apt-get indextargets --format '$(SITE) $(RELEASE)' 2>/dev/null \
          | awk '$2 ~ /^(bookworm|bullseye|trixie)$/ {print $1; exit}')"
[ -n "$mirror" ] || { echo "debian-fetch: no Debian mirror found in the system's apt sources" >&2; exit 2; }

work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{lists/partial,archives/partial}
echo "deb [arch=$arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $release main" \
    > "$work/sources.list"
apt_opts=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
          -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work" -o Dir::Cache::archives="$work/archives"
          -o Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false
          -o Acquire::Languages=none -o APT::Architecture="$arch" -o APT::Architectures="$arch"
          -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" -qq update
(cd "$work" && apt-get "${apt_opts[@]}" -qq download "$@")
mkdir -p "$dest"
for deb in "$work"/*.deb; do
    sha256sum "$deb" | sed "s|$work/||"
    dpkg-deb -x "$deb" "$dest"
done
