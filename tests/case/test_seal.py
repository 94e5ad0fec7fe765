"""Seal and verify: the tamper matrix, a moved case, signatures and RFC 3161 timestamps."""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from auditor.case import keys
from auditor.case.bundle import Case
from auditor.case.seal import seal_case, verify_case
from auditor.errors import InputError
from tests.case.tsa import LocalTSA, make_ca


@pytest.fixture(autouse=True)
def operator_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("AUDITOR_HOME", str(home))
    return home


def build_case(root: Path, events: int = 6) -> tuple[Case, list[str]]:
    case = Case.create(root, operator="Test Operator", persona="child", scenario="tamper matrix")
    digests = []
    with case.ledger() as ledger:
        for i in range(events):
            digest = case.artifacts.put_bytes(f"flow body {i}".encode())
            digests.append(digest)
            ledger.append("proxy", "proxy.flow", {"i": i}, artifact=digest)
    return case, digests


def codes(root: Path, **kwargs: object) -> list[str]:
    return [p.code for p in verify_case(root, **kwargs).problems]  # type: ignore[arg-type]


@pytest.fixture
def sealed(tmp_path: Path) -> tuple[Case, list[str]]:
    case, digests = build_case(tmp_path / "case")
    key, created = keys.load_or_create()
    assert created
    seal_case(case, key)
    return case, digests


def test_fresh_seal_verifies_and_records_signer(sealed: tuple[Case, list[str]]) -> None:
    case, digests = sealed
    result = verify_case(case.root)
    assert result.ok, result.problems
    key, created = keys.load_or_create()
    assert not created
    assert result.signer == keys.fingerprint(key.public_key())
    seal = json.loads((case.root / "seal.json").read_text())
    # case.json + 6 artifacts; the ledger is covered by its own entry
    assert sorted(seal["payload"]["files"]) == sorted(
        ["case.json"] + [f"artifacts/sha256/{d[:2]}/{d}" for d in digests])
    # case.created, 6 flows, case.updated (ended), case.sealing
    assert seal["payload"]["ledger"]["events"] == result.ledger["events"] == 9
    assert result.notices == ["no trusted timestamp: the sealing time rests on the operator's clock"]


def _lines(case: Case) -> list[bytes]:
    return case.ledger_path.read_bytes().splitlines(keepends=True)


def _set_lines(case: Case, lines: list[bytes]) -> None:
    case.ledger_path.write_bytes(b"".join(lines))


def _flip_byte(path: Path, offset: int = 3) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def _artifact(case: Case, digest: str) -> Path:
    return case.artifacts.path_for(digest)


TAMPERS: dict[str, tuple[Callable[[Case, list[str]], None], list[str]]] = {
    "byte in a ledger line": (
        lambda c, d: _set_lines(c, _lines(c)[:2] + [_lines(c)[2].replace(b'"i":1', b'"i":7')] + _lines(c)[3:]),
        ["ledger.hash_mismatch"]),
    "byte in an artifact": (lambda c, d: _flip_byte(_artifact(c, d[0])),
                            ["artifact.name_mismatch", "file.modified"]),
    "byte in case.json": (lambda c, d: (c.root / "case.json").write_bytes(
        (c.root / "case.json").read_bytes().replace(b"tamper matrix", b"tamper natrix")),
        ["file.modified", "case.json_changed"]),
    "case_id in case.json": (lambda c, d: (c.root / "case.json").write_bytes(
        (c.root / "case.json").read_bytes().replace(c.id.encode(), c.id[::-1].encode())),
        ["seal.other_case", "file.modified", "case.json_changed"]),
    "removed ledger line": (lambda c, d: _set_lines(c, _lines(c)[:3] + _lines(c)[4:]),
                            ["ledger.seq_gap", "ledger.truncated"]),
    "inserted ledger line": (lambda c, d: _set_lines(c, _lines(c)[:3] + [_lines(c)[1]] + _lines(c)[3:]),
                             ["ledger.reordered"]),
    "reordered ledger lines": (lambda c, d: _set_lines(c, _lines(c)[:2] + [_lines(c)[3], _lines(c)[2]]
                                                      + _lines(c)[4:]),
                               ["ledger.seq_gap", "ledger.reordered"]),
    "truncated ledger (whole lines)": (lambda c, d: _set_lines(c, _lines(c)[:-2]),
                                       ["ledger.truncated", "case.json_changed"]),    # its last change cut off
    "truncated ledger (mid-line)": (
        lambda c, d: c.ledger_path.write_bytes(c.ledger_path.read_bytes()[:-40]),
        ["ledger.torn_tail", "ledger.truncated"]),
    "added file": (lambda c, d: (c.root / "artifacts" / "extra.bin").write_bytes(b"planted later"),
                   ["file.added"]),
    "missing file": (lambda c, d: _artifact(c, d[2]).unlink(), ["file.missing", "artifact.missing"]),
    "swapped artifacts": (lambda c, d: shutil.copyfile(_artifact(c, d[1]), _artifact(c, d[0])),
                          ["artifact.name_mismatch", "file.modified"]),
}


@pytest.mark.parametrize("name", sorted(TAMPERS))
def test_each_tampering_is_detected_and_named(sealed: tuple[Case, list[str]], name: str) -> None:
    case, digests = sealed
    tamper, expected = TAMPERS[name]
    tamper(case, digests)
    assert codes(case.root) == expected


def test_problem_names_the_place(sealed: tuple[Case, list[str]]) -> None:
    case, digests = sealed
    _flip_byte(_artifact(case, digests[4]))
    _set_lines(case, _lines(case)[:3] + _lines(case)[4:])
    problems = {p.code: p for p in verify_case(case.root).problems}
    assert problems["file.modified"].where == f"artifacts/sha256/{digests[4][:2]}/{digests[4]}"
    assert problems["ledger.seq_gap"].where.startswith("ledger.jsonl line 4 (byte ")
    assert problems["ledger.seq_gap"].message == "seq 5 follows seq 3: 1 event(s) missing (removed or moved)"


def test_rewritten_but_chaining_ledger_is_detected(sealed: tuple[Case, list[str]]) -> None:
    from auditor.case.ledger import Ledger

    case, _ = sealed
    records = [json.loads(line) for line in _lines(case)]
    case.ledger_path.unlink()
    with Ledger(case.ledger_path) as forger:  # a consistent chain, but not the sealed one
        for record in records:
            forger.append(record["source"], record["kind"], record["body"], record["artifact"])
    assert codes(case.root) == ["ledger.rewritten"]


def test_edited_seal_and_foreign_key(sealed: tuple[Case, list[str]], tmp_path: Path) -> None:
    case, _ = sealed
    seal_path = case.root / "seal.json"
    original = seal_path.read_text()
    seal = json.loads(original)
    seal["payload"]["sealed_at"] = "2020-01-01T00:00:00.000000Z"
    seal_path.write_text(json.dumps(seal))
    assert codes(case.root) == ["seal.bad_signature"]

    other = Ed25519PrivateKey.generate()  # re-signed by someone else: signature valid, signer unexpected
    seal["signature"] = base64.b64encode(other.sign(
        __import__("auditor.case.canonical", fromlist=["x"]).canonical_json(
            {**seal["payload"], "signer": {"algorithm": "ed25519", "public_key": keys.public_key_b64(
                other.public_key()), "fingerprint": keys.fingerprint(other.public_key())}}))).decode()
    seal["payload"]["signer"] = {"algorithm": "ed25519", "public_key": keys.public_key_b64(other.public_key()),
                                 "fingerprint": keys.fingerprint(other.public_key())}
    seal_path.write_text(json.dumps(seal))
    mine = keys.fingerprint(keys.load_or_create()[0].public_key())
    assert codes(case.root) == []
    assert codes(case.root, expect_signer=mine) == ["seal.unexpected_signer"]

    seal_path.write_text("{not json")
    assert codes(case.root) == ["seal.malformed"]


def test_sealed_case_verifies_after_move(sealed: tuple[Case, list[str]], tmp_path: Path) -> None:
    case, _ = sealed
    moved = tmp_path / "elsewhere" / "renamed-case"
    shutil.copytree(case.root, moved)
    shutil.rmtree(case.root)
    assert verify_case(moved).ok


def test_events_after_sealing_are_reported_not_hidden(sealed: tuple[Case, list[str]]) -> None:
    case, _ = sealed
    with pytest.raises(InputError, match="sealed"):
        case.ledger()
    with case.ledger(after_seal=True) as ledger:
        ledger.append("review", "review.status", {"verdict": "v1", "status": "confirmed"})
    result = verify_case(case.root)
    assert result.ok
    assert "1 ledger event(s) were appended after sealing (after seq 9)" in result.notices


def test_unsealed_case_checks_chain_and_artifact_names(tmp_path: Path) -> None:
    case, digests = build_case(tmp_path / "case")
    assert verify_case(case.root).ok
    _flip_byte(_artifact(case, digests[3]))
    assert codes(case.root) == ["artifact.name_mismatch"]


def test_seal_refuses_symlinks_and_double_sealing(tmp_path: Path) -> None:
    case, _ = build_case(tmp_path / "case")
    (case.root / "artifacts" / "link").symlink_to("/etc/hostname")
    key, _ = keys.load_or_create()
    with pytest.raises(InputError, match="symbolic links.*artifacts/link"):
        seal_case(case, key)
    (case.root / "artifacts" / "link").unlink()
    seal_case(case, key)
    with pytest.raises(InputError, match="already sealed"):
        seal_case(case, key)


def test_timestamp_from_a_real_local_tsa(tmp_path: Path) -> None:
    case, _ = build_case(tmp_path / "case")
    key, _ = keys.load_or_create()
    with LocalTSA() as tsa:
        seal = seal_case(case, key, tsa_url=tsa.url)
        assert tsa.requests == 1
        result = verify_case(case.root, tsa_ca_file=tsa.ca_pem)
        assert result.ok, result.problems
        assert result.timestamp is not None and result.timestamp["valid"] and result.timestamp["ca_checked"]
        assert result.timestamp["tsa_subject"] == "CN=Test TSA"
        assert seal["timestamp"]["gen_time"] == result.timestamp["gen_time"]

        make_ca(tmp_path, "Unrelated CA")
        assert codes(case.root, tsa_ca_file=tmp_path / "Unrelated CA.pem") == ["timestamp.invalid"]

        seal_path = case.root / "seal.json"
        stored = json.loads(seal_path.read_text())
        token = bytearray(base64.b64decode(stored["timestamp"]["token"]))
        token[-10] ^= 0x01  # inside the TSA's signature
        stored["timestamp"]["token"] = base64.b64encode(bytes(token)).decode()
        seal_path.write_text(json.dumps(stored))
        problems = verify_case(case.root).problems
        assert [p.code for p in problems] == ["timestamp.invalid"]
        assert problems[0].message == "the TSA's signature on the token is not valid"


def test_timestamp_for_other_content_is_rejected(tmp_path: Path) -> None:
    first, _ = build_case(tmp_path / "a")
    second, _ = build_case(tmp_path / "b")
    key, _ = keys.load_or_create()
    with LocalTSA() as tsa:
        seal_case(first, key, tsa_url=tsa.url)
        seal_case(second, key, tsa_url=tsa.url)
    a = json.loads((first.root / "seal.json").read_text())
    b = json.loads((second.root / "seal.json").read_text())
    b["timestamp"] = a["timestamp"]  # a valid token, but for another seal
    (second.root / "seal.json").write_text(json.dumps(b))
    problems = verify_case(second.root).problems
    assert [p.message for p in problems] == ["the token's message imprint does not match the sealed content"]


def test_unreachable_tsa_is_an_input_error_and_leaves_case_unsealed(tmp_path: Path) -> None:
    case, _ = build_case(tmp_path / "case")
    key, _ = keys.load_or_create()
    with pytest.raises(InputError, match="could not be reached"):
        seal_case(case, key, tsa_url="http://127.0.0.1:9/tsa")
    assert not case.sealed
    assert verify_case(case.root).ok
