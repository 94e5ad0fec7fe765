package com.example.plainapp;

import com.sdk.alpha.Beacon;
import com.sdk.beta.Pixel;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Test fixture: the app opens one plain java.net.Socket to an HTTP proxy and two SDKs write cleartext HTTP/1.1
 * requests on it in turn (one keep-alive connection, absolute-form targets as to a proxy). Usage: Main
 * PROXY_HOST PROXY_PORT BASE_URL. Prints one line per response: its status line.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(args[0], Integer.parseInt(args[1])), 20_000);
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            String base = args[2];
            System.out.println(Beacon.send(out, in, base, "/collect"));
            System.out.println(Pixel.send(out, in, base, "/collect"));
            System.out.println(Pixel.send(out, in, base, "/beta/px?id=7"));
            System.out.println(Beacon.send(out, in, base, "/alpha/config"));
        }
        System.exit(0);
    }

    /** A request's head (absolute-form target, as to a proxy); the SDK writes it, then its body. */
    public static byte[] head(String base, String path, int length) {
        String host = base.substring(base.indexOf("://") + 3);
        return ("POST " + base + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json"
                + "\r\nContent-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The response's status line, its body read to the end (Content-Length) so the connection stays usable. */
    public static String read(InputStream in) throws Exception {
        String status = line(in);
        int length = 0;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            if (header.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(header.substring(15).trim());
            }
        }
        if (in.readNBytes(length).length != length) throw new IllegalStateException("short body");
        return status;
    }

    private static String line(InputStream in) throws Exception {
        StringBuilder text = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) throw new IllegalStateException("connection closed");
            if (b != '\r') text.append((char) b);
        }
        return text.toString();
    }
}
