package android.webkit;

import android.graphics.Bitmap;

public class WebViewClient {
    public WebViewClient() {}

    public void onPageStarted(WebView view, String url, Bitmap favicon) {}

    public void onPageFinished(WebView view, String url) {}
}
