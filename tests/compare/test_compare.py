"""`auditor compare` over really analysed cases: a child refusing, a child accepting and an adult accepting,
each with flows before and after its consent choice, compared per recipient and data category."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.analyze.run import analyze
from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.cli import cli
from auditor.compare.compare import compare
from auditor.compare.judge import judge
from auditor.compare.runs import Choice, load_run
from auditor.errors import InputError
from auditor.rules.schema import default_rules_dir, load_rulesets
from tests.analysis.builders import add_flow, attestation

AD_ID = "4f6c8a2e-1b3d-4e5f-8a7b-9c0d1e2f3a4b"
ANDROID_ID = "9a3c1f7e5b2d4e60"
REGISTER = ("https://log.snssdk.com/register", f'{{"aid":"{AD_ID}"}}'.encode())
PIXEL = (f"https://t.brightpixel-ads.com/px?android_id={ANDROID_ID}", None)
ATTRIBUTION = ("https://launches.appsflyer.com/api/v6.9/androidevent", f'{{"advertiserId":"{AD_ID}"}}'.encode())


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def run_case(root: Path, persona: str, choice: Kind | None, before: list, after: list) -> Path:
    case = Case.create(root, operator="test", persona=persona)
    case.set_section("device", attestation(advertising_id=AD_ID, android_id=ANDROID_ID))
    now = datetime.now(UTC)
    with case.ledger(fsync_interval=0) as ledger:
        for number, (url, body) in enumerate(before):
            add_flow(case, ledger, url, body, start=iso(now - timedelta(seconds=60 - number)), flow_id=f"b{number}",
                     method="POST" if body else "GET")
        if choice is not None:
            ledger.append("device", choice, {"text": "test choice"})
        for number, (url, body) in enumerate(after):
            add_flow(case, ledger, url, body, start=iso(now + timedelta(seconds=60 + number)), flow_id=f"a{number}",
                     method="POST" if body else "GET")
    analyze(root)
    return root


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("runs")
    return [run_case(base / "child-refuse", "child", Kind.DEVICE_CONSENT_REFUSED, [REGISTER], [PIXEL, REGISTER]),
            run_case(base / "child-accept", "child", Kind.DEVICE_CONSENT_ACCEPTED, [REGISTER], [PIXEL, ATTRIBUTION]),
            run_case(base / "adult-accept", "adult", Kind.OPERATOR_CONSENT_ACCEPTED, [REGISTER], [ATTRIBUTION])]


def table(rows):
    return [(r.recipient, r.data_category, [(e.run, e.ledger_seqs) for e in r.exhibits]) for r in rows]


def test_runs_compared(runs):
    loaded = [load_run(path) for path in runs]
    assert [(r.label, r.persona, r.choice, r.choice_seq) for r in loaded] == [
        ("child-refuse", "child", Choice.REFUSED, 4), ("child-accept", "child", Choice.ACCEPTED, 4),
        ("adult-accept", "adult", Choice.ACCEPTED, 4)]
    c = compare(loaded)
    # ledger: 1 created, 2 updated (device), 3 the flow before, 4 the choice, 5 and 6 the flows after. The
    # refusing run's registration before and after the refusal are two findings (refusal_timing before / after)
    assert table(c.before_choice) == [
        ("snssdk.com", "advertising_id", [("adult-accept", (3,)), ("child-accept", (3,)), ("child-refuse", (3,))])]
    assert table(c.after_refusal) == [("brightpixel-ads.com", "android_id", [("child-refuse", (5,))]),
                                      ("snssdk.com", "advertising_id", [("child-refuse", (6,))])]
    # the child's refusal changed nothing for the pixel: it is sent as after the child's acceptance
    assert table(c.refusal_no_difference) == [
        ("brightpixel-ads.com", "android_id", [("child-accept", (5,)), ("child-refuse", (5,))])]
    assert table(c.young_as_adult) == [
        ("appsflyer.com", "advertising_id", [("adult-accept", (5,)), ("child-accept", (6,))]),
        ("snssdk.com", "advertising_id", [("adult-accept", (3,)), ("child-accept", (3,))])]
    assert [(r.label, r.sent, r.refusal_respected) for r in c.runs] == [
        ("child-refuse", 3, False), ("child-accept", 3, None), ("adult-accept", 2, None)]


def test_the_comparison_judged_by_the_rulesets(runs):
    loaded = [load_run(path) for path in runs]
    judged = judge(compare(loaded), loaded, load_rulesets(default_rules_dir()))
    # one runs_compared finding per row: before 1, after refusal 2, no difference 1, young as adult 2
    assert [(f.compared.section.value, f.compared.recipient, f.data_category.value) for f in judged.findings] == [
        ("before_choice", "snssdk.com", "advertising_id"), ("after_refusal", "brightpixel-ads.com", "android_id"),
        ("after_refusal", "snssdk.com", "advertising_id"), ("refusal_no_difference", "brightpixel-ads.com",
                                                           "android_id"),
        ("young_as_adult", "appsflyer.com", "advertising_id"), ("young_as_adult", "snssdk.com", "advertising_id")]
    young = judged.findings[4]
    assert (young.compared.young_persona, young.compared.choice, young.confidence.value) == ("child", "accepted",
                                                                                            "high")
    assert [(e.run, e.persona, e.choice.value, e.ledger_seqs) for e in young.compared.exhibits] == [
        ("adult-accept", "adult", "accepted", (5,)), ("child-accept", "child", "accepted", (6,))]
    assert all(e.case_id == Case.open(runs[[r.label for r in loaded].index(e.run)]).id
               for f in judged.findings for e in f.compared.exhibits)
    by_rule = {v.rule_id: v.findings for v in judged.verdicts}
    assert sorted(by_rule) == ["refusal-made-no-difference", "young-persona-receives-as-adult"]
    assert by_rule["refusal-made-no-difference"] == (judged.findings[3].id,)
    assert by_rule["young-persona-receives-as-adult"] == tuple(sorted(f.id for f in judged.findings[4:]))


def test_the_refusing_case_has_its_after_refusal_verdict(runs):
    findings = json.loads((runs[0] / "analysis/findings.json").read_text("utf-8"))["findings"]
    sent = sorted((f["recipient"]["domain"], f["data_category"], f.get("refusal_timing"), f["consent_timing"])
                  for f in findings if f["type"] == "personal_data_transmitted")
    assert sent == [("brightpixel-ads.com", "android_id", "after", "no_mark"),
                    ("snssdk.com", "advertising_id", "after", "no_mark"),
                    ("snssdk.com", "advertising_id", "before", "no_mark")]
    verdicts = json.loads((runs[0] / "analysis/verdicts.json").read_text("utf-8"))["verdicts"]
    [after] = [v for v in verdicts if v["rule_id"] == "data-sent-after-refusal"]
    ids = {f["id"]: (f["recipient"]["domain"], f.get("refusal_timing")) for f in findings}
    assert sorted(ids[i] for i in after["findings"]) == [("brightpixel-ads.com", "after"), ("snssdk.com", "after")]
    # the accepting runs have no refusal mark: their findings carry no refusal_timing, and no such verdict
    accepted = json.loads((runs[1] / "analysis/findings.json").read_text("utf-8"))["findings"]
    assert all(f.get("refusal_timing") is None for f in accepted)


def test_compare_command_writes_json_and_html(runs, tmp_path):
    out = tmp_path / "cmp"
    result = CliRunner().invoke(cli, ["compare", *map(str, runs), "--out", str(out), "--lang", "nl", "--json"])
    assert result.exit_code == 0, result.output
    output = json.loads(result.output)
    assert output["rows"] == {"before_choice": 1, "after_refusal": 2, "refusal_no_difference": 1,
                              "young_as_adult": 2}
    assert output["verdicts"] == ["refusal-made-no-difference", "young-persona-receives-as-adult"]
    data = json.loads((out / "compare.json").read_text("utf-8"))
    assert data["format"] == "auditor-compare/1" and len(data["runs"]) == 3
    assert data["after_refusal"][0]["exhibits"][0]["finding"].startswith("F-")
    assert [r["name"] for r in data["rulesets"]] == ["gdpr"] and len(data["findings"]) == 6
    assert sorted(v["rule_id"] for v in data["verdicts"]) == output["verdicts"]
    assert {f["id"] for v in data["verdicts"] for f in data["findings"] if f["id"] in v["findings"]} <= {
        f["id"] for f in data["findings"] if f["type"] == "runs_compared"}
    html = (out / "compare.html").read_text("utf-8")
    assert "Nog verzonden na weigering" in html and "Weigering gerespecteerd" in html and "geweigerd" in html
    # the verdicts in Dutch, with their citations formatted as the report formats them
    assert "Oordelen over de vergelijking" in html and "Dezelfde gegevens verzonden na weigeren" in html
    assert "art. 8 lid 1 AVG" in html and "overweging 42 AVG" in html


def test_compare_refuses_unanalysed_and_single_cases(runs, tmp_path):
    bare = Case.create(tmp_path / "bare", operator="test").root
    with pytest.raises(InputError, match="not analysed yet: run 'auditor analyze' on it first"):
        load_run(bare)
    with pytest.raises(InputError, match="needs at least two analysed cases, got 1"):
        compare([load_run(runs[0])])


def test_compare_refuses_different_app_versions(runs):
    first, second = load_run(runs[0]), load_run(runs[1])
    from dataclasses import replace
    with pytest.raises(InputError, match=r"different app version codes \(child-refuse: 7, child-accept: 8\)"):
        compare([replace(first, version_code=7), replace(second, version_code=8)])
