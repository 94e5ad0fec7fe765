"""Rulesets: the shipped one validates; hostile ones are refused with a clear error; conditions evaluate."""

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli as main_cli
from auditor.errors import InputError
from auditor.rules.evaluate import matches
from auditor.rules.schema import default_rules_dir, load_ruleset, load_rulesets

SHIPPED = default_rules_dir() / "gdpr.yaml"
REPO = Path(__file__).resolve().parents[2]


def cli(*args: str):
    """The real command line in-process (same group, same error handling), with returncode/stdout/stderr."""
    result = CliRunner().invoke(main_cli, list(args), prog_name="auditor")
    result.returncode = result.exit_code
    return result


def test_shipped_ruleset_and_repo_copy():
    rulesets = load_rulesets(REPO / "rulesets")
    assert [(r.name, len(r.rules)) for r in rulesets] == [("gdpr", 12)]
    assert rulesets[0].sha256 == load_ruleset(SHIPPED).sha256
    ids = [rule.id for rule in rulesets[0].rules]
    assert ids == ["clipboard-read-without-user-action", "clipboard-content-transmitted", "precise-location",
                   "biometric-identification", "biometric-data-transmitted", "biometric-on-device-authentication",
                   "identifiers-before-consent",
                   "child-profiling-or-advertising", "third-country-transfer-without-adequacy",
                   "third-country-transfer-undetermined", "personal-data-in-cleartext",
                   "tracker-sdk-embedded-and-active"]
    result = cli("rules", "list", "--json")
    assert result.returncode == 0 and len(json.loads(result.stdout)) == 12


def hostile(tmp_path: Path, text: str) -> Path:
    directory = tmp_path / "rules"
    directory.mkdir()
    (directory / "bad.yaml").write_text(text, encoding="utf-8")
    return directory


SHIPPED_TEXT = SHIPPED.read_text(encoding="utf-8")


@pytest.mark.parametrize("text, message", [
    (SHIPPED_TEXT.replace("    severity: medium\n", "    severity: medium\n    run: yes\n"),
     "rules[11]: unknown key(s) 'run'"),
    (SHIPPED_TEXT.replace("name: gdpr\n", "name: gdpr\nextra: 1\n"), "ruleset: unknown key(s) 'extra'"),
    (SHIPPED_TEXT.replace("{field: type, equals: biometric_capture}",
                          "{field: type, equals: \"__import__('os').system('id')\"}"), "looks like code"),
    (SHIPPED_TEXT.replace("{field: type, equals: biometric_auth}",
                          "{field: type, equals: !!python/object/apply:os.system [id]}"), "is not allowed"),
    (SHIPPED_TEXT.replace("{field: type, equals: biometric_auth}", "{field: type, matches: '.*'}"),
     "a comparison is {field: NAME, OP: VALUE}"),
    (SHIPPED_TEXT.replace("{field: type, equals: biometric_auth}", "{field: body.secret, equals: x}"),
     "unknown finding field 'body.secret'"),
    (SHIPPED_TEXT.replace("severity: info", "severity: critical"), "severity: must be one of"),
    ("a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b]\n",
     "anchors and aliases are not allowed"),
    ("rules: [\n", "not valid YAML"),
    ("- just\n- a list\n", "ruleset: must be a mapping"),
    ("format: auditor-ruleset/1\nname: x\n" + "#" * (600 << 10) + "\n", "larger than 524288 bytes"),
    (SHIPPED_TEXT.replace("    condition: {field: type, equals: cleartext_personal_data}",
                          "    condition: " + "{not: " * 12 + "{field: type, equals: x}" + "}" * 12),
     "condition nested deeper than 8"),
])
def test_hostile_ruleset_is_refused(tmp_path, text, message):
    directory = hostile(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_rulesets(directory)
    assert message in str(caught.value)
    assert "bad.yaml" in str(caught.value)
    result = cli("rules", "check", str(directory))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert re.match(r"^error: .*bad\.yaml: ", result.stderr)


def test_check_accepts_a_copy(tmp_path):
    directory = tmp_path / "ok"
    directory.mkdir()
    shutil.copy(SHIPPED, directory / "gdpr.yaml")
    result = cli("rules", "check", str(directory))
    assert result.returncode == 0 and result.stdout.startswith("ok gdpr.yaml: gdpr 1.2.0, 12 rules")


@pytest.mark.parametrize("condition, expected", [
    ({"field": "type", "equals": "x"}, True),
    ({"field": "type", "in": ["y", "z"]}, False),
    ({"not": {"field": "type", "equals": "x"}}, False),
    ({"all": [{"field": "destination.asn", "gte": 100}, {"field": "destination.asn", "lt": 200}]}, True),
    ({"field": "destination.asn", "gt": "100"}, False),
    ({"field": "transfer.outcome", "exists": False}, True),
    ({"field": "transfer.outcome", "not_equals": "eea"}, True),
    ({"any": [{"field": "recipient.entity", "equals": None}, {"field": "type", "equals": "q"}]}, True),
])
def test_condition_semantics(condition, expected):
    finding = {"type": "x", "destination": {"asn": 150}, "recipient": {"entity": None}}
    assert matches(condition, finding) is expected
