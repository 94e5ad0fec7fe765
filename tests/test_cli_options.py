"""The options every room's commands share are defined once (auditor/cli_options.py), and each room's
commands live in that room."""

from __future__ import annotations

import ast
from pathlib import Path

from click.testing import CliRunner

from auditor.cli import COMMANDS, cli

ROOT = Path(__file__).resolve().parent.parent
SHARED = ("--json", "--case")


def test_no_room_defines_a_shared_option_itself() -> None:
    found = [f"{path.relative_to(ROOT)}:{node.lineno}: {node.value}"
             for path in sorted((ROOT / "auditor").rglob("*.py")) if path.name != "cli_options.py"
             for node in ast.walk(ast.parse(path.read_text("utf-8")))
             if isinstance(node, ast.Constant) and node.value in SHARED]
    assert found == []


def test_import_and_export_commands_live_in_their_rooms() -> None:
    assert COMMANDS["import"] == "auditor.importers.commands:import_group"
    assert COMMANDS["export"] == "auditor.exporters.commands:export_group"
    assert not any(target.startswith("auditor.capture.") for name, target in COMMANDS.items() if name != "capture")


def test_shared_options_keep_their_spelling_and_checks(tmp_path: Path) -> None:
    runner = CliRunner()
    help_text = runner.invoke(cli, ["import", "har", "--help"]).output
    assert "--case DIRECTORY  [required]" in help_text and "--json            Print the result as JSON." in help_text
    missing = tmp_path / "no-such-case"
    result = runner.invoke(cli, ["export", "har", str(missing), "-o", str(tmp_path / "out.har"), "--json"])
    assert result.exit_code == 2
    assert f"Invalid value for 'CASE_DIR': Directory '{missing}' does not exist." in result.output
