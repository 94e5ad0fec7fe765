package android.webkit;

import android.os.Handler;

/** Stand-in for the platform's SslErrorHandler: how the app's WebViewClient answers a TLS error. */
public class SslErrorHandler extends Handler {
    private boolean proceeding;

    SslErrorHandler() {
        super(null);
    }

    public void proceed() {
        proceeding = true;
    }

    public void cancel() {
        proceeding = false;
    }

    boolean proceeding() {
        return proceeding;
    }
}
