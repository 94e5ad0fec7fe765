package android.net.http;

import java.security.cert.X509Certificate;

/** Stand-in for the platform's SslError: the TLS error a WebView tells its client of, with the page's URL. */
public class SslError {
    public static final int SSL_UNTRUSTED = 3;
    private final int error;
    private final String url;

    public SslError(int error, X509Certificate certificate, String url) {
        this.error = error;
        this.url = url;
    }

    public int getPrimaryError() {
        return error;
    }

    public String getUrl() {
        return url;
    }
}
