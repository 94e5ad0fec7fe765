"""Plaintext recovery: a request carrying the output of an encryption the hooks recorded (hook.crypto) is
decoded one layer further, into that encryption's input, so the planted values inside it are found and the
finding's evidence names the crypto event."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from auditor.analyze.plaintext import Plaintexts
from auditor.analyze.run import analyze
from auditor.case.bundle import Case
from auditor.case.ledger_check import read_records
from auditor.contract.findings import RecoveredPlaintext
from tests.analysis.builders import add_flow

KEY, IV = b"k" * 32, b"i" * 16
CLIP = "AUDITOR-CANARY-sealed-clip-51c2"
PLAINTEXT = json.dumps({"openudid": "9a3c1f7e5b2d4e60", "clipboard": CLIP}).encode()
URL = "https://log.snssdk.com/service/2/device_register/?tt_data=a"


def aes_cbc(data: bytes) -> bytes:
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(KEY), modes.CBC(IV)).encryptor()
    return encryptor.update(padder.update(data) + padder.finalize()) + encryptor.finalize()


CIPHERTEXT = aes_cbc(PLAINTEXT)


def crypto_event(case: Case, ledger, plaintext: bytes, ciphertext: bytes, opmode: str = "encrypt") -> int:
    """A hook.crypto event as instrument/operations.py writes it, both sides stored."""
    def side(data: bytes) -> dict:
        return {"sha256": case.artifacts.put_bytes(data), "size": len(data), "kept": len(data), "stored": True}
    body = {"api": "javax.crypto.Cipher.doFinal", "algorithm": "AES/CBC/PKCS5Padding", "opmode": opmode,
            "key_sha256": hashlib.sha256(KEY).hexdigest(), "input": side(plaintext), "output": side(ciphertext),
            "stack": ["javax.crypto.Cipher.doFinal(Native Method)",
                      "com.bytedance.sdk.SecureReporter.encrypt(SecureReporter.java:40)"],
            "thread": "main", "tid": 7, "time": "2026-12-01T10:00:00.000000Z", "pid": 1}
    return ledger.append("hook", "hook.crypto", body, artifact=body["input"]["sha256"])["seq"]


def sealed_case(root: Path, wire: bytes, opmode: str = "encrypt") -> tuple[Case, int]:
    case = Case.create(root, operator="test")
    with case.ledger(fsync_interval=0) as ledger:
        case.set_section("planted", [{"what": "clipboard", "value": CLIP}], ledger)
        seq = crypto_event(case, ledger, PLAINTEXT, CIPHERTEXT, opmode)
        add_flow(case, ledger, URL, wire, headers=[["Content-Type", "application/octet-stream"]],
                 start="2026-12-01T10:00:01Z")
    return case, seq


def clipboard_evidence(case: Case):
    analyze(case.root)
    findings = json.loads((case.root / "analysis" / "findings.json").read_text())["findings"]
    return [f["evidence"]["shown"][0] for f in findings
            if f["type"] == "clipboard_transmitted" and f["data_category"] == "clipboard"]


def test_base64_ciphertext_in_a_body_is_decrypted_and_the_planted_value_found_in_it(tmp_path):
    case, seq = sealed_case(tmp_path / "case", base64.b64encode(CIPHERTEXT))
    [evidence] = clipboard_evidence(case)
    found = {(v["location"], v["value"], v["source"]) for v in evidence["values"] if v["what"] == "clipboard"}
    assert found == {(f"body<base64><plaintext@seq{seq}>", CLIP, "planted"),
                     (f"body<base64><plaintext@seq{seq}>.clipboard", CLIP, "planted")}
    assert evidence["recovered_plaintext"] == [{
        "ledger_seq": seq, "api": "javax.crypto.Cipher.doFinal", "algorithm": "AES/CBC/PKCS5Padding",
        "key_sha256": hashlib.sha256(KEY).hexdigest(), "plaintext_sha256": hashlib.sha256(PLAINTEXT).hexdigest(),
        "ciphertext_sha256": hashlib.sha256(CIPHERTEXT).hexdigest()}]


def test_raw_and_hex_ciphertext_are_joined_too(tmp_path):
    raw, seq = sealed_case(tmp_path / "raw", CIPHERTEXT)
    assert {v["location"] for v in clipboard_evidence(raw)[0]["values"] if v["what"] == "clipboard"} == \
        {f"body<plaintext@seq{seq}>", f"body<plaintext@seq{seq}>.clipboard"}
    hexed, seq = sealed_case(tmp_path / "hex", CIPHERTEXT.hex().encode())
    assert {v["location"] for v in clipboard_evidence(hexed)[0]["values"] if v["what"] == "clipboard"} == \
        {f"body<hex><plaintext@seq{seq}>", f"body<hex><plaintext@seq{seq}>.clipboard"}


def test_without_the_crypto_event_the_ciphertext_hides_the_value(tmp_path):
    case = Case.create(tmp_path / "case", operator="test")
    with case.ledger(fsync_interval=0) as ledger:
        case.set_section("planted", [{"what": "clipboard", "value": CLIP}], ledger)
        add_flow(case, ledger, URL, base64.b64encode(CIPHERTEXT), start="2026-12-01T10:00:01Z")
    assert clipboard_evidence(case) == []


def test_a_decryption_is_not_taken_for_a_request_s_plaintext(tmp_path):
    # the app decrypting a response: its input is the ciphertext, but that is not what a request carried
    case, _ = sealed_case(tmp_path / "case", base64.b64encode(CIPHERTEXT), opmode="decrypt")
    assert clipboard_evidence(case) == []


def test_the_join_picks_the_closest_size_and_rejects_a_distant_one(tmp_path):
    case = Case.create(tmp_path / "case", operator="test")
    other = aes_cbc(PLAINTEXT + b" " * 40)          # contains nothing of CIPHERTEXT: CBC chains from the IV
    with case.ledger(fsync_interval=0) as ledger:
        first = crypto_event(case, ledger, PLAINTEXT, CIPHERTEXT)
        second = crypto_event(case, ledger, PLAINTEXT + b" " * 40, other)
        tiny = crypto_event(case, ledger, b"x", aes_cbc(b"x"))       # 16 bytes: one block, the minimum
    plaintexts = Plaintexts.from_records(case, [r for r in read_records(case.ledger_path)
                                                if r["kind"] == "hook.crypto"])
    assert [op.seq for op in plaintexts.operations] == [first, second, tiny]
    assert plaintexts.find(CIPHERTEXT).seq == first
    assert plaintexts.find(b"head" + other + b"tail").seq == second
    assert len(CIPHERTEXT) == 96
    assert plaintexts.find(CIPHERTEXT[:48]).seq == first          # a part of the output: still that operation
    assert plaintexts.find(b"A" * 200 + CIPHERTEXT) is None       # 96 of 296 bytes: sizes too far apart
    assert plaintexts.find(b"\x00" * 15) is None                   # below one block: never joined
    assert plaintexts.find_hex(other.hex().upper()).seq == second
    assert plaintexts.find_hex("not hex at all, just text") is None
    assert plaintexts.find(CIPHERTEXT).evidence() == RecoveredPlaintext(
        ledger_seq=first, api="javax.crypto.Cipher.doFinal", algorithm="AES/CBC/PKCS5Padding",
        key_sha256=hashlib.sha256(KEY).hexdigest(), plaintext_sha256=hashlib.sha256(PLAINTEXT).hexdigest(),
        ciphertext_sha256=hashlib.sha256(CIPHERTEXT).hexdigest())
