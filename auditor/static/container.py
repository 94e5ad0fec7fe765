"""Open an APK, or a split bundle (.apks/.xapk/.apkm), within bounds before anything parses it.

Every size comes from the zip's central directory and is checked before a byte is decompressed: a
declared size above the caps, a compression ratio only a crafted file reaches, or a total that would not fit
in memory is refused with the entry's name. zipfile never returns more than the declared size and checks
the CRC, so a lying header fails as "corrupt" rather than expanding without bound.
"""

from __future__ import annotations

import hashlib
import io
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from auditor.errors import InputError

MAX_INPUT_BYTES = 2 * 1024**3          # the file on disk (an APK or a bundle)
MAX_ENTRIES = 200_000                 # entries in one zip
MAX_ENTRY_BYTES = 1024**3             # declared uncompressed size of one entry that is read
MAX_READ_BYTES = 3 * 1024**3          # everything decompressed from one input, summed
BOMB_RATIO = 100                      # uncompressed/compressed above this ...
BOMB_MIN_BYTES = 16 * 1024**2         # ... for an entry at least this large is a zip bomb
MAX_SPLITS = 64                       # APKs inside one bundle


@dataclass
class Budget:
    """Bytes still allowed to be decompressed from one input (shared by a bundle and its APKs)."""
    left: int = MAX_READ_BYTES

    def take(self, label: str, size: int) -> None:
        if size > self.left:
            raise InputError(label, f"refused: reading it would decompress more than {MAX_READ_BYTES} bytes "
                                    "in total (zip bomb?)")
        self.left -= size


@dataclass
class ApkFile:
    """One APK (the base or a split), its zip central directory checked."""
    label: str                      # how errors and evidence name it, e.g. "app.apks!base.apk"
    file_name: str
    data: bytes
    sha256: str
    zip: zipfile.ZipFile
    budget: Budget
    entries: dict[str, zipfile.ZipInfo] = field(default_factory=dict)

    def names(self) -> list[str]:
        return list(self.entries)

    def read(self, name: str) -> bytes:
        info = self.entries.get(name)
        if info is None:
            raise InputError(self.label, f"has no entry {name!r}")
        self.budget.take(f"{self.label}!{name}", info.file_size)
        try:
            return self.zip.read(info)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
            raise InputError(f"{self.label}!{name}", f"corrupt zip entry: {exc}") from None


@dataclass
class ApkInput:
    """What the user gave: one APK, or a bundle of a base APK and its splits (base first)."""
    path: Path
    sha256: str
    size: int
    kind: str                       # "apk", "bundle" (one file holding APKs) or "splits" (several files)
    apks: list[ApkFile]

    @property
    def base(self) -> ApkFile:
        return self.apks[0]


def _open_zip(label: str, data: bytes) -> tuple[zipfile.ZipFile, dict[str, zipfile.ZipInfo]]:
    if not data.startswith(b"PK"):
        raise InputError(label, "not an APK: not a zip archive")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputError(label, "truncated or corrupt zip: no end-of-central-directory record") from None
    except (zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise InputError(label, f"corrupt zip: {exc}") from None
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise InputError(label, f"refused: {len(infos)} zip entries, more than {MAX_ENTRIES}")
    total = 0
    entries: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        if info.header_offset + 30 > len(data) or info.compress_size > len(data):
            raise InputError(label, f"truncated or corrupt zip: entry {info.filename!r} lies beyond the end "
                                    "of the file")
        if info.file_size > MAX_ENTRY_BYTES:
            raise InputError(label, f"refused: entry {info.filename!r} declares {info.file_size} bytes, "
                                    f"more than {MAX_ENTRY_BYTES}")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= BOMB_MIN_BYTES and ratio > BOMB_RATIO:
            raise InputError(label, f"zip bomb: entry {info.filename!r} expands {info.compress_size} to "
                                    f"{info.file_size} bytes (ratio {ratio:.0f}:1)")
        total += info.file_size
        entries.setdefault(info.filename, info)   # a duplicate name: the first, as Android's installer
    if total > MAX_READ_BYTES:
        raise InputError(label, f"zip bomb: entries declare {total} bytes in total, more than {MAX_READ_BYTES}")
    return archive, entries


def _apk_file(label: str, file_name: str, data: bytes, budget: Budget) -> ApkFile:
    archive, entries = _open_zip(label, data)
    return ApkFile(label, file_name, data, hashlib.sha256(data).hexdigest(), archive, budget, entries)


def _inner_apk_names(entries: dict[str, zipfile.ZipInfo]) -> list[str]:
    names = [n for n in entries if n.lower().endswith(".apk") and "/" not in n.strip("/")]
    # base.apk first, then the splits in name order: the order is part of byte-identical output
    return sorted(names, key=lambda n: (PurePosixPath(n).name != "base.apk", n))


def regular_file_size(path: Path) -> int:
    """The size of a regular file; a FIFO (which would block), a device (/dev/zero never ends) or a directory
    is refused before a byte is read."""
    try:
        status = path.stat()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from None
    if not stat.S_ISREG(status.st_mode):
        raise InputError(path, "not a regular file (a FIFO, device or directory is refused before reading)")
    return status.st_size


def _read_file(path: Path) -> tuple[bytes, int]:
    size = regular_file_size(path)
    try:
        if size > MAX_INPUT_BYTES:
            raise InputError(path, f"refused: {size} bytes, more than {MAX_INPUT_BYTES}")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from None
    if size == 0:
        raise InputError(path, "not an APK: the file is empty")
    return data, size


def open_input(path: Path) -> ApkInput:
    """Read and check an APK or a bundle; raise InputError naming the file and the problem."""
    path = Path(path)
    data, size = _read_file(path)
    budget = Budget()
    outer = _apk_file(str(path), path.name, data, budget)
    if "AndroidManifest.xml" in outer.entries:
        return ApkInput(path, outer.sha256, size, "apk", [outer])
    inner = _inner_apk_names(outer.entries)
    if not inner:
        raise InputError(path, "not an APK: the zip has no AndroidManifest.xml and holds no .apk files")
    if len(inner) > MAX_SPLITS:
        raise InputError(path, f"refused: {len(inner)} APKs in the bundle, more than {MAX_SPLITS}")
    apks = []
    for name in inner:
        label = f"{path}!{name}"
        apk = _apk_file(label, PurePosixPath(name).name, outer.read(name), budget)
        if "AndroidManifest.xml" not in apk.entries:
            raise InputError(label, "not an APK: the zip has no AndroidManifest.xml")
        apks.append(apk)
    return ApkInput(path, outer.sha256, size, "bundle", apks)


def open_split_files(paths: list[Path]) -> ApkInput:
    """Several APK files of one app (base.apk and split_*.apk as pulled from a phone), checked as one input.

    The input's identity (path, sha256, size) is the first file's; each APK keeps its own hash.
    """
    if len(paths) == 1:
        return open_input(paths[0])
    if len(paths) > MAX_SPLITS:
        raise InputError(paths[0], f"refused: {len(paths)} APK files, more than {MAX_SPLITS}")
    budget = Budget()
    apks = []
    for path in map(Path, paths):
        data, _size = _read_file(path)
        budget.take(str(path), len(data))
        apk = _apk_file(str(path), path.name, data, budget)
        if "AndroidManifest.xml" not in apk.entries:
            raise InputError(path, "not an APK: the zip has no AndroidManifest.xml")
        apks.append(apk)
    if len({apk.file_name for apk in apks}) != len(apks):
        raise InputError(paths[0], "two of the APK files have the same name; splits must be told apart by name")
    first = apks[0]
    return ApkInput(Path(paths[0]), first.sha256, len(first.data), "splits", apks)
