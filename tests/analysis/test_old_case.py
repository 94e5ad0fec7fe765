"""A case written by auditor before the findings contract (main at 4a1c7db: the demo's case, sealed, its hook
events carrying the actor the capture decided) still verifies, analyses and reports. Analysis attributes the
recorded stacks itself; a recorded actor is used only where no stack was kept, and says so."""

from __future__ import annotations

import collections
import json
import shutil
from pathlib import Path

import pytest

from auditor.analyze.observations import event_actor
from auditor.analyze.run import analyze
from auditor.case import keys
from auditor.case.seal import verify_case
from auditor.contract.vocabulary import ActorBasis
from auditor.reference.assets import default_world
from auditor.report.render import write_report
from tests.contract.schema_check import schema_errors

OLD_CASE = Path(__file__).resolve().parent / "data" / "case-4a1c7db"


@pytest.fixture(scope="module")
def old_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("old") / "case"
    shutil.copytree(OLD_CASE, root)
    return root


def test_the_old_case_still_verifies(old_case: Path) -> None:
    result = verify_case(old_case)
    assert result.ok and result.sealed and result.problems == []


def test_the_old_case_analyses_to_the_findings_it_had(old_case: Path, tmp_path: Path) -> None:
    result = analyze(old_case, world=default_world())
    # 68 findings when it was made; today +4 personal_data_transmitted (the recognition ruleset's device
    # attributes and ByteDance device IDs) and, per exchange, recipients contacted, destinations outside the
    # EEA and one transfer each in place of one per data category (issue #14); 13 verdicts since the ruleset's
    # approximate-location and device-attributes-before-consent rules (issue #13's categories)
    assert (result.findings, result.verdicts, result.flows) == (72, 13, 8)
    for name in ("findings", "verdicts", "observed", "inputs"):
        assert schema_errors(old_case / "analysis" / f"{name}.json", name) == [], name
    findings = json.loads((old_case / "analysis" / "findings.json").read_text())["findings"]
    assert collections.Counter(f["type"] for f in findings) == {
        "biometric_auth": 1, "biometric_capture": 3, "biometric_transmitted": 1, "clipboard_read": 6,
        "clipboard_transmitted": 2, "identifier_access": 13, "location_access": 3, "personal_data_transmitted": 24,
        "sdk_embedded": 2, "third_country_transfer": 6, "destination_outside_eea": 4, "recipient_contacted": 6,
        "tracker_contacted": 1}
    # the outcome rests on the recipient entity: AppsFlyer Ltd. (IL) and Kumo (JP) adequate, BrightPixel (US)
    # named under 2023/1795 as not covered, the ByteDance entities (CN) without adequacy
    assert sorted((f["recipient"]["host"], f["transfer"]["outcome"]) for f in findings
                  if f["type"] == "third_country_transfer") == [
        ("cfg.kumo-analytics.jp", "adequate"), ("launches.appsflyer.com", "adequate"),
        ("log.byteoversea.com", "third_country_no_adequacy"), ("log.snssdk.com", "third_country_no_adequacy"),
        ("mon.snssdk.com", "third_country_no_adequacy"), ("t.brightpixel-ads.com", "adequacy_not_covering_recipient")]
    hooks = [f for f in findings if f["type"] in ("clipboard_read", "location_access", "identifier_access")]
    assert {f["actor"]["basis"] for f in hooks} == {"stack"}       # re-attributed from the recorded stacks
    assert collections.Counter((f["actor"]["sdk"], f["actor"]["first_party"]) for f in hooks) == {
        ("Pangle", False): 9, ("AppsFlyer", False): 4, (None, True): 9}   # as the capture attributed them then
    flows = [f for f in findings if f["type"] == "personal_data_transmitted"]
    assert {f["actor"]["basis"] for f in flows if f["actor"]} == {"connection"}
    inputs = json.loads((old_case / "analysis" / "inputs.json").read_text())
    assert "exodus-trackers" in [d["name"] for d in inputs["datasets"]]


def test_the_old_case_reports(old_case: Path, tmp_path: Path) -> None:
    analyze(old_case, world=default_world())
    key, _ = keys.load_or_create(tmp_path / "report-key")
    report = write_report(old_case, ("html", "json"), "en", False, tmp_path / "report", key)
    data = json.loads((report.directory / "report.json").read_text())
    assert data["summary"]["findings"] == 72 and len(data["verdicts"]) == 13
    assert data["seal"]["sealed"] is True and data["analysis"]["matches_seal"] is True
    assert len(data["annex"]["hook_events"]) == 33
    # the old capture has no request events: its flows name the code that opened their connection, as such
    html = (report.directory / "annex.html").read_text(encoding="utf-8")   # every finding with its stack
    assert "Connection opened by this code; which code sent this request on the connection is not known." in html
    assert "Request sent by this code" not in html


def test_a_recorded_actor_is_used_only_without_a_stack() -> None:
    recorded = {"class": "com.bytedance.sdk.DeviceInfo", "package": "com.bytedance.sdk", "sdk": "ByteDance",
                "exodus_id": 363, "first_party": False, "frame": "com.bytedance.sdk.DeviceInfo.collect(D.java:1)"}
    without = event_actor({"api": "android.content.ClipboardManager.getPrimaryClip", "actor": recorded}, None)
    assert (without.basis, without.sdk, without.class_name) == (ActorBasis.RECORDED, "ByteDance",
                                                                "com.bytedance.sdk.DeviceInfo")
    stack = ["android.content.ClipboardManager.getPrimaryClip(Native Method)",
             "com.example.reference.PasteHandler.paste(PasteHandler.java:9)"]
    derived = event_actor({"api": "android.content.ClipboardManager.getPrimaryClip", "stack": stack,
                           "hooked_class": "android.content.ClipboardManager", "actor": recorded},
                          "com.example.reference")
    assert (derived.basis, derived.sdk, derived.first_party) == (ActorBasis.STACK, None, True)
    assert event_actor({"api": "x.Y.z"}, None) is None
