// Finding a TLS library's functions without symbols: a statically linked BoringSSL (Cronet, Flutter) exports
// nothing, so --unpin and --keylog locate what they hook by its code (x86-64 and arm64, a pattern set each;
// docs/tls-patterns.md says how each pattern was derived from Debian's android-libboringssl and how it is
// tested). A module is searched when its read-only data holds the TLS 1.3 key-log labels, i.e. it contains a
// TLS library. A function is taken only when its pattern matches exactly once, at a function start; anything
// else is a miss, reported. The search reads an image (code, read-only data, base), not a Module, so that a
// library's file laid out in memory can be searched too (TEST ONLY: elfimage.ts).
import { emitTls, symbolsUsed } from "./tlsnative.js";

/** The labels BoringSSL (and OpenSSL) hand to their key-log function (RFC 8446 secrets, NSS key log names). */
const LABELS = ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
    "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"];
const MIN_VOTES = 3;            // label references that must agree on the key-log function

/** The memory a search reads: a loaded module's, or a library file's segments laid out at their addresses. */
export interface CodeImage {
    name: string;
    base: NativePointer;        // offsets are reported from here
    arch: Architecture;         // which pattern set applies
    code: MemoryRange[];
    rodata: MemoryRange[];
}

/** A loaded module as the search reads it: its code ranges and read-only data, in this process's architecture. */
export function moduleImage(module: Module): CodeImage {
    return { name: module.name, base: module.base, arch: Process.arch, code: module.enumerateRanges("r-x"),
        rodata: readOnlyData(module) };
}

/** Strings live in read-only data, not in code. */
function readOnlyData(module: Module): MemoryRange[] {
    return module.enumerateRanges("r--").filter(range => range.protection === "r--");
}

/** A key-log label loaded as the second argument, and where the instructions after that load begin. */
interface LabelLoad { label: NativePointer; next: NativePointer; }

/** What differs between architectures: the patterns, and how the code around a label reference is read. */
interface PatternSet {
    functionAlignment: number;  // compilers start functions here; a match elsewhere is mid-code
    ctxCustomVerify: string;
    sslCustomVerify: string;
    labelLoads(image: CodeImage, range: MemoryRange): LabelLoad[];
    callAfter(from: NativePointer): string | null;
    keylogOffsets(logSecretAt: NativePointer): KeylogOffsets | null;
    keylogSetter(callbackOffset: number): string;
}

interface KeylogOffsets { ctxOffset: number; callbackOffset: number; }

// ---- x86-64 -------------------------------------------------------------------------------------------------

/** SSL_CTX_set_custom_verify (ctx->verify_mode = mode: a 32-bit store of esi; ctx->custom_verify_callback =
 *  callback: a 64-bit store of rdx; ret), directly followed, as ssl_lib.cc defines them, by
 *  SSL_set_custom_verify (if (ssl->config) { config->verify_mode = (uint8_t)mode; config->custom_verify_callback
 *  = callback; }). The pair is the pattern: the first function's shape alone also fits SSL_CTX_set_verify. */
const X64_CTX_CUSTOM_VERIFY = "89 b7 ?? ?? 00 00 48 89 97 ?? ?? 00 00 c3 ?? ?? " +
    "48 8b 47 ?? 48 85 c0 74 ?? 40 88 b0 ?? ?? 00 00 48 8b 47 ?? 48 89 50 ?? c3";
const X64_SSL_CUSTOM_VERIFY = "48 8b 47 ?? 48 85 c0 74 ?? 40 88 b0 ?? ?? 00 00 48 8b 47 ?? 48 89 50 ?? c3";

/** Each label is loaded into rsi (the second argument) by a RIP-relative lea. */
function x64LabelLoads(_image: CodeImage, range: MemoryRange): LabelLoad[] {
    return Memory.scanSync(range.base, range.size, "48 8d 35 ?? ?? ?? ??").map(match => {
        const next = match.address.add(7);
        return { label: next.add(match.address.add(3).readS32()), next };
    });
}

/** The target of the first direct call within a few instructions of `from`. */
function x64CallAfter(from: NativePointer): string | null {
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
function x64KeylogOffsets(logSecretAt: NativePointer): KeylogOffsets | null {
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

const X64: PatternSet = {
    functionAlignment: 16,
    ctxCustomVerify: X64_CTX_CUSTOM_VERIFY,
    sslCustomVerify: X64_SSL_CUSTOM_VERIFY,
    labelLoads: x64LabelLoads,
    callAfter: x64CallAfter,
    keylogOffsets: x64KeylogOffsets,
    // SSL_CTX_set_keylog_callback: ctx->keylog_callback = cb (rsi), ret
    keylogSetter: callbackOffset => `48 89 b7 ${le32(callbackOffset)} c3`,
};

// ---- arm64 --------------------------------------------------------------------------------------------------
// Instructions are 32-bit little-endian words, registers and offsets in their bits: a pattern is the words'
// fixed bits with a mask (Memory.scan's "pattern : mask"), and label and call targets are decoded here,
// because Instruction.parse decodes only the host's architecture.

/** One instruction of a pattern: its bits, and the mask of those that must match. */
type Word = [bits: number, mask: number];

const INSTRUCTION_SIZE = 4;
const WHOLE = 0xffffffff;
const REGISTER = 0x1f;                  // the Rt / Rd field, bits 0-4
const OPCODE = 0xffc00000;              // bits 22-31: add-immediate (unshifted) and unsigned-offset loads, stores
const IMM12_FREE = (OPCODE | REGISTER << 5 | REGISTER) >>> 0;   // both registers fixed, the imm12 (bits 10-21) free
const RET = 0xd65f03c0;                 // ret (x30)
const ADRP = 0x90000000, ADRP_MASK = 0x9f000000;
const ADD_IMM = 0x91000000;             // add Xd, Xn, #imm12
const BL = 0x94000000, B = 0x14000000, BRANCH_MASK = 0xfc000000;
const LDR_X = 0xf9400000, STR_X = 0xf9000000, STR_W = 0xb9000000, STRB = 0x39000000;
const CBZ_X = 0xb4000000, CBZ_MASK = 0xff000000;
const X0 = 0, X1 = 1, X2 = 2, X8 = 8;   // the first three arguments, and the scratch register the compiler chose

/** `op Rt, [Rn, #free]`: a load or store of registers rt and rn, any offset. */
function memoryAccess(opcode: number, rt: number, rn: number): Word {
    return [(opcode | rn << 5 | rt) >>> 0, IMM12_FREE];
}

/** `cbz Xt, free`: a null test of register rt, any target. */
function cbz(rt: number): Word {
    return [(CBZ_X | rt) >>> 0, (CBZ_MASK | REGISTER) >>> 0];
}

const RET_WORD: Word = [RET, WHOLE];

/** The Memory.scan pattern of consecutive instruction words. */
function words(...instructions: Word[]): string {
    const bytes = (values: number[]): string => values.map(le32).join(" ");
    return `${bytes(instructions.map(([bits]) => bits))} : ${bytes(instructions.map(([, mask]) => mask))}`;
}

const rt = (word: number): number => word & REGISTER;
const rn = (word: number): number => (word >>> 5) & REGISTER;
const is = (word: number, bits: number, mask: number): boolean => ((word & mask) >>> 0) === bits;

/** The unsigned offset of a 64-bit load or store (imm12, scaled by 8). */
function offset64(word: number): number {
    return ((word >>> 10) & 0xfff) * 8;
}

/** The 4 KiB page ADRP at `at` addresses: at's page plus immhi:immlo (signed 21 bits) pages. */
function adrpPage(at: NativePointer, word: number): NativePointer {
    const pages = (((word >>> 5) & 0x7ffff) << 2 | (word >>> 29) & 0x3) << 11 >> 11;
    return at.sub(at.and(0xfff)).add(pages * 0x1000);
}

/** The target of a BL or B at `at`: imm26 (signed) instructions away. */
function branchTarget(at: NativePointer, word: number): NativePointer {
    return at.add((word << 6 >> 6) * 4);
}

/** SSL_CTX_set_custom_verify (`str w1, [x0, #mode]; str x2, [x0, #callback]; ret`), directly followed (no
 *  padding) by SSL_set_custom_verify (`ldr x8, [x0, #config]; cbz x8; strb w1, [x8, #mode]; ldr x8, [x0,
 *  #config]; str x2, [x8, #callback]; ret`): the same pair as on x86-64, for the same reason. */
const ARM64_SSL_CUSTOM_VERIFY: Word[] = [memoryAccess(LDR_X, X8, X0), cbz(X8), memoryAccess(STRB, X1, X8),
    memoryAccess(LDR_X, X8, X0), memoryAccess(STR_X, X2, X8), RET_WORD];
const ARM64_CTX_CUSTOM_VERIFY: Word[] = [memoryAccess(STR_W, X1, X0), memoryAccess(STR_X, X2, X0), RET_WORD,
    ...ARM64_SSL_CUSTOM_VERIFY];

/** Each label is put into x1 (the second argument) by `adrp x1, PAGE`, then within a few instructions
 *  `add x1, x1, #OFFSET` (the compiler may schedule other loads between). */
function arm64LabelLoads(image: CodeImage, range: MemoryRange): LabelLoad[] {
    const loads: LabelLoad[] = [];
    const adrpX1 = words([(ADRP | X1) >>> 0, (ADRP_MASK | REGISTER) >>> 0]);
    const addX1 = (ADD_IMM | X1 << 5 | X1) >>> 0;
    for (const match of Memory.scanSync(range.base, range.size, adrpX1)) {
        if (match.address.sub(image.base).toUInt32() % INSTRUCTION_SIZE !== 0) continue;
        const page = adrpPage(match.address, match.address.readU32());
        for (let at = match.address.add(INSTRUCTION_SIZE), i = 0; i < 4; i++, at = at.add(INSTRUCTION_SIZE)) {
            const word = at.readU32();
            if (is(word, addX1, IMM12_FREE)) {
                loads.push({ label: page.add((word >>> 10) & 0xfff), next: at.add(INSTRUCTION_SIZE) });
                break;
            }
        }
    }
    return loads;
}

/** The target of the first BL within a few instructions of `from`. */
function arm64CallAfter(from: NativePointer): string | null {
    for (let at = from, i = 0; i < 8; i++, at = at.add(INSTRUCTION_SIZE)) {
        const word = at.readU32();
        if (is(word, BL, BRANCH_MASK)) return branchTarget(at, word).toString();
        if (word === RET || is(word, B, BRANCH_MASK)) return null;
    }
    return null;
}

/** The key-log function's first test: `ldr xN, [x0, #ctx]` (ssl->ctx), `ldr xM, [xN, #cb]`, `cbz xM`
 *  (ctx->keylog_callback == NULL: nothing to log). */
function arm64KeylogOffsets(logSecretAt: NativePointer): KeylogOffsets | null {
    let ctxRegister: number | null = null;
    let ctxOffset = 0;
    for (let at = logSecretAt, i = 0; i < 24; i++, at = at.add(INSTRUCTION_SIZE)) {
        const word = at.readU32();
        if (word === RET) break;
        if (!is(word, LDR_X, OPCODE)) continue;
        const next = at.add(INSTRUCTION_SIZE).readU32();
        if (ctxRegister !== null && rn(word) === ctxRegister && is(next, CBZ_X, CBZ_MASK) && rt(next) === rt(word)) {
            return { ctxOffset, callbackOffset: offset64(word) };
        }
        if (rn(word) === X0) {
            ctxRegister = rt(word);
            ctxOffset = offset64(word);
        }
    }
    return null;
}

const ARM64: PatternSet = {
    functionAlignment: INSTRUCTION_SIZE,     // as compilers emit arm64 functions: no padding between
    ctxCustomVerify: words(...ARM64_CTX_CUSTOM_VERIFY),
    sslCustomVerify: words(...ARM64_SSL_CUSTOM_VERIFY),
    labelLoads: arm64LabelLoads,
    callAfter: arm64CallAfter,
    keylogOffsets: arm64KeylogOffsets,
    // SSL_CTX_set_keylog_callback: `str x1, [x0, #cb]; ret` (cb as the first test's ldr encoded it)
    keylogSetter: callbackOffset =>
        words([(STR_X | (callbackOffset / 8) << 10 | X0 << 5 | X1) >>> 0, WHOLE], RET_WORD),
};

const PATTERN_SETS: Partial<Record<Architecture, PatternSet>> = { x64: X64, arm64: ARM64 };

// ---- the search ---------------------------------------------------------------------------------------------

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
            if (!tlsModules.has(key)) {
                tlsModules.set(key, labelAddresses(readOnlyData(module), LABELS.slice(0, 1)).size > 0);
            }
            if (tlsModules.get(key) === true) use(module);
        },
        onRemoved(module) { tlsModules.delete(module.base.toString()); },
    });
}

function hex(text: string): string {
    return Array.from(text, c => c.charCodeAt(0).toString(16).padStart(2, "0")).join(" ");
}

/** Where the labels (NUL-terminated) are in the read-only data. */
function labelAddresses(rodata: MemoryRange[], labels: string[] = LABELS): Map<string, string> {
    const found = new Map<string, string>();       // address -> label
    for (const range of rodata) {
        for (const label of labels) {
            for (const match of Memory.scanSync(range.base, range.size, `${hex(label)} 00`)) {
                found.set(match.address.toString(), label);
            }
        }
    }
    return found;
}

/** The pattern set for the image's architecture, or the miss: no patterns were derived for it. */
function patternSet(image: CodeImage): PatternSet | string {
    return PATTERN_SETS[image.arch] ?? `no patterns for ${image.arch} code (${image.name})`;
}

/** The function starts in the image's code where `pattern` matches. */
function starts(image: CodeImage, patterns: PatternSet, pattern: string): NativePointer[] {
    return image.code
        .flatMap(range => Memory.scanSync(range.base, range.size, pattern))
        .map(match => match.address)
        .filter(address => address.sub(image.base).toUInt32() % patterns.functionAlignment === 0);
}

/** The one function `pattern` finds, or the miss as the ledger states it. */
function unique(image: CodeImage, patterns: PatternSet, pattern: string): NativePointer | string {
    return elected(starts(image, patterns, pattern), image);
}

/** The one candidate, or the miss: none, or several. */
function elected<T>(candidates: T[], image: CodeImage): T | string {
    if (candidates.length === 1) return candidates[0];
    return candidates.length === 0 ? `pattern did not match in ${image.name}`
        : `pattern matched ${candidates.length} times in ${image.name}`;
}

export function findCustomVerify(image: CodeImage, setter: "SSL_CTX_set_custom_verify" | "SSL_set_custom_verify"):
        NativePointer | string {
    const patterns = patternSet(image);
    if (typeof patterns === "string") return patterns;
    return unique(image, patterns,
        setter === "SSL_CTX_set_custom_verify" ? patterns.ctxCustomVerify : patterns.sslCustomVerify);
}

/** How keys are taken from a library found by pattern: its key-log function, where that function finds the
 *  SSL_CTX in an SSL and the key-log callback in the SSL_CTX, and the library's setter of that callback. */
export interface KeylogSite extends KeylogOffsets {
    logSecret: NativePointer;
    setter: NativePointer;
}

/** BoringSSL's ssl_log_secret(ssl, label, secret) is the function the labels are passed to: each label's load
 *  into the second argument, followed by a direct call, is a vote for that call's target. */
function logSecret(image: CodeImage, patterns: PatternSet): NativePointer | string {
    const labels = labelAddresses(image.rodata);
    const votes = new Map<string, Set<string>>();       // call target -> labels passed to it
    for (const range of image.code) {
        for (const load of patterns.labelLoads(image, range)) {
            const label = labels.get(load.label.toString());
            if (label === undefined) continue;
            const target = patterns.callAfter(load.next);
            if (target === null) continue;
            votes.set(target, (votes.get(target) ?? new Set()).add(label));
        }
    }
    const winner = elected([...votes].filter(([, voters]) => voters.size >= MIN_VOTES), image);
    return typeof winner === "string" ? winner : ptr(winner[0]);
}

export function findKeylog(image: CodeImage): KeylogSite | string {
    const patterns = patternSet(image);
    if (typeof patterns === "string") return patterns;
    const found = logSecret(image, patterns);
    if (typeof found === "string") return found;
    const offsets = patterns.keylogOffsets(found);
    if (offsets === null) return `pattern did not match in ${image.name}`;
    // the one setter of the field just read
    const setter = unique(image, patterns, patterns.keylogSetter(offsets.callbackOffset));
    if (typeof setter === "string") return setter;
    return { logSecret: found, ...offsets, setter };
}

/** What the search finds in an image (TEST ONLY: the rpc export searchTlsPatternsForTest): each function's
 *  offset from the image's base, or its miss as the ledger would state it, and the structure offsets read
 *  from the key-log function. */
export interface PatternReport {
    found: Record<string, string>;      // function -> offset
    misses: Record<string, string>;     // function -> the miss
    ctxOffset: number | null;
    callbackOffset: number | null;
}

export function searchImage(image: CodeImage): PatternReport {
    const report: PatternReport = { found: {}, misses: {}, ctxOffset: null, callbackOffset: null };
    const record = (fn: string, result: NativePointer | string): void => {
        if (typeof result === "string") report.misses[fn] = result;
        else report.found[fn] = offsetFrom(image.base, result);
    };
    for (const setter of ["SSL_CTX_set_custom_verify", "SSL_set_custom_verify"] as const) {
        record(setter, findCustomVerify(image, setter));
    }
    const site = findKeylog(image);
    if (typeof site === "string") record("ssl_log_secret", site);
    else {
        record("ssl_log_secret", site.logSecret);
        record("SSL_CTX_set_keylog_callback", site.setter);
        report.ctxOffset = site.ctxOffset;
        report.callbackOffset = site.callbackOffset;
    }
    return report;
}

/** An address as an offset from a base, as the ledger writes it. */
export function offsetFrom(base: NativePointer, address: NativePointer): string {
    return `0x${address.sub(base).toString(16)}`;
}

/** The ledger's fields for a function located by pattern: how, and where in its module. */
export function locatedFields(located: Located): { located: string; offset: string } {
    return { located: "pattern", offset: offsetFrom(located.module.base, located.address) };
}

/** A pattern miss: that library's verification (or keys) untouched, a known unknown. */
export function emitMiss(type: "tls.bypass" | "tls.key", module: Module, fn: string, error: string): void {
    emitTls(type, { phase: "not_found", library: module.name, function: fn, host: null, error, located: "pattern",
        ...(type === "tls.key" ? { line: null } : {}) });
}
