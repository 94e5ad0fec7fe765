"""The report of a real case: `auditor demo` run once per session (the reference app under the real Frida
hooks, real capture, static scan, seal, analysis), rendered in English and Dutch, and its exact content
checked in the HTML, the JSON and the PDF text (pypdf): the cover's app identity, the device attestation
table, what was planted, the clipboard read by com.bytedance.sdk with its stack, the transfer to China with
both country views and the operator, and the known unknowns naming the hooks that could not be installed."""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from auditor.case import keys
from auditor.demo.run import DEVICE, PLANTS, run_demo
from auditor.reference.assets import reference_apk
from auditor.report.render import write_report

from .english import english_in, english_sentences, html_text, recorded_english
from .helpers import pdf_text

SIMULATED_HOW = "set by auditor demo in the simulated phone's device state"
# the stand-in libraries the JVM reference app lacks, and OkHttp (it sends through HttpsURLConnection)
NOT_INSTALLED = ["android.hardware.camera2.CaptureRequest$Builder.set",
                 "androidx.biometric.BiometricPrompt.authenticate",
                 "com.google.android.gms.vision.face.FaceDetector.detect",
                 "com.google.mlkit.vision.face.FaceDetector.process",
                 "okhttp3.Call.enqueue", "okhttp3.Call.execute",
                 "okhttp3.internal.http.RealInterceptorChain.proceed"]
SDK_FRAME = "com.bytedance.sdk.DeviceInfo.collect(DeviceInfo.java:43)"


@dataclass
class DemoReport:
    case: Path
    html: dict[str, str]          # lang -> report.html
    annex: dict[str, str]         # lang -> annex.html (the annex bundle)
    pdf: dict[str, str]           # lang -> PDF text, whitespace collapsed
    data: dict[str, Any]          # report.json (en)
    pages: int                    # pages of the English PDF
    directory: Path               # the English report directory


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory, auditor_home: Path) -> DemoReport:
    out = tmp_path_factory.mktemp("demo")
    result = run_demo(out, "en", say=lambda line: None)
    key, _ = keys.load_or_create()
    nl = write_report(result.case, ("html", "pdf"), "nl", False, out / "report-nl", key).directory
    en = result.reports["html"].parent
    return DemoReport(
        case=result.case,
        html={"en": (en / "report.html").read_text("utf-8"), "nl": (nl / "report.html").read_text("utf-8")},
        annex={"en": (en / "annex.html").read_text("utf-8"), "nl": (nl / "annex.html").read_text("utf-8")},
        pdf={lang: re.sub(r"\s+", " ", pdf_text(folder / "report.pdf")) for lang, folder in (("en", en),
                                                                                            ("nl", nl))},
        data=json.loads((en / "report.json").read_text("utf-8")),
        pages=len(PdfReader(io.BytesIO((en / "report.pdf").read_bytes())).pages), directory=en)


def _section(page: str, name: str) -> str:
    return page.split(f'id="{name}"', 1)[1].split("</section>", 1)[0]


def _cells(fragment: str) -> list[list[str]]:
    """Rows of the <td> cells (text only, entities decoded) of the tables in an HTML fragment."""
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", fragment, re.S):
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row,
                                                                                       re.S)]
        if cells:
            rows.append(cells)
    return rows


def _article(page: str, finding_id: str) -> str:
    return page.split(f'id="finding-{finding_id}"', 1)[1].split("</article>", 1)[0]


def _finding(demo: DemoReport, ftype: str, **match: str) -> dict[str, Any]:
    found = [f for f in demo.data["findings"] if f["type"] == ftype
             and all(f.get(k) == v or f["recipient"].get(k) == v for k, v in match.items())]
    assert found, (ftype, match)
    return found[0]


def test_cover_names_the_app_by_package_version_and_digests(demo: DemoReport) -> None:
    apk_sha = hashlib.sha256(reference_apk().read_bytes()).hexdigest()
    cert_sha = json.loads((demo.case / "case.json").read_text("utf-8"))["app"]["signing_cert_sha256"][0]
    app_table = demo.html["en"].split('id="cover"', 1)[1].split("<td><table", 1)[1].split("</table>", 1)[0]
    assert _cells(app_table) == [["com.example.reference"], ["1.4.2 (version code 1402)"], [apk_sha], [cert_sha]]
    first_page = demo.pdf["en"].split("Summary", 1)[0]
    assert "Package name com.example.reference Version 1.4.2 (version code 1402)" in first_page
    assert apk_sha in first_page.replace(" ", "") and cert_sha in first_page.replace(" ", "")
    assert "Test device simulated: no phone was used (see Method)" in first_page
    assert "Pakketnaam com.example.reference Versie 1.4.2 (versiecode 1402)" in demo.pdf["nl"]


def test_device_attestation_is_a_table_saying_it_was_simulated(demo: DemoReport) -> None:
    method = _section(demo.html["en"], "method")
    device = method.split('class="grid small device"', 1)[1].split("</table>", 1)[0]
    assert _cells(device) == [[name, DEVICE[name], SIMULATED_HOW, ""] for name in sorted(DEVICE)]
    text = demo.pdf["en"]
    assert ("Test device (attestation) SIMULATED DEVICE — no phone was used (the reference app's JVM stand-ins "
            "for Android (no phone); identifiers set by the demo).") in text
    # two rows: with ten hosts, the timeline chart's text is extracted between them
    assert "Record format auditor-simulated-device/1" in text
    assert "Serial number (adb) none (no device connected over adb)" in text
    assert "Field Value How it was learned Note" in text
    assert "GESIMULEERD TOESTEL — er is geen telefoon gebruikt (" in demo.pdf["nl"]
    assert "Veld Waarde Hoe het is vastgesteld Opmerking" in demo.pdf["nl"]


def test_planted_values_are_shown_as_values(demo: DemoReport) -> None:
    planted = demo.html["en"].split("Values planted by the auditor", 1)[1].split("</table>", 1)[0]
    latitude, longitude = PLANTS.location
    assert _cells(planted) == [["clipboard", PLANTS.clipboard],
                               ["location", f"{latitude},{longitude}"]]
    # the planted position handed to the code four times (the SDK's NMEA sentence is built from it too; the
    # clipboard canary rides on its hook events)
    returned = demo.data["method"]["planted_returned"]
    assert [(p["what"], p["value"]["text"]) for p in returned] == [
        ("location.latitude", str(latitude)), ("location.longitude", str(longitude))] * 4
    assert returned[0]["actor"] == "com.bytedance.sdk" and returned[0]["sdk"] == "Pangle"


def test_clipboard_read_by_the_bytedance_sdk_shows_its_stack(demo: DemoReport) -> None:
    finding = _finding(demo, "clipboard_read", actor="com.bytedance.sdk",
                       api="android.content.ClipboardManager.getPrimaryClip")
    assert finding["actor_detail"] == {"class": "com.bytedance.sdk.DeviceInfo", "frame": SDK_FRAME, "sdk": "Pangle",
                                       "exodus_id": "363", "first_party": False, "basis": "stack",
                                       "request_rewritten": []}
    assert finding["before_consent"] is True and finding["user_action"] is False
    assert [f["frame"] for f in finding["stack"] if f["actor"]] == [
        SDK_FRAME, "com.bytedance.sdk.AppLog.init(AppLog.java:34)"]
    assert finding["planted"][0]["value"]["text"] == PLANTS.clipboard
    assert "finding-" + finding["id"] not in demo.html["en"]          # finding blocks are in the annex bundle
    article = _article(demo.annex["en"], finding["id"])
    assert f'<li value="2" class="actor"><code>{SDK_FRAME}</code></li>' in article
    assert all(frame["shown"] for frame in finding["stack"])        # a short stack is printed whole
    # in the printed report, the SDK's clipboard reads are one exhibit: category, code, every call, one stack
    [number] = finding["exhibits"]
    exhibit = demo.data["exhibits"][number - 1]
    assert (exhibit["kind"], exhibit["category"], exhibit["actor"], exhibit["frame"]) == (
        "hooks", "clipboard", "com.bytedance.sdk", SDK_FRAME)
    assert finding["id"] in [f["id"] for f in exhibit["findings"]]
    assert [c["api"] for c in exhibit["calls"]][0] == "android.content.ClipboardManager.getPrimaryClip"
    text = demo.pdf["en"]
    printed = (f"Exhibit {number} — interface calls Time (UTC): {exhibit['time']} – {exhibit['time_last']} "
               "Category: clipboard Responsible code: com.bytedance.sdk; first frame outside the platform: "
               f"{SDK_FRAME}")
    assert printed.replace(" ", "") in text.replace(" ", "")      # the frame may wrap anywhere
    # (its consent row may fall across a page break: the row's cells are checked in the model)
    assert exhibit["before_consent"] is True
    assert f"Planted value handed to the code (clipboard): {PLANTS.clipboard}" in text
    # the paste button's read is the app's own and happened with a user action
    paste = _finding(demo, "clipboard_read", actor="com.example.reference")
    assert paste["user_action"] is True and paste["actor_detail"]["first_party"] is True


def test_transfer_to_china_shows_request_destination_and_recipient(demo: DemoReport) -> None:
    finding = _finding(demo, "third_country_transfer", host="log.snssdk.com")
    assert finding["recipient"] | {"third_party": None} == {
        "host": "log.snssdk.com", "domain": "snssdk.com", "entity": "Beijing Douyin Information Service Co., Ltd.",
        "parent": "ByteDance Ltd.", "entity_country": "CN", "tracker": "", "source": "world-overrides",
        "third_party": None,
        "steps": [{"step": "entity", "value": "Beijing Douyin Information Service Co., Ltd.",
                   "source": "world-overrides"},
                  {"step": "parent", "value": "ByteDance Ltd.", "source": "world-overrides"}]}
    assert finding["destination"] == {"ip": "127.0.0.21", "country_physical": "CN", "country_registered": "CN",
                                      "asn": "4134", "operator": "CHINANET-BACKBONE, China Telecom"}
    # the outcome rests on the recipient entity's establishment; the server's location stays in the destination
    assert [(v["view"], v["country"], v["outcome"]) for v in finding["transfer"]["views"]] == [
        ("entity_country", "CN", "third_country_no_adequacy")]
    request = finding["requests"][0]
    assert request["method"] == "POST" and request["sni"] == "log.snssdk.com"
    # one exchange, one piece of evidence listing all its values; the excerpt marks the longest of them
    assert [s["text"] for s in request["body_excerpt"] if s["mark"]] == [
        "QVVESVRPUi1DQU5BUlktZGVtby1jbGlwYm9hcmQtN2YzYQ=="]
    assert DEVICE["advertising_id"] in [loc["value"]["text"] for loc in finding["evidence"]["locations"]]
    # the flow was attributed to the code that sent it by its request hook event (the TLS write), whose stack
    # is shown
    sender = "com.bytedance.sdk.LogSender.finish(LogSender.java:63)"
    assert finding["actor_detail"]["frame"] == sender
    assert finding["stack_seq"] is not None
    assert [f["frame"] for f in finding["stack"] if f["actor"]][0] == sender
    article = _article(demo.annex["en"], finding["id"])
    assert "Request sent by this code (the stack of its hand-over to the network)." in article
    assert "<mark>QVVESVRPUi1DQU5BUlktZGVtby1jbGlwYm9hcmQtN2YzYQ==</mark>" in article
    assert ("IP 127.0.0.21 — server location: CN; address registered in: CN; ASN 4134, network operator: "
            "CHINANET-BACKBONE, China Telecom") in " ".join(html.unescape(re.sub(r"<[^>]+>", " ", article)).split())
    assert "Onderneming gevestigd in: CN — naar een derde land zonder adequaatheidsbesluit" in demo.annex["nl"]
    # the printed report shows the exchange once, as an exhibit with every value found in it
    exhibit = next(e for e in demo.data["exhibits"] if e["kind"] == "exchange" and request["seq"] in e["seqs"])
    assert exhibit["number"] in finding["exhibits"]
    assert DEVICE["advertising_id"] in [v["value"]["text"] for v in exhibit["found"]]
    # one line per fact: time and ledger seq, the request line (the URL may wrap anywhere), the responsible code
    url = "".join(s["text"] for s in request["url_excerpt"]) if request["url_excerpt"] else request["url"]["text"]
    printed = (f"Exhibit {exhibit['number']} — HTTP exchange Time (UTC): {exhibit['time']}; ledger sequence numbers "
               f"{request['seq']} Request: POST {url} Responsible code: com.bytedance.sdk")
    assert printed.replace(" ", "") in demo.pdf["en"].replace(" ", "")
    # each step names its source, so the recipient's "company facts from" line is left out of the exhibit
    assert ("Recipient: log.snssdk.com — Company: Beijing Douyin Information Service Co., Ltd. (country of "
            "establishment: CN) how the recipient was established: entity "
            "Beijing Douyin Information Service Co., Ltd. (world-overrides); parent ByteDance Ltd.") in demo.pdf["en"]
    # (the line may break inside the step's source, "world-overrides")
    assert ("Destination: IP 127.0.0.21 — server location: CN; address registered in: CN; TLS server name: "
            "log.snssdk.com") in demo.pdf["en"]


def test_known_unknowns_name_the_hooks_not_installed(demo: DemoReport) -> None:
    unknowns = demo.data["unknowns"]
    assert [h["api"] for h in unknowns["hooks_not_installed"]] == NOT_INSTALLED
    assert unknowns["capture_counted"] == {"aborted": 0, "dns": 0, "malformed": 0, "non_http": 0,
                                           "quic_blocked": 0, "tls_failed": 0}
    assert [(p["kind"], p["detail"]["text"]) for p in unknowns["hook_problems"]] == [
        ("detached", "reason: process-terminated; verdict: exited(0)")]
    for lang, heading, t_detached, detached_kind in (
            ("en", "Calls to these 7 interface(s) could not be observed", "When the hooks may have missed calls",
             "hooks detached"),
            ("nl", "Aanroepen van deze 7 interface(s) konden niet worden waargenomen",
             "Wanneer de hooks aanroepen kunnen hebben gemist", "hooks losgekoppeld")):
        section = _section(demo.html[lang], "unknowns")
        assert heading in section
        not_installed, detached = section.split(t_detached, 1)
        assert [row[0] for row in _cells(not_installed)] == NOT_INSTALLED
        assert [row[3:5] for row in _cells(detached)] == [
            [detached_kind, "reason: process-terminated; verdict: exited(0)"]]
        compact = demo.pdf[lang].replace(" ", "")
        assert all(api in compact for api in NOT_INSTALLED)


def test_no_raw_json_placeholders_or_missing_evidence_in_the_pdf(demo: DemoReport) -> None:
    """Outside the captured requests (which are JSON themselves) nothing is printed as JSON or as an unfilled
    placeholder, and every finding points to ledger evidence."""
    for lang, findings, unknowns, annex, no_seqs in (
            ("en", "The facts: numbered exhibits", "Known unknowns", "Annex bundle", "ledger sequence numbers: none"),
            ("nl", "De feiten: genummerde producties", "Bekende leemten", "Bijlagenbundel",
             "volgnummers in het logboek: geen")):
        text = demo.pdf[lang]
        ours = text.split(findings, 1)[0] + text.split(unknowns, 1)[1].split(annex, 1)[0]
        assert not re.search(r'[{\[]"|\{[a-z_]+\}', ours), lang
        assert no_seqs not in text
    assert all(f["evidence"]["seqs"] for f in demo.data["findings"])


def test_annex_names_each_flow_by_its_record_in_flows_mitm(demo: DemoReport) -> None:
    flows = [json.loads(line) for line in (demo.case / "ledger.jsonl").read_text("utf-8").splitlines()
             if '"kind":"proxy.flow"' in line]
    assert len(flows) == 13     # the age gate's profile, the choice beacon, Sentry, the sealed registration, the shop
    assert [(f["seq"], f["artifact"], f["stream_offset"]) for f in demo.data["annex"]["flows"]] == [
        (r["seq"], r["body"]["stream"]["sha256"], r["body"]["stream"]["offset"]) for r in flows]


def test_runtime_internals_in_a_network_stack_are_counted_not_printed(demo: DemoReport) -> None:
    """The TLS write that sent the consent pixel: 8 JDK frames between the hooked call and the app's code are
    one line in the printed report; the app's frames keep their numbers; report.json keeps every frame."""
    [finding] = [f for f in demo.data["findings"] if f["type"] == "third_country_transfer"
                 and any(frame["frame"].startswith("com.example.reference.ConsentDialog.sendPixel")
                         for frame in f["stack"])]
    stack = finding["stack"]
    assert len(stack) == 23 and stack[2]["frame"].startswith("java.io.BufferedOutputStream.flush(")
    # the two frames next to the app's own (HttpURLConnection.getResponseCode) stay shown
    assert [frame["shown"] for frame in stack] == [True] * 3 + [False] * 8 + [True] * 12
    article = _article(demo.annex["en"], finding["id"])
    assert article.count('<li class="gap">') == 1
    assert "… 8 frame(s) of the Java runtime and Android framework, not shown" in article
    assert '<li value="14" class="actor"><code>com.example.reference.Backend.exchange(Backend.java:40)' in article


# What the Dutch demo report shows in English, each for a reason (tests/report/english.py collects the rest):
QUOTED_IN_ENGLISH = {
    # Play's data type as the Data safety form names it (the declaration's own term, quoted)
    "Device or other IDs",
    # the privacy policy's own words, quoted as the operator recorded them
    "We do not sell or share your data. Product analytics are processed for us by Kumo Analytics in Japan.",
    # titles of documents and of a case as published (the rulesets give no Dutch title; Part II's citations)
    "Facebook Ireland and Schrems (Schrems II)",
    "Guidelines 03/2022 on deceptive design patterns in social media platform interfaces: how to recognise and "
    "avoid them",
    "Guidelines 2/2023 on Technical Scope of Art. 5(3) of ePrivacy Directive",
    "Guidelines 3/2019 on processing of personal data through video devices",
    "Opinion 13/2011 on Geolocation services on smart mobile devices (WP 185)",
    "Opinion 9/2014 on the application of Directive 2002/58/EC to device fingerprinting (WP 224)",
}


def test_dutch_report_is_wholly_dutch(demo: DemoReport) -> None:
    """No English sentence auditor writes in the Dutch report — HTML, annex bundle and the PDF's text: not the
    English catalogue's, the rulesets' or the recognition ruleset's, not the Bilingual texts of analysis,
    datasets and the demo, not the English side of what the case records in both languages; and of what the
    case records in one language only, exactly the quoted terms and titles above."""
    sentences = english_sentences(demo.case)
    # at least (today: 260, 123, 13, 134; a floor, as other work adds texts): each source really collected
    floors = {"catalogue": 250, "rulesets": 120, "package": 10, "case": 120}
    assert [source for source, runs in sentences.items() if len(runs) < floors[source]] == []
    texts = {"report.html": html_text(demo.html["nl"]), "annex.html": html_text(demo.annex["nl"]),
             "report.pdf": demo.pdf["nl"]}
    assert english_in(texts, sentences) == []
    shown = {text for text in recorded_english(demo.case) if any(text in page for page in texts.values())}
    assert shown == QUOTED_IN_ENGLISH
    # the same check finds the English report's sentences in it: it can fail
    english = {"report.html": html_text(demo.html["en"])}
    assert {source for _, source, _ in english_in(english, sentences)} == set(sentences)
    dutch = demo.pdf["nl"]
    assert "art. " in dutch and "Toepasselijke bepalingen" in dutch and "Legal basis" not in dutch
    assert "Gekwalificeerd tijdstempel" not in dutch and "Productie 1 — HTTP-uitwisseling" in dutch
    assert "Deel I — Feitelijk rapport" in dutch and "Deel II — Juridische duiding" in dutch
    # the texts that were English until 2026-12: recognition reasoning, transfer limits, the demo's own data
    for text in ("De advertentie-ID van Google is een willekeurige UUID",
                 "Waarneming van het netwerk kan niet vaststellen: toegang op afstand",
                 "door auditor demo ingesteld in de toestand van het gesimuleerde toestel",
                 "de persona kind ingevoerd bij de leeftijdscontrole", "Publicatieblad van de Europese Unie",
                 "Data safety (play.google.com, Data safety: com.example.reference, 2026-12-01): geen gegevens "
                 "gedeeld"):
        assert text in texts["report.html"] + texts["annex.html"], text


def test_part_one_states_the_facts_and_part_two_maps_them_to_law(demo: DemoReport) -> None:
    text = demo.pdf["en"]
    part_one, part_two = text.split("Part II — Legal mapping (for counsel)", 1)
    # Part I: expert, scope and limits on the first pages, the matrix, the exhibits; no legal qualification
    assert part_one.index("Scope and limits") < part_one.index("Summary of the facts") < part_one.index(
        "The facts: numbered exhibits") < part_one.index("Checking the evidence without auditor")
    assert "Simulated device: no phone was used." in part_one and "observed on " in part_one
    for limit in ("pins", "QUIC", "Encrypted DNS", "bypass the system proxy", "detect instrumentation",
                  "remote access"):
        assert limit in part_one, limit
    assert "Provisions engaged" not in part_one and "Legal basis" not in text
    # the matrix: ByteDance's three requests before consent (the sealed registration one of them) and its
    # choice beacon after, cited by exhibit number
    [snssdk] = [row for row in demo.data["matrix"] if row["recipient"] == "snssdk.com"]
    assert (snssdk["before"], snssdk["after"], snssdk["unknown"]) == (3, 1, 0)
    assert snssdk["exhibits"]["runs"] and snssdk["exhibits"]["more"] == 0
    # Part II: every verdict with its review status and the exhibits it rests on, never a bare hash id list
    assert part_two.count("Review status: pending") == len(demo.data["verdicts"])
    assert part_two.count("Based on findings: Exhibit") == len(demo.data["verdicts"])
    assert "Provisions engaged" in part_two and "ECLI:EU:C:2019:801" in part_two
    assert "Every statement" not in text and "checks that the case's files are those sealed (integrity)" in text


def test_demo_report_is_short_and_its_annex_bundle_is_hashed_in_it(demo: DemoReport) -> None:
    # 105 before the exhibits and the annex bundle; 41 since the persona, consent-dialog and declared-versus-
    # observed sections (issue #17) and 11 exchanges, 44 with 13 exchanges and each recipient's sourced steps;
    # 33 since an exhibit prints one line per fact and each value once (its headers, body excerpt and stack in
    # the annex bundle), the method's detail moved to the annex and Part II gained the citations' status and the
    # law in force; a larger case prints no more (MAIN_EXHIBITS; tests/report/test_memory_bound.py)
    assert demo.pages <= 38
    exhibits = demo.data["exhibits"]
    printed = [n for n in range(1, len(exhibits) + 1) if f'id="exhibit-{n}"' in demo.html["en"]]
    assert printed == list(range(1, min(len(exhibits), demo.data["main_exhibits"]) + 1))
    assert all(f'id="exhibit-{n}"' in demo.annex["en"] for n in range(1, len(exhibits) + 1))
    digest = hashlib.sha256((demo.directory / "annex.html").read_bytes()).hexdigest()
    assert f"<th>annex.html</th><td><code>{digest}</code>" in demo.html["en"]
    manifest = json.loads((demo.directory / "report-manifest.json").read_text("utf-8"))
    assert manifest["payload"]["files"]["annex.html"]["sha256"] == digest


def test_declared_versus_observed_section_in_both_languages(demo: DemoReport) -> None:
    groups = demo.data["declared"]["groups"]
    assert [(g["type"], g["says"]["text"]) for g in groups] == [
        ("undeclared_collection", "Data safety (play.google.com, Data safety: com.example.reference, 2026-12-01): "
                                  "data collected: Email address; Phone number; Photos"),
        ("undeclared_country", "Privacy policy (https://example-reference.eu/privacy, 2026-12-01): countries named: "
                               "JP, NL"),
        ("undeclared_recipient", "Privacy policy (https://example-reference.eu/privacy, 2026-12-01): recipients named: "
                                 "Example Reference B.V. (example-reference.eu), Kumo Analytics K.K. "
                                 "(kumo-analytics.jp)"),
        ("undeclared_sharing", "Data safety (play.google.com, Data safety: com.example.reference, 2026-12-01): no "
                               "data shared")]
    sharing = {row["recipient"]: row for row in groups[3]["rows"]}
    assert sorted(sharing) == ["appsflyer.com", "brightpixel-ads.com", "byteoversea.com", "snssdk.com"]
    assert sharing["snssdk.com"]["play"] == ["Device or other IDs", "Email address", "Other user-generated content",
                                                 "Precise location"]    # email: the sealed registration
    assert sharing["snssdk.com"]["exhibits"]["runs"]
    for lang, heading in (("en", "What the app declares and what it does"),
                          ("nl", "Wat de app verklaart en wat zij doet")):
        assert f"<h2>{heading}</h2>" in demo.html[lang]
    assert "Aan een andere partij verzonden gegevens die het Data safety-formulier niet als gedeeld vermeldt" \
        in demo.html["nl"]


def test_persona_and_consent_dialog_section_in_both_languages(demo: DemoReport) -> None:
    ui = demo.data["consent_ui"]
    assert (ui["persona"]["persona"], ui["persona"]["age"], ui["persona"]["entry"], ui["persona"]["gate_closed"]) == (
        "child", 13, "scripted", True)
    [dialog] = ui["dialogs"]
    assert [(c["role"], c["label"]["text"]) for c in dialog["controls"]] == [("accept", "Accept all"),
                                                                              ("refuse", "Decline")]
    assert dialog["dark_patterns"] == ["accept_emphasised"] and len(dialog["screenshot"]) == 64
    assert [(c["choice"], c["label"]["text"], c["layer"]) for c in ui["choices"]] == [("accepted", "Accept all", 1)]
    assert [s["when"] for s in ui["states"]] == ["before the choice", "after the choice"]
    assert "auditor tapped “Accept all” (accept) on layer 1" in demo.html["en"]
    assert "accept emphasised over refuse (larger or more contrasting)" in demo.html["en"]
    assert "<h2>Persona en toestemmingsdialoog, zoals de app ze toonde</h2>" in demo.html["nl"]
    assert "auditor tikte op „Accept all” (accepteren) op laag 1" in demo.html["nl"]


def test_each_exhibit_says_how_its_recipient_was_established(demo: DemoReport) -> None:
    """Issue #14: every step domain -> entity -> parent -> role with its source, in the exhibit; the signing
    certificate's organisation shown as corroboration only, worded from each language's catalogue."""
    sha = "3fdddc854846dfafd25c6a704d4919d820eef936bf710cfd83bcd393edb2c222"
    first_party = {
        "en": "how the recipient was established: entity Example Reference B.V. (world-overrides); first party "
              "Example Reference B.V. (world-overrides); first party Example Reference B.V. (case.json controller: "
              "auditor/reference/data/world.json); the APK's signing certificate "
              f"does not name the declared controller (corroboration only; it never decides): auditor tests "
              f"(static.scan #9, SHA-256 {sha})",
        "nl": "hoe de ontvanger is vastgesteld: entiteit Example Reference B.V. (world-overrides); eerste partij "
              "Example Reference B.V. (world-overrides); eerste partij Example Reference B.V. (case.json controller: "
              "auditor/reference/data/world.json); het ondertekeningscertificaat "
              "van de APK noemt de opgegeven verwerkingsverantwoordelijke niet (alleen ter bevestiging; het beslist "
              f"nooit): auditor tests (static.scan #9, SHA-256 {sha})"}
    for lang, expected in first_party.items():
        steps = [html.unescape(re.sub(r"<[^>]+>", "", m.group(0))) for m in
                 re.finditer(r"(how the recipient was established|hoe de ontvanger is vastgesteld): .*?</small>",
                             demo.html[lang])]
        assert expected in steps, lang
        assert ("entity Beijing Douyin Information Service Co., Ltd. (world-overrides); parent ByteDance Ltd. "
                "(world-overrides)" if lang == "en" else "entiteit Beijing Douyin Information Service Co., Ltd. "
                "(world-overrides); moederonderneming ByteDance Ltd. (world-overrides)") in " ".join(steps)
    # The same steps for the same recipient are printed once, at its first exhibit; a later exhibit names that
    # one (linked). The annex bundle prints them in every exhibit.
    repeats = re.findall(r'<article class="exhibit" id="exhibit-(\d+)">(?:(?!</article>).)*?'
                         r'how the recipient was established: as for <a href="#exhibit-(\d+)">Exhibit \2</a>',
                         demo.html["en"], flags=re.S)
    assert [(int(a), int(b)) for a, b in repeats] == [(8, 7), (9, 1), (12, 7)]
    assert "zoals bij <a href=\"#exhibit-7\">Productie 7</a>" in demo.html["nl"]
    annex = html.unescape(re.sub(r"<[^>]+>", "", demo.annex["en"]))
    main = html.unescape(re.sub(r"<[^>]+>", "", demo.html["en"]))
    # the app's own backend: 14 exchanges in the annex, each with its steps; in the main report, once
    assert "established: as for" not in annex and annex.count(first_party["en"]) == 14
    assert main.count(first_party["en"]) == 1


def test_recovered_plaintext_and_injected_script_are_shown_with_their_events(demo: DemoReport) -> None:
    """Issue #16: the sealed registration's exhibit names the encryption it undid (the hook.crypto event, the
    algorithm, the key by its SHA-256 only, the plaintext artifact); the annex shows the in-app browser's script
    with its page, the input events it listens to and the bridge call it sends them through (two scripts)."""
    records = [json.loads(line) for line in (demo.case / "ledger.jsonl").read_text("utf-8").splitlines()]
    [cipher] = [r for r in records if r["kind"] == "hook.crypto" and r["body"]["api"] == "javax.crypto.Cipher.doFinal"]
    key, plaintext = cipher["body"]["key_sha256"], cipher["body"]["input"]["sha256"]

    def paragraphs(text: str, start: str) -> list[str]:
        return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", m.group(0))).split())
                for m in re.finditer(rf"<p>{start}.*?</p>", text, re.S)]
    expected = (f"plaintext recovered from javax.crypto.Cipher.doFinal at ledger seq {cipher['seq']} "
                f"(AES/CBC/PKCS5Padding) key known by its SHA-256 only: {key} ; recovered plaintext (artifact) "
                f"SHA-256 {plaintext}")
    assert paragraphs(demo.html["en"], "plaintext recovered") == [expected]     # the one sealed exchange
    assert set(paragraphs(demo.annex["en"], "plaintext recovered")) == {expected}
    # the page as the SDK's WebViewClient was told it had finished loading (hook.webview page_finished)
    page = "page the script was injected into: https://shop.example-merchant.de/offer (as reported by onPageFinished)"
    assert paragraphs(demo.annex["en"], "page the script was injected into") == [
        f"{page} listens to: input, keydown, selectionchange sends back through: TTBridge.onKeys",
        f"{page} listens to: touchstart sends back through: TTBridge.onTap"]
    dutch = paragraphs(demo.annex["nl"], "pagina waarin het script is ingevoegd")
    assert len(dutch) == 2 and all("(zoals gemeld door onPageFinished)" in p for p in dutch)


def test_consent_dark_pattern_finding_and_its_verdict_in_both_languages(demo: DemoReport) -> None:
    [pattern] = [f for f in demo.data["findings"] if f["type"] == "consent_dark_pattern"]
    dialog = pattern["consent_dialog"]
    assert (dialog["pattern"], dialog["in_webview"], dialog["accept"]["text"], dialog["refuse"]["text"]) == (
        "accept_emphasised", False, "Accept all", "Decline")
    assert dialog["area_ratio"] >= 1.5 and len(dialog["screenshot"]) == 64
    assert [v["rule_id"] for v in demo.data["verdicts"] if pattern["id"] in v["findings"]] == [
        "consent-dialog-accept-emphasised"]
    en, nl = _article(demo.annex["en"], pattern["id"]), _article(demo.annex["nl"], pattern["id"])
    assert "Consent dialog designed as a named dark pattern" in en and "accept against refuse: area ratio" in en
    assert "Toestemmingsvenster ontworpen als een benoemd misleidend patroon" in nl
    assert "accepteren tegenover weigeren: oppervlakteverhouding" in nl
    assert "Toestemmingsvenster benadrukt accepteren boven weigeren" in demo.html["nl"]
    assert "Consent dialog emphasises accept over refuse" in demo.html["en"]


EPRIVACY_NOTE = {
    "en": "wording of Art. 5(3) as amended by Directive 2009/136/EC seen only in secondary quotations",
    "nl": "de tekst van art. 5 lid 3 zoals gewijzigd bij Richtlijn 2009/136/EG alleen in secundaire citaten gezien"}


def test_part_two_says_of_each_citation_whether_it_was_checked(demo: DemoReport) -> None:
    """Each cited source in Part II says whether it was checked against its primary text: a checked one the
    day and the text (numbered S1…), an unchecked one what was seen and why it is not verified, in the
    report's language. The demo's verdicts cite 39 distinct sources: 30 checked, 9 not (the 7 of the first
    rulesets: ePrivacy Art. 5(3), Tw art. 11.7a, UAVG art. 5, Decision 2023/1795 Art. 1, EDPB Guidelines 2/2023
    and 3/2019, WP29 Opinion 9/2014; with ruleset 1.5.0 EDPB Guidelines 03/2022, cited by the consent-dialog
    rule, and Guidelines 2/2023 para 53, cited by the injected-script rule; docs/citations.md)."""
    assert (demo.data["citations"]["verified"], demo.data["citations"]["unverified"]) == (30, 9)
    assert all(s["en"] != s["nl"] for s in demo.data["citations"]["sources"])       # each described in Dutch too
    assert [s["en"].split(",")[0] for s in demo.data["citations"]["sources"]] == [
        "EUR-Lex text of Regulation (EU) 2016/679", "OJ C 413", "WP 185 (881/11/EN)",
        "EUR-Lex text of the judgment"]
    part_two = {lang: demo.pdf[lang].split(heading, 1)[1] for lang, heading in (
        ("en", "Part II — Legal mapping (for counsel)"), ("nl", "Deel II — Juridische duiding"))}
    assert ("The legal mapping cites 39 distinct sources: 30 checked against their primary text, 9 not."
            in part_two["en"])
    assert ("De juridische duiding haalt 39 verschillende bronnen aan: 30 aan hun primaire tekst getoetst, 9 niet."
            in part_two["nl"])
    citations = [c for v in demo.data["verdicts"] for c in v["citations"]]
    unverified = sum(not c["verified"] for c in citations)
    # each note once, after the assessments, numbered N1 … in order of first use; the citation names its number
    notes = demo.data["citations"]["notes"]
    assert len(notes) == 9 and all(n["en"] and n["nl"] and n["en"] != n["nl"] for n in notes)
    [eprivacy] = [i for i, n in enumerate(notes, 1) if n["en"].startswith(EPRIVACY_NOTE["en"])]
    assert {c["source"] for c in citations if not c["verified"] and c["instrument"] == "eprivacy"} == {eprivacy}
    for lang, checked, unchecked in (("en", "[checked 2026-12-02, S1]", "not checked against the primary text"),
                                     ("nl", "[getoetst 2026-12-02, S1]", "niet aan de primaire tekst getoetst")):
        verdicts = html.unescape(_section(demo.html[lang], "verdicts"))
        assert verdicts.count('<small class="unverified">') == unverified
        assert verdicts.count('<small class="verified">') == len(citations) - unverified
        assert checked in verdicts and f"[{unchecked}, N{eprivacy}]" in verdicts
        assert f'<li class="unverified">N{eprivacy} — {EPRIVACY_NOTE[lang]}' in verdicts
        assert " ".join(EPRIVACY_NOTE[lang].split()[:8]) in part_two[lang]       # and in the PDF
    assert EPRIVACY_NOTE["en"] not in html.unescape(demo.html["nl"])


def test_law_table_shows_each_instruments_verification(demo: DemoReport) -> None:
    """The law in force behind the transfer outcomes: Part II lists the instruments the demo's outcomes applied
    (Israel, Japan, the DPF for the US) with their status; the annex bundle lists all 21 of the dataset."""
    law = demo.data["law"]
    assert (len(law["instruments"]), law["verified"], law["unverified"]) == (21, 14, 7)
    applied = [(r["country"], r["instrument"], r["verified"]) for r in law["instruments"] if r["applied"]]
    assert applied == [("IL", "Commission Decision 2011/61/EU", True),
                       ("JP", "Commission Implementing Decision (EU) 2019/419", True),
                       ("US", "Commission Implementing Decision (EU) 2023/1795", False)]
    section = _section(demo.html["en"], "law")
    rows = _cells(section)
    assert [(r[0], r[1]) for r in rows] == [(c, i) for c, i, _ in applied]
    assert rows[0][3].startswith("verified on 2026-11-22 against: EUR-Lex, consolidated text CELEX 02011D0061")
    assert rows[2][3].startswith("not verified: number, date (10 July 2023), title and OJ reference")
    assert "Of its 21 instruments, 14 were checked against their primary text and 7 not." in \
        " ".join(section.split())
    assert "Van de 21 instrumenten daarin zijn er 14 aan hun primaire tekst getoetst en 7 niet." in \
        " ".join(_section(demo.html["nl"], "law").split())
    every = _cells(_section(demo.annex["en"], "method-detail").split("Every instrument of the law table", 1)[1])
    statuses = [r[3] for r in every]
    assert len(statuses) == 21
    assert sum(s.startswith("verified on") for s in statuses) == 14
