package com.example.pinapp;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URL;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import okhttp3.CertificatePinner;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/** A client that pins, four ways, one HTTPS GET each through the capture's proxy: its own X509TrustManager
 *  (HttpsURLConnection, /pinned), a pin-set over the platform's trust as Android's network security config
 *  checks one (/platform), then OkHttp with its own HostnameVerifier and OkHttp's CertificatePinner
 *  (/okhttp). Each prints "STATUS PATH" or "FAIL PATH: the error". Arguments: proxy address, proxy port, the
 *  proxy CA's PEM file, the upstream's base URL, its host name, and optionally "wait": once every class is
 *  loaded, print READY and wait for a line on standard input (to be attached to then). */
public final class Main {
    // a pin no key has: as an app pins its own server's key, which a proxy cannot present
    static final String PIN = "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    public static void main(String[] args) throws Exception {
        Proxy proxy = new Proxy(Proxy.Type.HTTP, new InetSocketAddress(args[0], Integer.parseInt(args[1])));
        SSLContext pinned = SSLContext.getInstance("TLS");
        pinned.init(null, new TrustManager[]{new PinningTrustManager(args[2])}, null);
        SSLContext platform = SSLContext.getInstance("TLS");
        platform.init(null, new TrustManager[]{new PinSetTrustManager(args[4])}, null);
        PinningTrustManager caOnly = new PinningTrustManager(args[2], null);
        SSLContext plain = SSLContext.getInstance("TLS");
        plain.init(null, new TrustManager[]{caOnly}, null);
        OkHttpClient client = new OkHttpClient.Builder().proxy(proxy)
                .sslSocketFactory(plain.getSocketFactory(), caOnly)
                .hostnameVerifier(new StrictHostnameVerifier())
                .certificatePinner(new CertificatePinner.Builder().add(args[4], PIN).build()).build();
        if (args.length > 5 && args[5].equals("wait")) {      // every class loaded: wait for a line to go on
            System.out.println("READY");
            System.out.flush();
            System.in.read();
        }
        urlConnection(proxy, args[3] + "/pinned", pinned);
        urlConnection(proxy, args[3] + "/platform", platform);
        try (Response response = client.newCall(new Request.Builder().url(args[3] + "/okhttp").build()).execute()) {
            System.out.println(response.code() + " /okhttp");
        } catch (Exception e) {
            System.out.println("FAIL /okhttp: " + e);
        }
        System.exit(0);         // the JVM would not end by itself while the agent is loaded
    }

    static void urlConnection(Proxy proxy, String url, SSLContext context) throws Exception {
        String path = new URL(url).getPath();
        try {
            HttpsURLConnection c = (HttpsURLConnection) new URL(url).openConnection(proxy);
            c.setSSLSocketFactory(context.getSocketFactory());
            try (InputStream in = c.getInputStream()) {
                in.readAllBytes();
            } catch (java.io.IOException e) {
                if (c.getResponseCode() < 400) throw e;
            }
            System.out.println(c.getResponseCode() + " " + path);
        } catch (Exception e) {
            System.out.println("FAIL " + path + ": " + e);
        }
    }

    private Main() { }
}
