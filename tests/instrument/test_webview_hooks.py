"""The WebView hooks (hooks/src/webview.ts) on the reference app's in-app browser under the real agent: the
exposed interface with its @JavascriptInterface methods, the page load, the page's start and finish (the SDK's
own WebViewClient subclass, hooked when it was set), and each injected script kept whole as an artifact with the
page's URL, its WebView and the stack of the code that injected it."""

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
    assert [(r["body"]["kind"], r["body"]["api"], r["body"]["url"]) for r in records] == [
        ("interface", "android.webkit.WebView.addJavascriptInterface", None),
        ("load", "android.webkit.WebView.loadUrl", OFFER),
        ("page_started", "android.webkit.WebViewClient.onPageStarted", OFFER),
        ("page_finished", "android.webkit.WebViewClient.onPageFinished", OFFER),
        ("script", "android.webkit.WebView.evaluateJavascript", OFFER),
        ("script", "android.webkit.WebView.loadUrl", OFFER)]
    exposed, load, started, finished, evaluated, javascript_url = records
    # one WebView throughout: its identity hash ties each script to the page that view had loaded
    assert len({r["body"]["view"] for r in records}) == 1 and isinstance(exposed["body"]["view"], int)
    # onPageStarted is the platform's (the SDK's client does not override it), onPageFinished the SDK's override:
    # both name the client's class, the override's stack shows the SDK frame the engine called
    assert (started["body"]["class"], finished["body"]["class"]) == ("com.bytedance.sdk.InAppBrowser$1",) * 2
    assert started["body"]["stack"][:2] == ["android.webkit.WebViewClient.onPageStarted(Native Method)",
                                            "android.webkit.WebView.loadUrl(Native Method)"]
    assert finished["body"]["stack"][0] == "com.bytedance.sdk.InAppBrowser$1.onPageFinished(Native Method)"
    assert started["artifact"] is None and finished["artifact"] is None
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
    statuses = {r["body"]["api"]: (r["body"]["hooked_class"], r["body"]["overloads"]) for r in ledger_records(case)
                if r["kind"] == "hook.status" and ("WebView" in r["body"]["api"] or ".onPage" in r["body"]["api"])}
    assert statuses == {"android.webkit.WebView.evaluateJavascript": ("android.webkit.WebView", 1),
                        "android.webkit.WebView.loadUrl": ("android.webkit.WebView", 2),
                        "android.webkit.WebView.addJavascriptInterface": ("android.webkit.WebView", 1),
                        "android.webkit.WebView.setWebViewClient": ("android.webkit.WebView", 1),
                        "android.webkit.WebViewClient.onPageStarted": ("android.webkit.WebViewClient", 1),
                        "android.webkit.WebViewClient.onPageFinished": ("android.webkit.WebViewClient", 1),
                        # hooked when the SDK set its client: the override the platform hook cannot reach
                        "com.bytedance.sdk.InAppBrowser$1.onPageFinished": ("com.bytedance.sdk.InAppBrowser$1", 1)}
