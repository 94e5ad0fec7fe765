"""`auditor demo` end to end, as a new user runs it: the real console script, the JVM reference app under the
real Frida agent, its traffic through the real capture to loopback TLS servers, the reference APK scanned,
the case sealed, analysed and reported. One run per module; each test checks one part of its outcome."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader

from auditor.analyze.run import analyze
from auditor.case.seal import verify_case
from auditor.contract.files import ANALYSIS_FILES
from auditor.demo import phone
from auditor.reference.assets import default_world, reference_apk
from tests.contract.schema_check import schema_errors

AUDITOR = Path(sys.executable).with_name("auditor")
CANARY = "AUDITOR-CANARY-demo-clipboard-7f3a"
BYTEDANCE, APPSFLYER, FIRST = "com.bytedance.sdk.", "com.appsflyer.AppsFlyerLib", "com.example.reference."
SENTRY = "io.sentry.Sentry"

# (type, data category, acting class or SDK, recipient host, before consent) -> findings: what the reference
# app does (reference/README.md), as the analysis must report it.
EXPECTED_FINDINGS = {
    ("biometric_auth", "biometric", FIRST + "BiometricLogin", None, False): 1,
    ("biometric_capture", "biometric", FIRST + "BiometricLogin", None, False): 3,   # findFaces, the face's geometry
    ("biometric_transmitted", "biometric", FIRST + "Backend", "api.example-reference.eu", False): 1,
    ("clipboard_read", "clipboard", BYTEDANCE + "AppLog", None, True): 1,
    ("clipboard_read", "clipboard", BYTEDANCE + "DeviceInfo", None, True): 2,
    ("clipboard_read", "clipboard", FIRST + "PasteHandler", None, True): 3,
    ("clipboard_transmitted", "clipboard", BYTEDANCE + "LogSender", "log.snssdk.com", True): 1,
    # the AES-sealed registration (its plaintext recovered from the Cipher hook)
    ("clipboard_transmitted", "clipboard", BYTEDANCE + "LogSender", "ib.snssdk.com", True): 1,
    ("clipboard_transmitted", "clipboard", FIRST + "Backend", "api.example-reference.eu", True): 1,
    ("identifier_access", "device_identifier", APPSFLYER, None, False): 3,
    ("identifier_access", "device_identifier", BYTEDANCE + "DeviceInfo", None, True): 5,
    ("identifier_access", "device_identifier", BYTEDANCE + "EventLog", None, False): 1,   # told the choice
    ("identifier_access", "device_identifier", FIRST + "AppOpenEvent", None, True): 1,
    ("identifier_access", "device_identifier", FIRST + "BiometricLogin", None, False): 2,
    ("identifier_access", "device_identifier", FIRST + "ConsentDialog", None, False): 2,
    ("location_access", "location", APPSFLYER, None, False): 1,
    ("location_access", "location", BYTEDANCE + "DeviceInfo", None, True): 1,
    ("location_access", "location", FIRST + "ConsentDialog", None, False): 1,
    # the wider surface (issue #16): Wi-Fi info, SSID, BSSID, NMEA and cell-location listeners; the DRM device
    # ID, the Google accounts, every account, the device name and the Bluetooth name; the address book
    ("location_access", "location", BYTEDANCE + "EnvironmentProbe", None, True): 5,
    ("identifier_access", "device_identifier", BYTEDANCE + "EnvironmentProbe", None, True): 5,
    ("contacts_access", "contact", BYTEDANCE + "EnvironmentProbe", None, True): 1,
    # the capture surface (issue #16, CaptureProbe): both cameras, AudioRecord and MediaRecorder (the
    # microphone's finding type), the screen-capture intent and its virtual display
    ("camera_access", "camera", BYTEDANCE + "CaptureProbe", None, True): 2,
    ("biometric_capture", "biometric", BYTEDANCE + "CaptureProbe", None, True): 2,
    ("screen_capture", "screen_content", BYTEDANCE + "CaptureProbe", None, True): 2,
    # the SDK's in-app browser (issue #16): two scripts injected into the merchant's page once it had loaded
    ("script_injected", None, BYTEDANCE + "InAppBrowser$1", None, True): 2,
    ("recipient_contacted", None, BYTEDANCE + "InAppBrowser", "shop.example-merchant.de", True): 1,
    ("sdk_embedded", None, "AppsFlyer", None, None): 1,
    ("sdk_embedded", None, "Pangle", None, None): 1,
    ("sdk_embedded", None, "Sentry", None, None): 1,
    ("tracker_contacted", None, APPSFLYER, "launches.appsflyer.com", False): 1,
    # the consent dialog's large blue "Accept all" over the small grey "Decline" (issue #17)
    ("consent_dark_pattern", None, None, None, None): 1,
}
# SecureReporter's AES-encrypted device registration (issue #16), to ib.snssdk.com (ByteDance's CN servers):
# its values are found only in the plaintext the Cipher hook recovered
SEALED = ["advertising_id", "android_id", "clipboard", "device_identifier", "device_name", "email", "location"]
# (data category, acting class, host, before consent): each gives personal_data_transmitted; each exchange
# with a recipient other than the first party (api.example-reference.eu) gives recipient_contacted and, as
# each of those entities is established outside the EEA, one third_country_transfer; destination_outside_eea
# where the server's location is established outside the EEA (not AppsFlyer's Irish server, not BrightPixel's
# anycast Cloudflare address).
TRANSMITTED = [
    ("advertising_id", APPSFLYER, "launches.appsflyer.com", False),
    ("advertising_id", BYTEDANCE + "LogSender", "log.snssdk.com", True),
    ("advertising_id", BYTEDANCE + "LogSender", "mon.snssdk.com", True),
    ("advertising_id", FIRST + "Backend", "t.brightpixel-ads.com", False),
    ("android_id", APPSFLYER, "launches.appsflyer.com", False),
    ("android_id", BYTEDANCE + "LogSender", "log.byteoversea.com", True),
    ("android_id", BYTEDANCE + "LogSender", "log.snssdk.com", True),
    ("android_id", BYTEDANCE + "LogSender", "log.snssdk.com", False),      # EventLog's consent_accepted event
    ("android_id", BYTEDANCE + "LogSender", "mon.snssdk.com", True),
    ("android_id", FIRST + "Backend", "cfg.kumo-analytics.jp", True),
    ("biometric", FIRST + "Backend", "api.example-reference.eu", False),
    ("clipboard", BYTEDANCE + "LogSender", "log.snssdk.com", True),
    ("clipboard", FIRST + "Backend", "api.example-reference.eu", True),
    ("device_identifier", FIRST + "Backend", "cfg.kumo-analytics.jp", True),
    # recognition ruleset (issue #13): ByteDance's own device_id (query) and openudid, recognised by name
    ("device_identifier", BYTEDANCE + "LogSender", "log.byteoversea.com", True),
    ("device_identifier", BYTEDANCE + "LogSender", "log.snssdk.com", True),
    ("device_identifier", BYTEDANCE + "LogSender", "log.snssdk.com", False),  # its openudid
    # device attributes, a lower-severity category of their own: AppsFlyer's carrier, ByteDance's device_model
    ("device_attribute", APPSFLYER, "launches.appsflyer.com", False),
    ("device_attribute", BYTEDANCE + "LogSender", "log.snssdk.com", True),
    ("device_serial", BYTEDANCE + "LogSender", "log.snssdk.com", True),
    ("email", FIRST + "Backend", "api.example-reference.eu", False),
    ("imei", BYTEDANCE + "LogSender", "log.snssdk.com", True),
    ("location", APPSFLYER, "launches.appsflyer.com", False),
    ("location", BYTEDANCE + "LogSender", "mon.snssdk.com", True),
    # lat=52.08&lon=4.29: the planted location at two decimals is approximate (issue #13: precise from 4)
    ("approximate_location", FIRST + "Backend", "t.brightpixel-ads.com", False),
    ("phone", FIRST + "Backend", "api.example-reference.eu", False),
    # the Sentry envelope to the app's own domain (a self-hosted relay): its installation ID and device model
    ("user_id", SENTRY, "api.example-reference.eu", True),
    ("device_attribute", SENTRY, "api.example-reference.eu", True),
    *[(category, BYTEDANCE + "LogSender", "ib.snssdk.com", True) for category in SEALED],
]
# Declared against observed (docs/declared.md): the app's Data safety form lists email, phone and photos as
# collected and says it shares nothing; its policy names the first party and Kumo Analytics (its processor).
IDS = ("advertising_id", "android_id", "device_identifier")
UNDECLARED_COLLECTION = [
    *[(c, "log.snssdk.com") for c in (*IDS, "clipboard", "device_serial", "imei")],
    # ByteDance's location first reaches snssdk.com in the sealed registration (ib.snssdk.com, issue #16)
    # and the device name the simulated phone's identity holds (issue #16)
    *[(c, "ib.snssdk.com") for c in ("location", "device_name")], *[(c, "log.byteoversea.com") for c in IDS[1:]],
    *[(c, "cfg.kumo-analytics.jp") for c in IDS[1:]], *[(c, "launches.appsflyer.com") for c in IDS[:2] + ("location",)],
    *[(c, "t.brightpixel-ads.com") for c in ("advertising_id", "approximate_location")],
    ("biometric", "api.example-reference.eu"), ("clipboard", "api.example-reference.eu"),
    ("user_id", "api.example-reference.eu")]      # the Sentry envelope's installation ID, to the app's own domain
# the same, sent to others than the first party and its declared processor
UNDECLARED_SHARING = [(c, host) for c, host in UNDECLARED_COLLECTION
                      if host not in ("api.example-reference.eu", "cfg.kumo-analytics.jp")] + [
    ("email", "ib.snssdk.com")]     # declared as collected, not as shared: the account in the sealed registration
UNNAMED = ["launches.appsflyer.com", "log.byteoversea.com", "log.snssdk.com", "t.brightpixel-ads.com"]
LOCATED_OUTSIDE_EEA = {"log.snssdk.com", "ib.snssdk.com", "mon.snssdk.com", "log.byteoversea.com",
                       "cfg.kumo-analytics.jp"}
# ruleset 1.4.0 adds three to the demo's thirteen (issue #17): the dialog's accept emphasised, and the Data
# safety and privacy policy contradicted by the traffic (the undeclared_* findings). The child accepts:
# nothing is sent after a refusal, and the stored state is unknown on the simulated phone
EXPECTED_RULES = ["approximate-location", "biometric-data-transmitted", "biometric-on-device-authentication",
                  "child-profiling-or-advertising",
                  "clipboard-content-transmitted", "clipboard-read-without-user-action",
                  "consent-dialog-accept-emphasised", "data-type-not-in-data-safety-declaration",
                  "device-attributes-before-consent", "face-data-processed-by-app", "identifiers-before-consent",
                  "precise-location", "recipient-or-country-not-in-privacy-policy",
                  # the in-app browser's key listener on the merchant's page (not its tap listener: no typing)
                  "script-injected-reads-typing-on-other-party-page",
                  "third-country-transfer-undetermined", "third-country-transfer-without-adequacy",
                  "tracker-sdk-embedded-and-active"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("demo")
    done = subprocess.run([str(AUDITOR), "demo", "--out", str(out), "--json"], capture_output=True, text=True,
                          timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    result["case_dir"] = Path(result["case"])
    result["findings"] = json.loads((Path(result["case"]) / "analysis/findings.json").read_text())["findings"]
    return result


def _key(finding: dict) -> tuple:
    actor, recipient = finding.get("actor") or {}, finding.get("recipient") or {}
    return (finding["type"], finding["data_category"], actor.get("class") or actor.get("sdk"),
            recipient.get("host"), finding["before_consent"])


def test_the_app_ran_to_its_end_under_the_hooks_and_every_request_went_through_the_capture(demo) -> None:
    counts = demo["counts"]
    assert counts["app"]["verdict"] == "exited(0)"
    assert counts["capture"]["flows"] == 13 and counts["upstream_requests"] == 13
    assert counts["capture"]["known_unknowns"] == {kind: 0 for kind in counts["capture"]["known_unknowns"]}
    # 66 calls of hooked APIs (56, and issue #16's 6 capture starts and 4 honey reads), 9 of them socket
    # connects (the age gate's profile, the paste, the Sentry envelope
    # and the login share one kept-alive tunnel, as do ByteDance's register and event beacon) and 13 requests
    # handed to TLS streams, one per flow; 3 crypto operations (the gzip registration's and the choice
    # beacon's Deflaters, the sealed registration's Cipher); 6 web view events (interface, page load, the page's
    # start and finish, 2 scripts)
    assert counts["app"]["hook_messages"]["hook.event"] == 66
    assert counts["app"]["hook_messages"]["hook.crypto"] == 3 and counts["app"]["hook_messages"]["hook.webview"] == 6
    records = [json.loads(line) for line in (demo["case_dir"] / "ledger.jsonl").read_text().splitlines()]
    categories = Counter(r["body"]["category"] for r in records if r["kind"] == "hook.event")
    assert categories == {"accounts": 3, "biometric_auth": 1, "biometric_capture": 3, "clipboard": 6, "identifier": 16,
                          "location": 8, "socket": 9, "request": 13, "camera": 2, "microphone": 2,
                          "screen_capture": 2, "contacts": 1}
    assert counts["sdks"] == ["AppsFlyer", "Pangle", "Sentry"]
    assert sorted(demo["reports"]) == ["csv", "html", "json", "pdf"]


def test_the_demo_is_the_audit_pipeline_and_records_what_the_simulated_phone_cannot_do(demo) -> None:
    records = [json.loads(line) for line in (demo["case_dir"] / "ledger.jsonl").read_text().splitlines()]
    steps = [(r["body"]["step"], r["body"]["status"], r["body"].get("reason")) for r in records
             if r["kind"] == "case.audit_step"]
    started_done = [(step, status, None) for step in ("attest the device", "pull and store the APKs")
                    for status in ("started", "done")]
    started_done.insert(3, ("pull the APKs from the device", "not applicable", phone.NO_INSTALLED_APP))
    assert steps == started_done + [
        ("start the capture", "started", None), ("start the capture", "done", None),
        ("prepare the device", "started", None), ("prepare the device", "not applicable", phone.NO_SETTINGS),
        ("record the screen", "started", None), ("record the screen", "not applicable", phone.NO_SCREEN),
        ("spawn the app under the hooks and plant canaries", "started", None),
        ("spawn the app under the hooks and plant canaries", "done", None),
        ("establish the persona and answer the consent dialog", "started", None),
        ("establish the persona and answer the consent dialog", "done", None),
        ("observe", "started", None), ("observe", "done", None),
        ("stop the instrumentation", "done", None),
        ("restore the device", "not applicable", phone.NOTHING_CHANGED),
        ("stop the capture", "done", None),
        ("attest again and compare", "not applicable", phone.NO_REATTESTATION)]
    # nothing a real phone alone gives is on record: no device change, recording or second attestation
    kinds = Counter(r["kind"] for r in records)
    assert [kinds[k] for k in ("device.change", "device.screenrecord", "device.reattestation")] == [0, 0, 0]
    # the reference APK is given as --apk is: stored, with no device path
    [apk] = [r for r in records if r["kind"] == "device.apk"]
    assert (apk["body"]["device_path"], apk["body"]["file_name"]) == (None, "reference.apk")
    assert apk["artifact"] == hashlib.sha256(reference_apk().read_bytes()).hexdigest()
    # the consent is auditor's tap on the dialog (recorded before the tap: the findings' before_consent show it)
    assert [r["body"]["text"] for r in records if r["kind"] == "device.consent_accepted"] == [
        "auditor tapped 'Accept all' (accept) on layer 1 of the consent dialog"]
    assert [r for r in records if r["source"] == "operator"] == []
    info = json.loads((demo["case_dir"] / "case.json").read_text())
    assert info["ended"]["reason"] == "completed" and info["ended"]["parts_not_run"] == []
    assert info["device"]["format"] == "auditor-simulated-device/1"
    assert info["instrumentation"]["device"]["kind"] == "local"
    assert info["capture"]["sessions"][0]["world"] == str(default_world())


def test_the_sealed_case_verifies(demo) -> None:
    verification = verify_case(demo["case_dir"])
    assert verification.ok and verification.sealed, verification.problems


def test_findings_are_exactly_what_the_reference_app_does(demo) -> None:
    expected = Counter(EXPECTED_FINDINGS)
    for category, actor, host, before in TRANSMITTED:
        expected[("personal_data_transmitted", category, actor, host, before)] += 1
    for actor, host, before in {(actor, host, before) for _, actor, host, before in TRANSMITTED}:
        if host != "api.example-reference.eu":
            expected[("recipient_contacted", None, actor, host, before)] += 1
            expected[("third_country_transfer", None, actor, host, before)] += 1
        if host in LOCATED_OUTSIDE_EEA:
            expected[("destination_outside_eea", None, actor, host, before)] += 1
    for kind, rows in (("undeclared_collection", UNDECLARED_COLLECTION), ("undeclared_sharing", UNDECLARED_SHARING)):
        for category, host in rows:
            expected[(kind, category, None, host, None)] += 1
    for host in UNNAMED:
        expected[("undeclared_recipient", None, None, host, None)] += 1
        expected[("undeclared_country", None, None, host, None)] += 1
    assert Counter(_key(f) for f in demo["findings"]) == expected
    outcomes = {f["recipient"]["host"]: f["transfer"]["outcome"] for f in demo["findings"]
                if f["type"] == "third_country_transfer"}
    assert outcomes == {"log.snssdk.com": "third_country_no_adequacy", "mon.snssdk.com": "third_country_no_adequacy",
                        "ib.snssdk.com": "third_country_no_adequacy",
                        "log.byteoversea.com": "third_country_no_adequacy", "cfg.kumo-analytics.jp": "adequate",
                        "launches.appsflyer.com": "adequate",
                        "t.brightpixel-ads.com": "adequacy_not_covering_recipient"}


def test_clipboard_reads_name_the_sdk_and_the_paste_button(demo) -> None:
    reads = [f for f in demo["findings"] if f["type"] == "clipboard_read"]
    by_sdk = {f["api"] for f in reads if f["actor"]["sdk"] == "Pangle"}
    assert by_sdk == {"android.content.ClipboardManager.getPrimaryClip", "android.content.ClipData$Item.getText",
                      "android.content.ClipboardManager.addPrimaryClipChangedListener"}
    assert {f["user_action"] for f in reads if f["actor"]["sdk"] == "Pangle"} == {False}
    paste = [f for f in reads if f["actor"]["class"] == FIRST + "PasteHandler"]
    assert {f["user_action"] for f in paste} == {True}
    stack = paste[0]["evidence"]["shown"][0]["stack"]
    assert "com.example.reference.MainActivity$1.onClick(MainActivity.java:22)" in stack


def test_the_face_geometry_read_by_the_app_is_found_in_the_login_request(demo) -> None:
    [sent] = [f for f in demo["findings"] if f["type"] == "biometric_transmitted"]
    assert sent["confidence"] == "high" and sent["recipient"]["host"] == "api.example-reference.eu"
    read = {r["body"]["api"].rsplit(".", 1)[1]: r["seq"]
            for r in map(json.loads, (demo["case_dir"] / "ledger.jsonl").read_text().splitlines())
            if r["kind"] == "hook.event" and r["body"]["api"].startswith("android.media.FaceDetector$Face.")}
    values = [(v["what"], v["value"], v["location"], v["source"], v["read_at_seq"])
              for v in sent["evidence"]["shown"][0]["values"] if v["what"].startswith("face.")]
    assert values == [("face.eyes_distance", "42.75", "body", "observed", read["eyesDistance"]),
                      ("face.midpoint_x", "120.5", "body", "observed", read["getMidPoint"]),
                      ("face.midpoint_y", "160.25", "body", "observed", read["getMidPoint"])]


def test_a_transfer_to_china_is_shown_with_both_country_views_and_the_company(demo) -> None:
    [transfer] = [f for f in demo["findings"] if f["type"] == "third_country_transfer"
                  and f["recipient"]["host"] == "log.snssdk.com" and f["before_consent"]]
    assert (transfer["transfer"]["exporter"], transfer["transfer"]["recipient_entity"]) == (
        "Example Reference B.V.", "Beijing Douyin Information Service Co., Ltd.")
    assert transfer["destination"]["country_physical"] == "CN" == transfer["destination"]["country_registered"]
    assert transfer["recipient"]["entity_country"] == "CN"
    assert transfer["recipient"]["parent"] == "ByteDance Ltd."
    assert transfer["transfer"]["outcome"] == "third_country_no_adequacy"
    assert transfer["transfer"]["law"] == {"en": "Regulation (EU) 2016/679, Chapter V (Art. 44-50)",
                                           "nl": "Verordening (EU) 2016/679 (AVG), hoofdstuk V (art. 44-50)"}
    [sent] = [f for f in demo["findings"] if f["type"] == "personal_data_transmitted"
              and f["recipient"]["host"] == "log.snssdk.com" and f["data_category"] == "clipboard"]
    values = {(v["value"], v["source"], v["form"], v["location"]) for v in sent["evidence"]["shown"][0]["values"]}
    assert (CANARY, "planted", "raw", "body<gzip>.header.clipboard<base64>") in values
    assert sent["evidence"]["shown"][0]["recovered_plaintext"] == []


def test_the_sealed_registration_is_read_in_the_plaintext_the_cipher_hook_recovered(demo) -> None:
    records = [json.loads(line) for line in (demo["case_dir"] / "ledger.jsonl").read_text().splitlines()]
    [cipher] = [r for r in records if r["kind"] == "hook.crypto" and r["body"]["api"] == "javax.crypto.Cipher.doFinal"]
    [flow] = [r for r in records if r["kind"] == "proxy.flow" and r["body"]["request"]["path"].endswith("tt_data=a")]
    sealed = [f for f in demo["findings"] if f["evidence"]["shown"][0]["ledger_seq"] == flow["seq"]]
    assert sorted(f["data_category"] for f in sealed if f["type"] == "personal_data_transmitted") == SEALED
    for finding in sealed:
        [recovered] = finding["evidence"]["shown"][0]["recovered_plaintext"]
        assert recovered == {"ledger_seq": cipher["seq"], "api": "javax.crypto.Cipher.doFinal",
                             "algorithm": "AES/CBC/PKCS5Padding", "key_sha256": cipher["body"]["key_sha256"],
                             "plaintext_sha256": cipher["body"]["input"]["sha256"],
                             "ciphertext_sha256": cipher["body"]["output"]["sha256"]}
    [clipboard] = [f for f in sealed if f["type"] == "clipboard_transmitted"]
    layer = f"body<base64><plaintext@seq{cipher['seq']}>"
    assert {(v["location"], v["value"]) for v in clipboard["evidence"]["shown"][0]["values"]
            if v["what"] == "clipboard"} == {(layer, CANARY), (layer + ".clipboard", CANARY)}


def test_the_in_app_browser_s_injected_keylogger_is_named_by_what_it_listens_to(demo) -> None:
    records = [json.loads(line) for line in (demo["case_dir"] / "ledger.jsonl").read_text().splitlines()]
    scripts = {r["seq"]: r for r in records if r["kind"] == "hook.webview" and r["body"]["kind"] == "script"}
    [finished] = [r["seq"] for r in records if r["kind"] == "hook.webview" and r["body"]["kind"] == "page_finished"]
    injected = sorted((f for f in demo["findings"] if f["type"] == "script_injected"),
                      key=lambda f: f["evidence"]["shown"][0]["ledger_seq"])
    read = [(f["injected_script"]["listens_to"], f["injected_script"]["sends_through"], f["api"]) for f in injected]
    assert read == [
        (["input", "keydown", "selectionchange"], ["TTBridge.onKeys"], "android.webkit.WebView.evaluateJavascript"),
        (["touchstart"], ["TTBridge.onTap"], "android.webkit.WebView.loadUrl")]
    for finding in injected:
        script = finding["injected_script"]
        assert script["page_url"] == "https://shop.example-merchant.de/offer"
        # the page is the one the SDK's WebViewClient was told had finished loading, that event cited
        assert script["page_from"] == "onPageFinished"
        assert finding["evidence"]["shown"][0]["activity_ledger_seqs"] == [finished]
        assert script["interface_classes"] == ["com.bytedance.sdk.BrowserBridge"]
        assert scripts[finding["evidence"]["shown"][0]["ledger_seq"]]["artifact"] == script["script_sha256"]
        assert finding["actor"]["sdk"] == "Pangle" and finding["before_consent"] is True


def test_verdicts_and_report(demo) -> None:
    verdicts = json.loads((demo["case_dir"] / "analysis/verdicts.json").read_text())["verdicts"]
    assert sorted(v["rule_id"] for v in verdicts) == EXPECTED_RULES
    # PDF lines wrap anywhere in a long name: compare without whitespace
    text = "".join("".join(page.extract_text() for page in PdfReader(demo["reports"]["pdf"]).pages).split())
    for phrase in ("Clipboard read without user action", "log.snssdk.com",
                   "com.bytedance.sdk.DeviceInfo.collect(DeviceInfo.java:43)",  # its getPrimaryClip() call
                   "Personal data sent to a third country without an adequacy decision"):
        assert "".join(phrase.split()) in text, phrase
    html = Path(demo["reports"]["html"]).read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    done = subprocess.run([str(AUDITOR), "verify", str(Path(demo["reports"]["pdf"]).parent), "--case",
                           str(demo["case_dir"])], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_analysing_again_gives_byte_identical_findings(demo) -> None:
    before = (demo["case_dir"] / "analysis/findings.json").read_bytes()
    analyze(demo["case_dir"], world=default_world())
    assert (demo["case_dir"] / "analysis/findings.json").read_bytes() == before


def test_the_demos_analysis_validates_against_the_published_schemas_and_reanalyses_byte_identically(demo) -> None:
    folder = demo["case_dir"] / "analysis"
    for name in ("findings", "verdicts", "observed", "inputs"):
        assert schema_errors(folder / f"{name}.json", name) == [], name
    before = {name: (folder / name).read_bytes() for name in ANALYSIS_FILES}
    analyze(demo["case_dir"], world=default_world())
    assert {name: (folder / name).read_bytes() for name in ANALYSIS_FILES} == before


def test_requests_on_one_keep_alive_connection_carry_their_own_stacks(demo) -> None:
    """The voucher paste (first party), the Sentry SDK's envelope and the login go to api.example-reference.eu
    over one pooled connection; each flow is attributed to the TLS write that sent it (basis stack), not to the
    socket opened for the paste: two senders, one connection."""
    records = [json.loads(line) for line in (demo["case_dir"] / "ledger.jsonl").read_text().splitlines()]
    flows = {r["body"]["request"]["path"]: r for r in records if r["kind"] == "proxy.flow"
             and r["body"]["request"]["host"] == "api.example-reference.eu"}
    assert sorted(flows) == ["/api/4501/envelope/", "/v1/login", "/v1/paste", "/v1/profile"]
    assert len({flow["body"]["client"]["port"] for flow in flows.values()}) == 1
    stacks = {r["seq"]: r["body"]["stack"] for r in records if r["kind"] == "hook.event"}
    sent = {f["data_category"]: f["actor"] for f in demo["findings"] if f["type"] == "personal_data_transmitted"
            and f["recipient"]["host"] == "api.example-reference.eu"}
    assert {f["basis"] for f in sent.values()} == {"stack"}
    paste, envelope, login = (stacks[sent[category]["hook_seq"]] for category in ("clipboard", "user_id", "biometric"))
    assert len({sent[category]["hook_seq"] for category in ("clipboard", "user_id", "biometric")}) == 3
    assert (sent["clipboard"]["class"], sent["clipboard"]["first_party"]) == (FIRST + "Backend", True)
    assert (sent["user_id"]["class"], sent["user_id"]["sdk"], sent["user_id"]["first_party"]) == (SENTRY, "Sentry",
                                                                                                   False)
    assert any(frame.startswith(FIRST + "PasteHandler.") for frame in paste)
    assert not any(frame.startswith("io.sentry.") for frame in paste)
    # the app called the SDK (PasteHandler below it in the stack), the SDK sent the request
    assert envelope[0].startswith("sun.security.ssl.")
    assert any(frame.startswith(SENTRY + ".send(") for frame in envelope)
    assert any(frame.startswith(FIRST + "PasteHandler.") for frame in envelope)
    assert any(frame.startswith(FIRST + "BiometricLogin.") for frame in login)
    assert not any(frame.startswith(FIRST + "BiometricLogin.") for frame in paste + envelope)
    requests = [r for r in records if r["kind"] == "hook.event" and r["body"]["category"] == "request"]
    assert len(requests) == 13       # one per flow of the capture
