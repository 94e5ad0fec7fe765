// What the native TLS hooks (unpin.ts, keylog.ts) share: finding a TLS library's functions in the loaded
// modules (and in modules loaded later), the native stack of a call, and the server name of a connection
// (asked of the library, or, for one found by pattern, read from the ClientHello the connection sent).
import { parseClientHello, randomOf } from "./clienthello.js";
import { emit } from "./emit.js";

/** A function found in one module. */
export interface Found { module: Module; address: NativePointer; }

/** TEST ONLY (instrument --tls-patterns-only): the TLS hooks act as if no module exported anything, so the
 *  pattern search (tlspattern.ts) is tested on a library whose exports say where the truth is. */
let symbolLookup = true;

export function disableSymbolLookup(): void {
    symbolLookup = false;
}

export function symbolsUsed(): boolean {
    return symbolLookup;
}

/** Calls `use` once per distinct function exporting `name`, in the modules loaded now (the observer reports
 *  those at once) and in any loaded later. A module that imports the function resolves it to the exporter's
 *  address, so each address is used once, with the module that defines it. Returns how many were found now. */
export function eachExport(name: string, use: (found: Found) => void): number {
    if (!symbolLookup) return 0;
    const seen = new Set<string>();
    let now = 0;
    let observing = true;
    Process.attachModuleObserver({
        onAdded(m) {
            const address = m.findExportByName(name);
            if (address === null || seen.has(address.toString())) return;
            seen.add(address.toString());
            const owner = Process.findModuleByAddress(address) ?? m;
            if (observing) now++;
            use({ module: owner, address });
        },
    });
    observing = false;
    return now;
}

/** The calling code, from a hook's (or callback's) CPU context at entry. */
export function nativeStack(context: CpuContext | undefined): string[] {
    // Unwind information often ends at a library built without it; then the stack is scanned for return
    // addresses (FUZZY: each frame is a return address found there, possibly a stale one).
    let frames = Thread.backtrace(context, Backtracer.ACCURATE);
    if (frames.length < 2) frames = Thread.backtrace(context, Backtracer.FUZZY);
    return frames.slice(0, 64).map(a => DebugSymbol.fromAddress(a).toString());
}

/** Per SSL connection, the native stack of the app's handshake call. Hooks deeper in the library report this
 *  one: their own context is the library's (a callback's, or one behind another hook's trampoline, which the
 *  stack scan cannot see through). */
const handshakeStacks = new Map<string, string[]>();
const handshakeListeners: InvocationListener[] = [];
let tracking = false;

export function trackHandshakes(): void {
    if (tracking) return;
    tracking = true;
    for (const name of ["SSL_connect", "SSL_accept", "SSL_do_handshake"]) {
        eachExport(name, found => handshakeListeners.push(Interceptor.attach(found.address, {
            onEnter(args) {
                const key = args[0].toString();
                if (!handshakeStacks.has(key)) handshakeStacks.set(key, nativeStack(this.context));
            },
        })));
    }
    eachExport("SSL_free", found => handshakeListeners.push(Interceptor.attach(found.address, {
        onEnter(args) { handshakeStacks.delete(args[0].toString()); },
    })));
}

export function handshakeStack(ssl: NativePointer): string[] | undefined {
    return handshakeStacks.get(ssl.toString()) ?? sentHello(ssl)?.stack;
}

export function untrackHandshakes(): number {
    const n = handshakeListeners.length;
    handshakeListeners.splice(0).forEach(l => l.detach());
    hellos.clear();
    lastMatch = null;
    tracking = false;
    watchingHellos = false;
    return n;
}

/** Without symbols (a library found by pattern), a connection's handshake is known by the ClientHello it sent:
 *  each one the process sends through libc (exported by every libc, whatever TLS library is linked in) is kept
 *  by its client random with its server name and the stack of the send, which runs in the app's first
 *  handshake call. Chromium's (and Cronet's) TCP sockets write with send(); a ClientHello written with sendmsg
 *  or writev is not watched (docs/tls-patterns.md). */
const HELLO_SENDERS = ["send", "sendto", "write"];
const HELLOS_KEPT = 256;        // recent ClientHellos (a connection is verified within a few of its own)
type SentHello = { host: string | null; stack: string[] };
const hellos = new Map<string, SentHello>();     // client random -> its hello
let hellosKept = 0;             // counts each hello kept: a connection's match stands until another is sent
let lastMatch: { ssl: string; kept: number; hello: SentHello | undefined } | null = null;
let watchingHellos = false;

export function watchClientHellos(): void {
    if (watchingHellos) return;
    watchingHellos = true;
    for (const name of HELLO_SENDERS) {
        const address = Module.findGlobalExportByName(name);
        if (address === null) continue;
        handshakeListeners.push(Interceptor.attach(address, {
            onEnter(args) {
                const size = args[2].toUInt32();
                if (size < 48 || args[1].readU8() !== 0x16) return;      // cheap: a TLS handshake record only
                const hello = parseClientHello(new Uint8Array(args[1].readByteArray(Math.min(size, 1 << 14))!));
                if (hello === null) return;
                hellos.set(hello.random, { host: hello.host, stack: nativeStack(this.context) });
                hellosKept++;
                if (hellos.size > HELLOS_KEPT) hellos.delete(hellos.keys().next().value!);
            },
        }));
    }
}

/** The hello `ssl` sent, by its client random. An event asks twice (its host, its stack) and a connection logs
 *  several keys: the last match is kept until another hello is sent, which a new connection must do first. */
function sentHello(ssl: NativePointer): SentHello | undefined {
    if (hellos.size === 0) return undefined;
    const key = ssl.toString();
    if (lastMatch !== null && lastMatch.ssl === key && lastMatch.kept === hellosKept) return lastMatch.hello;
    const random = randomOf(ssl, [...hellos.keys()]);
    const hello = random === null ? undefined : hellos.get(random);
    lastMatch = { ssl: key, kept: hellosKept, hello };
    return hello;
}

const TLSEXT_NAMETYPE_HOST_NAME = 0;

/** The server name of a connection (the SNI the app asked for): the library's SSL_get_servername where it
 *  exports one, else the app's ClientHello (clienthello.ts, watched once a hook is found by pattern). Says which. */
export function serverName(module: Module, ssl: NativePointer): { host: string | null; host_from?: string } {
    const address = symbolLookup ? module.findExportByName("SSL_get_servername") : null;
    if (ssl.isNull()) return { host: null };
    if (address === null) {
        const host = sentHello(ssl)?.host ?? null;
        return host === null ? { host: null } : { host, host_from: "client_hello" };
    }
    const name = new NativeFunction(address, "pointer", ["pointer", "int"])(ssl, TLSEXT_NAMETYPE_HOST_NAME) as NativePointer;
    return { host: name.isNull() ? null : name.readCString() };
}

/** A TLS hook's report: which library and function, on which connection, from which code. */
export function emitTls(type: "tls.bypass" | "tls.key", fields: { [key: string]: unknown }, stack: string[] = []): void {
    emit({ type, ...fields, stack, tid: Process.getCurrentThreadId(), time: Date.now() });
}
