"""The case commands as a user runs them: exit codes, --json, clear errors for hostile case files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from auditor.cli import cli


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        found.append(prefix + (name,))
        if isinstance(command, click.Group):
            found += _all_commands(command, prefix + (name,))
    return found


def test_every_command_has_help(run) -> None:  # type: ignore[no-untyped-def]
    commands = _all_commands(cli)
    assert {("case", "new"), ("case", "show"), ("mark",), ("seal",), ("verify",), ("apk", "scan"), ("analyze",),
            ("report",), ("device", "check"), ("audit",), ("demo",)} <= set(commands)
    for command in commands:
        code, out, _ = run(*command, "--help")
        assert code == 0 and "Usage: " in out, command


def test_case_lifecycle_with_json_output(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = str(tmp_path / "case")
    code, out, _ = run("case", "new", case, "--operator", "A. Expert", "--persona", "child", "--json")
    assert code == 0
    case_id = json.loads(out)["case_id"]
    code, out, _ = run("mark", case, "user tapped Accept", "--kind", "consent-accepted", "--json")
    assert code == 0 and json.loads(out)["seq"] == 2
    code, out, _ = run("case", "show", case, "--json")
    shown = json.loads(out)
    assert shown["info"]["case_id"] == case_id and shown["info"]["persona"] == "child"
    assert shown["info"]["operator"] == {"name": "A. Expert"}
    assert shown["ledger"]["events"] == 2 and not shown["sealed"]
    code, out, err = run("seal", case, "--json")
    assert code == 0 and "created operator key" in err
    sealed = json.loads(out)
    assert sealed["signer"].startswith("SHA256:") and sealed["ledger"]["head_seq"] == 4
    code, out, _ = run("verify", case, "--json")
    assert code == 0 and json.loads(out)["ok"] is True and json.loads(out)["signer"] == sealed["signer"]

    (tmp_path / "case" / "case.json").write_bytes(b"{}")
    code, out, err = run("verify", case)
    assert code == 1
    assert "PROBLEM [file.modified] case.json" in out and "NOT VERIFIED" in out
    assert ("PROBLEM [case.json_changed] case.json: does not match the SHA-256 the ledger last recorded for it "
            "(seq 3): edited outside auditor") in out
    assert err.strip() == f"failed: {case}: 4 problem(s) found"


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfe{}", "not valid UTF-8 (byte 0)"),
    (b'{"format": "auditor-case/1", "case_id": ', "not valid JSON"),
    (b'{"format": "something else", "case_id": "x"}', "not a case file of format auditor-case/1"),
    (b"[" * 10 + b"]" * 10, "not a case file of format auditor-case/1"),
    (b"[" * 100_000 + b"]" * 100_000, "not a case file: JSON nested too deeply"),
    (b" " * (5 << 20), "exceeds the 4194304-byte limit"),
])
def test_hostile_case_json_is_a_clear_input_error(run, tmp_path: Path, content: bytes, message: str) -> None:  # type: ignore[no-untyped-def]
    case = tmp_path / "case"
    run("case", "new", str(case))
    (case / "case.json").write_bytes(content)
    for command in (("case", "show", str(case)), ("mark", str(case), "note")):
        code, out, err = run(*command)
        assert code == 2 and out == ""
        assert err.startswith(f"error: {case / 'case.json'}: ") and message in err
        assert "Traceback" not in err


def test_missing_and_non_case_directories(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run("verify", str(tmp_path / "nope"))
    assert (code, err.strip()) == (2, f"error: {tmp_path / 'nope'}: no such case directory")
    code, _, err = run("case", "show", str(tmp_path))
    assert (code, err.strip()) == (2, f"error: {tmp_path}: not an auditor case: it has no case.json")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    code, _, err = run("case", "new", str(tmp_path / "full"))
    assert code == 2 and "exists and is not an empty directory" in err
    code, _, err = run("mark", str(tmp_path), "x", "--kind", "bogus")
    assert code == 2 and "Invalid value for '--kind'" in err


def test_damaged_ledger_stops_writers_with_a_clear_error(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = tmp_path / "case"
    run("case", "new", str(case))
    with open(case / "ledger.jsonl", "ab") as handle:
        handle.write(b'{"half a line')
    size = (case / "ledger.jsonl").stat().st_size
    code, _, err = run("mark", str(case), "note")
    assert code == 2
    assert err.strip() == (f"error: {case / 'ledger.jsonl'}: ends with an incomplete line at byte {size}: an "
                           "earlier writer was interrupted; run 'auditor case repair' on the case")
    code, out, _ = run("verify", str(case))
    assert code == 1
    assert "PROBLEM [ledger.torn_tail] ledger.jsonl line 2" in out
    assert "ledger: 1 intact events (head seq 1" in out


def test_console_script_runs(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "auditor"
    env = dict(os.environ, AUDITOR_HOME=str(tmp_path / "home"))
    done = subprocess.run([str(exe), "--version"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "auditor, version 0.1.0"
    done = subprocess.run([str(exe), "verify"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2 and "Missing argument 'DIRECTORY'" in done.stderr


def test_a_command_loads_only_its_own_room() -> None:
    # Frida embeds a Go runtime that cannot start under the memory limit `apk scan` is tested with, and the
    # report engine takes a second to load: a command must not import other rooms' libraries.
    probe = ("import sys; from auditor.cli import cli; import click; "
             "cli.get_command(click.Context(cli), 'apk'); cli.get_command(click.Context(cli), 'seal'); "
             "print(sorted(m for m in ('frida', 'weasyprint', 'mitmproxy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout == "[]\n"


def test_case_new_records_the_controller(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = str(tmp_path / "case")
    code, _, _ = run("case", "new", case, "--controller", "Example Reference B.V.", "--controller-source",
                     "Play Store listing read 2026-12-01", "--controller-domain", "Example-Reference.eu.",
                     "--controller-domain", "example-ref.com")
    assert code == 0
    info = json.loads((tmp_path / "case" / "case.json").read_text())
    assert info["controller"] == {"name": "Example Reference B.V.", "source": "Play Store listing read 2026-12-01",
                                  "domains": ["example-ref.com", "example-reference.eu"]}
    result = CliRunner().invoke(cli, ["case", "new", str(tmp_path / "other"), "--controller-domain", "x.eu"])
    assert result.exit_code == 2 and "--controller-source and --controller-domain need --controller" in result.output
