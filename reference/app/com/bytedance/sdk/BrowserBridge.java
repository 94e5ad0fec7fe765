package com.bytedance.sdk;

import android.util.Log;
import android.webkit.JavascriptInterface;

/** What the in-app browser's injected scripts call: the keys typed and the elements tapped on the page. */
final class BrowserBridge {
    private final StringBuilder collected = new StringBuilder();

    @JavascriptInterface
    public void onKeys(String typed) {
        collected.append(typed);
        Log.d(AppLog.TAG, "in-app browser keys: " + typed);
    }

    @JavascriptInterface
    public void onTap(String element) {
        Log.d(AppLog.TAG, "in-app browser tap: " + element);
    }

    /** Not exposed to the page: no @JavascriptInterface. */
    public String collected() {
        return collected.toString();
    }
}
