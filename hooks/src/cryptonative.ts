// App-layer encryption and compression in native code: libcrypto's EVP_EncryptUpdate/EVP_EncryptFinal_ex and
// EVP_CipherUpdate/EVP_CipherFinal_ex (OpenSSL and BoringSSL export them), with EVP_EncryptInit_ex and
// EVP_CipherInit_ex for the cipher, direction and key fingerprint; and zlib's deflate. Per context (per
// z_stream) the bytes in and out are collected until Final (Z_STREAM_END), then reported as one operation
// (operation.ts). Contexts set up by libssl are its TLS record layer, already in the flows: not reported.
// Also libcrypto's low-level AES (AES_cbc_encrypt, AES_encrypt: each call one operation; the key's fingerprint
// from AES_set_encrypt_key/AES_set_decrypt_key on the same AES_KEY) and BoringSSL's EVP_AEAD_CTX_seal/open
// (each call one operation; key and algorithm from EVP_AEAD_CTX_init on the same context).
import { inJavaHook } from "./cryptojava.js";
import { emitStatus } from "./emit.js";
import { emitOperation, Operation } from "./operation.js";
import { eachExport, Found, nativeStack } from "./tlsnative.js";

const operations = new Map<string, Operation>();
const listeners: InvocationListener[] = [];
/** Threads inside a hooked function: OpenSSL's EVP_CipherUpdate calls EVP_EncryptUpdate, and so on. */
const depth = new Map<number, number>();

/** AES_KEY* or EVP_AEAD_CTX* -> what its setup call said: the key's SHA-256 and the algorithm. */
const keys = new Map<string, { keySha256: string; algorithm: string | null }>();
// AES_KEY (aes.h): uint32 rd_key[60], then int rounds: 10, 12 or 14 for 128-, 192- or 256-bit keys
const AES_ROUNDS = 240;
// BoringSSL's AEADs, by the export that returns each (EVP_AEAD_CTX_init names only the pointer)
const AEADS: { [fn: string]: string } = {
    EVP_aead_aes_128_gcm: "AES-128-GCM", EVP_aead_aes_256_gcm: "AES-256-GCM",
    EVP_aead_chacha20_poly1305: "ChaCha20-Poly1305", EVP_aead_xchacha20_poly1305: "XChaCha20-Poly1305",
    EVP_aead_aes_128_gcm_siv: "AES-128-GCM-SIV", EVP_aead_aes_256_gcm_siv: "AES-256-GCM-SIV",
    EVP_aead_aes_128_ctr_hmac_sha256: "AES-128-CTR-HMAC-SHA256",
    EVP_aead_aes_256_ctr_hmac_sha256: "AES-256-CTR-HMAC-SHA256",
};

const Z_STREAM_END = 1;
// z_stream on LP64 (zlib.h): next_in, avail_in, total_in, next_out, avail_out, …
const Z_NEXT_IN = 0, Z_AVAIL_IN = 8, Z_NEXT_OUT = 24, Z_AVAIL_OUT = 32;

function enter(): boolean {
    const tid = Process.getCurrentThreadId();
    const n = depth.get(tid) ?? 0;
    depth.set(tid, n + 1);
    return n === 0;
}

function leave(): void {
    const tid = Process.getCurrentThreadId();
    const n = (depth.get(tid) ?? 1) - 1;
    if (n === 0) depth.delete(tid); else depth.set(tid, n);
}

function bytes(pointer: NativePointer, length: number): ArrayBuffer {
    return pointer.isNull() || length <= 0 ? new ArrayBuffer(0) : pointer.readByteArray(length) as ArrayBuffer;
}

/** A function of the library that defines the hooked one, by the first of its names that library exports. */
function sibling<R extends NativeFunctionReturnType, A extends NativeFunctionArgumentType[] | []>(
    module: Module, names: string[], ret: R, args: A): NativeFunction<any, any> | null {
    for (const name of names) {
        const address = module.findExportByName(name);
        if (address !== null) return new NativeFunction(address, ret, args);
    }
    return null;
}

/** A call from libssl: the TLS library's own record encryption. */
function fromTls(context: CpuContext): boolean {
    return Thread.backtrace(context, Backtracer.ACCURATE).some(
        address => Process.findModuleByAddress(address)?.name.startsWith("libssl") === true);
}

interface Ciphers {
    name: (cipher: NativePointer) => string | null;
    keyLength: (cipher: NativePointer) => number;
    ofContext: (ctx: NativePointer) => NativePointer;
    encrypting: (ctx: NativePointer) => boolean | null;
}

function ciphersOf(module: Module): Ciphers {
    const getName = sibling(module, ["EVP_CIPHER_get0_name"], "pointer", ["pointer"]);
    const nid = sibling(module, ["EVP_CIPHER_get_nid", "EVP_CIPHER_nid"], "int", ["pointer"]);
    const shortName = sibling(module, ["OBJ_nid2sn"], "pointer", ["int"]);
    const keyLength = sibling(module, ["EVP_CIPHER_get_key_length", "EVP_CIPHER_key_length"], "int", ["pointer"]);
    const ofContext = sibling(module, ["EVP_CIPHER_CTX_get0_cipher", "EVP_CIPHER_CTX_cipher"], "pointer", ["pointer"]);
    const encrypting = sibling(module, ["EVP_CIPHER_CTX_is_encrypting", "EVP_CIPHER_CTX_encrypting"], "int", ["pointer"]);
    return {
        name: cipher => {
            if (cipher.isNull()) return null;
            const text = getName !== null ? getName(cipher) as NativePointer
                : nid !== null && shortName !== null ? shortName(nid(cipher)) as NativePointer : NULL;
            return text.isNull() ? null : text.readCString();
        },
        keyLength: cipher => keyLength === null || cipher.isNull() ? 0 : keyLength(cipher) as number,
        ofContext: ctx => ofContext === null ? NULL : ofContext(ctx) as NativePointer,
        encrypting: ctx => encrypting === null ? null : (encrypting(ctx) as number) === 1,
    };
}

function status(api: string, found: Found): void {
    emitStatus(api, found.module.name, 1, null);
}

/** The context's operation, begun from the context itself if its init was not seen. */
function operationOf(ctx: NativePointer, api: string, ciphers: Ciphers, context: CpuContext): Operation {
    const key = ctx.toString();
    let op = operations.get(key);
    if (op === undefined) {
        op = new Operation(api, ciphers.name(ciphers.ofContext(ctx)), [], fromTls(context));
        const encrypting = ciphers.encrypting(ctx);
        op.opmode = encrypting === null ? null : encrypting ? "encrypt" : "decrypt";
        operations.set(key, op);
    }
    return op;
}

/** EVP_EncryptInit_ex(ctx, cipher, engine, key, iv) and EVP_CipherInit_ex(…, enc): enc -1 keeps the direction. */
function hookInit(name: string, found: Found, ciphers: Ciphers): void {
    listeners.push(Interceptor.attach(found.address, {
        onEnter(args) {
            if (!enter()) return;
            const ctx = args[0];
            const previous = operations.get(ctx.toString());
            const cipher = args[1].isNull() ? ciphers.ofContext(ctx) : args[1];
            const op = new Operation(name, ciphers.name(cipher) ?? previous?.algorithm ?? null, [],
                                     previous?.ignored ?? fromTls(this.context));
            const enc = name === "EVP_CipherInit_ex" ? args[5].toInt32() : 1;
            op.opmode = enc === 1 ? "encrypt" : enc === 0 ? "decrypt" : previous?.opmode ?? null;
            const length = ciphers.keyLength(cipher);
            op.keySha256 = args[3].isNull() || length <= 0 ? previous?.keySha256 ?? null
                : Checksum.compute("sha256", bytes(args[3], length));
            operations.set(ctx.toString(), op);
        },
        onLeave() { leave(); },
    }));
    status(name, found);
}

/** EVP_*Update(ctx, out, &outl, in, inl) collects; EVP_*Final_ex(ctx, out, &outl) reports. */
function hookData(name: string, found: Found, ciphers: Ciphers, final: boolean): void {
    listeners.push(Interceptor.attach(found.address, {
        onEnter(args) {
            this.outer = enter();
            if (!this.outer) return;
            this.ctx = args[0];
            this.out = args[1];
            this.outl = args[2];
            this.input = final ? new ArrayBuffer(0) : bytes(args[3], args[4].toInt32());
            this.stack = final ? nativeStack(this.context) : [];
            this.op = operationOf(args[0], name, ciphers, this.context);
        },
        onLeave(ret) {
            leave();
            if (!this.outer || ret.toInt32() !== 1) return;
            const op: Operation = this.op;
            if (op.ignored) return;
            op.input.add(this.input);
            op.output.add(bytes(this.out, this.outl.readS32()));
            if (!final) return;
            op.api = name;
            op.stack = this.stack;
            emitOperation(op, null);
            operations.set(this.ctx.toString(), op.next());
        },
    }));
    status(name, found);
}

/** deflate(strm, flush): what it consumed and produced this call; the stream's end reports. A call made by a
 *  hooked java.util.zip.Deflater is reported there, with its Java stack. */
function hookDeflate(found: Found): void {
    listeners.push(Interceptor.attach(found.address, {
        onEnter(args) {
            this.skip = inJavaHook();
            if (this.skip) return;
            this.strm = args[0];
            this.nextIn = args[0].add(Z_NEXT_IN).readPointer();
            this.availIn = args[0].add(Z_AVAIL_IN).readU32();
            this.nextOut = args[0].add(Z_NEXT_OUT).readPointer();
            this.availOut = args[0].add(Z_AVAIL_OUT).readU32();
            this.stack = nativeStack(this.context);
        },
        onLeave(ret) {
            if (this.skip) return;
            const strm: NativePointer = this.strm;
            const key = strm.toString();
            const op = operations.get(key) ?? new Operation("deflate", null, [], false);
            operations.set(key, op);
            op.input.add(bytes(this.nextIn, this.availIn - strm.add(Z_AVAIL_IN).readU32()));
            op.output.add(bytes(this.nextOut, this.availOut - strm.add(Z_AVAIL_OUT).readU32()));
            if (ret.toInt32() !== Z_STREAM_END) return;
            op.stack = this.stack;
            emitOperation(op, null);
            operations.delete(key);
        },
    }));
    status("deflate", found);
}

function aesBits(key: NativePointer): number | null {
    const rounds = key.add(AES_ROUNDS).readS32();
    return rounds === 10 ? 128 : rounds === 12 ? 192 : rounds === 14 ? 256 : null;
}

/** AES_set_encrypt_key(userKey, bits, key) / AES_set_decrypt_key: the schedule's key, by its SHA-256. */
function hookAesKey(name: string, found: Found): void {
    listeners.push(Interceptor.attach(found.address, {
        onEnter(args) {
            const bits = args[1].toInt32();
            if (!args[0].isNull() && [128, 192, 256].includes(bits)) {
                keys.set(args[2].toString(), { keySha256: Checksum.compute("sha256", bytes(args[0], bits / 8)),
                                               algorithm: null });
            }
        },
    }));
    status(name, found);
}

/** One call, one operation: (in, out, key) a block; AES_cbc_encrypt(in, out, length, key, ivec, enc). */
function hookAesCall(name: string, found: Found): void {
    const cbc = name === "AES_cbc_encrypt";
    listeners.push(Interceptor.attach(found.address, {
        onEnter(args) {
            // inside a hooked EVP or AEAD call, the block function is that call's own: reported there
            this.skip = depth.has(Process.getCurrentThreadId()) || fromTls(this.context);
            if (this.skip) return;
            const length = cbc ? args[2].toInt32() : 16;
            const bits = aesBits(cbc ? args[3] : args[2]);
            const op = new Operation(name, bits === null ? "AES" : `AES-${bits}${cbc ? "-CBC" : ""}`,
                                     nativeStack(this.context), false);
            op.opmode = !cbc || args[5].toInt32() !== 0 ? "encrypt" : "decrypt";
            op.keySha256 = keys.get((cbc ? args[3] : args[2]).toString())?.keySha256 ?? null;
            op.input.add(bytes(args[0], length));
            this.op = op;
            this.out = args[1];
            this.length = cbc ? Math.ceil(length / 16) * 16 : 16;     // CBC writes whole blocks
        },
        onLeave() {
            if (this.skip) return;
            const op: Operation = this.op;
            op.output.add(bytes(this.out, this.length));
            emitOperation(op, null);
        },
    }));
    status(name, found);
}

/** EVP_AEAD_CTX_init(ctx, aead, key, key_len, tag_len, engine): the context's key and algorithm. */
function hookAeadInit(found: Found): void {
    const names = new Map<string, string>();
    for (const [fn, algorithm] of Object.entries(AEADS)) {
        const get = sibling(found.module, [fn], "pointer", []);
        if (get !== null) names.set((get() as NativePointer).toString(), algorithm);
    }
    listeners.push(Interceptor.attach(found.address, {
        onEnter(args) {
            const length = args[3].toInt32();
            this.ctx = args[0];
            this.entry = { keySha256: Checksum.compute("sha256", bytes(args[2], length)),
                           algorithm: names.get(args[1].toString()) ?? null };
        },
        onLeave(ret) {
            if (ret.toInt32() === 1) keys.set(this.ctx.toString(), this.entry);
        },
    }));
    status("EVP_AEAD_CTX_init", found);
}

/** EVP_AEAD_CTX_seal/open(ctx, out, &out_len, max_out_len, nonce, nonce_len, in, in_len, ad, ad_len). */
function hookAead(name: string, found: Found): void {
    listeners.push(Interceptor.attach(found.address, {
        onEnter(args) {
            this.outer = enter();
            this.skip = !this.outer || fromTls(this.context);
            if (this.skip) return;
            const setup = keys.get(args[0].toString());
            const op = new Operation(name, setup?.algorithm ?? null, nativeStack(this.context), false);
            op.opmode = name === "EVP_AEAD_CTX_seal" ? "encrypt" : "decrypt";
            op.keySha256 = setup?.keySha256 ?? null;
            op.input.add(bytes(args[6], args[7].toInt32()));
            this.op = op;
            this.out = args[1];
            this.outLength = args[2];
        },
        onLeave(ret) {
            if (this.outer) leave();
            if (this.skip || ret.toInt32() !== 1) return;
            const op: Operation = this.op;
            op.output.add(bytes(this.out, this.outLength.readU64().toNumber()));
            emitOperation(op, null);
        },
    }));
    status(name, found);
}

export function installCryptoNative(): void {
    const inits = ["EVP_EncryptInit_ex", "EVP_CipherInit_ex"];
    const updates = ["EVP_EncryptUpdate", "EVP_CipherUpdate"];
    const finals = ["EVP_EncryptFinal_ex", "EVP_CipherFinal_ex"];
    for (const name of inits) eachExport(name, found => hookInit(name, found, ciphersOf(found.module)));
    for (const name of updates) eachExport(name, found => hookData(name, found, ciphersOf(found.module), false));
    for (const name of finals) eachExport(name, found => hookData(name, found, ciphersOf(found.module), true));
    eachExport("deflate", hookDeflate);
    for (const name of ["AES_set_encrypt_key", "AES_set_decrypt_key"]) eachExport(name, found => hookAesKey(name, found));
    for (const name of ["AES_cbc_encrypt", "AES_encrypt"]) eachExport(name, found => hookAesCall(name, found));
    // BoringSSL only (Android's libcrypto, Cronet, Conscrypt); OpenSSL 3 has no EVP_AEAD
    eachExport("EVP_AEAD_CTX_init", hookAeadInit);
    for (const name of ["EVP_AEAD_CTX_seal", "EVP_AEAD_CTX_open"]) eachExport(name, found => hookAead(name, found));
}

export function unhookCryptoNative(): number {
    const n = listeners.length;
    listeners.splice(0).forEach(l => l.detach());
    operations.clear();
    keys.clear();
    return n;
}
