"""One privacy-API catalogue (auditor/catalogue/privacy_apis.json): its categories make findings and have report
strings, the file is checked when read, and the agent and the static scan use exactly what it lists."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from auditor.analyze.findings import HOOK_DATA, HOOK_TYPES
from auditor.catalogue import DATA_PATH, PRIVACY_APIS, Consumer, load
from auditor.errors import InputError
from auditor.instrument.agent import AGENT_PATH
from auditor.instrument.messages import CATEGORIES as AGENT_MESSAGE_CATEGORIES
from auditor.report import assets
from auditor.static import apis as static_apis

HOOK, STATIC = Consumer.HOOK, Consumer.STATIC


def test_every_category_makes_its_finding_or_says_why_not_and_has_en_and_nl_strings() -> None:
    made = {c.id: (c.finding_type, c.data_category) for c in PRIVACY_APIS.categories}
    assert made == {
        "clipboard": ("clipboard_read", "clipboard"), "location": ("location_access", "location"),
        "biometric_capture": ("biometric_capture", "biometric"), "biometric_auth": ("biometric_auth", "biometric"),
        "identifier": ("identifier_access", "device_identifier"),
        "accounts": ("identifier_access", "device_identifier"),
        "installed_apps": ("identifier_access", "device_identifier"),
        "microphone": ("biometric_capture", "biometric"), "contacts": ("contacts_access", "contact"),
        "camera": ("camera_access", "camera"), "screen_capture": ("screen_capture", "screen_content"),
        "socket": (None, None), "request": (None, None), "http_call": (None, None), "http_chain": (None, None)}
    without = {c.id: (c.plumbing, sorted(c.used_by)) for c in PRIVACY_APIS.categories if c.finding_type is None}
    assert without == {"socket": (True, [HOOK]), "request": (True, [HOOK]), "http_call": (True, [HOOK]),
                       "http_chain": (True, [HOOK])}
    assert all(c.note for c in PRIVACY_APIS.categories if c.finding_type is None)
    assert HOOK_TYPES == {c: t for c, (t, _d) in made.items() if t is not None}
    assert HOOK_DATA == {"clipboard_read": "clipboard", "location_access": "location",
                         "biometric_capture": "biometric", "biometric_auth": "biometric",
                         "identifier_access": "device_identifier", "contacts_access": "contact",
                         "camera_access": "camera", "screen_capture": "screen_content"}
    en, nl = assets.catalogue("en"), assets.catalogue("nl")
    for category in PRIVACY_APIS.categories:
        key = f"api_category.{category.id}"
        assert en[key].strip() and nl[key].strip() and en[key] != nl[key], key
        if category.finding_type is not None:
            for lang in (en, nl):
                assert lang[f"type.{category.finding_type}"] and lang[f"category.{category.data_category}"]


def test_consumers_use_exactly_the_catalogues_categories() -> None:
    assert PRIVACY_APIS.categories_used_by(HOOK) == {"clipboard", "location", "biometric_capture", "biometric_auth",
                                                     "identifier", "accounts", "installed_apps", "microphone",
                                                     "contacts", "camera", "screen_capture", "socket", "request",
                                                     "http_call", "http_chain"}
    assert PRIVACY_APIS.categories_used_by(STATIC) == {"clipboard", "location", "biometric_capture",
                                                       "biometric_auth", "identifier", "accounts",
                                                       "installed_apps", "microphone", "camera", "screen_capture"}
    assert AGENT_MESSAGE_CATEGORIES == PRIVACY_APIS.categories_used_by(HOOK)
    scanned = set(static_apis.API_METHODS.values()) | {c.category for c in static_apis.INLINED_CONSTANTS}
    assert scanned == static_apis.CATEGORIES == PRIVACY_APIS.categories_used_by(STATIC)


def test_the_static_table_is_the_catalogues_static_entries() -> None:
    static = PRIVACY_APIS.apis_used_by(STATIC)
    # 66, and issue #16's MediaRecorder.start, the two MediaProjection calls, Settings.Global's device name and
    # the Bluetooth name (the contacts query is hooked only)
    assert len(static) == len(static_apis.API_METHODS) == 71
    assert static_apis.API_METHODS[("Landroid/media/AudioRecord;", "<init>")] == "microphone"
    assert static_apis.API_METHODS[("Landroid/hardware/fingerprint/FingerprintManager;", "isHardwareDetected")] \
        == "biometric_auth"
    assert static_apis.INLINED_CONSTANTS == (
        static_apis.InlinedConstant("android.provider.Settings$Secure.ANDROID_ID", "android_id", "identifier",
                                    "android.provider.Settings$Secure.getString"),
        static_apis.InlinedConstant("android.media.MediaDrm.PROPERTY_DEVICE_UNIQUE_ID", "deviceUniqueId",
                                    "identifier", "android.media.MediaDrm.getPropertyByteArray"),
        static_apis.InlinedConstant("android.provider.Settings$Global.DEVICE_NAME", "device_name", "identifier",
                                    "android.provider.Settings$Global.getString"))


def _bundled_catalogue() -> list[dict[str, Any]]:
    """The shipped agent's CATALOGUE, evaluated by node from the bundle's catalogue modules (the data file and
    src/catalogue.ts, each a section headed by its path)."""
    bundle = AGENT_PATH.read_text(encoding="utf-8")
    start = bundle.index("\n// ../auditor/catalogue/privacy_apis.json\n")
    end = bundle.index("\n// ", bundle.index("\n// src/catalogue.ts\n") + 1)
    program = bundle[start:end] + "\nconsole.log(JSON.stringify(CATALOGUE));\n"
    done = subprocess.run(["node", "-e", program], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_the_agent_hooks_exactly_the_catalogues_hook_entries() -> None:
    expected = []
    for api in PRIVACY_APIS.apis_used_by(HOOK):
        spec: dict[str, Any] = {"category": api.category, "className": api.class_name, "method": api.method}
        if api.via_implementations:
            spec["viaImplementations"] = True
        if api.arg_match is not None:
            spec["argMatch"] = {"index": api.arg_match.index, "contains": api.arg_match.contains}
        if api.overload is not None:
            spec["overload"] = list(api.overload)
        if api.runtime is not None:
            spec["runtime"] = api.runtime
        if api.request_of is not None:
            spec["requestOf"] = {"from": api.request_of.source, "url": list(api.request_of.url),
                                 "method": list(api.request_of.method)}
            if api.request_of.call is not None:
                spec["requestOf"]["call"] = list(api.request_of.call)
            if api.request_of.method_default is not None:
                spec["requestOf"]["method_default"] = api.request_of.method_default
        expected.append(spec)
    # 55 + OkHttp's interceptor chain, Cronet's two request classes, the plain socket streams (JDK 17, libcore),
    # and issue #16's camera (2), MediaRecorder.start, screen capture (2), device name, Bluetooth name and the
    # contacts query
    assert len(expected) == 68
    assert _bundled_catalogue() == expected


def test_the_agent_source_reads_the_data_file() -> None:
    source = (Path(__file__).resolve().parents[1] / "hooks" / "src" / "catalogue.ts").read_text(encoding="utf-8")
    imported = re.findall(r'^import catalogue from "([^"]+)"', source, re.M)
    assert imported == ["../../auditor/catalogue/privacy_apis.json"]
    assert (Path(__file__).resolve().parents[1] / "hooks" / "src" / imported[0]).resolve() == DATA_PATH


def _edited(tmp_path: Path, edit: Any) -> Path:
    data = json.loads(DATA_PATH.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "privacy_apis.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _api(data: dict[str, Any], method: str) -> dict[str, Any]:
    return next(a for a in data["apis"] if a["method"] == method)


def _category(data: dict[str, Any], category_id: str) -> dict[str, Any]:
    return next(c for c in data["categories"] if c["id"] == category_id)


SEND_ASYNC = "apis[74] (jdk.internal.net.http.HttpClientImpl.sendAsync)"
CHAIN = "apis[77] (okhttp3.internal.http.RealInterceptorChain.proceed)"
BAD = [
    (lambda d: d.update(extra=1), "top level: unknown key(s) 'extra'"),
    (lambda d: _category(d, "clipboard").update(colour="red"), "categories[0]: unknown key(s) 'colour'"),
    (lambda d: _api(d, "getImei").update(hooked=True),
     "apis[50]: unknown key(s) 'hooked'"),
    (lambda d: d["apis"].append(dict(_api(d, "getImei"))),
     "apis[88] (android.telephony.TelephonyManager.getImei): duplicate entry"),
    (lambda d: d["categories"].append(dict(_category(d, "camera"))), "categories[15] (camera): duplicate category"),
    (lambda d: _api(d, "getImei").update(runtime="ios"),
     "apis[50] (android.telephony.TelephonyManager.getImei): runtime must be one of android, jvm"),
    (lambda d: _api(d, "getImei").update(category="gallery"),
     "apis[50] (android.telephony.TelephonyManager.getImei): unknown category 'gallery'"),
    (lambda d: _api(d, "getImei").update(category=["identifier"]),
     "apis[50] (android.telephony.TelephonyManager.getImei): unknown category ['identifier']"),
    (lambda d: d.update(description="one line"), "description: must be a list of strings"),
    (lambda d: _api(d, "getImei").update(used_by=["hook", "phone"]),
     "apis[50] (android.telephony.TelephonyManager.getImei): used_by must list one or more of hook, static, each "
     "once"),
    (lambda d: _category(d, "camera").update(used_by=["static"]),
     "categories[9] (camera): used_by static is not what its APIs say (hook, static)"),
    (lambda d: d.update(apis=[a for a in d["apis"] if a["category"] != "camera"]),
     "categories[9] (camera): used_by hook, static is not what its APIs say (no API)"),
    (lambda d: _category(d, "clipboard").update(finding_type=None, data_category=None, note="n"),
     "categories[0] (clipboard): a hooked category needs a finding_type unless it is plumbing"),
    (lambda d: _category(d, "socket").pop("note"),
     "categories[11] (socket): a category without a finding_type needs a note saying why"),
    (lambda d: _category(d, "microphone").update(data_category="audio"),
     "categories[7] (microphone): finding type biometric_capture has data category biometric in biometric_capture, "
     "not audio"),
    (lambda d: _category(d, "socket").update(finding_type="socket_opened", data_category="network"),
     "categories[11] (socket): a plumbing category makes no finding: finding_type must be null"),
    (lambda d: _api(d, "getString")["arg_match"].pop("inlined_constant"),
     "apis[46] (android.provider.Settings$Secure.getString): the static scan sees an argument only as an inlined "
     "constant: arg_match needs inlined_constant, or the entry is for the hook only"),
    (lambda d: _api(d, "set")["arg_match"].update(index=-1),
     "apis[38] (android.hardware.camera2.CaptureRequest$Builder.set): arg_match.index must be an argument position "
     "(0 or more)"),
    (lambda d: _api(d, "sendAsync").pop("request_of"),
     f"{SEND_ASYNC}: request_of is needed by, and only by, categories http_call, http_chain"),
    (lambda d: _api(d, "sendAsync")["request_of"].update(url=[]),
     f"{SEND_ASYNC}: request_of.url must be a non-empty list of method names or field:NAME"),
    (lambda d: _api(d, "sendAsync")["request_of"].update(method=["field:no such"]),
     f"{SEND_ASYNC}: request_of.method must be a non-empty list of method names or field:NAME"),
    (lambda d: _api(d, "proceed")["request_of"].update(call="call"),
     f"{CHAIN}: request_of.call must be a list of method names or field:NAME"),
    (lambda d: _api(d, "proceed").update(category="socket"),
     f"{CHAIN}: request_of is needed by, and only by, categories http_call, http_chain"),
    (lambda d: _api(d, "sendAsync")["request_of"].update(**{"from": -1}),
     f'{SEND_ASYNC}: request_of.from must be "this" or an argument position (0 or more)'),
]


@pytest.mark.parametrize(("edit", "problem"), BAD)
def test_a_bad_catalogue_is_refused_naming_the_file_and_the_entry(tmp_path: Path, edit: Any, problem: str) -> None:
    path = _edited(tmp_path, edit)
    with pytest.raises(InputError) as caught:
        load(path)
    assert str(caught.value) == f"{path}: {problem}"


def test_an_unreadable_catalogue_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "privacy_apis.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match=r"privacy_apis.json: cannot read the privacy-API catalogue: Expecting"):
        load(path)
