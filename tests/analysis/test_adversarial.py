"""An adversarial case: planted and device values hidden in every encoding DESIGN §5 lists, plus decoys and
a decompression bomb. Each encoding goes to its own host so each finding names exactly one technique."""

import base64
import gzip
import hashlib
import json
import zlib
from urllib.parse import quote

import brotli
import pytest
import zstandard

from auditor.analyze.run import analyze
from auditor.case.bundle import Case
from tests.analysis.builders import add_flow, attestation
from tests.analysis.conftest import load

CLIP = 'Canary "clip" \u2713 7Q2X-LKJH'
EMAIL = "auditor.persona+7q2x@example.org"
DEVICE_NAME = "Kid's Pixel >>?7q2x"
AAID = "3f9c2b1e-8d4a-4e6f-9b0c-1d2e3f4a5b6c"
ANDROID_ID = "a1b2c3d4e5f60718"
IMEI = "490154203237518"
START = "2026-11-20T10:00:00.000000Z"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def protobuf_string(field: int, value: bytes) -> bytes:
    return bytes([field << 3 | 2, len(value)]) + value


def multipart(boundary: str, name: str, value: str) -> bytes:
    return (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            f"--{boundary}--\r\n").encode()


FLOWS = [
    # (host label, url suffix, body, headers)
    ("gzip-json", "/", gzip.compress(json.dumps({"c": CLIP}).encode()),
     [["Content-Encoding", "gzip"], ["Content-Type", "application/json"]]),
    ("deflate-form", "/", zlib.compress(f"a=1&aid={ANDROID_ID}".encode()),
     [["Content-Encoding", "deflate"], ["Content-Type", "application/x-www-form-urlencoded"]]),
    ("br-multipart", "/", brotli.compress(multipart("XyZ", "mail", EMAIL)),
     [["Content-Encoding", "br"], ["Content-Type", "multipart/form-data; boundary=XyZ"]]),
    ("zstd-protobuf", "/", zstandard.ZstdCompressor().compress(protobuf_string(1, AAID.encode()) + b"\x10\x05"),
     [["Content-Encoding", "zstd"], ["Content-Type", "application/x-protobuf"]]),
    ("nested-base64", "/", json.dumps({"d": b64(json.dumps({"x": b64(IMEI.encode())}).encode())}).encode(),
     [["Content-Type", "application/json"]]),
    ("urlencoded-twice", "/q?p=" + quote(quote(EMAIL, safe=""), safe=""), None, []),
    ("hashes", "/", None, [["X-Hash", hashlib.md5(EMAIL.lower().encode()).hexdigest()],
                           ["Cookie", "u=" + hashlib.sha256(AAID.upper().encode()).hexdigest().upper()],
                           ["X-Dev", hashlib.sha1(ANDROID_ID.encode()).hexdigest()]]),
    ("hex", "/", json.dumps({"h": CLIP.encode().hex()}).encode(), [["Content-Type", "application/json"]]),
    ("base64url-path", "/u/" + base64.urlsafe_b64encode(DEVICE_NAME.encode()).decode().rstrip("="), None, []),
    ("coords-rounded", "/", b"lat=52.3789&lng=4.8958&z=1", [["Content-Type", "application/x-www-form-urlencoded"]]),
    ("coords-truncated-swapped", "/", b"pos:4.895,52.378;", [["Content-Type", "text/plain"]]),
    ("coords-e6", "/", json.dumps({"la": 52378916, "lo": 4895768}).encode(), [["Content-Type", "application/json"]]),
    ("case-folded", "/t?id=" + AAID.upper(), None, []),
    ("decoy-coords", "/", b"v=152.3789&w=0.4.8958&x=52378916000", [["Content-Type", "text/plain"]]),
    ("bomb", "/", gzip.compress(b"\0" * (12 << 20)), [["Content-Encoding", "gzip"]]),
]


@pytest.fixture(scope="module")
def adversarial(tmp_path_factory):
    root = tmp_path_factory.mktemp("adv") / "case"
    case = Case.create(root, operator="test")
    case.set_section("planted", [{"what": "clipboard", "value": CLIP}, {"what": "email", "value": EMAIL},
                                 {"what": "device_name", "value": DEVICE_NAME},
                                 {"what": "location", "value": "52.378916,4.895768"}])
    case.set_section("device", attestation(advertising_id=AAID, android_id=ANDROID_ID, imei=IMEI))
    with case.ledger(fsync_interval=0) as ledger:
        for port, (label, suffix, body, headers) in enumerate(FLOWS, start=41000):
            add_flow(case, ledger, f"https://{label}.adversary.test{suffix}", body, headers=headers,
                     server_ip=None, client_port=port, start=START)
        add_flow(case, ledger, f"http://cleartext.adversary.test/p?aid={ANDROID_ID}", None, start=START)
    analyze(root)
    return root


def found(root) -> dict[str, set]:
    out: dict[str, set] = {}
    for finding in load(root, "findings"):
        if finding["type"] != "personal_data_transmitted":
            continue
        host = finding["recipient"]["host"].split(".")[0]
        for evidence in finding["evidence"]["shown"]:
            out.setdefault(host, set()).update((v["what"], v["form"]) for v in evidence["values"])
    return out


def test_every_encoding_is_found(adversarial):
    assert found(adversarial) == {
        "gzip-json": {("clipboard", "raw"), ("clipboard", "json-escaped")},
        "deflate-form": {("android_id", "raw")},
        "br-multipart": {("email", "raw")},
        "zstd-protobuf": {("advertising_id", "raw")},
        "nested-base64": {("imei", "raw"), ("imei", "base64")},
        "urlencoded-twice": {("email", "urlencoded-twice"), ("email", "urlencoded"), ("email", "raw")},
        "hashes": {("email", "md5(raw|lower|trimmed)"), ("advertising_id", "sha256(upper)"),
                   ("android_id", "sha1(raw|lower|trimmed)")},
        "hex": {("clipboard", "hex")},
        "base64url-path": {("device_name", "base64url-unpadded")},
        # planted forms, plus the same values recognised by their field names lat / lng
        "coords-rounded": {("latitude", "rounded-4"), ("longitude", "rounded-4"), ("latitude", "raw"),
                           ("longitude", "raw")},
        "coords-truncated-swapped": {("latitude", "truncated-3"), ("longitude", "truncated-3")},
        "coords-e6": {("latitude", "e6"), ("longitude", "e6")},
        "case-folded": {("advertising_id", "case-folded")},
        "cleartext": {("android_id", "raw")},
    }


def test_categories_types_and_bounds(adversarial):
    findings = load(adversarial, "findings")
    kinds = sorted((f["type"], f["recipient"]["host"].split(".")[0]) for f in findings
                   if f["type"] in ("clipboard_transmitted", "cleartext_personal_data"))
    assert kinds == [("cleartext_personal_data", "cleartext"), ("clipboard_transmitted", "gzip-json"),
                     ("clipboard_transmitted", "hex")]
    assert {f["confidence"] for f in findings if f["type"] == "personal_data_transmitted"} == {"high"}
    assert all(f["destination"]["ip"] is None for f in findings)
    verdicts = {v["rule_id"] for v in load(adversarial, "verdicts")}
    # identifiers reach recipients other than the first party with no consent mark in the case; the planted
    # location truncated to 3 decimals is an approximate location
    assert verdicts == {"clipboard-content-transmitted", "precise-location", "personal-data-in-cleartext",
                        "identifiers-before-consent", "approximate-location"}


def test_bomb_is_capped_and_noted(adversarial):
    from auditor.analyze.decode import Decoder
    bomb = gzip.compress(b"\0" * (12 << 20))
    decoder = Decoder()
    decoder.body(bomb, "", ["gzip"], "body")
    assert decoder.decoded.notes == [f"gzip: output capped at {len(bomb) * 200} bytes"]
    assert len(decoder.decoded.segments[0][1]) == len(bomb) * 200
    found = [(f["type"], e.get("decoding_notes")) for f in load(adversarial, "findings")
             for e in f["evidence"]["shown"] if f["recipient"] and f["recipient"]["host"].startswith("bomb.")]
    # the bomb carried no personal data: its recipient is a finding all the same, with the cap noted (no crash)
    assert found == [("recipient_contacted", [f"gzip: output capped at {len(bomb) * 200} bytes"])]


def test_malformed_flow_events_do_not_stop_the_analysis(tmp_path):
    case = Case.create(tmp_path / "case", operator="test")
    case.set_section("device", attestation(android_id=ANDROID_ID))
    with case.ledger(fsync_interval=0) as ledger:
        ledger.append("proxy", "proxy.flow", {"request": "not an object"})
        ledger.append("proxy", "proxy.flow", {"request": {"host": "x" * 300}})
        ledger.append("proxy", "proxy.flow", {"tls": 5, "server": [], "request": {
            "host": "odd.adversary.test", "scheme": "https", "path": f"/?a={ANDROID_ID}", "headers": {"a": "b"},
            "body_sha256": "../../etc/passwd"}, "timestamps": {"start": "yesterday"}})
        ledger.append("proxy", "proxy.flow", {"request": {"host": "odd2.adversary.test", "scheme": "https",
                                                          "path": "/", "headers": [["X-Id", ANDROID_ID], [1, 2],
                                                                                   "junk"],
                                                          "body_sha256": "ab" * 32}})
    result = analyze(case.root)
    assert result.flows == 2
    sent = [(f["recipient"]["host"], [v["location"] for e in f["evidence"]["shown"] for v in e["values"]],
             [n for e in f["evidence"]["shown"] for n in e.get("decoding_notes", [])])
            for f in load(case.root, "findings") if f["type"] == "personal_data_transmitted"]
    missing = "request body artifact {!r} is not in the artifact store"
    assert sorted(sent) == [("odd.adversary.test", ["query.a", "url"], [missing.format("../../etc/passwd")]),
                            ("odd2.adversary.test", ["header.x-id"], [missing.format("ab" * 32)])]
