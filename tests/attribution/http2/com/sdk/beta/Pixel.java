package com.sdk.beta;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;

/** Another SDK on the same shared client. */
public final class Pixel {
    private Pixel() {}

    public static CompletableFuture<HttpResponse<String>> send(HttpClient client, String base, String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
                .POST(HttpRequest.BodyPublishers.ofString("{\"sdk\":\"beta\"}")).build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }
}
