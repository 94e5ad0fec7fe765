package com.example.okapp;

import com.example.testtls.Trust;
import com.sdk.alpha.Beacon;
import com.sdk.beta.Pixel;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.util.Collections;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;

/**
 * Test fixture: two SDKs send through the app's one OkHttp 3 client (the real library), HTTP/1.1 through a
 * proxy, one request after the other, so all of them share one keep-alive connection. Alpha calls
 * Call.execute on the main thread; beta Call.enqueue, so its request is written on OkHttp's dispatcher thread.
 * The app's own interceptor rewrites one request on its way out. Usage: Main PROXY_HOST PROXY_PORT CA_PEM
 * BASE_URL. Prints one line per response: "STATUS PATH".
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        Trust trust = new Trust(args[2]);
        OkHttpClient client = new OkHttpClient.Builder()
                .sslSocketFactory(trust.context.getSocketFactory(), trust.manager)
                .proxy(new Proxy(Proxy.Type.HTTP, new InetSocketAddress(args[0], Integer.parseInt(args[1]))))
                .protocols(Collections.singletonList(Protocol.HTTP_1_1))
                .addInterceptor(new Rewriter())
                .build();
        String base = args[3];
        // the same URL from both SDKs, one after the other: only the order tells them apart
        System.out.println(Beacon.send(client, base + "/collect"));
        System.out.println(Pixel.send(client, base + "/collect"));
        // the app's interceptor moves this one to /beta/v2/px and adds a header
        System.out.println(Pixel.send(client, base + "/beta/px?id=7"));
        System.out.println(Beacon.send(client, base + "/alpha/config"));
        System.exit(0);     // OkHttp's pool and dispatcher threads would keep the JVM alive for a minute
    }
}
