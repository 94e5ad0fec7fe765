"""Split APKs and bundles (.apks/.xapk/.apkm): the base is found, splits contribute code and native
libraries, and a hostile APK inside a bundle is named by its place in the bundle."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from auditor.errors import InputError
from auditor.static.scan import scan_apk
from tests.static.conftest import REAL_APKS, scanned, short_calls

A2DP = REAL_APKS / "a2dp.Vol_137.apk"
NATIVE = b"\x7fELF" + bytes(range(256)) * 4


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def _config_split() -> bytes:
    with zipfile.ZipFile(A2DP) as apk:
        manifest = apk.read("AndroidManifest.xml")
    return _zip([("AndroidManifest.xml", manifest), ("lib/arm64-v8a/libdemo.so", NATIVE)])


@pytest.mark.parametrize("suffix", [".apks", ".apkm"])
def test_bundle_with_base_and_config_split(tmp_path: Path, suffix: str) -> None:
    bundle = tmp_path / f"a2dp{suffix}"
    split = _config_split()
    bundle.write_bytes(_zip([("toc.pb", b"\x08\x01"), ("split_config.arm64_v8a.apk", split),
                             ("base.apk", A2DP.read_bytes())]))
    report = scan_apk(bundle)
    single = scanned(A2DP)
    assert report["input"]["kind"] == "bundle"
    assert [a["file_name"] for a in report["input"]["apks"]] == ["base.apk", "split_config.arm64_v8a.apk"]
    assert report["input"]["apks"][0]["sha256"] == single["input"]["sha256"]
    assert report["package"] == "a2dp.Vol"
    assert short_calls(report) == short_calls(single)
    assert {c["dex"] for c in report["api_calls"]} == {"base.apk!classes.dex"}
    assert report["native_libraries"] == [{"name": "libdemo.so", "abi": "arm64-v8a", "path": "lib/arm64-v8a/libdemo.so",
                                           "size": len(NATIVE), "sha256": hashlib.sha256(NATIVE).hexdigest(),
                                           "apk": "split_config.arm64_v8a.apk"}]


def test_xapk_with_obb_and_manifest_json(tmp_path: Path) -> None:
    bundle = tmp_path / "a2dp.xapk"
    bundle.write_bytes(_zip([("manifest.json", b'{"package_name": "a2dp.Vol"}'), ("a2dp.Vol.apk", A2DP.read_bytes()),
                             ("Android/obb/a2dp.Vol/main.137.a2dp.Vol.obb", bytes(1000))]))
    report = scan_apk(bundle)
    assert [a["file_name"] for a in report["input"]["apks"]] == ["a2dp.Vol.apk"]
    assert short_calls(report) == short_calls(scanned(A2DP))


def test_hostile_apk_inside_a_bundle_is_named_by_its_place(tmp_path: Path) -> None:
    bundle = tmp_path / "evil.apks"
    bundle.write_bytes(_zip([("base.apk", A2DP.read_bytes()), ("split_x.apk", b"PK\x03\x04 not really a zip")]))
    with pytest.raises(InputError) as caught:
        scan_apk(bundle)
    assert str(caught.value) == f"{bundle}!split_x.apk: truncated or corrupt zip: no end-of-central-directory record"


def test_bundle_whose_apk_has_no_manifest(tmp_path: Path) -> None:
    bundle = tmp_path / "odd.apks"
    bundle.write_bytes(_zip([("base.apk", _zip([("classes.dex", b"dex\n035\0")]))]))
    with pytest.raises(InputError) as caught:
        scan_apk(bundle)
    assert str(caught.value) == f"{bundle}!base.apk: not an APK: the zip has no AndroidManifest.xml"


def test_base_and_split_files_pulled_from_a_phone_are_one_app_in_the_case(tmp_path: Path) -> None:
    from auditor.case.bundle import Case
    from auditor.case.ledger_check import read_records
    from auditor.static.store import store_apk_scan

    base, split = tmp_path / "base.apk", tmp_path / "split_config.arm64_v8a.apk"
    base.write_bytes(A2DP.read_bytes())
    split.write_bytes(_config_split())
    case = Case.create(tmp_path / "case", operator="tester")
    report = store_apk_scan(case, [base, split])
    assert report["input"]["kind"] == "splits"
    assert [n["apk"] for n in report["native_libraries"]] == ["split_config.arm64_v8a.apk"]
    assert short_calls(report) == short_calls(scanned(A2DP))
    records = list(read_records(case.ledger_path))
    assert [r["kind"] for r in records] == ["case.created", "static.apk", "static.apk", "static.scan", "case.updated"]
    hashes = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (base, split)]
    assert [r["body"]["file_name"] for r in records[1:3]] == ["base.apk", "split_config.arm64_v8a.apk"]
    assert records[3]["body"]["apk_sha256"] == hashes
    assert Case.open(case.root).info["app"]["apk_sha256"] == hashes
