"""`auditor case declare` and the declared-versus-observed findings: forms checked field by field, recorded
in the ledger (after the seal too), and analysis finding what the traffic shows that the Data safety form
and the privacy policy do not declare, quoting both sides."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.analyze.run import analyze
from auditor.case import keys
from auditor.case.bundle import Case
from auditor.case.ledger_check import read_records
from auditor.case.seal import seal_case, verify_case
from auditor.cli import cli
from auditor.declared.forms import FormFile, read_data_safety, read_policy
from auditor.errors import InputError
from auditor.reference.assets import default_world
from tests.analysis.builders import add_flow, attestation

AD_ID = "4f6c8a2e-1b3d-4e5f-8a7b-9c0d1e2f3a4b"
ANDROID_ID = "9a3c1f7e5b2d4e60"
EMAIL = "jan.jansen@example.nl"
CONTROLLER = {"name": "Example Reference B.V.", "domains": ["example-reference.eu"], "source": "test"}
DATA_SAFETY = """format: auditor-data-safety/1
app: com.example.reference
source: Google Play listing of com.example.reference, Data safety section, read 2026-12-01
collects_nothing: false
shares_nothing: true
collected:
  - data_type: Email address
    purposes: [Account management]
    quote: "Email address: collected for account management"
"""
POLICY = {"format": "auditor-privacy-policy/1", "source": "https://example-reference.eu/privacy, read 2026-12-01",
          "quote": "We share your data only with ByteDance (Singapore) for analytics.",
          "recipients": [{"name": "ByteDance", "domains": ["snssdk.com"], "country": "SG"}],
          "countries": ["NL"]}


def build(root: Path) -> Path:
    case = Case.create(root, operator="test", persona="child", controller=CONTROLLER)
    case.set_section("device", attestation(advertising_id=AD_ID, android_id=ANDROID_ID, account=EMAIL))
    start = datetime.now(UTC) - timedelta(minutes=5)
    with case.ledger(fsync_interval=0) as ledger:
        for number, (url, body) in enumerate([
                ("https://log.snssdk.com/register", f'{{"aid":"{AD_ID}"}}'.encode()),
                (f"https://t.brightpixel-ads.com/px?android_id={ANDROID_ID}", None),
                ("https://api.example-reference.eu/v1/login", f'{{"email":"{EMAIL}"}}'.encode())]):
            add_flow(case, ledger, url, body, flow_id=f"f{number}", method="POST" if body else "GET",
                     start=(start + timedelta(seconds=number)).isoformat().replace("+00:00", "Z"))
    return root


@pytest.fixture
def forms(tmp_path):
    safety = tmp_path / "data-safety.yaml"
    safety.write_text(DATA_SAFETY, "utf-8")
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(POLICY), "utf-8")
    return safety, policy


def test_declared_versus_observed(tmp_path, forms):
    case_dir = build(tmp_path / "case")
    seal_case(Case.open(case_dir), keys.load_or_create(tmp_path / "key")[0])
    result = CliRunner().invoke(cli, ["case", "declare", str(case_dir), "--data-safety", str(forms[0]),
                                      "--policy", str(forms[1]), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["seq"] == 8      # after the sealing lines (6: case.updated, 7: case.sealing)
    # recorded after the seal, as a review is: the sealed part still verifies
    assert verify_case(case_dir).ok
    analyze(case_dir, world=default_world())     # the reference world names the recipients' entities
    findings = json.loads((case_dir / "analysis" / "findings.json").read_text("utf-8"))["findings"]
    declared = [f for f in findings if f["type"].startswith("undeclared_")]
    rows = [(f["type"], f.get("data_category"), f["recipient"]["domain"], f["confidence"],
             f["declaration"]["says"]["en"], [e["ledger_seq"] for e in f["evidence"]["shown"]]) for f in declared]
    safety = "Data safety (Google Play listing of com.example.reference, Data safety section, read 2026-12-01)"
    policy = "Privacy policy (https://example-reference.eu/privacy, read 2026-12-01)"
    not_collected = f"{safety}: data collected: Email address"
    # the first party's email is declared as collected, and the policy's ByteDance (snssdk.com) is named
    assert rows == [
        ("undeclared_collection", "advertising_id", "snssdk.com", "high", not_collected, [3]),
        ("undeclared_collection", "android_id", "brightpixel-ads.com", "high", not_collected, [4]),
        ("undeclared_country", None, "brightpixel-ads.com", "high", f"{policy}: countries named: NL, SG", [4]),
        ("undeclared_country", None, "snssdk.com", "high", f"{policy}: countries named: NL, SG", [3]),
        ("undeclared_recipient", None, "brightpixel-ads.com", "high",
         f"{policy}: recipients named: ByteDance (snssdk.com)", [4]),
        # roles not established by a source: sharing stated at medium confidence
        ("undeclared_sharing", "advertising_id", "snssdk.com", "medium", f"{safety}: no data shared", [3]),
        ("undeclared_sharing", "android_id", "brightpixel-ads.com", "medium", f"{safety}: no data shared", [4])]
    by_id = {f["id"]: f for f in findings}
    country = declared[2]["declaration"]
    assert (country["country"], country["form"], country["declared_at_seq"], country["quote"]) == (
        "US", "policy", 8, "We share your data only with ByteDance (Singapore) for analytics.")
    assert country["observed"] == {
        "en": "android_id sent to brightpixel-ads.com (BrightPixel Ads Inc., US), recipient role other_recipient, in 1 "
              "exchange(s)",
        "nl": "android_id verzonden naar brightpixel-ads.com (BrightPixel Ads Inc., US), rol van de ontvanger "
              "other_recipient, in 1 uitwisseling(en)"}
    assert declared[0]["declaration"]["says"]["nl"] == ("Data safety (Google Play listing of com.example.reference, "
                                                        "Data safety section, read 2026-12-01): gegevens verzameld: "
                                                        "Email address")
    assert declared[0]["declaration"]["observed"]["en"] == (
        "advertising_id (Play data type 'Device or other IDs') sent to snssdk.com (Beijing Douyin Information "
        "Service Co., Ltd., CN), recipient role other_recipient, in 1 exchange(s)")
    assert [by_id[i]["type"] for i in country["findings"]] == ["personal_data_transmitted"]
    assert declared[0]["declaration"]["quote"] == "Email address: collected for account management"
    assert declared[0]["declaration"]["play_data_type"] == "Device or other IDs"
    [event] = [r for r in read_records(case_dir / "ledger.jsonl") if r["kind"] == "case.declared"]
    assert event["body"]["data_safety"]["text"] == DATA_SAFETY and event["body"]["policy"]["syntax"] == "json"


def test_no_declaration_no_findings(tmp_path):
    case_dir = build(tmp_path / "case")
    analyze(case_dir, world=default_world())
    findings = json.loads((case_dir / "analysis" / "findings.json").read_text("utf-8"))["findings"]
    assert [f for f in findings if f["type"].startswith("undeclared_")] == []


@pytest.mark.parametrize(("text", "message"), [
    ("format: auditor-data-safety/2\napp: a\nsource: s\ncollects_nothing: true\nshares_nothing: true\n",
     "format: must be 'auditor-data-safety/1', not 'auditor-data-safety/2'"),
    ("format: auditor-data-safety/1\napp: a\nsource: s\ncollects_nothing: true\n",
     "the form: missing field(s) shares_nothing"),
    ("format: auditor-data-safety/1\napp: a\nsource: s\ncollects_nothing: false\nshares_nothing: true\n"
     "collected: [{data_type: Advertising ID}]\n", "collected[0].data_type: 'Advertising ID' is not one of Play's"),
    ("format: auditor-data-safety/1\napp: a\nsource: s\ncollects_nothing: true\nshares_nothing: true\n"
     "collected: [{data_type: Name}]\n", "collected: lists data types although collects_nothing is true"),
    ("format: auditor-data-safety/1\napp: a\nsource: s\ncollects_nothing: yes please\nshares_nothing: true\n",
     "collects_nothing: must be true or false"),
    ("[1, 2", "not valid YAML"),
])
def test_data_safety_form_checked(text, message):
    with pytest.raises(InputError, match=re.escape(message)):
        read_data_safety(FormFile("ds.yaml", text.encode(), json=False))


@pytest.mark.parametrize(("data", "message"), [
    ({"format": "auditor-privacy-policy/1", "source": "s", "countries": ["Netherlands"]},
     "countries[0]: 'Netherlands' is not an ISO 3166-1 alpha-2 country code"),
    ({"format": "auditor-privacy-policy/1", "source": "s", "recipients": [{"name": "X", "domains": ["X.COM"]}]},
     "recipients[0].domains[0]: 'X.COM' is not a lower-case domain name"),
    ({"format": "auditor-privacy-policy/1", "source": "s", "processors": []},
     "the form: unknown field(s) processors"),
])
def test_policy_form_checked(data, message):
    with pytest.raises(InputError, match=re.escape(message)):
        read_policy(FormFile("policy.json", json.dumps(data).encode(), json=True))


def test_declare_needs_a_form(tmp_path):
    case_dir = build(tmp_path / "case")
    result = CliRunner().invoke(cli, ["case", "declare", str(case_dir)])
    assert result.exit_code != 0 and "give --data-safety FILE, --policy FILE or both" in result.output
