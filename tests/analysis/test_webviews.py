"""script_injected: a script the app injected into a page is reported with the user-input events it
listens to and the calls it makes on the objects the app exposed to the page, read from its kept text."""

from __future__ import annotations

import hashlib
import json

from auditor.analyze.run import analyze
from auditor.case.bundle import Case

PAGE = "https://shop.example-merchant.de/offer"
STACK = ["android.webkit.WebView.evaluateJavascript(Native Method)",
         "com.bytedance.sdk.InAppBrowser$1.onPageFinished(InAppBrowser.java:31)"]
KEYLOGGER = ("document.addEventListener('keydown', k); document.addEventListener(\"input\", k);"
             "window.addEventListener('blur', function(){ TTBridge.onKeys(typed); TTBridge.collected();"
             " Other.onKeys(typed); });")


def webview_event(case: Case, ledger, kind: str, pid: int = 1, **fields) -> int:
    body = {"kind": kind, "api": f"android.webkit.WebView.{fields.pop('method', 'evaluateJavascript')}",
            "url": PAGE, "stack": STACK, "thread": "main", "tid": 7, "time": "2026-12-01T10:00:00.000000Z",
            "pid": pid, **fields}
    artifact = None
    if "text" in body:
        text = body.pop("text").encode()
        artifact = case.artifacts.put_bytes(text)
        body["script"] = {"sha256": artifact, "size": len(text), "kept": len(text), "stored": True}
    return ledger.append("hook", "hook.webview", body, artifact=artifact)["seq"]


def injected(case: Case) -> list[dict]:
    analyze(case.root)
    findings = json.loads((case.root / "analysis" / "findings.json").read_text())["findings"]
    return [f for f in findings if f["type"] == "script_injected"]


def test_a_keylogger_is_named_by_its_listeners_and_its_bridge_calls(tmp_path):
    case = Case.create(tmp_path / "case", operator="test")
    with case.ledger(fsync_interval=0) as ledger:
        webview_event(case, ledger, "interface", method="addJavascriptInterface", name="TTBridge",
                      **{"class": "com.bytedance.sdk.BrowserBridge", "methods": ["onKeys", "onTap"]})
        seq = webview_event(case, ledger, "script", text=KEYLOGGER)
    [finding] = injected(case)
    assert finding["injected_script"] == {
        "page_url": PAGE, "page_from": "getUrl",   # no page event: the view's URL at injection
        "script_sha256": case_artifact(case, KEYLOGGER), "script_size": len(KEYLOGGER),
        "listens_to": ["input", "keydown"],            # blur is no user input; collected() is not exposed
        "sends_through": ["TTBridge.onKeys"], "interface_classes": ["com.bytedance.sdk.BrowserBridge"],
        "reads_typing": True, "hands_to_app": True,
        "page_first_party": False}      # the case names no controller: the merchant's page is another party's
    assert finding["api"] == "android.webkit.WebView.evaluateJavascript"
    assert (finding["actor"]["class"], finding["actor"]["sdk"]) == ("com.bytedance.sdk.InAppBrowser$1", "Pangle")
    assert finding["confidence"] == "high" and finding["before_consent"] is True
    assert finding["evidence"]["shown"][0]["ledger_seq"] == seq
    assert finding["evidence"]["shown"][0]["stack"] == STACK


def case_artifact(case: Case, text: str) -> str:
    digest = hashlib.sha256(text.encode()).hexdigest()
    assert digest in case.artifacts
    return digest


def test_an_interface_counts_only_in_its_own_process_and_once_exposed(tmp_path):
    case = Case.create(tmp_path / "case", operator="test")
    with case.ledger(fsync_interval=0) as ledger:
        webview_event(case, ledger, "interface", pid=2, method="addJavascriptInterface", name="TTBridge",
                      **{"class": "com.bytedance.sdk.BrowserBridge", "methods": ["onKeys"]})
        webview_event(case, ledger, "script", text=KEYLOGGER)                      # pid 1: nothing exposed there
        webview_event(case, ledger, "load", method="loadUrl")                      # a page load is no finding
        webview_event(case, ledger, "interface", method="addJavascriptInterface", name="TTBridge",
                      **{"class": "com.bytedance.sdk.BrowserBridge", "methods": ["onKeys"]})
    [finding] = injected(case)
    script = finding["injected_script"]
    assert (script["listens_to"], script["sends_through"], script["reads_typing"], script["hands_to_app"]) == (
        ["input", "keydown"], [], True, False)


def test_the_page_is_the_view_s_last_page_event_before_the_script(tmp_path):
    """Two views in one process: each script names the page its own view last started or finished, with that
    event's ledger seq; the view's getUrl() (the hook's url field) does not override the page event."""
    case = Case.create(tmp_path / "case", operator="test")
    shop, login = "https://shop.example-merchant.de/offer", "https://login.example-merchant.de/"
    with case.ledger(fsync_interval=0) as ledger:
        started = webview_event(case, ledger, "page_started", method="onPageStarted", view=11, url=shop,
                                **{"class": "com.bytedance.sdk.InAppBrowser$1"})
        finished = webview_event(case, ledger, "page_finished", method="onPageFinished", view=11, url=shop,
                                 **{"class": "com.bytedance.sdk.InAppBrowser$1"})
        other = webview_event(case, ledger, "page_started", method="onPageStarted", view=-22, url=login,
                              **{"class": "android.webkit.WebViewClient"})
        into_shop = webview_event(case, ledger, "script", view=11, url="about:blank", text=KEYLOGGER)
        into_login = webview_event(case, ledger, "script", view=-22, url=None, text="TTBridge.onKeys(x);")
        webview_event(case, ledger, "script", view=33, url=None, text="void 0;")   # a view with no page known
    findings = sorted(injected(case), key=lambda f: f["evidence"]["shown"][0]["ledger_seq"])
    assert [(f["injected_script"].get("page_url"), f["injected_script"].get("page_from"),
             f["injected_script"].get("page_first_party"),
             f["evidence"]["shown"][0]["ledger_seq"], f["evidence"]["shown"][0].get("activity_ledger_seqs"))
            for f in findings] == [
        (shop, "onPageFinished", False, into_shop, [finished]), (login, "onPageStarted", False, into_login, [other]),
        (None, None, None, into_login + 1, [])]
    assert started < finished
