package com.example.pinapp;

import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** Stands in for Android's platform trust manager (Conscrypt's TrustManagerImpl): trusts the platform's CAs only
 *  (here the JDK's, which do not include the capture's CA, as an app targeting Android 7+ does not trust a user
 *  CA), and like TrustManagerImpl answers checkServerTrusted(chain, authType, host) with the trusted chain. */
final class PlatformTrustManager implements X509TrustManager {
    private final X509TrustManager platform;

    PlatformTrustManager() throws Exception {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
        this.platform = (X509TrustManager) factory.getTrustManagers()[0];
    }

    public List<X509Certificate> checkServerTrusted(X509Certificate[] chain, String authType, String host)
            throws CertificateException {
        platform.checkServerTrusted(chain, authType);
        return Arrays.asList(chain);
    }

    @Override public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        platform.checkServerTrusted(chain, authType);
    }

    @Override public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        platform.checkClientTrusted(chain, authType);
    }

    @Override public X509Certificate[] getAcceptedIssuers() { return platform.getAcceptedIssuers(); }
}
