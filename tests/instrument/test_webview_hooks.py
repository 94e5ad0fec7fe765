"""The WebView hooks (hooks/src/webview.ts) on the reference app's in-app browser under the real agent: the
exposed interface with its @JavascriptInterface methods, the page load, and each injected script kept whole
as an artifact with the page's URL and the stack of the code that injected it."""

from __future__ import annotations

import hashlib

from auditor.instrument.devices import DeviceChoice
from auditor.instrument.run import Request, run

from .conftest import APP_PACKAGE, ledger_records

OFFER = "https://shop.example-merchant.de/offer"
# reference/app/com/bytedance/sdk/InAppBrowser.java
KEY_LISTENER = ("(function(){var typed='';"
                "document.addEventListener('keydown',function(e){typed+=e.key;});"
                "document.addEventListener('input',function(e){typed=e.target.value;});"
                "document.addEventListener('selectionchange',function(){});"
                "window.addEventListener('blur',function(){TTBridge.onKeys(typed);});})();")
TAP_LISTENER = "document.addEventListener('touchstart',function(e){TTBridge.onTap(e.target.tagName);},true);"


def test_the_in_app_browser_s_interface_page_and_injected_scripts(case, proxy_sink, reference_argv):
    result = run(case, Request(device=DeviceChoice("local"), spawn=reference_argv(proxy_sink.port),
                               app_package=APP_PACKAGE))
    assert (result.ended_by_itself, result.verdict) == (True, "exited(0)")
    records = [r for r in ledger_records(case) if r["kind"] == "hook.webview"]
    assert [(r["body"]["kind"], r["body"]["api"].rsplit(".", 1)[1], r["body"]["url"]) for r in records] == [
        ("interface", "addJavascriptInterface", None), ("load", "loadUrl", OFFER),
        ("script", "evaluateJavascript", OFFER), ("script", "loadUrl", OFFER)]
    exposed, load, evaluated, javascript_url = records
    assert (exposed["body"]["name"], exposed["body"]["class"], exposed["body"]["methods"]) == (
        "TTBridge", "com.bytedance.sdk.BrowserBridge", ["onKeys", "onTap"])   # not collected(): not exposed
    assert exposed["body"]["stack"][1].startswith("com.bytedance.sdk.InAppBrowser.open(InAppBrowser.java:")
    assert exposed["artifact"] is None and load["artifact"] is None and "script" not in load["body"]
    for record, text in ((evaluated, KEY_LISTENER), (javascript_url, TAP_LISTENER)):
        script = record["body"]["script"]
        assert case.artifacts.read_bytes(script["sha256"], 1 << 16) == text.encode()
        assert script == {"sha256": hashlib.sha256(text.encode()).hexdigest(), "size": len(text), "kept": len(text),
                          "stored": True}
        assert record["artifact"] == script["sha256"]
        # injected from the SDK's WebViewClient once the page had loaded
        assert record["body"]["stack"][1].startswith("com.bytedance.sdk.InAppBrowser$1.onPageFinished(")
    statuses = {b["api"]: b["overloads"] for b in (r["body"] for r in ledger_records(case))
                if "api" in b and b["api"].startswith("android.webkit.WebView.") and "installed" in b}
    assert statuses == {"android.webkit.WebView.evaluateJavascript": 1, "android.webkit.WebView.loadUrl": 2,
                        "android.webkit.WebView.addJavascriptInterface": 1}
