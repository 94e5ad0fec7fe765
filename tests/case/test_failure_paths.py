"""A bad day for the case (#18): a full disk mid-write, a read-only case, links planted to lead writes out of
it, a seal that is refused or fails. Each ends in a clear error and a case that is intact or repairable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.case.bundle import Case
from auditor.case.ledger_check import read_records, scan_ledger
from auditor.case.seal import verify_case
from tests.case.mounts import fill, read_only, small_disk


def snapshot(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*"))
            if path.is_file() and not path.is_symlink()}


def kinds(case: Path) -> list[str]:
    return [record["kind"] for record in read_records(case / "ledger.jsonl")]


def test_a_full_disk_mid_mark_leaves_a_torn_line_that_repair_cuts_off_and_keeps(run, tmp_path: Path) -> None:
    """ENOSPC from a real 256 KiB tmpfs filled up, not a simulated one."""
    with small_disk(tmp_path / "disk", "256k") as disk:
        case = disk / "case"
        run("case", "new", str(case))
        intact = (case / "ledger.jsonl").read_bytes()
        filler = fill(disk)
        code, _, err = run("mark", str(case), "x" * 8000)
        assert code == 2
        assert err == f"error: {case / 'ledger.jsonl'}: No space left on device\n"
        torn = (case / "ledger.jsonl").read_bytes()[len(intact):]
        assert torn and not torn.endswith(b"\n")            # the line the disk cut short
        filler.unlink()

        code, _, err = run("mark", str(case), "after")
        assert code == 2 and "ends with an incomplete line" in err and "auditor case repair" in err
        code, out, _ = run("case", "repair", str(case), "--json")
        assert code == 0
        repaired = json.loads(out)["repaired"]
        assert repaired["offset"] == len(intact) and repaired["size"] == len(torn) and repaired["seq"] == 2
        assert Case.open(case).artifacts.read_bytes(repaired["sha256"], 1 << 20) == torn
        [event] = [r for r in read_records(case / "ledger.jsonl") if r["kind"] == "case.repaired"]
        assert event["body"]["bytes"] == len(torn) and event["artifact"] == repaired["sha256"]
        assert run("case", "repair", str(case))[1] == "the ledger ends intact: nothing to repair\n"

        assert run("mark", str(case), "after")[0] == 0
        assert run("seal", str(case))[0] == 0
        assert kinds(case) == ["case.created", "case.repaired", "operator.note", "case.updated", "case.sealing"]
        result = verify_case(case)
        assert result.ok, result.problems


def test_repair_touches_nothing_but_a_torn_last_line(run, tmp_path: Path) -> None:
    case = tmp_path / "case"
    run("case", "new", str(case))
    run("mark", str(case), "one")
    ledger = case / "ledger.jsonl"
    ledger.write_bytes(ledger.read_bytes().replace(b'"one"', b'"two"'))
    before = snapshot(case)
    code, _, err = run("case", "repair", str(case))
    assert code == 2
    assert err == (f"error: {ledger}: has 1 problem(s) besides or other than a torn last line; repair only cuts "
                   "a torn last line: run 'auditor verify' for what is wrong\n")
    assert snapshot(case) == before


def test_a_read_only_case_is_a_clear_error_and_nothing_is_written(run, tmp_path: Path) -> None:
    case = tmp_path / "case"
    run("case", "new", str(case))
    run("mark", str(case), "one")
    before = snapshot(case)
    with read_only(case):
        code, _, err = run("analyze", str(case))
        assert (code, err) == (2, f"error: {case}: the case is read-only (or not writable by this user): "
                                  "analysis/ cannot be written; nothing was changed\n")
        code, _, err = run("mark", str(case), "two")
        assert (code, err) == (2, f"error: {case / 'ledger.jsonl'}: Read-only file system\n")
        code, _, err = run("seal", str(case))
        assert code == 2 and err.endswith(f"error: {case / 'ledger.jsonl'}: Read-only file system\n")
    assert snapshot(case) == before


@pytest.mark.parametrize("link", ["analysis", "analysis/verdicts.json"])
def test_a_planted_link_never_makes_analyze_write_outside_the_case(run, tmp_path: Path, link: str) -> None:
    case, outside = tmp_path / "case", tmp_path / "outside"
    run("case", "new", str(case))
    outside.mkdir()
    (case / "analysis").mkdir()
    target = outside / ("verdicts.json" if "/" in link else "")
    if "/" in link:
        target.write_text("not yours")
    (case / link).rmdir() if (case / link).is_dir() else None
    (case / link).symlink_to(target)
    code, _, err = run("analyze", str(case))
    assert code == 2
    assert err.startswith(f"error: {case / link}: is a symbolic link (to {target}): auditor does not write "
                          "through a link")
    assert [p.name for p in outside.iterdir()] == (["verdicts.json"] if "/" in link else [])
    assert "/" not in link or target.read_text() == "not yours"


def test_a_link_planted_where_the_case_writes_refuses_every_writer(run, tmp_path: Path) -> None:
    case, outside = tmp_path / "case", tmp_path / "outside"
    run("case", "new", str(case))
    outside.mkdir()
    (case / "artifacts" / ".incoming").symlink_to(outside)
    for command in (("mark", str(case), "x"), ("seal", str(case)), ("case", "repair", str(case))):
        code, _, err = run(*command)
        assert (code, err.split(": is a")[0]) == (2, f"error: {case / 'artifacts' / '.incoming'}"), command
    assert list(outside.iterdir()) == []


def test_a_refused_seal_writes_nothing_and_a_failed_one_is_on_record(run, tmp_path: Path) -> None:
    case = tmp_path / "case"
    run("case", "new", str(case))
    (case / "stray").symlink_to(tmp_path)
    before = snapshot(case)
    code, _, err = run("seal", str(case))
    assert code == 2 and err.endswith(f"error: {case}: contains symbolic links, which a seal cannot cover: stray\n")
    assert snapshot(case) == before
    (case / "stray").unlink()

    key_dir = tmp_path / "keydir"
    key_dir.mkdir()
    code, _, err = run("seal", str(case), "--key", str(key_dir))
    assert code == 2 and f"Invalid value for '--key': File '{key_dir}' is a directory." in err
    assert snapshot(case) == before

    code, _, err = run("seal", str(case), "--tsa", "http://127.0.0.1:9/tsr")
    assert code == 2 and "the timestamp authority could not be reached" in err
    assert not (case / "seal.json").exists()
    assert kinds(case)[-2:] == ["case.sealing", "case.sealing_failed"]
    assert verify_case(case).ok                 # a sealing that failed on record: no seal is claimed
    assert run("seal", str(case))[0] == 0
    assert kinds(case)[-1] == "case.sealing" and verify_case(case).ok
    assert scan_ledger(case / "ledger.jsonl").problem_count == 0


def test_random_bytes_as_mmdb_are_a_clear_error_and_analyze_writes_nothing(run, tmp_path: Path) -> None:
    case, mmdb = tmp_path / "case", tmp_path / "random.mmdb"
    run("case", "new", str(case))
    mmdb.write_bytes(bytes(range(256)) * 16)
    before = snapshot(case)
    code, _, err = run("analyze", str(case), "--mmdb", str(mmdb))
    assert (code, err) == (2, f"error: {mmdb}: not a MaxMind-format database (Error opening database file "
                              f"({mmdb}). Is this a valid MaxMind DB file?)\n")
    assert snapshot(case) == before and not (case / "analysis").exists()


def test_a_full_disk_refuses_seal_before_it_changes_anything(run, tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", "256k") as disk:
        case = disk / "case"
        run("case", "new", str(case))
        filler = fill(disk)
        before = snapshot(case)
        code, _, err = run("seal", str(case))
        assert code == 2
        assert err.endswith(f"error: {case / 'case.json'}: No space left on device\n")
        filler.unlink()
        assert snapshot(case) == before and not (case / ".case.json.tmp").exists()
        assert run("seal", str(case))[0] == 0 and verify_case(case).ok
