package com.example.writebench;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Bench program: WRITES writes on one plain socket to a sink, every REQUEST_EVERY-th one starting an HTTP/1.1
 * request line, the others CHUNK (default 1024) bytes of body (as a TLS record or a request body arrives at
 * the stream). Usage: Main PORT WRITES REQUEST_EVERY [CHUNK]. Prints "NS_PER_WRITE n" for the timed loop
 * (after a warm-up).
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        int writes = Integer.parseInt(args[1]);
        int every = Integer.parseInt(args[2]);
        byte[] request = "POST http://sink.test/collect HTTP/1.1\r\nHost: sink.test\r\nContent-Length: 1024\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[args.length > 3 ? Integer.parseInt(args[3]) : 1024];
        try (Socket socket = new Socket("127.0.0.1", Integer.parseInt(args[0]))) {
            OutputStream out = socket.getOutputStream();
            for (int i = 0; i < writes / 10; i++) out.write(body, 0, body.length);      // warm-up
            long start = System.nanoTime();
            for (int i = 0; i < writes; i++) {
                byte[] chunk = i % every == 0 ? request : body;
                out.write(chunk, 0, chunk.length);
            }
            System.out.println("NS_PER_WRITE " + (System.nanoTime() - start) / writes);
        }
        System.exit(0);
    }
}
