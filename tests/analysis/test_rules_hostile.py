"""Rulesets built to be misread or to stall the loader (#18): each is refused with exit 2 and one line naming
the file and the place, in bounded time — never read silently as something else, never a traceback."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from auditor.rules.schema import MAX_DIGITS, MAX_YAML_DEPTH, default_rules_dir
from tests.analysis.test_rules import cli, hostile

SHIPPED_TEXT = (default_rules_dir() / "gdpr.yaml").read_text(encoding="utf-8")
BIOMETRIC_AUTH_LINE = SHIPPED_TEXT[:SHIPPED_TEXT.index("{field: type, equals: biometric_auth}")].count("\n") + 1


@pytest.mark.parametrize("text, message", [
    ("[" * 100_000 + "]" * 100_000 + "\n", f"yaml: nested deeper than {MAX_YAML_DEPTH} levels (line 1)"),
    (SHIPPED_TEXT.replace("name: gdpr\n", "name: gdpr\nname: other\n"),
     "yaml: not valid YAML (duplicate key 'name' at line 6)"),
    (re.sub(r'^version: "[0-9.]+"$', "version: 1.10", SHIPPED_TEXT, count=1, flags=re.M),
     'version: must be a quoted string ("1.1"), not a float: YAML reads an unquoted 1.10 as the number 1.1'),
    (SHIPPED_TEXT.replace("{field: type, equals: biometric_auth}", "{field: type, gt: " + "9" * 5000 + "}"),
     f"yaml: not valid YAML (an integer of 5000 digits (at most {MAX_DIGITS}) at line {BIOMETRIC_AUTH_LINE})"),
    (SHIPPED_TEXT.replace("{field: type, equals: biometric_auth}", "{field: [type], equals: biometric_auth}"),
     "rule biometric-on-device-authentication.condition.field: must be a field name, not a list"),
])
def test_a_misleading_or_stalling_ruleset_is_refused(tmp_path: Path, text: str, message: str) -> None:
    directory = hostile(tmp_path, text)
    start = time.monotonic()
    result = cli("rules", "check", str(directory))
    assert time.monotonic() - start < 5
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert result.stderr == f"error: {directory / 'bad.yaml'}: {message}\n"

