package com.sdk.beta;

import com.example.plainapp.Main;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Another SDK: writes its request itself on the app's plain socket. */
public final class Pixel {
    private Pixel() {}

    public static String send(OutputStream out, InputStream in, String base, String path) throws Exception {
        byte[] body = "{\"sdk\":\"beta\"}".getBytes(StandardCharsets.UTF_8);
        out.write(Main.head(base, path, body.length));     // this SDK's own write starts the request
        out.write(body);
        out.flush();
        return Main.read(in);
    }
}
