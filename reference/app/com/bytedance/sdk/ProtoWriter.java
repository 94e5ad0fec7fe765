package com.bytedance.sdk;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Protocol Buffers wire format, by hand: varint (type 0), 64-bit (type 1), length-delimited (type 2). */
final class ProtoWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    ProtoWriter varint(int field, long value) {
        writeVarint(((long) field << 3) | 0);
        writeVarint(value);
        return this;
    }

    ProtoWriter fixed64Double(int field, double value) {
        writeVarint(((long) field << 3) | 1);
        long bits = Double.doubleToLongBits(value);
        for (int i = 0; i < 8; i++) {
            out.write((int) (bits >>> (8 * i)) & 0xff);
        }
        return this;
    }

    ProtoWriter string(int field, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        writeVarint(((long) field << 3) | 2);
        writeVarint(bytes.length);
        out.write(bytes, 0, bytes.length);
        return this;
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    private void writeVarint(long value) {
        while ((value & ~0x7fL) != 0) {
            out.write((int) ((value & 0x7f) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }
}
