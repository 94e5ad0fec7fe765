// Reading the app's ClientHello, for a TLS library found by pattern (tlspattern.ts), which offers no
// SSL_get_servername to call: a ClientHello record's client random and server_name extension (RFC 8446 §4.1.2,
// RFC 6066 §3), and which ClientHello a connection (SSL*) sent, by that random, which the library keeps near the
// SSL object: BoringSSL's ssl->s3->client_random is two hops away (a pointer in the SSL, 48 bytes into what it
// points to), OpenSSL's one. 32 random bytes cannot match by chance, so a match is exact (docs/tls-patterns.md).
const SSL_FIELDS = 0x100;         // bytes of the SSL object whose pointers are followed
const POINTEE_BYTES = 0x200;      // bytes searched where each points (and in the SSL itself)

/** Which of the `randoms` (hex) the connection's ClientHello carried, if any. */
export function randomOf(ssl: NativePointer, randoms: string[]): string | null {
    if (ssl.isNull()) return null;
    const places = [ssl];
    const fields = readable(ssl, SSL_FIELDS);
    if (fields !== null) {
        const view = new DataView(fields.buffer);
        for (let at = 0; at + 8 <= SSL_FIELDS; at += 8) places.push(ptr(view.getBigUint64(at, true).toString()));
    }
    for (const place of places) {
        const bytes = readable(place, POINTEE_BYTES);
        if (bytes === null) continue;
        const text = hexOf(bytes);
        for (const random of randoms) {
            const at = text.indexOf(random);
            if (at >= 0 && at % 2 === 0) return random;
        }
    }
    return null;
}

function readable(address: NativePointer, size: number): Uint8Array | null {
    if (address.compare(ptr(0x10000)) < 0) return null;       // null or a small integer, not a pointer
    try {
        return new Uint8Array(address.readByteArray(size)!);
    } catch {
        return null;                                          // not mapped (a field holding no pointer)
    }
}

function hexOf(bytes: Uint8Array): string {
    return Array.from(bytes, b => b.toString(16).padStart(2, "0")).join("");
}

/** A TLS record holding a ClientHello: its random and server name (null without the extension), or null. */
export function parseClientHello(b: Uint8Array): { random: string; host: string | null } | null {
    const u16 = (at: number) => (b[at] << 8) | b[at + 1];
    // record header (5 bytes), handshake header: type 1 (ClientHello), 3-byte length; then legacy_version
    if (b.length < 43 || b[0] !== 0x16 || b[1] !== 0x03 || b[5] !== 0x01) return null;
    const random = hexOf(b.subarray(11, 43));
    let at = 43;
    at += 1 + b[at];                                   // legacy_session_id
    if (at + 2 > b.length) return null;
    at += 2 + u16(at);                                 // cipher_suites
    if (at + 1 > b.length) return null;
    at += 1 + b[at];                                   // legacy_compression_methods
    if (at + 2 > b.length) return { random, host: null };
    const end = Math.min(b.length, at + 2 + u16(at));
    at += 2;
    while (at + 4 <= end) {
        const type = u16(at), size = u16(at + 2);
        at += 4;
        // server_name: list length (2), name_type 0 = host_name (1), name length (2), name
        if (type === 0 && size >= 5 && at + size <= end && b[at + 2] === 0) {
            const length = u16(at + 3);
            if (5 + length > size) return { random, host: null };
            return { random, host: String.fromCharCode(...b.subarray(at + 5, at + 5 + length)) };
        }
        at += size;
    }
    return { random, host: null };
}
