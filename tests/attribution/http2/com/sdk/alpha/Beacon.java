package com.sdk.alpha;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;

/** One SDK: sends through the app's shared HTTP client (one pool, one HTTP/2 connection). */
public final class Beacon {
    private Beacon() {}

    public static CompletableFuture<HttpResponse<String>> send(HttpClient client, String base, String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
                .POST(HttpRequest.BodyPublishers.ofString("{\"sdk\":\"alpha\"}")).build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }
}
