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
from auditor.compare.runs import Choice, load_run
from auditor.errors import InputError
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
    # ledger: 1 created, 2 updated (device), 3 the flow before, 4 the choice, 5 and 6 the flows after
    assert table(c.before_choice) == [
        ("snssdk.com", "advertising_id", [("adult-accept", (3,)), ("child-accept", (3,)), ("child-refuse", (3, 6))])]
    assert table(c.after_refusal) == [("brightpixel-ads.com", "android_id", [("child-refuse", (5,))]),
                                      ("snssdk.com", "advertising_id", [("child-refuse", (3, 6))])]
    # the child's refusal changed nothing for the pixel: it is sent as after the child's acceptance
    assert table(c.refusal_no_difference) == [
        ("brightpixel-ads.com", "android_id", [("child-accept", (5,)), ("child-refuse", (5,))])]
    assert table(c.young_as_adult) == [
        ("appsflyer.com", "advertising_id", [("adult-accept", (5,)), ("child-accept", (6,))]),
        ("snssdk.com", "advertising_id", [("adult-accept", (3,)), ("child-accept", (3,))])]
    assert [(r.label, r.sent, r.refusal_respected) for r in c.runs] == [
        ("child-refuse", 2, False), ("child-accept", 3, None), ("adult-accept", 2, None)]


def test_compare_command_writes_json_and_html(runs, tmp_path):
    out = tmp_path / "cmp"
    result = CliRunner().invoke(cli, ["compare", *map(str, runs), "--out", str(out), "--lang", "nl", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rows"] == {"before_choice": 1, "after_refusal": 2, "refusal_no_difference": 1,
                                                 "young_as_adult": 2}
    data = json.loads((out / "compare.json").read_text("utf-8"))
    assert data["format"] == "auditor-compare/1" and len(data["runs"]) == 3
    assert data["after_refusal"][0]["exhibits"][0]["finding"].startswith("F-")
    html = (out / "compare.html").read_text("utf-8")
    assert "Nog verzonden na weigering" in html and "Weigering gerespecteerd" in html and "geweigerd" in html


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
