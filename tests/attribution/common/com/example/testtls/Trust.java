package com.example.testtls;

import java.io.FileInputStream;
import java.io.InputStream;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** The test programs' TLS trust: only the capture's CA (a PEM file), as an app trusting the proxy would. */
public final class Trust {
    public final X509TrustManager manager;
    public final SSLContext context;

    public Trust(String caPem) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream pem = new FileInputStream(caPem)) {
            store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(pem));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        manager = (X509TrustManager) factory.getTrustManagers()[0];
        context = SSLContext.getInstance("TLS");
        context.init(null, new X509TrustManager[] {manager}, null);
    }
}
