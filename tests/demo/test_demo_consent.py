"""Two demo runs of the child persona — refusing and accepting the consent dialog — as a user runs them
(`auditor demo --persona child --consent refuse|accept`), then `auditor compare` over the two cases: what is
sent before any choice, still sent after the refusal, and sent whichever the choice; and the declared-versus-
observed findings of the refusing run (its Data safety form says it shares nothing)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditor.audit.persona import Persona, birthdate
from auditor.case.ledger_check import read_records

AUDITOR = Path(sys.executable).with_name("auditor")
BOTH = ["child-accept", "child-refuse"]
BEFORE_CHOICE = [("byteoversea.com", "android_id"), ("byteoversea.com", "device_identifier"),
                 ("example-reference.eu", "clipboard"), ("example-reference.eu", "device_attribute"),
                 ("example-reference.eu", "user_id"),      # the Sentry envelope after the paste
                 ("kumo-analytics.jp", "android_id"),
                 ("kumo-analytics.jp", "device_identifier"), ("snssdk.com", "advertising_id"),
                 ("snssdk.com", "android_id"), ("snssdk.com", "clipboard"), ("snssdk.com", "device_attribute"),
                 ("snssdk.com", "device_identifier"), ("snssdk.com", "device_name"),   # sealed registration
                 ("snssdk.com", "device_serial"),
                 ("snssdk.com", "email"),      # the account, in the sealed registration (issue #16)
                 ("snssdk.com", "imei"),
                 ("snssdk.com", "location")]
# after the refusal: the login (first party) and ByteDance's event beacon with the Android ID
AFTER_REFUSAL = [("example-reference.eu", "biometric"), ("example-reference.eu", "email"),
                 ("example-reference.eu", "phone"), ("snssdk.com", "android_id"), ("snssdk.com", "device_identifier")]


def demo(out: Path, consent: str, persona: str = "child") -> Path:
    done = subprocess.run([str(AUDITOR), "demo", "--out", str(out), "--persona", persona, "--consent", consent,
                           "--json"], capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return Path(json.loads(done.stdout)["case"])


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("consent")
    cases = {}
    for consent in ("refuse", "accept"):
        case = demo(base / consent, consent)
        cases[f"child-{consent}"] = case.rename(base / f"child-{consent}")   # compare labels runs by directory
    cases["teen-none"] = demo(base / "none", "none", "teen").rename(base / "teen-none")
    return cases


def test_the_persona_was_entered_and_the_choice_made_by_tapping(runs) -> None:
    records = list(read_records(runs["child-refuse"] / "ledger.jsonl"))
    [entered] = [r["body"] for r in records if r["kind"] == "device.persona_entered"]
    typed = birthdate(Persona.CHILD, datetime.now(UTC).date()).strftime("%d-%m-%Y")
    assert (entered["persona"], entered["age"], entered["value"], entered["shown_in_field"],
            entered["gate_closed"]) == ("child", 13, typed, True, True)
    [dialog] = [r["body"] for r in records if r["kind"] == "device.consent_dialog"]
    assert [(c["role"], c["label"]) for c in dialog["controls"]] == [("accept", "Accept all"), ("refuse", "Decline")]
    assert dialog["dark_patterns"] == ["accept_emphasised"]
    assert [r["body"]["control"]["label"] for r in records if r["kind"] == "device.consent_refused"] == ["Decline"]
    # the app received the birthdate: it is in the app's own traffic, to its first party
    profile = [r["body"] for r in records if r["kind"] == "proxy.flow"
               and r["body"]["request"]["path"] == "/v1/profile"]
    assert len(profile) == 1 and profile[0]["request"]["host"] == "api.example-reference.eu"
    states = [r["body"] for r in records if r["kind"] == "device.consent_state"]
    assert [(s["when"], s["keys"]) for s in states] == [("before the choice", None), ("after the choice", None)]
    assert states[0]["how"] == {
        "en": "unknown: the simulated phone's app is a JVM program and keeps no SharedPreferences",
        "nl": "onbekend: de app van het gesimuleerde toestel is een JVM-programma en houdt geen SharedPreferences bij"}


def test_child_refusing_and_accepting_compared(runs, tmp_path) -> None:
    out = tmp_path / "compare"
    done = subprocess.run([str(AUDITOR), "compare", str(runs["child-refuse"]), str(runs["child-accept"]),
                           "--out", str(out), "--json"], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout)["rows"] == {"before_choice": 17, "after_refusal": 5, "refusal_no_difference": 5,
                                               "young_as_adult": 0}
    data = json.loads((out / "compare.json").read_text("utf-8"))

    def rows(section: str) -> list[tuple[str, str, list[str]]]:
        return [(r["recipient"], r["data_category"], sorted({e["run"] for e in r["exhibits"]})) for r in data[section]]

    assert rows("before_choice") == [(*key, BOTH) for key in BEFORE_CHOICE]
    assert rows("after_refusal") == [(*key, ["child-refuse"]) for key in AFTER_REFUSAL]
    # whichever the child chose, these were sent after the choice
    assert rows("refusal_no_difference") == [(*key, BOTH) for key in AFTER_REFUSAL]
    assert [(r["label"], r["choice"], r["sent"], r["refusal_respected"]) for r in data["runs"]] == [
    # "sent": personal_data_transmitted findings of the run (the Sentry envelope adds two to each, the sealed
    # registration seven: with issue #16's device name)
        ("child-refuse", "refused", 29, False), ("child-accept", "accepted", 35, None)]
    # each exhibit names a finding of its own case
    for row in data["after_refusal"]:
        for exhibit in row["exhibits"]:
            findings = json.loads((runs[exhibit["run"]] / "analysis/findings.json").read_text("utf-8"))["findings"]
            assert exhibit["finding"] in {f["id"] for f in findings}
    assert "Still sent after refusal" in (out / "compare.html").read_text("utf-8")
    # judged by the rulesets (issue #17): ByteDance's beacon after the choice, refused or accepted alike (the
    # first party's login rows engage nothing); no young-as-adult row, as both runs are the child's
    assert json.loads(done.stdout)["verdicts"] == ["refusal-made-no-difference"]
    [verdict] = data["verdicts"]
    engaged = [f for f in data["findings"] if f["id"] in verdict["findings"]]
    assert sorted((f["compared"]["section"], f["compared"]["recipient"], f["data_category"]) for f in engaged) == [
        ("refusal_no_difference", "snssdk.com", "android_id"), ("refusal_no_difference", "snssdk.com",
                                                                "device_identifier")]
    assert len(data["findings"]) == 17 + 5 + 5
    assert "Verdicts on the comparison" in (out / "compare.html").read_text("utf-8")


def test_the_refusing_run_has_its_verdict(runs) -> None:
    findings = json.loads((runs["child-refuse"] / "analysis/findings.json").read_text("utf-8"))["findings"]
    verdicts = json.loads((runs["child-refuse"] / "analysis/verdicts.json").read_text("utf-8"))["verdicts"]
    [after] = [v for v in verdicts if v["rule_id"] == "data-sent-after-refusal"]
    by_id = {f["id"]: f for f in findings}
    assert sorted((by_id[i]["recipient"]["domain"], by_id[i]["data_category"], by_id[i]["refusal_timing"])
                  for i in after["findings"]) == [("snssdk.com", "android_id", "after"),
                                                  ("snssdk.com", "device_identifier", "after")]
    accepted = json.loads((runs["child-accept"] / "analysis/verdicts.json").read_text("utf-8"))["verdicts"]
    assert "data-sent-after-refusal" not in {v["rule_id"] for v in accepted}


def test_declared_versus_observed_on_the_demo(runs) -> None:
    findings = json.loads((runs["child-refuse"] / "analysis/findings.json").read_text("utf-8"))["findings"]
    declared = sorted((f["type"], f.get("data_category") or f["declaration"].get("country") or "",
                       f["recipient"]["domain"]) for f in findings if f["type"].startswith("undeclared_"))
    ids = ["advertising_id", "android_id", "clipboard", "device_identifier", "device_name", "device_serial", "imei",
           "location"]
    assert declared == sorted(
        [("undeclared_collection", c, "snssdk.com") for c in ids]
        + [("undeclared_collection", c, d) for c in ("android_id", "device_identifier")
           for d in ("byteoversea.com", "kumo-analytics.jp")]
        + [("undeclared_collection", "biometric", "example-reference.eu"),
           ("undeclared_collection", "clipboard", "example-reference.eu"),
           ("undeclared_collection", "user_id", "example-reference.eu"),      # the Sentry envelope's installation ID
           ("undeclared_country", "CN", "byteoversea.com"), ("undeclared_country", "CN", "snssdk.com"),
           ("undeclared_recipient", "", "byteoversea.com"), ("undeclared_recipient", "", "snssdk.com")]
        # Kumo Analytics is the policy's declared processor: no sharing
        + [("undeclared_sharing", c, "snssdk.com") for c in ids]
        + [("undeclared_sharing", "email", "snssdk.com")]       # declared collected, not shared (sealed registration)
        + [("undeclared_sharing", c, "byteoversea.com") for c in ("android_id", "device_identifier")])
    sharing = next(f for f in findings if f["type"] == "undeclared_sharing" and f["data_category"] == "imei")
    assert sharing["declaration"]["says"] == {
        "en": "Data safety (play.google.com, Data safety: com.example.reference, 2026-12-01): no data shared",
        "nl": "Data safety (play.google.com, Data safety: com.example.reference, 2026-12-01): geen gegevens gedeeld"}
    assert sharing["declaration"]["observed"]["en"].startswith(
        "imei (Play data type 'Device or other IDs') sent to snssdk.com (Beijing Douyin Information Service Co., "
        "Ltd., CN), recipient role other_recipient")


def test_a_teen_leaving_the_dialog_unanswered(runs, tmp_path) -> None:
    records = list(read_records(runs["teen-none"] / "ledger.jsonl"))
    [entered] = [r["body"] for r in records if r["kind"] == "device.persona_entered"]
    assert (entered["persona"], entered["age"]) == ("teen", 16)
    assert [r["body"]["found"] for r in records if r["kind"] == "device.consent_dialog"] == [True]
    assert [r for r in records if r["kind"] in ("device.consent_accepted", "device.consent_refused")] == []
    # the user left the app: no login, no SDK started by consent; everything it sent is before any choice
    hosts = sorted(r["body"]["request"]["host"] for r in records if r["kind"] == "proxy.flow")
    assert hosts == ["api.example-reference.eu"] * 3 + ["cfg.kumo-analytics.jp",       # profile, paste, Sentry
                     "ib.snssdk.com", "log.byteoversea.com", "log.snssdk.com", "mon.snssdk.com",
                     "shop.example-merchant.de"]
    done = subprocess.run([str(AUDITOR), "compare", str(runs["teen-none"]), str(runs["child-accept"]), "--out",
                           str(tmp_path / "cmp"), "--json"], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    data = json.loads((tmp_path / "cmp" / "compare.json").read_text("utf-8"))
    assert [(r["label"], r["persona"], r["choice"], r["choice_seq"]) for r in data["runs"]][0] == (
        "teen-none", "teen", "none", None)
    assert data["young_as_adult"] == [] and data["after_refusal"] == []
