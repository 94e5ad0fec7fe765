"""A real, sealed case for report tests, written through the real case API: ledger events as capture, hooks
and the operator write them (docs/events.md: flows with gzip bodies in the artifact store, hook events with
Java stacks, planted values, a TLS failure, a hook that failed to install, a consent mark, a device
attestation record), sealed with a test key, plus the analysis documents: findings and verdicts built by hand
as contract records (auditor/contract), so each test controls what a finding says, and observed.json made by
analysis's own observe(). Small and hostile-capable; the demo case (tests/report/test_demo_report.py) is the
real pipeline's output."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.analyze.observations import read_context
from auditor.analyze.observed import observe
from auditor.case import keys
from auditor.case.bundle import Case
from auditor.case.canonical import sha256_file
from auditor.case.ledger_check import read_records
from auditor.case.seal import seal_case
from auditor.contract.document import write_documents
from auditor.contract.findings import Finding, Findings
from auditor.contract.inputs import Inputs
from auditor.contract.verdicts import Verdict, Verdicts

CLIPBOARD = "CANARY-CLIP-7f3a9e"
EMAIL = "tester.persona@example.org"
THIRD_PARTY_EMAIL = "someone.else@mail.example"
ADVERTISING_ID = "38400000-8cf0-11bd-b23e-10b96e40000d"
SECRET_TOKEN = "sk_live_4f9a8b7c6d5e"
SESSION_COOKIE = "sessionid=Zx81kq0Pmm2"
BEARER = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0ZXIifQ.c2lnbmF0dXJlLWhlcmU"
HOSTILE_SCRIPT = "<script>alert('x')</script>"
HOSTILE_HANDLER = '" onmouseover="alert(1)" x="'
RTL_OVERRIDE = "invoice\u202egnp.exe"
HUGE = "A" * 200_000
SDK_STACK = ["android.content.ClipboardManager.getPrimaryClip(ClipboardManager.java:120)",
             "com.bytedance.sdk.openadsdk.core.Collector.readClipboard(Collector.java:88)",
             "com.bytedance.sdk.openadsdk.core.Collector.collect(Collector.java:42)",
             "com.example.reference.App.onCreate(App.java:17)"]
APP_STACK = ["android.content.ClipboardManager.getPrimaryClip(ClipboardManager.java:120)",
             "com.example.reference.ui.PasteButton.onClick(PasteButton.java:31)"]


@dataclass
class BuiltCase:
    root: Path
    seqs: dict[str, int] = field(default_factory=dict)
    finding_ids: dict[str, str] = field(default_factory=dict)
    verdict_ids: dict[str, str] = field(default_factory=dict)


def _fid(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]


def _flow(case: Case, ledger: Any, host: str, ip: str, path: str, headers: list[list[str]], body: bytes | None,
          method: str = "POST") -> tuple[int, str | None]:
    digest = case.artifacts.put_bytes(body) if body is not None else None
    flow_dump = case.artifacts.put_bytes(json.dumps([method, host, path]).encode())
    record = ledger.append("proxy", "proxy.flow", {
        "flow_id": _fid(host, path), "type": "http", "client": {"ip": "127.0.0.1", "port": 50000},
        "server": {"ip": ip, "port": 443},
        "tls": {"sni": host, "alpn": "h2", "version": "TLSv1.3", "upstream_verified": True},
        "request": {"method": method, "scheme": "https", "host": host, "port": 443, "path": path,
                    "http_version": "HTTP/2.0", "headers": headers, "body_sha256": digest,
                    "body_size": len(body) if body is not None else 0, "body_complete": True},
        "response": {"status_code": 200, "http_version": "HTTP/2.0", "headers": [], "body_sha256": None,
                     "body_size": 0, "body_complete": True},
        "error": None}, artifact=flow_dump)
    return record["seq"], digest


def _hook(ledger: Any, api: str, category: str, stack: list[str], result: Any = None) -> int:
    return ledger.append("hook", "hook.event", {
        "api": api, "category": category, "args": [], "result": result, "stack": stack, "thread": "main",
        "time": "2026-11-22T10:00:00.000000Z", "pid": 4242, "planted": None})["seq"]


def build_case(root: Path, version: str = "1.0", hostile: bool = False) -> BuiltCase:
    """version "1.0" or "2.0": 2.0 adds an AppsFlyer recipient and a permission, drops the location access,
    and raises the biometric verdict's severity — the known difference the diff test expects."""
    case = Case.create(root, operator="Test Operator", persona="adult", scenario="reference scenario",
                       command_line=["auditor", "test"])
    built = BuiltCase(root=root)
    case.set_section("app", {"package": "com.example.reference", "version_code": int(version[0]),
                             "version_name": version, "apk_sha256": ["ab" * 32],
                             "signing_cert_sha256": ["cd" * 32],
                             "permissions": ["android.permission.INTERNET", "android.permission.CAMERA"]
                             + (["android.permission.READ_CONTACTS"] if version == "2.0" else [])})
    how = "adb shell getprop"
    case.set_section("device", {
        "format": "auditor-device-attestation/1", "serial": "TESTSERIAL01",
        "collected_started": "2026-11-22T09:59:00.000000Z", "collected_ended": "2026-11-22T09:59:05.000000Z",
        "fields": {"model": {"value": "Pixel 7 (test)", "known": True, "how": how},
                   "android_version": {"value": "14", "known": True, "how": how},
                   "root": {"value": {"rooted": True, "kind": "magisk"}, "known": True, "how": "adb shell su -v"},
                   "private_dns_mode": {"value": None, "known": False, "how": "adb shell settings get global "
                                        "private_dns_mode", "note": "settings service did not answer"},
                   "advertising_id": {"value": ADVERTISING_ID, "known": True, "how": "adb shell content query"},
                   "android_id": {"value": "9774d56d682e549c", "known": True, "how": "adb shell settings get"},
                   "account": {"value": EMAIL, "known": True, "how": "adb shell dumpsys account"}},
        "warnings": ["clock offset above 2 s"]})
    case.set_section("planted", {"clipboard": CLIPBOARD, "location": {"latitude": 52.1, "longitude": 4.3}})
    with case.ledger(fsync_interval=0) as ledger:
        seqs = built.seqs
        ledger.append("hook", "hook.planted", {"phase": "configured", "clipboard": CLIPBOARD,
                                               "location": {"latitude": 52.1, "longitude": 4.3}})
        seqs["planted"] = ledger.append("hook", "hook.planted", {
            "phase": "returned", "api": "android.content.ClipboardManager.getPrimaryClip", "what": "clipboard",
            "value": CLIPBOARD, "original": {"class": "android.content.ClipData", "value": "ClipData { T:x }"},
            "stack": SDK_STACK, "thread": "main", "tid": 1, "time": "2026-11-22T10:00:00.000000Z",
            "pid": 4242})["seq"]
        seqs["clip_sdk"] = _hook(ledger, "android.content.ClipboardManager.getPrimaryClip", "clipboard",
                                 SDK_STACK, CLIPBOARD)
        seqs["clip_app"] = _hook(ledger, "android.content.ClipboardManager.getPrimaryClip", "clipboard",
                                 APP_STACK, CLIPBOARD)
        if version == "1.0":
            seqs["location"] = _hook(ledger, "android.location.LocationManager.getLastKnownLocation", "location",
                                     ["android.location.LocationManager.getLastKnownLocation(LocationManager.java:1)",
                                      "com.bytedance.sdk.openadsdk.core.Geo.read(Geo.java:12)"])
        seqs["face"] = _hook(ledger, "android.media.FaceDetector.findFaces", "biometric_capture",
                             ["android.media.FaceDetector.findFaces(FaceDetector.java:1)",
                              "com.example.reference.ui.Selfie.detect(Selfie.java:40)"])
        payload = json.dumps({"c": base64.b64encode(CLIPBOARD.encode()).decode(), "gaid": ADVERTISING_ID,
                              "password": "hunter2-tester", "note": THIRD_PARTY_EMAIL}).encode()
        seqs["beacon"], built_body = _flow(
            case, ledger, "log.byteoversea.example", "127.0.0.21", f"/service/2/app_log/?aid=1233&token={SECRET_TOKEN}",
            [["content-type", "application/json"], ["content-encoding", "gzip"], ["cookie", SESSION_COOKIE],
             ["authorization", BEARER], ["x-gaid", ADVERTISING_ID]], gzip.compress(payload, mtime=0))
        seqs["eea"], _ = _flow(case, ledger, "api.reference-eu.example", "127.0.0.31",
                               f"/v1/profile?email={EMAIL}", [["accept", "application/json"]], None, "GET")
        if hostile:
            seqs["hostile"], _ = _flow(
                case, ledger, "evil.example", "127.0.0.66", "/" + HOSTILE_SCRIPT + "?q=" + RTL_OVERRIDE,
                [["x-evil", HOSTILE_HANDLER], ["x-huge", HUGE]], bytes(range(256)) * 4)
        ledger.append("proxy", "proxy.tls_failed", {"side": "client", "client": {"ip": "127.0.0.1", "port": 50001},
                                                    "server": {"ip": "127.0.0.41", "port": 443},
                                                    "sni": "pinned.example", "error": "certificate unknown"})
        ledger.append("hook", "hook.status", {"api": "android.hardware.biometrics.BiometricPrompt.authenticate",
                                              "hooked_class": "android.hardware.biometrics.BiometricPrompt",
                                              "installed": False, "overloads": 0, "error": "class not found",
                                              "pid": 4242})
        seqs["consent"] = ledger.append("operator", "operator.consent_accepted", {"text": "accepted all"})["seq"]
        if version == "2.0":
            seqs["appsflyer"], _ = _flow(case, ledger, "t.appsflyer.example", "127.0.0.51", "/api/v1",
                                         [["content-type", "application/json"]],
                                         json.dumps({"advertiserId": ADVERTISING_ID}).encode())
    key, _ = keys.load_or_create()
    seal_case(case, key)
    _write_analysis(case, built, version, hostile, built_body)
    return built


def _finding(ftype: str, category: str, actor: str, seq: int, stack: list[str] | None = None,
             values: list[dict[str, str]] | None = None, body_sha: str | None = None,
             **extra: Any) -> dict[str, Any]:
    """A finding as analysis writes it: actor as the hook room's record, one piece of evidence shown."""
    shown: dict[str, Any] = {"ledger_seq": seq}
    if stack is not None:
        shown["stack"] = stack
    if values is not None:
        shown.update({"flow_artifact": None, "request_body_sha256": body_sha, "values": values})
    finding = {"id": "F-" + _fid(ftype, category, actor, str(seq)), "type": ftype, "data_category": category,
               "actor": {"basis": "stack", "class": None, "package": actor, "sdk": None, "frame": None,
                         "first_party": actor.startswith("com.example")},
               "recipient": None, "destination": None, "time": "2026-11-22T10:00:00.000000Z",
               "time_last": "2026-11-22T10:00:00.000000Z", "before_consent": True, "confidence": "high",
               "evidence": {"occurrences": 1, "shown": [shown]}}
    finding.update(extra)
    return finding


def _value(location: str, what: str, value: str, form: str = "raw", source: str = "planted") -> dict[str, str]:
    """A value found in a message, as findings.json records it."""
    return {"location": location, "what": what, "form": form, "value": value, "source": source}


RULESET = {"name": "gdpr-core", "version": "2026.11", "sha256": "e" * 64}


def _verdict(vid: str, rule: str, severity: str, findings: list[str], citations: list[dict[str, str]],
             title: tuple[str, str], explanation: tuple[str, str]) -> dict[str, Any]:
    return {"id": "V-" + _fid(vid), "rule_id": rule, "rule_version": "1", "ruleset": RULESET, "severity": severity,
            "findings": findings, "citations": citations, "title": dict(zip(("en", "nl"), title, strict=True)),
            "explanation": dict(zip(("en", "nl"), explanation, strict=True)), "source": "test rules",
            "evidence_required": ["request"]}


CN_RECIPIENT = {"host": "log.byteoversea.example", "domain": "byteoversea.example", "entity": "ByteDance Ltd.",
                "parent": "ByteDance Ltd.", "entity_country": "CN"}
CN_DESTINATION = {"ip": "127.0.0.21", "country_physical": "SG", "country_registered": "CN", "asn": 4134,
                  "operator": "Example Telecom"}


def _write_analysis(case: Case, built: BuiltCase, version: str, hostile: bool, body_sha: str | None) -> None:
    s = built.seqs
    clip_b64 = base64.b64encode(CLIPBOARD.encode()).decode()
    findings = [
        _finding("clipboard_read", "clipboard", "com.bytedance.sdk", s["clip_sdk"], stack=SDK_STACK),
        _finding("clipboard_read", "clipboard", "com.example.reference", s["clip_app"], stack=APP_STACK),
        _finding("biometric_capture", "biometric", "com.example.reference", s["face"]),
        _finding("personal_data_transmitted", "clipboard", "com.bytedance.sdk", s["beacon"],
                 values=[_value("body<gzip>.c", "clipboard", clip_b64, form="base64")], body_sha=body_sha,
                 recipient=CN_RECIPIENT, destination=CN_DESTINATION, transfer_outcome="third_country_no_adequacy"),
        _finding("third_country_transfer", "advertising_id", "com.bytedance.sdk", s["beacon"],
                 values=[_value("header.x-gaid", "advertising_id", ADVERTISING_ID, source="device")],
                 body_sha=body_sha, recipient=CN_RECIPIENT, destination=CN_DESTINATION,
                 transfer={"outcome": "third_country_no_adequacy", "date": "2026-11-22", "instrument": None,
                           "law": "Regulation (EU) 2016/679, Chapter V (Art. 44-50)",
                           "cannot_prove": "onward transfers and contracts cannot be seen",
                           "recipient_entity": CN_RECIPIENT["entity"], "recipient_country": "CN",
                           "chapter_v": True, "note": "no adequacy decision in force on that day"}),
    ]
    if version == "1.0":
        findings.append(_finding("location_access", "location", "com.bytedance.sdk", s["location"]))
    if version == "2.0":
        findings.append(_finding("personal_data_transmitted", "advertising_id", "com.appsflyer", s["appsflyer"],
                                 values=[_value("body.advertiserId", "advertising_id", ADVERTISING_ID,
                                                source="device")],
                                 recipient={"host": "t.appsflyer.example", "domain": "appsflyer.example",
                                            "entity": "AppsFlyer Ltd.", "parent": "AppsFlyer Ltd.",
                                            "entity_country": "IL"},
                                 destination={"ip": "127.0.0.51", "country_physical": "IE",
                                              "country_registered": "IE", "asn": 16509, "operator": "Cloud"}))
    if hostile:
        findings.append(_finding("tracker_contacted", "planted", "<img src=x onerror=alert(1)>",
                                 s["hostile"], values=[_value("header.x-huge", "huge", HUGE)], api=HOSTILE_SCRIPT,
                                 recipient={"host": RTL_OVERRIDE, "entity": HOSTILE_HANDLER,
                                            "domain": "Evil;=cmd|' /C calc'!A0",
                                            "parent": '=HYPERLINK("http://127.0.0.1/","x")'}))
    ids = {f["type"] + ":" + f["actor"]["package"] + ":" + f["data_category"]: f["id"] for f in findings}
    built.finding_ids.update(ids)
    by_type: dict[str, list[str]] = {}
    for f in findings:
        by_type.setdefault(f["type"], []).append(f["id"])
    citation = {"instrument": "Regulation (EU) 2016/679 (GDPR)", "article": "44", "paragraph": "", "point": "",
                "text": "Any transfer of personal data … shall take place only if … the conditions laid down in "
                        "this Chapter are complied with."}
    epriv = {"instrument": "Directive 2002/58/EC (ePrivacy)", "article": "5", "paragraph": "3", "point": "",
             "text": ""}
    art9 = {"instrument": "Regulation (EU) 2016/679 (GDPR)", "article": "9", "paragraph": "1", "point": "",
            "text": ""}
    verdicts = [
        _verdict("v-clipboard", "clipboard-read-by-third-party", "high", by_type["clipboard_read"], [epriv],
                 ("A third-party SDK reads the clipboard", "Een SDK van een derde leest het klembord"),
                 ("The ByteDance SDK read the clipboard without a user action.",
                  "De SDK van ByteDance las het klembord zonder handeling van de gebruiker.")),
        _verdict("v-transfer", "third-country-transfer-no-adequacy", "high",
                 by_type["third_country_transfer"] + by_type["personal_data_transmitted"], [citation],
                 ("Transfer to China without an adequacy decision", "Doorgifte aan China zonder adequaatheidsbesluit"),
                 ("Personal data was sent to a company established in CN.",
                  "Persoonsgegevens zijn verzonden aan een in CN gevestigde onderneming.")),
        _verdict("v-biometric", "biometric-capture", "high" if version == "2.0" else "medium",
                 by_type["biometric_capture"], [art9], ("Facial image processed", "Gezichtsopname verwerkt"),
                 ("Face detection ran on a camera image.", "Op een camerabeeld is gezichtsdetectie uitgevoerd.")),
    ]
    if version == "1.0":
        verdicts.append(_verdict("v-location", "location-before-consent", "medium", by_type["location_access"], [],
                                 ("Location read before consent", "Locatie uitgelezen vóór toestemming"),
                                 ("The SDK read the location before consent.",
                                  "De SDK las de locatie uit vóór toestemming.")))
    if hostile:
        verdicts.append(_verdict("v-hostile", "hostile", "low", by_type["tracker_contacted"], [],
                                 (HOSTILE_SCRIPT, HOSTILE_SCRIPT), (HOSTILE_HANDLER, RTL_OVERRIDE)))
    built.verdict_ids.update({v["rule_id"]: v["id"] for v in verdicts})
    seal_sha = sha256_file(case.root / "seal.json")[0]
    head = list(read_records(case.ledger_path))[-1]
    inputs = {"case": {"case_id": case.id, "seal_sha256": seal_sha,
                       "case_json_sha256": sha256_file(case.root / "case.json")[0],
                       "ledger_head": {"seq": head["seq"], "hash": head["hash"], "intact": True}},
              "datasets": [{"name": "geoip-test", "version": "2026-11", "sha256": "f" * 64, "licence": "CC BY 4.0",
                            "attribution": "test data", "error_rate": "country: 2% on a 1,000-address sample"}],
              "rulesets": [RULESET], "flows_analysed": 0}
    folder = case.root / "analysis"
    folder.mkdir()
    context = read_context(case)
    write_documents({folder / "findings.json": Findings(findings=tuple(Finding.model_validate_json(json.dumps(f))
                                                                        for f in findings)),
                     folder / "verdicts.json": Verdicts(verdicts=tuple(Verdict.model_validate_json(json.dumps(v))
                                                                        for v in verdicts)),
                     folder / "observed.json": observe(context, len(context.flow_index)),
                     folder / "inputs.json": Inputs.model_validate_json(json.dumps(inputs))})
