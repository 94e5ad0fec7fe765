package com.example.h2app;

import com.example.testtls.Trust;
import com.sdk.alpha.Beacon;
import com.sdk.beta.Pixel;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Test fixture: two SDKs send over one java.net.http client, HTTP/2 through a proxy, so every request of both
 * goes over one multiplexed connection written by the client's own selector thread. Usage:
 * Main PROXY_HOST PROXY_PORT CA_PEM BASE_URL. Prints one line per response: "STATUS PATH PROTOCOL".
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        Trust trust = new Trust(args[2]);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(trust.context)
                .proxy(ProxySelector.of(new InetSocketAddress(args[0], Integer.parseInt(args[1]))))
                .connectTimeout(Duration.ofSeconds(20)).build();
        String base = args[3];
        // the same URL from both SDKs, one after the other: only the order tells them apart
        print(Beacon.send(client, base, "/collect").get());
        print(Pixel.send(client, base, "/collect").get());
        // then one each at once, multiplexed
        CompletableFuture<HttpResponse<String>> alpha = Beacon.send(client, base, "/alpha/config");
        CompletableFuture<HttpResponse<String>> beta = Pixel.send(client, base, "/beta/px?id=7");
        print(alpha.get());
        print(beta.get());
        System.exit(0);     // the client's executor threads would keep the JVM alive for a minute
    }

    private static void print(HttpResponse<String> response) {
        System.out.println(response.statusCode() + " " + response.uri().getRawPath() + " " + response.version());
    }
}
