"""Personas at the age gate and consent dialogs over adb: the scripted phone's screen (uiautomator dump,
screencap PNG, input tap/text, run-as) behind the fake adb server, and the audit's UI step against it —
entering the child persona, then accepting or refusing (on the first layer or the second)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from ui_app import TCF_ACCEPTED, TCF_REFUSED, age_gate_and_consent

from auditor.analyze.run import analyze
from auditor.audit.adb_phone import AdbPhone
from auditor.audit.components import Components
from auditor.audit.consent_dialog import Choice, DarkPattern, Role, classify, emphasis, find_dialog
from auditor.audit.hierarchy import parse_hierarchy
from auditor.audit.persona import Entry, Persona, birthdate, find_age_gate
from auditor.audit.pixels import contrast_ratios
from auditor.audit.run import Audit, AuditPlan
from auditor.case.bundle import Case
from auditor.case.ledger_check import read_records
from auditor.device.journal import journal_path
from auditor.device.ui import consent_keys
from auditor.errors import InputError

PACKAGE = "com.example.privacyfixture"


def screen_of(app, name):
    app.current = name
    return parse_hierarchy(app.dump(), "test dump")


# -- the hierarchy, the dialog and the age gate, from the scripted screens ---------------------------------
def test_consent_dialog_found_and_classified():
    app = age_gate_and_consent(PACKAGE)
    dialog = find_dialog(screen_of(app, "consent"))
    assert dialog is not None
    assert [(c.role, c.label, c.keyword) for c in dialog.controls] == [
        (Role.ACCEPT, "Accept all", "accept"), (Role.SETTINGS, "Manage options", "options"),
        (Role.REFUSE, "Reject all", "reject")]
    assert dialog.keywords == ("advertising", "cookies", "partners", "personal data", "personalised", "privacy",
                               "we and our")
    assert dialog.score == 7 and (dialog.box.left, dialog.box.top, dialog.box.right, dialog.box.bottom) == (
        60, 700, 1020, 1700)
    # neither the age gate nor the home screen is a consent dialog, though the gate has a "Continue"
    assert find_dialog(screen_of(app, "age")) is None and find_dialog(screen_of(app, "home")) is None


def test_accept_emphasised_by_size_and_contrast():
    app = age_gate_and_consent(PACKAGE)
    dialog = find_dialog(screen_of(app, "consent"))
    contrast = contrast_ratios(app.png(), "test screenshot", dialog.box, {c.node: c.bounds for c in dialog.controls})
    measured = emphasis(dialog, contrast)
    assert measured.area_ratio == pytest.approx(880 * 160 / (420 * 60))
    accept, refuse = dialog.first(Role.ACCEPT), dialog.first(Role.REFUSE)
    assert contrast[refuse.node] == pytest.approx(1.1597, abs=1e-3)     # light grey on white
    assert contrast[accept.node] == pytest.approx(4.5050, abs=1e-3)     # Google blue on white
    assert dialog.dark_patterns(measured) == [DarkPattern.ACCEPT_EMPHASISED]
    only_options = find_dialog(screen_of(age_gate_and_consent(PACKAGE, refuse_on_first_layer=False), "consent"))
    assert emphasis(only_options, None) is None
    assert only_options.dark_patterns(None) == [DarkPattern.NO_REFUSE_FIRST_LAYER]


@pytest.mark.parametrize(("label", "role", "language"), [
    ("Alles weigeren", Role.REFUSE, "nl"), ("Niet akkoord", Role.REFUSE, "nl"), ("Akkoord", Role.ACCEPT, "nl"),
    ("Instellingen beheren", Role.SETTINGS, "nl"), ("Alle akzeptieren", Role.ACCEPT, "de"),
    ("Ablehnen", Role.REFUSE, "de"), ("Nicht zustimmen", Role.REFUSE, "de"), ("Einstellungen", Role.SETTINGS, "de"),
    ("I do not agree", Role.REFUSE, "en"), ("Continue without accepting", Role.REFUSE, "en"),
    ("OK", Role.ACCEPT, "en")])
def test_control_labels_in_three_languages(label, role, language):
    assert classify(label)[:2] == (role, language)


def test_unclassified_labels():
    assert classify("Welcome") is None and classify("Bookmarks") is None    # "ok" only as a word


def test_age_gate_and_the_persona_birthdate():
    gate = find_age_gate(screen_of(age_gate_and_consent(PACKAGE), "age"))
    assert (gate.asks, gate.date_format, gate.field.resource_id, gate.confirm.text) == (
        "date", "%d-%m-%Y", f"{PACKAGE}:id/birthdate", "Continue")
    on = date(2026, 12, 2)
    assert birthdate(Persona.CHILD, on) == date(2013, 11, 1)
    assert birthdate(Persona.TEEN, on) == date(2010, 11, 1)
    assert birthdate(Persona.ADULT, date(2027, 3, 31)) == date(1997, 2, 28)   # 31 days back is 28 Feb
    assert gate.value(Persona.CHILD, on) == "01-11-2013"


def test_untrusted_dumps_refused():
    with pytest.raises(InputError, match="UI dump declares a document type or entities"):
        parse_hierarchy(b'<?xml version="1.0"?><!DOCTYPE h [<!ENTITY a "aaaa">]><hierarchy>&a;</hierarchy>', "d")
    with pytest.raises(InputError, match="UI dump of 4194327 bytes is larger than the 4194304-byte limit"):
        parse_hierarchy(b"<hierarchy>" + b" " * (4 << 20) + b"</hierarchy>", "d")
    with pytest.raises(InputError, match="UI dump.s root element is <map>, not <hierarchy>"):
        parse_hierarchy(b"<map/>", "d")
    with pytest.raises(InputError, match=r"node 0 has no bounds like \[l,t\]\[r,b\]: '1,2'"):
        parse_hierarchy(b'<hierarchy><node bounds="1,2"/></hierarchy>', "d")


def test_shared_preferences_read_as_untrusted_xml():
    prefs = (b"<?xml version='1.0' encoding='utf-8' standalone='yes' ?>\n<map><int name=\"IABTCF_gdprApplies\" "
             b"value=\"1\" /><string name=\"IABTCF_TCString\">CQx.AAAA</string><string name=\"theme\">dark</string>"
             b"<string name=\"IABGPP_HDR_GppString\">DBAA</string></map>")
    assert consent_keys(prefs, "prefs") == {"IABGPP_HDR_GppString": "DBAA", "IABTCF_TCString": "CQx.AAAA",
                                            "IABTCF_gdprApplies": "1"}
    with pytest.raises(InputError, match="SharedPreferences file declares a document type or entities"):
        consent_keys(b'<!DOCTYPE m [<!ENTITY x "y">]><map>&x;</map>', "prefs")


# -- the audit's UI step over the fake adb server -----------------------------------------------------------
def audit_ui(adb_env, phone, case_dir: Path, consent: Choice) -> tuple[list[dict], list[str]]:
    adb_env(phone)
    said: list[str] = []
    plan = AuditPlan(serial=phone.serial, package=PACKAGE, case_dir=case_dir, duration=1.0, persona="child",
                     persona_entry=Entry.SCRIPTED, consent=consent, ui_wait=2.0)
    result = Audit(plan, Components(AdbPhone.for_plan(plan), None, None, None), said.append).run()
    assert (result.reason, result.sealed, result.cleanup_problems) == ("completed", True, [])
    assert not journal_path(phone.serial).exists()
    return list(read_records(case_dir / "ledger.jsonl")), said


def bodies(records, kind):
    return [r["body"] for r in records if r["kind"] == kind]


def test_child_refuses_on_the_first_layer(adb_env, scripted, tmp_path):
    phone = scripted.android11_plain()
    phone.app = age_gate_and_consent(PACKAGE)
    today = datetime.now(UTC).date()
    typed = birthdate(Persona.CHILD, today).strftime("%d-%m-%Y")
    records, said = audit_ui(adb_env, phone, tmp_path / "case", Choice.REFUSE)
    case = Case.open(tmp_path / "case")

    [entered] = bodies(records, "device.persona_entered")
    assert {k: entered[k] for k in ("persona", "age", "birthdate", "asks", "value", "entry", "shown_in_field",
                                    "gate_closed")} == {
        "persona": "child", "age": 13, "birthdate": birthdate(Persona.CHILD, today).isoformat(), "asks": "date",
        "value": typed, "entry": "scripted", "shown_in_field": True, "gate_closed": True}
    assert entered["field"] == {"resource_id": f"{PACKAGE}:id/birthdate", "label": "DD-MM-YYYY",
                                "bounds": [60, 560, 1020, 680]}
    # the app received it: the field showed the typed birthdate on the screenshot's dump
    assert phone.app.typed == {"birthdate": typed}
    # tapped: the field, Continue, then Reject all (never Accept all)
    assert phone.app.taps == [(540, 620, "birthdate"), (540, 860, "next"), (770, 1630, "reject")]
    inputs = bodies(records, "device.input")
    assert [(i["action"], i.get("text")) for i in inputs] == [("tap", None), ("text", typed), ("tap", None),
                                                              ("tap", None)]
    assert inputs[-1]["command"] == "input tap 770 1630"

    [dialog] = bodies(records, "device.consent_dialog")
    assert (dialog["found"], dialog["layer"], dialog["score"], dialog["dark_patterns"]) == (
        True, 1, 7, ["accept_emphasised"])
    assert dialog["emphasis"] == {"area_ratio": 5.587, "contrast_ratio": 3.883}
    assert [(c["role"], c["label"], c["centre"]) for c in dialog["controls"]] == [
        ("accept", "Accept all", [540, 1380]), ("settings", "Manage options", [310, 1630]),
        ("refuse", "Reject all", [770, 1630])]
    [refused] = bodies(records, "device.consent_refused")
    assert refused["text"] == "auditor tapped 'Reject all' (refuse) on layer 1 of the consent dialog"
    assert bodies(records, "device.consent_accepted") == []

    states = bodies(records, "device.consent_state")
    assert [(s["when"], s["how"], s["keys"]) for s in states] == [
        ("before the choice", "run-as: the app has no default SharedPreferences file", {}),
        ("after the choice", "run-as", dict(sorted(TCF_REFUSED.items())))]
    # Google UMP's own file: absent before the choice, its ConsentStatus OBTAINED (3) after it
    assert [s["ump"] for s in states] == [{}, {"consent_status": "3"}]

    shots = [r for r in records if r["kind"] == "device.screenshot"]
    assert [r["body"]["step"] for r in shots] == ["age gate shown", "age gate filled in", "age gate confirmed",
                                                  "consent dialog, layer 1", "after the consent choice"]
    for record in shots:
        data = case.artifacts.read_bytes(record["artifact"], 1 << 26)
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and hashlib.sha256(data).hexdigest() == record["body"]["sha256"]
    # the dialog's record names the dump it was found in, and that dump holds the dialog
    [dump] = [r for r in records if r["seq"] == dialog["dump"]]
    assert dump["kind"] == "device.ui_dump" and b"Reject all" in case.artifacts.read_bytes(dump["artifact"], 1 << 22)
    # every capture file was removed from the device again
    assert not [name for name in phone.dirs["/sdcard/Download"] if name.startswith("auditor-")]
    assert "consent: tapped 'Reject all'" in said
    assert "[5/6] establish the persona and answer the consent dialog" in said


def test_child_accepts(adb_env, scripted, tmp_path):
    phone = scripted.android11_plain()
    phone.app = age_gate_and_consent(PACKAGE)
    records, _ = audit_ui(adb_env, phone, tmp_path / "case", Choice.ACCEPT)
    assert phone.app.taps[-1] == (540, 1380, "accept")
    [accepted] = bodies(records, "device.consent_accepted")
    assert accepted["control"]["label"] == "Accept all" and accepted["layer"] == 1
    assert [s["keys"] for s in bodies(records, "device.consent_state")] == [{}, dict(sorted(TCF_ACCEPTED.items()))]


def test_refusal_on_the_second_layer_and_root_read(adb_env, scripted, tmp_path):
    phone = scripted.android16_rooted_aosp()
    phone.app = age_gate_and_consent(PACKAGE, refuse_on_first_layer=False)
    phone.app.debuggable = False
    records, said = audit_ui(adb_env, phone, tmp_path / "case", Choice.REFUSE)
    assert [t[2] for t in phone.app.taps] == ["birthdate", "next", "options", "reject2"]
    first, second = bodies(records, "device.consent_dialog")
    assert first["dark_patterns"] == ["no_refuse_on_first_layer"] and first["emphasis"] is None
    assert (second["layer"], [c["label"] for c in second["controls"]]) == (2, ["Reject all"])
    [refused] = bodies(records, "device.consent_refused")
    assert refused["layer"] == 2
    assert [(s["how"], s["keys"]) for s in bodies(records, "device.consent_state")] == [
        ("root: the app has no default SharedPreferences file", {}), ("root", dict(sorted(TCF_REFUSED.items())))]
    assert "consent dialog found: accept 'Accept all', settings 'Manage options'; dark pattern: " \
           "no_refuse_on_first_layer" in said


def test_consent_state_unknown_without_run_as_or_root(adb_env, scripted, tmp_path):
    phone = scripted.android11_plain()
    phone.app = age_gate_and_consent(PACKAGE)
    phone.app.debuggable = False
    records, _ = audit_ui(adb_env, phone, tmp_path / "case", Choice.NONE)
    assert [(s["how"], s["keys"]) for s in bodies(records, "device.consent_state")] == [
        (f"unknown: run-as refused (run-as: package not debuggable: {PACKAGE}) and the device is not rooted", None)]
    assert phone.app.current == "consent" and bodies(records, "device.consent_refused") == []


def test_no_age_gate_ends_the_audit_with_the_reason(adb_env, scripted, tmp_path):
    phone = scripted.android11_plain()
    phone.app = age_gate_and_consent(PACKAGE)
    phone.app.current = "home"
    adb_env(phone)
    plan = AuditPlan(serial=phone.serial, package=PACKAGE, case_dir=tmp_path / "case", duration=1.0,
                     persona="teen", persona_entry=Entry.SCRIPTED, ui_wait=1.0)
    result = Audit(plan, Components(AdbPhone.for_plan(plan), None, None, None), lambda _: None).run()
    assert result.reason == "error: no age gate (a field asking for an age or birthdate) within 1 s"
    assert result.cleanup_problems == [] and not journal_path(phone.serial).exists()


def test_persona_entry_needs_a_persona(tmp_path):
    with pytest.raises(InputError, match=r"--persona-entry: needs a persona to enter \(child, teen, adult\), "
                                         r"not None"):
        AuditPlan(serial="x", package=PACKAGE, case_dir=tmp_path, persona_entry=Entry.OPERATOR)


def test_the_operator_enters_the_persona_and_makes_the_choice(adb_env, scripted, tmp_path):
    """--persona-entry operator --consent operator: auditor says what to do, photographs each screen, and
    waits; the operator (here: a thread answering auditor's prompts) types and taps on the phone."""
    phone = scripted.android11_plain()
    phone.app = age_gate_and_consent(PACKAGE)
    adb_env(phone)
    said: list[str] = []

    def operator(text: str) -> None:
        said.append(text)
        app = phone.app
        if text.startswith("operator: type "):
            app.typed["birthdate"] = text.split()[2]            # typed on the phone, not through adb
        elif text.startswith("operator: now confirm"):
            app.current = "consent"
        elif text.startswith("operator: make the consent choice"):
            app.prefs.update(TCF_REFUSED)
            phone.write(app.prefs_path, app.prefs_xml())
            app.current = "home"

    plan = AuditPlan(serial=phone.serial, package=PACKAGE, case_dir=tmp_path / "case", duration=1.0,
                     persona="adult", persona_entry=Entry.OPERATOR, consent=Choice.OPERATOR, ui_wait=3.0)
    result = Audit(plan, Components(AdbPhone.for_plan(plan), None, None, None), operator).run()
    assert result.reason == "completed", result.reason
    records = list(read_records(tmp_path / "case" / "ledger.jsonl"))
    [entered] = bodies(records, "device.persona_entered")
    assert (entered["persona"], entered["age"], entered["entry"], entered["shown_in_field"], entered["gate_closed"]) \
        == ("adult", 30, "operator", True, True)
    # auditor typed and tapped nothing: the operator did
    assert bodies(records, "device.input") == [] and phone.app.taps == []
    assert bodies(records, "device.consent_refused") == bodies(records, "device.consent_accepted") == []
    assert [s["keys"] for s in bodies(records, "device.consent_state")] == [{}, dict(sorted(TCF_REFUSED.items()))]
    assert ("operator: make the consent choice on the phone and record it with 'auditor mark "
            f"{tmp_path / 'case'} TEXT --kind consent-accepted|consent-refused'") in said


# -- a consent dialog rendered inside a WebView (a web CMP), as Chromium's accessibility tree dumps it -------
def webview_dump(title: str, body: str, accept: str, refuse: str, settings: str) -> bytes:
    """A page in an android.webkit.WebView: its elements are android.view.View nodes; accept is a clickable
    View whose label is its child's text, refuse a <button> whose click handler sits on an ancestor (dumped
    not clickable), settings a link labelled by its content description. The WebView itself is clickable."""
    def node(cls: str, bounds: str, text: str = "", desc: str = "", clickable: bool = False, inner: str = "") -> str:
        return (f'<node index="0" text="{text}" resource-id="" class="{cls}" package="com.example.news" '
                f'content-desc="{desc}" checkable="false" checked="false" clickable="{str(clickable).lower()}" '
                f'enabled="true" focusable="true" focused="false" scrollable="false" long-clickable="false" '
                f'password="false" selected="false" bounds="{bounds}">{inner}</node>')
    view = "android.view.View"
    page = node(view, "[0,600][1080,2400]", inner="".join([
        node(view, "[40,640][1040,720]", text=title),
        node(view, "[40,740][1040,1100]", text=body),
        node(view, "[40,1200][1040,1340]", clickable=True, inner=node(view, "[380,1240][700,1300]", text=accept)),
        node("android.widget.Button", "[40,1380][1040,1520]", text=refuse),
        node(view, "[40,1560][1040,1640]", desc=settings, clickable=True)]))
    web = node("android.webkit.WebView", "[0,600][1080,2400]", clickable=True, inner=page)
    root = node("android.widget.FrameLayout", "[0,0][1080,2400]", inner=web)
    return f"<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><hierarchy rotation=\"0\">{root}</hierarchy>" \
        .encode()


@pytest.mark.parametrize("texts, expected, keywords", [
    (("We value your privacy", "We and our partners store and/or access information on a device, such as cookies, "
      "and process personal data for personalised advertising.", "Accept all", "Reject all", "Manage options"),
     [(Role.ACCEPT, "Accept all", "en"), (Role.REFUSE, "Reject all", "en"), (Role.SETTINGS, "Manage options", "en")],
     ("advertising", "cookies", "partners", "personal data", "personalised", "privacy", "we and our")),
    (("Wij waarderen uw privacy", "Wij en onze partners slaan informatie op een apparaat op, zoals cookies, en "
      "verwerken persoonsgegevens voor gepersonaliseerde advertenties.", "Alles accepteren", "Alles weigeren",
      "Opties beheren"),
     [(Role.ACCEPT, "Alles accepteren", "nl"), (Role.REFUSE, "Alles weigeren", "nl"),
      (Role.SETTINGS, "Opties beheren", "nl")],
     ("advertenties", "cookies", "gepersonaliseerde", "partners", "persoonsgegevens", "privacy", "wij en onze")),
])
def test_consent_dialog_in_a_webview(texts, expected, keywords):
    hierarchy = parse_hierarchy(webview_dump(*texts), "webview dump")
    dialog = find_dialog(hierarchy)
    assert dialog is not None and dialog.in_webview is True
    # the WebView node (clickable, holding the whole page) is no control; the delegated button is one
    assert [(c.role, c.label, c.language) for c in dialog.controls] == expected
    assert dialog.keywords == keywords
    assert dialog.record(None)["in_webview"] is True and dialog.dark_patterns(None) == []
    assert [n.cls for n in hierarchy.nodes if n.parent is None] == ["android.widget.FrameLayout"]


def test_a_native_dialogs_unclickable_button_is_no_control():
    app = age_gate_and_consent(PACKAGE)
    dialog = find_dialog(screen_of(app, "consent"))
    assert dialog.in_webview is False and dialog.record(None)["in_webview"] is False
    dump = app.dump().replace(b'clickable="true"', b'clickable="false"')
    assert find_dialog(parse_hierarchy(dump, "unclickable")) is None       # outside a WebView: no controls


# -- what analysis makes of the UI step: dark-pattern and stored-consent findings, and their verdicts ------
def analysed(case_dir: Path) -> tuple[list[dict], dict[str, list[str]]]:
    analyze(case_dir)
    findings = json.loads((case_dir / "analysis/findings.json").read_text("utf-8"))["findings"]
    verdicts = json.loads((case_dir / "analysis/verdicts.json").read_text("utf-8"))["verdicts"]
    return findings, {v["rule_id"]: v["findings"] for v in verdicts}


def test_stored_consent_although_refused(adb_env, scripted, tmp_path):
    phone = scripted.android11_plain()
    phone.app = age_gate_and_consent(PACKAGE, refusal_stores=TCF_ACCEPTED)     # the app stores consent anyway
    records, _ = audit_ui(adb_env, phone, tmp_path / "case", Choice.REFUSE)
    [refused] = [r for r in records if r["kind"] == "device.consent_refused"]
    findings, verdicts = analysed(tmp_path / "case")
    [contrary] = [f for f in findings if f["type"] == "consent_state_contrary"]
    state_seq = [r["seq"] for r in records if r["kind"] == "device.consent_state"][-1]
    assert contrary["stored_consent"] == {
        "choice": "refused", "choice_seq": refused["seq"], "state_seq": state_seq,
        "path": f"/data/data/{PACKAGE}/shared_prefs/{PACKAGE}_preferences.xml", "key": "IABTCF_PurposeConsents",
        "value": "1111111111", "stored_consent": True, "ump_consent_status": "3"}
    assert contrary["confidence"] == "high" and [e["ledger_seq"] for e in contrary["evidence"]["shown"]] == [state_seq]
    [pattern] = [f for f in findings if f["type"] == "consent_dark_pattern"]
    dialog_seq = next(r["seq"] for r in records if r["kind"] == "device.consent_dialog")
    assert {k: pattern["consent_dialog"][k] for k in ("pattern", "dialog_seq", "in_webview", "accept_label",
                                                        "refuse_label", "settings_label", "area_ratio",
                                                        "contrast_ratio")} == {
        "pattern": "accept_emphasised", "dialog_seq": dialog_seq, "in_webview": False, "accept_label": "Accept all",
        "refuse_label": "Reject all", "settings_label": "Manage options", "area_ratio": 5.587,
        "contrast_ratio": 3.883}
    assert pattern["confidence"] == "medium"
    assert sorted(verdicts) == ["consent-dialog-accept-emphasised", "consent-stored-although-refused"]
    assert verdicts["consent-stored-although-refused"] == [contrary["id"]]
    assert verdicts["consent-dialog-accept-emphasised"] == [pattern["id"]]


def test_stored_refusal_after_accepting_is_a_finding_but_no_verdict(adb_env, scripted, tmp_path):
    phone = scripted.android11_plain()
    phone.app = age_gate_and_consent(PACKAGE)
    phone.app.screens["consent"] = [replace(e, sets=TCF_REFUSED) if e.id == "accept" else e
                                    for e in phone.app.screens["consent"]]
    audit_ui(adb_env, phone, tmp_path / "case", Choice.ACCEPT)
    findings, verdicts = analysed(tmp_path / "case")
    [contrary] = [f for f in findings if f["type"] == "consent_state_contrary"]
    assert (contrary["stored_consent"]["choice"], contrary["stored_consent"]["stored_consent"]) == ("accepted", False)
    assert "consent-stored-although-refused" not in verdicts


def test_no_refuse_on_the_first_layer_is_a_verdict(adb_env, scripted, tmp_path):
    phone = scripted.android11_plain()
    phone.app = age_gate_and_consent(PACKAGE, refuse_on_first_layer=False)
    audit_ui(adb_env, phone, tmp_path / "case", Choice.REFUSE)
    findings, verdicts = analysed(tmp_path / "case")
    [pattern] = [f for f in findings if f["type"] == "consent_dark_pattern"]
    assert (pattern["consent_dialog"]["pattern"], pattern["consent_dialog"]["refuse_label"],
            pattern["consent_dialog"]["settings_label"], pattern["confidence"]) == (
        "no_refuse_on_first_layer", None, "Manage options", "high")
    # the refusal on the second layer stored the refusal: nothing contrary
    assert [f for f in findings if f["type"] == "consent_state_contrary"] == []
    assert sorted(verdicts) == ["consent-dialog-no-refuse-on-first-layer"]
