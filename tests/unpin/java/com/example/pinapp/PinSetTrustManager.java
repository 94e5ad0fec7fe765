package com.example.pinapp;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.X509TrustManager;

/** Stands in for Android's NetworkSecurityTrustManager (an app's network security config with a pin-set): asks
 *  the platform's trust manager for the trusted chain of the host, then requires a pinned key in that chain. */
final class PinSetTrustManager implements X509TrustManager {
    private final PlatformTrustManager platform = new PlatformTrustManager();
    private final String host;

    PinSetTrustManager(String host) throws Exception { this.host = host; }

    @Override public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        List<X509Certificate> trusted = platform.checkServerTrusted(chain, authType, host);
        for (X509Certificate certificate : trusted) {
            if (PinningTrustManager.keyPin(certificate).equals(PinningTrustManager.PIN)) return;
        }
        throw new CertificateException("Pin verification failed: none of " + trusted.size() + " certificates pinned");
    }

    @Override public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("no client certificates here");
    }

    @Override public X509Certificate[] getAcceptedIssuers() { return platform.getAcceptedIssuers(); }
}
