package com.sdk.alpha;

import java.io.IOException;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** One SDK: sends through the app's shared OkHttp client with Call.execute, on the caller's thread. */
public final class Beacon {
    private Beacon() {}

    public static String send(OkHttpClient client, String url) throws IOException {
        Request request = new Request.Builder().url(url)
                .post(RequestBody.create(MediaType.get("application/json"), "{\"sdk\":\"alpha\"}")).build();
        try (Response response = client.newCall(request).execute()) {
            response.body().string();      // read to the end: the connection goes back to the pool
            return response.code() + " " + response.request().url().encodedPath();
        }
    }
}
