"""Hostile inputs, generated here: each gives one clear line naming the file and the problem, exit code 2,
no traceback, within bounded time and memory (the CLI runs under a 768 MiB address-space limit)."""

from __future__ import annotations

import resource
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.static.conftest import REAL_APKS, ROOT

MEMORY_LIMIT = 768 * 2**20
TIME_LIMIT = 30.0
A2DP = REAL_APKS / "a2dp.Vol_137.apk"


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_scan(path: Path) -> tuple[int, str, str]:
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "auditor", "apk", "scan", str(path)], capture_output=True,
                          text=True, timeout=TIME_LIMIT, preexec_fn=_limit_memory, cwd=ROOT)
    assert time.monotonic() - start < TIME_LIMIT
    assert "Traceback" not in done.stderr
    return done.returncode, done.stdout, done.stderr


def a2dp_parts() -> tuple[bytes, bytes]:
    with zipfile.ZipFile(A2DP) as apk:
        return apk.read("AndroidManifest.xml"), apk.read("classes.dex")


def write_zip(path: Path, entries: list[tuple[str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return path


def expect_error(path: Path, message: str) -> None:
    code, out, err = run_scan(path)
    assert (code, out, err) == (2, "", f"error: {message}\n")


def test_truncated_zip(tmp_path: Path) -> None:
    path = tmp_path / "truncated.apk"
    path.write_bytes(A2DP.read_bytes()[:400_000])
    expect_error(path, f"{path}: truncated or corrupt zip: no end-of-central-directory record")


def test_zip_bomb_by_compression_ratio(tmp_path: Path) -> None:
    path = tmp_path / "bomb.apk"
    manifest, _dex = a2dp_parts()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("AndroidManifest.xml", manifest)
        with archive.open("classes.dex", "w", force_zip64=True) as entry:
            zeros = bytes(2**20)
            for _ in range(64):                     # 64 MiB of zeros, about 64 KiB compressed
                entry.write(zeros)
    compressed = zipfile.ZipFile(path).getinfo("classes.dex").compress_size
    ratio = 64 * 2**20 / compressed
    assert ratio > 900
    expect_error(path, f"{path}: zip bomb: entry 'classes.dex' expands {compressed} to {64 * 2**20} bytes "
                       f"(ratio {ratio:.0f}:1)")


def test_entry_that_lies_about_its_size_is_corrupt_not_expanded(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "liar.apk", [("AndroidManifest.xml", bytes(8 * 2**20))])
    data = bytearray(path.read_bytes())
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 1000)     # declared uncompressed size: 1000 bytes
    path.write_bytes(bytes(data))
    expect_error(path, f"{path}!AndroidManifest.xml: corrupt zip entry: Bad CRC-32 for file 'AndroidManifest.xml'")


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("notes.apk", b"just some text, not an APK\n" * 10, "not an APK: not a zip archive"),
    ("empty.apk", b"", "not an APK: the file is empty"),
])
def test_non_apk_files(tmp_path: Path, name: str, content: bytes, problem: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    expect_error(path, f"{path}: {problem}")


def test_zip_that_is_not_an_apk(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "photos.zip", [("a.jpg", b"\xff\xd8\xff" + bytes(100))])
    expect_error(path, f"{path}: not an APK: the zip has no AndroidManifest.xml and holds no .apk files")


def test_malformed_dex(tmp_path: Path) -> None:
    manifest, dex = a2dp_parts()
    truncated = write_zip(tmp_path / "truncated-dex.apk", [("AndroidManifest.xml", manifest),
                                                            ("classes.dex", dex[:5000])])
    expect_error(truncated, f"{truncated}!classes.dex: malformed dex: header declares {len(dex)} bytes, "
                            "the file has 5000 (truncated)")
    wild = bytearray(dex)
    struct.pack_into("<I", wild, 0x58, 100_000_000)        # method_ids_size far beyond the file
    oversized = write_zip(tmp_path / "wild-dex.apk", [("AndroidManifest.xml", manifest), ("classes.dex", bytes(wild))])
    method_ids_off = struct.unpack_from("<I", dex, 0x5C)[0]
    expect_error(oversized, f"{oversized}!classes.dex: malformed dex: method_ids table (100000000 entries at "
                            f"{method_ids_off}) lies outside the file")
    not_dex = write_zip(tmp_path / "not-dex.apk", [("AndroidManifest.xml", manifest), ("classes.dex", b"PK" * 100)])
    expect_error(not_dex, f"{not_dex}!classes.dex: malformed dex: bad magic (not a dex file)")


def test_malformed_binary_manifest(tmp_path: Path) -> None:
    manifest, dex = a2dp_parts()
    for name, bad in (("cut.apk", manifest[:200]), ("garbage.apk", b"\x03\x00\x08\x00" + b"\xff" * 500),
                      ("text.apk", b"<manifest package='x'/>")):
        path = write_zip(tmp_path / name, [("AndroidManifest.xml", bad), ("classes.dex", dex)])
        expect_error(path, f"{path}!AndroidManifest.xml: malformed binary manifest: "
                           "no <manifest> element could be read")


def test_missing_file(tmp_path: Path) -> None:
    expect_error(tmp_path / "absent.apk", f"{tmp_path / 'absent.apk'}: no such file")
