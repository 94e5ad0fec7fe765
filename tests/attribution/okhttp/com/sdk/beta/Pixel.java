package com.sdk.beta;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** Another SDK on the same client, with Call.enqueue: OkHttp's dispatcher thread writes the request. */
public final class Pixel {
    private Pixel() {}

    public static String send(OkHttpClient client, String url) throws Exception {
        Request request = new Request.Builder().url(url)
                .post(RequestBody.create(MediaType.get("application/json"), "{\"sdk\":\"beta\"}")).build();
        CompletableFuture<String> done = new CompletableFuture<>();
        client.newCall(request).enqueue(new Callback() {
            @Override public void onFailure(Call call, IOException e) { done.completeExceptionally(e); }
            @Override public void onResponse(Call call, Response response) throws IOException {
                try (Response r = response) {
                    r.body().string();
                    done.complete(r.code() + " " + r.request().url().encodedPath());
                }
            }
        });
        return done.get();
    }
}
