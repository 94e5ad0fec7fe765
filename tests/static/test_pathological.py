"""Small APKs built to make the scan run for hours or take the machine's memory (#18), and inputs that are not
files: each is refused with exit 2 and one line naming it, within a time and a peak RSS read from the scanning
process itself (VmHWM, tests/peak.py), and `--case` keeps the case intact and verifiable."""

from __future__ import annotations

import os
import stat
import struct
import subprocess
import threading
import time
import zipfile
from pathlib import Path

import pytest

from auditor.case.bundle import Case
from auditor.case.ledger_check import read_records
from auditor.case.seal import verify_case
from auditor.static import budget
from auditor.static.axml_bounds import MAX_ATTRIBUTE_TEXT, MAX_DEPTH
from auditor.static.scan import MAX_DEX_FILES, scan_apk
from tests.peak import measured_argv, peak_bytes
from tests.static.conftest import ROOT
from tests.static.dexbuilder import Cls, Meth, build_dex

PEAK_RSS = 400 * 2**20
SECONDS = 20.0
NO_INDEX = 0xFFFFFFFF


def string_pool(strings: list[str]) -> bytes:
    """A UTF-16 string pool chunk (lengths over 32767 in the two-word form)."""
    body, offsets = b"", []
    for text in strings:
        offsets.append(len(body))
        units = len(text)
        prefix = (struct.pack("<HH", 0x8000 | units >> 16, units & 0xFFFF) if units > 0x7FFF
                  else struct.pack("<H", units))
        body += prefix + text.encode("utf-16-le") + b"\0\0"
    body += b"\0" * (-len(body) % 4)
    start = 28 + 4 * len(strings)
    return struct.pack("<HHIIIIII", 0x0001, 28, start + len(body), len(strings), 0, 0, start, 0) + \
        struct.pack(f"<{len(strings)}I", *offsets) + body


def start_tag(name: int, attributes: list[tuple[int, int]]) -> bytes:
    attrs = b"".join(struct.pack("<IIIHBBI", NO_INDEX, key, value, 8, 0, 0x03, value) for key, value in attributes)
    return struct.pack("<HHIIIIIHHHHHH", 0x0102, 16, 36 + len(attrs), 1, NO_INDEX, NO_INDEX, name, 20, 20,
                       len(attributes), 0, 0, 0) + attrs


def end_tag(name: int) -> bytes:
    return struct.pack("<HHIIIII", 0x0103, 16, 24, 1, NO_INDEX, NO_INDEX, name)


def axml(strings: list[str], body: bytes) -> bytes:
    chunks = string_pool(strings) + body
    return struct.pack("<HHI", 0x0003, 8, 8 + len(chunks)) + chunks


def apk(path: Path, manifest: bytes, dexes: int = 1) -> Path:
    dex = build_dex([Cls("Lp/A;", methods=[Meth("run", "()V")])])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("AndroidManifest.xml", manifest)
        for index in range(dexes):
            archive.writestr(f"classes{index + 1 if index else ''}.dex", dex)
    return path


def plain_manifest() -> bytes:
    # strings: 0 manifest, 1 package, 2 p
    return axml(["manifest", "package", "p"], start_tag(0, [(1, 2)]) + end_tag(0))


def nested_manifest(depth: int) -> bytes:
    # 200,000 nested <a> inside <manifest package="p">: 42 KB deflated
    return axml(["manifest", "package", "p", "a"],
                start_tag(0, [(1, 2)]) + start_tag(3, []) * depth + end_tag(3) * depth + end_tag(0))


def wide_manifest(attributes: int, size: int) -> bytes:
    # 65,535 attributes whose value is one 1 MB string
    return axml(["manifest", "package", "p", "x" * size], start_tag(0, [(1, 2)] + [(1, 3)] * (attributes - 1))
                + end_tag(0))


def scan_measured(*args: str, stdin: int | None = None) -> tuple[int, str, float, int]:
    """Exit code, stderr, seconds and peak RSS (bytes) of `auditor apk scan ARGS` in a process of its own."""
    start = time.monotonic()
    argv, env, peak_file = measured_argv("auditor", "apk", "scan", *args)
    process = subprocess.Popen(argv, cwd=ROOT, text=True, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=stdin)
    timer = threading.Timer(SECONDS * 3, process.kill)
    timer.start()
    err = process.stderr.read()
    process.wait()
    timer.cancel()
    return process.returncode, err, time.monotonic() - start, peak_bytes(peak_file)


@pytest.mark.parametrize("name, build, message", [
    ("nested.apk", lambda: nested_manifest(200_000),
     f"refused: binary manifest elements nested more than {MAX_DEPTH} deep"),
    ("wide.apk", lambda: wide_manifest(65_535, 1 << 20),
     f"refused: binary manifest attributes refer to more than {MAX_ATTRIBUTE_TEXT} characters of strings in total"),
])
def test_a_pathological_manifest_is_refused_fast_naming_the_file(tmp_path: Path, name: str, build, message: str
                                                                  ) -> None:  # type: ignore[no-untyped-def]
    path = apk(tmp_path / name, build())
    assert path.stat().st_size < 64 * 1024
    code, err, seconds, peak = scan_measured(str(path))
    assert (code, err) == (2, f"error: {path}!AndroidManifest.xml: {message}\n")
    print(f"{name}: {path.stat().st_size} bytes, {seconds:.2f} s, peak RSS {peak / 2**20:.0f} MiB")
    assert seconds < SECONDS and peak < PEAK_RSS


def test_ten_thousand_dex_entries_are_refused_before_any_is_read(tmp_path: Path) -> None:
    path = apk(tmp_path / "dexes.apk", plain_manifest(), dexes=10_000)
    code, err, seconds, peak = scan_measured(str(path))
    assert (code, err) == (2, f"error: {path}: refused: 10000 dex files, more than {MAX_DEX_FILES}\n")
    print(f"dexes.apk: {path.stat().st_size} bytes, {seconds:.2f} s, peak RSS {peak / 2**20:.0f} MiB")
    assert seconds < SECONDS and peak < PEAK_RSS


def test_the_parse_budget_stops_a_parse_that_runs_too_long_naming_the_file(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = apk(tmp_path / "slow.apk", wide_manifest(15, 1 << 20))    # within every bound, but not instant
    monkeypatch.setattr(budget, "CHECK_INTERVAL", 0.01)
    monkeypatch.setattr(budget, "WALL_CLOCK", 0.0)
    with pytest.raises(Exception) as raised:
        scan_apk(path)
    assert str(raised.value) == f"{path}: refused: parsing took more than 0 s (a pathological file?)"
    monkeypatch.setattr(budget, "WALL_CLOCK", 600.0)
    monkeypatch.setattr(budget, "MEMORY_BYTES", -1)
    with pytest.raises(Exception) as raised:
        scan_apk(path)
    assert str(raised.value) == f"{path}: refused: parsing took more than -1 bytes of memory (a pathological file?)"


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_fifo_or_device_is_refused_before_reading_and_the_case_is_untouched(tmp_path: Path, kind: str) -> None:
    case = Case.create(tmp_path / "case", operator="static")
    if kind == "fifo":
        path = tmp_path / "app.apk"
        os.mkfifo(path)
        assert stat.S_ISFIFO(path.stat().st_mode)
    else:
        path = Path("/dev/zero")
    before = (case.root / "ledger.jsonl").read_bytes()
    for args in ((str(path),), (str(path), "--case", str(case.root))):
        code, err, seconds, peak = scan_measured(*args)
        assert (code, err) == (2, f"error: {path}: not a regular file (a FIFO, device or directory is refused "
                                  "before reading)\n")
        assert seconds < SECONDS and peak < PEAK_RSS
    assert (case.root / "ledger.jsonl").read_bytes() == before
    assert [p for p in (case.root / "artifacts").rglob("*") if p.is_file()] == []
    assert [r["kind"] for r in read_records(case.ledger_path)] == ["case.created"]
    assert verify_case(case.root).ok
