package com.example.okapp;

import java.io.IOException;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/** The app's own interceptor: moves beta's pixel to its v2 path and adds a header, as apps do. */
final class Rewriter implements Interceptor {
    @Override
    public Response intercept(Chain chain) throws IOException {
        Request request = chain.request();
        if (request.url().encodedPath().equals("/beta/px")) {
            HttpUrl moved = request.url().newBuilder().encodedPath("/beta/v2/px").build();
            request = request.newBuilder().url(moved).header("X-App-Version", "7").build();
        }
        return chain.proceed(request);
    }
}
