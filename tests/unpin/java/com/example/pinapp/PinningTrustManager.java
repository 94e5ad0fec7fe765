package com.example.pinapp;

import com.example.testtls.Trust;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.X509TrustManager;

/** Trusts the chain the given CA signs, and then only a server key whose SHA-256 is the pin (none: no pin).
 *  The pin is one no test key has, as an app pins its own server's key, which a proxy cannot present. */
final class PinningTrustManager implements X509TrustManager {
    static final String PIN = "0000000000000000000000000000000000000000000000000000000000000000";
    private final X509TrustManager chain;
    private final String pin;

    PinningTrustManager(String caPem) throws Exception { this(caPem, PIN); }

    PinningTrustManager(String caPem, String pin) throws Exception {
        this.chain = new Trust(caPem).manager;          // the test programs' trust in the capture's CA
        this.pin = pin;
    }

    @Override public void checkClientTrusted(X509Certificate[] certs, String authType) throws CertificateException {
        throw new CertificateException("no client certificates here");
    }

    @Override public void checkServerTrusted(X509Certificate[] certs, String authType) throws CertificateException {
        chain.checkServerTrusted(certs, authType);
        if (pin == null) return;
        String key = keyPin(certs[0]);
        if (!key.equals(pin)) throw new CertificateException("pin mismatch: server key " + key);
    }

    /** The SHA-256 of the certificate's public key, in hex: what PIN is compared with. */
    static String keyPin(X509Certificate certificate) throws CertificateException {
        try {
            StringBuilder hex = new StringBuilder();
            for (byte b : MessageDigest.getInstance("SHA-256").digest(certificate.getPublicKey().getEncoded())) {
                hex.append(String.format("%02x", b));
            }
            return hex.toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new CertificateException(e);
        }
    }

    @Override public X509Certificate[] getAcceptedIssuers() { return chain.getAcceptedIssuers(); }
}
