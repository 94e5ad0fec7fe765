// One cryptographic or compression operation (cryptojava.ts for Java, cryptonative.ts for libcrypto and zlib): the
// bytes that went in and came out, bounded, sent as one message whose binary data is input then output.
import { emit } from "./emit.js";

/** Bytes kept of each side of one operation; the sizes seen are reported in full. */
export const MAX_CAPTURE = 64 * 1024;

export class Side {
    chunks: ArrayBuffer[] = [];
    size = 0;           // bytes seen
    kept = 0;           // bytes kept (at most MAX_CAPTURE)

    add(bytes: ArrayBuffer): void {
        this.size += bytes.byteLength;
        const room = MAX_CAPTURE - this.kept;
        if (room <= 0 || bytes.byteLength === 0) return;
        const part = bytes.byteLength <= room ? bytes : bytes.slice(0, room);
        this.chunks.push(part);
        this.kept += part.byteLength;
    }
}

export class Operation {
    input = new Side();
    output = new Side();
    opmode: string | null = null;
    keySha256: string | null = null;

    /** ignored: the platform's TLS (its record layer), whose operations are not reported. */
    constructor(public api: string, public algorithm: string | null, public stack: string[],
                public ignored: boolean) {}

    /** The same instance's next operation: same algorithm, mode and key (a Cipher or Mac is reusable). */
    next(): Operation {
        const op = new Operation(this.api, this.algorithm, this.stack, this.ignored);
        op.opmode = this.opmode;
        op.keySha256 = this.keySha256;
        return op;
    }
}

export function emitOperation(op: Operation, thread: string | null): void {
    const data = new Uint8Array(op.input.kept + op.output.kept);
    let at = 0;
    for (const chunk of [...op.input.chunks, ...op.output.chunks]) {
        data.set(new Uint8Array(chunk), at);
        at += chunk.byteLength;
    }
    emit({ type: "crypto.operation", api: op.api, algorithm: op.algorithm, opmode: op.opmode,
           key_sha256: op.keySha256, input_size: op.input.size, input_kept: op.input.kept,
           output_size: op.output.size, output_kept: op.output.kept, stack: op.stack, thread,
           tid: Process.getCurrentThreadId(), time: Date.now() }, data.buffer);
}
