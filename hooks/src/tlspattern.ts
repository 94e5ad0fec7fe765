// Finding a TLS library's functions without symbols: a statically linked BoringSSL (Cronet, Flutter) exports
// nothing, so --unpin and --keylog locate what they hook by its code (x86-64; docs/tls-patterns.md says how
// each pattern was derived from Debian's android-libboringssl and how it is tested). A module is searched
// when its read-only data holds the TLS 1.3 key-log labels, i.e. it contains a TLS library. A function is
// taken only when its pattern matches exactly once, at a function start; anything else is a miss, reported.
import { emitTls, symbolsUsed } from "./tlsnative.js";

/** The labels BoringSSL (and OpenSSL) hand to their key-log function (RFC 8446 secrets, NSS key log names). */
const LABELS = ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
    "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"];
const MIN_VOTES = 3;            // label references that must agree on the key-log function
const FUNCTION_ALIGNMENT = 16;  // x86-64 compilers start functions on 16 bytes; a match elsewhere is mid-code

/** SSL_CTX_set_custom_verify (ctx->verify_mode = mode: a 32-bit store of esi; ctx->custom_verify_callback =
 *  callback: a 64-bit store of rdx; ret), directly followed, as ssl_lib.cc defines them, by
 *  SSL_set_custom_verify (if (ssl->config) { config->verify_mode = (uint8_t)mode; config->custom_verify_callback
 *  = callback; }). The pair is the pattern: the first function's shape alone also fits SSL_CTX_set_verify. */
const CTX_CUSTOM_VERIFY = "89 b7 ?? ?? 00 00 48 89 97 ?? ?? 00 00 c3 ?? ?? " +
    "48 8b 47 ?? 48 85 c0 74 ?? 40 88 b0 ?? ?? 00 00 48 8b 47 ?? 48 89 50 ?? c3";
const SSL_CUSTOM_VERIFY = "48 8b 47 ?? 48 85 c0 74 ?? 40 88 b0 ?? ?? 00 00 48 8b 47 ?? 48 89 50 ?? c3";

export interface Located { module: Module; address: NativePointer; }

/** Whether a TLS module is searched by pattern: when symbols are not used, or it exports no TLS entry point. */
export function viaPatterns(module: Module): boolean {
    return !symbolsUsed() || module.findExportByName("SSL_new") === null;
}

const tlsModules = new Map<string, boolean>();     // module base -> holds a TLS library (unpin and keylog ask)

/** Calls `use` for each module (loaded now or later) that holds a TLS library by its labels. One label is
 *  looked for in every module (an app loads hundreds, some of 100 MB); the others only where it is. */
export function eachTlsModule(use: (module: Module) => void): void {
    Process.attachModuleObserver({
        onAdded(module) {
            const key = module.base.toString();
            if (!tlsModules.has(key)) tlsModules.set(key, labelAddresses(module, LABELS.slice(0, 1)).size > 0);
            if (tlsModules.get(key) === true) use(module);
        },
        onRemoved(module) { tlsModules.delete(module.base.toString()); },
    });
}

function hex(text: string): string {
    return Array.from(text, c => c.charCodeAt(0).toString(16).padStart(2, "0")).join(" ");
}

/** Where the labels (NUL-terminated) are in the module's read-only data. */
function labelAddresses(module: Module, labels: string[] = LABELS): Map<string, string> {
    const found = new Map<string, string>();       // address -> label
    for (const range of module.enumerateRanges("r--")) {
        if (range.protection !== "r--") continue;    // strings live in read-only data, not in code
        for (const label of labels) {
            for (const match of Memory.scanSync(range.base, range.size, `${hex(label)} 00`)) {
                found.set(match.address.toString(), label);
            }
        }
    }
    return found;
}

/** The function starts in the module's code where `pattern` matches. */
function starts(module: Module, pattern: string): NativePointer[] {
    return module.enumerateRanges("r-x")
        .flatMap(range => Memory.scanSync(range.base, range.size, pattern))
        .map(match => match.address)
        .filter(address => address.sub(module.base).toUInt32() % FUNCTION_ALIGNMENT === 0);
}

/** The one function `pattern` finds, or the miss as the ledger states it. */
function unique(module: Module, pattern: string): NativePointer | string {
    const found = starts(module, pattern);
    if (found.length === 1) return found[0];
    return found.length === 0 ? `pattern did not match in ${module.name}`
        : `pattern matched ${found.length} times in ${module.name}`;
}

export function findCustomVerify(module: Module, setter: "SSL_CTX_set_custom_verify" | "SSL_set_custom_verify"):
        NativePointer | string {
    return unique(module, setter === "SSL_CTX_set_custom_verify" ? CTX_CUSTOM_VERIFY : SSL_CUSTOM_VERIFY);
}

/** How keys are taken from a library found by pattern: its key-log function, where that function finds the
 *  SSL_CTX in an SSL and the key-log callback in the SSL_CTX, and the library's setter of that callback. */
export interface KeylogSite {
    logSecret: NativePointer;
    ctxOffset: number;
    callbackOffset: number;
    setter: NativePointer;
}

/** BoringSSL's ssl_log_secret(ssl, label, secret) is the function the labels are passed to: each label is
 *  loaded into rsi (the second argument) by a RIP-relative lea, followed by the call. */
function logSecret(module: Module): NativePointer | string {
    const labels = labelAddresses(module);
    const votes = new Map<string, Set<string>>();       // call target -> labels passed to it
    for (const range of module.enumerateRanges("r-x")) {
        for (const match of Memory.scanSync(range.base, range.size, "48 8d 35 ?? ?? ?? ??")) {
            const label = labels.get(match.address.add(7).add(match.address.add(3).readS32()).toString());
            if (label === undefined) continue;
            const target = callAfter(match.address.add(7));
            if (target === null) continue;
            votes.set(target, (votes.get(target) ?? new Set()).add(label));
        }
    }
    const elected = [...votes].filter(([, voters]) => voters.size >= MIN_VOTES);
    if (elected.length === 1) return ptr(elected[0][0]);
    return elected.length === 0 ? `pattern did not match in ${module.name}`
        : `pattern matched ${elected.length} times in ${module.name}`;
}

/** The target of the first direct call within a few instructions of `from`. */
function callAfter(from: NativePointer): string | null {
    let at = from;
    for (let i = 0; i < 8; i++) {
        const insn = Instruction.parse(at) as X86Instruction;
        if (insn.mnemonic === "call") {
            const [operand] = insn.operands;
            return operand?.type === "imm" ? ptr(operand.value.toString()).toString() : null;
        }
        if (insn.mnemonic === "ret" || insn.mnemonic === "jmp") return null;
        at = insn.next;
    }
    return null;
}

/** The key-log function's first test: `mov REG, [rdi + ctx]` (ssl->ctx), then `cmp qword [REG + cb], 0`
 *  (ctx->keylog_callback == NULL: nothing to log). */
function keylogOffsets(logSecretAt: NativePointer): { ctxOffset: number; callbackOffset: number } | null {
    let at = logSecretAt;
    let ctxRegister: string | null = null;
    let ctxOffset = 0;
    for (let i = 0; i < 24; i++) {
        const insn = Instruction.parse(at) as X86Instruction;
        const [a, b] = insn.operands;
        if (insn.mnemonic === "mov" && a?.type === "reg" && b?.type === "mem" && b.value.base === "rdi") {
            ctxRegister = a.value as string;
            ctxOffset = b.value.disp;
        } else if (insn.mnemonic === "cmp" && ctxRegister !== null && a?.type === "mem" &&
                   a.value.base === ctxRegister && b?.type === "imm" && Number(b.value) === 0) {
            return { ctxOffset, callbackOffset: a.value.disp };
        }
        if (insn.mnemonic === "ret") break;
        at = insn.next;
    }
    return null;
}

function le32(value: number): string {
    return [0, 8, 16, 24].map(shift => ((value >>> shift) & 0xff).toString(16).padStart(2, "0")).join(" ");
}

export function findKeylog(module: Module): KeylogSite | string {
    const found = logSecret(module);
    if (typeof found === "string") return found;
    const offsets = keylogOffsets(found);
    if (offsets === null) return `pattern did not match in ${module.name}`;
    // SSL_CTX_set_keylog_callback: ctx->keylog_callback = cb (rsi), ret; the field is the one just read.
    const setter = unique(module, `48 89 b7 ${le32(offsets.callbackOffset)} c3`);
    if (typeof setter === "string") return setter;
    return { logSecret: found, ...offsets, setter };
}

/** The ledger's fields for a function located by pattern: how, and where in its module. */
export function locatedFields(located: Located): { located: string; offset: string } {
    return { located: "pattern", offset: `0x${located.address.sub(located.module.base).toString(16)}` };
}

/** A pattern miss: that library's verification (or keys) untouched, a known unknown. */
export function emitMiss(type: "tls.bypass" | "tls.key", module: Module, fn: string, error: string): void {
    emitTls(type, { phase: "not_found", library: module.name, function: fn, host: null, error, located: "pattern",
        ...(type === "tls.key" ? { line: null } : {}) });
}
