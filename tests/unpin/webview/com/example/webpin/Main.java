package com.example.webpin;

import android.net.http.SslError;
import android.webkit.SslErrorHandler;
import android.webkit.WebView;
import android.webkit.WebViewClient;

/** An app whose WebView refuses a certificate it does not trust: its WebViewClient cancels every TLS error (the
 *  reference app's platform stand-ins, which load the page through the JVM's proxy). Argument: the page's URL. */
public final class Main {
    public static void main(String[] args) {
        WebView view = new WebView(null);
        view.setWebViewClient(new WebViewClient() {
            @Override public void onReceivedSslError(WebView v, SslErrorHandler handler, SslError error) {
                System.out.println("cancelled " + error.getUrl());
                handler.cancel();
            }
        });
        view.loadUrl(args[0]);
        System.exit(0);         // the JVM would not end by itself while the agent is loaded
    }

    private Main() { }
}
