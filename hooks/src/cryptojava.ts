// App-layer encryption and compression in Java: javax.crypto.Cipher and Mac, java.util.zip.Deflater (which
// GZIPOutputStream and DeflaterOutputStream compress through, so their stacks name them). Per instance, the
// bytes going in and coming out are collected from init (or the first call) to the operation's end (doFinal,
// a finished deflate), then reported as one operation (operation.ts): what analysis joins to the wire.
// Only byte[] overloads are read (ByteBuffer ones pass unrecorded); the key is reported as its SHA-256 only.
import Java from "frida-java-bridge";
import { emitStatus } from "./emit.js";
import { javaStack, threadName } from "./stack.js";
import { emitOperation, Operation } from "./operation.js";

/** Where an overload's bytes are: an array argument (with its offset and length arguments, if any), or the
 *  returned array; "count" lengths are the call's int result (bytes written into an output array). */
interface Region { arg: number | "result"; offset?: number; length?: number | "count"; }
interface Shape { input?: Region; output?: Region; }

const IN_WHOLE: Region = { arg: 0 };
const IN_PART: Region = { arg: 0, offset: 1, length: 2 };
const OUT_RESULT: Region = { arg: "result" };

/** Per overload (argument types joined by ","), for update/doFinal of Cipher and Mac and for Deflater. */
const SHAPES: { [method: string]: { [args: string]: Shape } } = {
    "javax.crypto.Cipher.update": {
        "[B": { input: IN_WHOLE, output: OUT_RESULT }, "[B,int,int": { input: IN_PART, output: OUT_RESULT },
        "[B,int,int,[B": { input: IN_PART, output: { arg: 3, length: "count" } },
        "[B,int,int,[B,int": { input: IN_PART, output: { arg: 3, offset: 4, length: "count" } },
    },
    "javax.crypto.Cipher.doFinal": {
        "": { output: OUT_RESULT }, "[B": { input: IN_WHOLE, output: OUT_RESULT },
        "[B,int": { output: { arg: 0, offset: 1, length: "count" } },
        "[B,int,int": { input: IN_PART, output: OUT_RESULT },
        "[B,int,int,[B": { input: IN_PART, output: { arg: 3, length: "count" } },
        "[B,int,int,[B,int": { input: IN_PART, output: { arg: 3, offset: 4, length: "count" } },
    },
    "javax.crypto.Mac.update": { "[B": { input: IN_WHOLE }, "[B,int,int": { input: IN_PART } },
    "javax.crypto.Mac.doFinal": { "": { output: OUT_RESULT }, "[B": { input: IN_WHOLE, output: OUT_RESULT },
                                  "[B,int": { output: { arg: 0, offset: 1, length: "count" } } },
    "java.util.zip.Deflater.setInput": { "[B": { input: IN_WHOLE }, "[B,int,int": { input: IN_PART } },
    "java.util.zip.Deflater.deflate": {
        "[B": { output: { arg: 0, length: "count" } }, "[B,int,int": { output: { arg: 0, offset: 1, length: "count" } },
        "[B,int,int,int": { output: { arg: 0, offset: 1, length: "count" } },
    },
};

/** Frames of the platform's own TLS: its record encryption is not the app's, and is in the flows already. */
const TLS_FRAMES = /^(sun\.security\.ssl\.|org\.conscrypt\.|com\.android\.org\.conscrypt\.)/;
const OPMODES: { [mode: number]: string } = { 1: "encrypt", 2: "decrypt", 3: "wrap", 4: "unwrap" };

const operations = new Map<number, Operation>();
const busy = new Set<number>();       // threads inside a crypto hook: nested calls (overload delegation) pass
const hooked: Java.Method[] = [];

/** A Java byte[] region as bytes, read in one JNI call (the bridge's element access is a call per byte). */
function bytesOf(array: any, offset: number, length: number): ArrayBuffer {
    if (array === null || length <= 0) return new ArrayBuffer(0);
    const end = Math.min(offset + length, array.length);
    return array.withElements((p: NativePointer) => p.add(offset).readByteArray(end - offset)) as ArrayBuffer;
}

function region(where: Region, args: any[], result: any): ArrayBuffer {
    const array = where.arg === "result" ? result : args[where.arg];
    if (array === null || array === undefined) return new ArrayBuffer(0);
    const offset = where.offset === undefined ? 0 : args[where.offset] as number;
    const length = where.length === undefined ? array.length - offset
        : where.length === "count" ? result as number : args[where.length] as number;
    return bytesOf(array, offset, length);
}

function identity(self: any): number {
    return Java.use("java.lang.System").identityHashCode(self);
}

function fresh(api: string, self: any, stack: string[]): Operation {
    let algorithm: string | null = null;
    try { algorithm = String(self.getAlgorithm()); } catch (e) { /* Deflater has none */ }
    return new Operation(api, algorithm, stack, stack.some(frame => TLS_FRAMES.test(frame)));
}

/** The instance's operation, begun now if init was not seen (an instance set up before the hooks were). */
function operationOf(api: string, self: any): Operation {
    const id = identity(self);
    let op = operations.get(id);
    if (op === undefined) {
        op = fresh(api, self, javaStack());
        operations.set(id, op);
    }
    return op;
}

function keySha256(key: any): string | null {
    try {
        const encoded = key.getEncoded();
        return encoded === null ? null : Checksum.compute("sha256", bytesOf(encoded, 0, encoded.length));
    } catch (e) {
        return null;
    }
}

/** The calling thread is inside a Java crypto hook (whose native work, zlib's deflate, is reported there). */
export function inJavaHook(): boolean {
    return busy.has(Process.getCurrentThreadId());
}

function guarded(overload: Java.Method, after: (self: any, args: any[], result: any) => void): void {
    overload.implementation = function (this: any, ...args: any[]): any {
        const tid = Process.getCurrentThreadId();
        if (busy.has(tid)) return overload.apply(this, args);
        busy.add(tid);
        try {
            const result = overload.apply(this, args);
            try { after(this, args, result); } catch (e) { /* a report must never change the app's call */ }
            return result;
        } finally {
            busy.delete(tid);
        }
    };
    hooked.push(overload);
}

function signature(overload: Java.Method): string {
    return overload.argumentTypes.map(t => t.className === "byte[]" ? "[B" : t.className).join(",");
}

/** Hooks the overloads `hook` accepts, reporting the outcome as the catalogue's hooks do (hook.status). */
function install(className: string, method: string, hook: (overload: Java.Method) => boolean): void {
    const api = `${className}.${method}`;
    try {
        let n = 0;
        for (const overload of Java.use(className)[method].overloads) if (hook(overload)) n++;
        emitStatus(api, className, n, null);
    } catch (e: any) {
        emitStatus(api, className, 0, String(e?.message ?? e));
    }
}

/** init(opmode, Key, …) for Cipher, init(Key, …) for Mac: a new operation with the key's fingerprint. */
function hookInit(className: string, keyArg: number): void {
    const api = `${className}.init`;
    install(className, "init", overload => {
        if (overload.argumentTypes[keyArg]?.className !== "java.security.Key") return false;  // certificates: not read
        guarded(overload, (self, args) => {
            const stack = javaStack();
            const op = fresh(api, self, stack);
            op.keySha256 = keySha256(args[keyArg]);
            op.opmode = keyArg === 1 ? OPMODES[args[0] as number] ?? String(args[0]) : null;
            operations.set(identity(self), op);
        });
        return true;
    });
}

/** update / setInput collect; doFinal (and a deflate after which the Deflater is finished) report. */
function hookData(className: string, method: string, ends: (self: any) => boolean): void {
    const api = `${className}.${method}`;
    const shapes = SHAPES[api];
    install(className, method, overload => {
        const shape = shapes[signature(overload)];
        if (shape === undefined) return false;
        guarded(overload, (self, args, result) => {
            const op = operationOf(api, self);
            if (op.ignored) return;
            if (shape.input) op.input.add(region(shape.input, args, result));
            if (shape.output) op.output.add(region(shape.output, args, result));
            if (!ends(self)) return;
            op.api = api;
            op.stack = javaStack();
            emitOperation(op, threadName());
            operations.set(identity(self), op.next());
        });
        return true;
    });
}

export function installCryptoJava(): void {
    hookInit("javax.crypto.Cipher", 1);
    hookInit("javax.crypto.Mac", 0);
    hookData("javax.crypto.Cipher", "update", () => false);
    hookData("javax.crypto.Cipher", "doFinal", () => true);
    hookData("javax.crypto.Mac", "update", () => false);
    hookData("javax.crypto.Mac", "doFinal", () => true);
    hookData("java.util.zip.Deflater", "setInput", () => false);
    hookData("java.util.zip.Deflater", "deflate", self => self.finished() as boolean);
}

export function unhookCryptoJava(): number {
    const n = hooked.length;
    for (const m of hooked.splice(0)) m.implementation = null;
    operations.clear();
    return n;
}
