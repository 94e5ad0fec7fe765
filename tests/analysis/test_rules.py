"""Rulesets: the shipped one validates; hostile ones are refused with a clear error; conditions evaluate."""

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.analyze.webviews import TYPING_EVENTS
from auditor.cli import cli as main_cli
from auditor.contract.findings import EvidenceSet, Finding, InjectedScript, Recipient
from auditor.contract.vocabulary import Confidence, ConsentTiming, DataCategory, FindingType, RecipientRole
from auditor.errors import InputError
from auditor.rules.evaluate import evaluate, matches
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
    assert [(r.name, len(r.rules)) for r in rulesets] == [("gdpr", 25)]
    assert rulesets[0].sha256 == load_ruleset(SHIPPED).sha256
    ids = [rule.id for rule in rulesets[0].rules]
    assert ids == ["clipboard-read-without-user-action", "clipboard-content-transmitted", "precise-location",
                   "face-data-processed-by-app", "biometric-data-transmitted", "biometric-on-device-authentication",
                   "identifiers-before-consent",
                   "child-profiling-or-advertising", "third-country-transfer-without-adequacy",
                   "third-country-transfer-undetermined", "personal-data-in-cleartext",
                   "tracker-sdk-embedded-and-active", "online-identifiers-to-other-party",
                   "device-attributes-before-consent", "approximate-location", "other-coordinates-transmitted",
                   # issue #17: the UI step, the declarations and runs compared (ruleset 1.4.0)
                   "data-sent-after-refusal", "consent-dialog-no-refuse-on-first-layer",
                   "consent-dialog-accept-emphasised", "consent-stored-although-refused",
                   "data-type-not-in-data-safety-declaration", "recipient-or-country-not-in-privacy-policy",
                   "young-persona-receives-as-adult", "refusal-made-no-difference",
                   # issue #16 (ruleset 1.5.0)
                   "script-injected-reads-typing-on-other-party-page"]
    result = cli("rules", "list", "--json")
    assert result.returncode == 0 and len(json.loads(result.stdout)) == 25


def hostile(tmp_path: Path, text: str) -> Path:
    directory = tmp_path / "rules"
    directory.mkdir()
    (directory / "bad.yaml").write_text(text, encoding="utf-8")
    return directory


SHIPPED_TEXT = SHIPPED.read_text(encoding="utf-8")


@pytest.mark.parametrize("text, message", [
    (SHIPPED_TEXT.replace("    severity: medium\n", "    severity: medium\n    run: yes\n"),
     "rules[3]: unknown key(s) 'run'"),
    (SHIPPED_TEXT.replace('ecli: "ECLI:EU:C:2019:801"', 'ecli: "EU 2019/801"'),
     "rule identifiers-before-consent.citations[4].ecli: 'EU 2019/801' is not an ECLI"),
    (SHIPPED_TEXT.replace("{kind: article, instrument: gdpr, article: \"32\"",
                          "{kind: article, instrument: avg, article: \"32\""),
     "rule personal-data-in-cleartext.citations[0].instrument: 'avg' is not one of gdpr, eprivacy, tw, uavg"),
    (SHIPPED_TEXT.replace("{kind: recital, instrument: gdpr, recital: \"38\"",
                          "{kind: recital, instrument: gdpr, article: \"38\""),
     "rule child-profiling-or-advertising.citations[3]: unknown key(s) 'article'"),
    (SHIPPED_TEXT.replace('date: "2019-10-01"', 'date: "1 October 2019"'),
     "rule identifiers-before-consent.citations[4].date: must be an ISO date (YYYY-MM-DD)"),
    (SHIPPED_TEXT.replace('date: "2019-10-01", ecli', 'ecli'),
     "rule identifiers-before-consent.citations[4]: missing key(s) date"),
    (SHIPPED_TEXT.replace("{kind: case, court: cjeu", "{kind: judgment, court: cjeu"),
     "rule identifiers-before-consent.citations[4].kind: must be one of article, recital, case, guideline, decision"),
    (SHIPPED_TEXT.replace('verified: false, note: {en: "the UAVG', 'verified: true, note: {en: "the UAVG'),
     "rule child-profiling-or-advertising.citations[2].verified_against: a verified citation names the text"),
    (SHIPPED_TEXT.replace(', checked: "2026-12-02"', "", 1),
     "rule clipboard-read-without-user-action.citations[2].checked: a verified citation gives the date it was"),
    (SHIPPED_TEXT.replace(', checked: "2026-12-02"', ', checked: "2 December 2026"', 1),
     "rule clipboard-read-without-user-action.citations[2].checked: must be an ISO date (YYYY-MM-DD)"),
    (SHIPPED_TEXT.replace('verified: false, note: {en: "the UAVG', 'verified: false, text_nl: {en: "the UAVG'),
     "rule child-profiling-or-advertising.citations[2]: unknown key(s) 'text_nl'"),
    (re.sub(r'verified: false, note: \{en: "[^"]*", nl: "[^"]*"\}', "verified: false", SHIPPED_TEXT, count=1),
     "rule clipboard-read-without-user-action.citations[0].note: a citation not verified says what could not be"),
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
    assert result.returncode == 0 and result.stdout.startswith("ok gdpr.yaml: gdpr 1.5.0, 25 rules")


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


def _sent(number: int, category: str, role: str, timing: str) -> Finding:
    """A personal_data_transmitted finding as analysis writes it, reduced to what the rules read."""
    return Finding(id=f"F-{number:020x}", type=FindingType.PERSONAL_DATA_TRANSMITTED,
                   data_category=DataCategory(category),
                   recipient=Recipient(host="sdk.example", role=RecipientRole(role)),
                   consent_timing=ConsentTiming(timing),
                   confidence=Confidence.HIGH, evidence=EvidenceSet(occurrences=1, shown=()))


@pytest.mark.parametrize("category, role, timing, expected", [
    # issue #13's categories: online identifiers, whatever the timing, to anyone but the publisher
    ("user_id", "other_recipient", "after", {"online-identifiers-to-other-party": "medium"}),
    ("session_id", "processor", "before", {"online-identifiers-to-other-party": "medium"}),
    ("ip_address", "third_party", "no_mark", {"online-identifiers-to-other-party": "medium"}),
    ("user_id", "first_party", "before", {}),
    # device attributes: access to terminal equipment before consent, lower severity; alone they engage no
    # identifier rule (the decoy)
    ("device_attribute", "other_recipient", "before", {"device-attributes-before-consent": "low"}),
    ("device_attribute", "joint_controller", "no_mark", {"device-attributes-before-consent": "low"}),
    ("device_attribute", "other_recipient", "after", {}),
    ("device_attribute", "other_recipient", "at_consent", {}),
    ("device_attribute", "first_party", "before", {}),
    # approximate location apart from precise location; coordinates that are not the device's apart from both
    ("approximate_location", "first_party", "after", {"approximate-location": "medium"}),
    ("location", "other_recipient", "after", {"precise-location": "high"}),
    ("other_location", "other_recipient", "before", {"other-coordinates-transmitted": "info"}),
    ("advertising_id", "other_recipient", "before", {"identifiers-before-consent": "high"}),
])
def test_new_data_categories_engage_their_rules(category, role, timing, expected):
    verdicts = evaluate(load_rulesets(REPO / "rulesets"), [_sent(1, category, role, timing)], {"child_persona": False})
    assert {v.rule_id: v.severity.value for v in verdicts} == expected
    assert all(v.findings == (f"F-{1:020x}",) for v in verdicts)


def test_each_new_rule_lists_only_its_own_findings():
    findings = [_sent(1, "device_attribute", "other_recipient", "before"),
                _sent(2, "user_id", "other_recipient", "before"),
                _sent(3, "approximate_location", "other_recipient", "before"),
                _sent(4, "device_attribute", "other_recipient", "after"),
                _sent(5, "session_id", "first_party", "before")]
    verdicts = evaluate(load_rulesets(REPO / "rulesets"), findings, {"child_persona": False})
    assert [(v.rule_id, v.findings) for v in verdicts] == [
        ("approximate-location", (f"F-{3:020x}",)),
        ("device-attributes-before-consent", (f"F-{1:020x}",)),
        ("online-identifiers-to-other-party", (f"F-{2:020x}",))]
    cited = {v.rule_id: [(c.kind.value, c.instrument or c.number, c.verified) for c in v.citations] for v in verdicts}
    assert cited["online-identifiers-to-other-party"][:2] == [("article", "gdpr", True), ("recital", "gdpr", True)]
    assert ("guideline", "9/2014", False) in cited["device-attributes-before-consent"]


def test_libyaml_reads_the_rulesets_as_the_pure_python_parser_does_and_errors_are_worded_by_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor.rules import schema
    assert schema._FAST_LOADERS is not None          # PyYAML is built with libyaml here: the fast path is tested
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: auditor-ruleset/1\nname: x\n  version: [1\n", "utf-8")
    fast = (load_rulesets(default_rules_dir()), pytest.raises(InputError, load_ruleset, bad).value.args)
    monkeypatch.setattr(schema, "_FAST_LOADERS", None)
    assert (load_rulesets(default_rules_dir()), pytest.raises(InputError, load_ruleset, bad).value.args) == fast


def _injected(number: int, listens_to: tuple[str, ...], sends_through: tuple[str, ...],
              page_first_party: bool | None) -> Finding:
    """A script_injected finding as analysis writes it (analyze/webviews.py derives reads_typing and
    hands_to_app from the events it listens to and the bridge calls it makes)."""
    script = InjectedScript(page_url="https://shop.example-merchant.de/offer", page_from="onPageFinished",
                            script_sha256="0" * 64, script_size=10, listens_to=listens_to,
                            sends_through=sends_through, reads_typing=bool(set(listens_to) & TYPING_EVENTS),
                            hands_to_app=bool(sends_through), page_first_party=page_first_party)
    return Finding(id=f"F-{number:020x}", type=FindingType.SCRIPT_INJECTED, injected_script=script,
                   confidence=Confidence.HIGH, evidence=EvidenceSet(occurrences=1, shown=()))


def test_a_script_reading_typing_on_another_party_s_page_for_the_app_engages_its_rule_only():
    """Typing listened to, a bridge call, another party's page: all three or no verdict. The tap listener, a
    keylogger with no bridge call, the publisher's own page and a page not known engage nothing."""
    findings = [_injected(1, ("input", "keydown", "selectionchange"), ("TTBridge.onKeys",), False),
                _injected(2, ("touchstart",), ("TTBridge.onTap",), False),
                _injected(3, ("keydown",), (), False),
                _injected(4, ("keydown",), ("TTBridge.onKeys",), True),
                _injected(5, ("keyup",), ("TTBridge.onKeys",), None)]
    verdicts = evaluate(load_rulesets(REPO / "rulesets"), findings, {"child_persona": False})
    assert [(v.rule_id, v.severity.value, v.findings) for v in verdicts] == [
        ("script-injected-reads-typing-on-other-party-page", "high", (f"F-{1:020x}",))]
    [verdict] = verdicts
    # what it rests on, each marked checked or not against the primary text; ePrivacy Art. 5(1) is not cited
    assert [(c.kind.value, c.instrument or c.number, c.article, c.paragraph, c.point, c.verified)
            for c in verdict.citations] == [
        ("article", "gdpr", "4", None, "2", True), ("article", "gdpr", "5", "1", "a", True),
        ("article", "gdpr", "6", "1", None, True), ("article", "eprivacy", "5", "3", None, False),
        ("article", "tw", "11.7a", "1", None, False), ("guideline", "2/2023", None, None, None, False)]
    assert verdict.citations[-1].paras == "53"
