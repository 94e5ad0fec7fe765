package com.example.pinapp;

import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLSession;

/** Accepts one host name only, which the test's server is not (OkHttp asks it of every connection). */
final class StrictHostnameVerifier implements HostnameVerifier {
    @Override public boolean verify(String host, SSLSession session) {
        return host.equals("only.this.example");
    }
}
