// The app's own TLS secrets (--keylog): on every SSL_new the connection's SSL_CTX gets a key-log callback, so
// the library hands over each secret line (NSS key log format) as it derives it; each line is reported with
// the host and the native stack. A TLS library that exports nothing (statically linked, stripped) has its
// key-log function located by pattern (tlspattern.ts): on each call the SSL_CTX it is about to consult gets
// the callback, through the library's own setter, so the line it then logs comes to us. The callback stays
// set in those contexts: the library gives no way to know which are still alive, so run --keylog until the
// target ends (docs/events.md).
import { eachTlsModule, emitMiss, findKeylog, locatedFields, moduleImage, viaPatterns } from "./tlspattern.js";
import {
    eachExport, emitTls, Found, handshakeStack, nativeStack, serverName, symbolsUsed, trackHandshakes,
    untrackHandshakes, watchClientHellos,
} from "./tlsnative.js";

const NEW = "SSL_new";
const LOG_SECRET = "ssl_log_secret";     // BoringSSL's internal key-log function (no export)
const listeners: InvocationListener[] = [];
const contexts = new Set<string>();      // SSL_CTX addresses given our callback

const callbacks: NativeCallback<"void", ["pointer", "pointer"]>[] = [];     // kept alive while the agent is

/** The key-log callback (ssl, line) for one library, and the setter that installs it in an SSL_CTX once. */
function keylogSetter(module: Module, setter: NativePointer): (ctx: NativePointer) => void {
    const library = module.name;
    const setKeylog = new NativeFunction(setter, "void", ["pointer", "pointer"]);
    const callback = new NativeCallback(function (this: CallbackContext, ssl: NativePointer, line: NativePointer) {
        emitTls("tls.key", { phase: "logged", library, ...serverName(module, ssl), line: line.readCString(),
            error: null }, handshakeStack(ssl) ?? nativeStack(this.context));
    }, "void", ["pointer", "pointer"]);
    callbacks.push(callback);
    return ctx => {
        const key = ctx.toString();
        if (contexts.has(key)) return;
        setKeylog(ctx, callback);
        contexts.add(key);
    };
}

function install(found: Found): void {
    const library = found.module.name;
    const setter = found.module.findExportByName("SSL_CTX_set_keylog_callback");
    if (setter === null) {
        emitTls("tls.key", { phase: "not_found", library, host: null, line: null,
            error: `${library} exports ${NEW} but not SSL_CTX_set_keylog_callback` });
        return;
    }
    const give = keylogSetter(found.module, setter);
    listeners.push(Interceptor.attach(found.address, { onEnter(args) { give(args[0]); } }));
    emitTls("tls.key", { phase: "installed", library, host: null, line: null, error: null });
}

function installByPattern(module: Module): void {
    const site = findKeylog(moduleImage(module));
    if (typeof site === "string") {
        emitMiss("tls.key", module, LOG_SECRET, site);
        return;
    }
    watchClientHellos();         // no SSL_get_servername to ask: the host comes from the ClientHello
    const give = keylogSetter(module, site.setter);
    listeners.push(Interceptor.attach(site.logSecret, {
        onEnter(args) { give(args[0].add(site.ctxOffset).readPointer()); },     // ssl->ctx
    }));
    emitTls("tls.key", { phase: "installed", library: module.name, function: LOG_SECRET, host: null, line: null,
        error: null, ...locatedFields({ module, address: site.logSecret }),
        setter_offset: locatedFields({ module, address: site.setter }).offset,
        ctx_offset: site.ctxOffset, callback_offset: site.callbackOffset });
}

export function installKeylog(): void {
    trackHandshakes();
    const found = eachExport(NEW, install);
    if (!symbolsUsed()) {
        emitTls("tls.key", { phase: "not_found", library: null, host: null, line: null,
            error: "symbol lookup disabled (TEST ONLY: --tls-patterns-only); functions are located by pattern" });
    } else if (found === 0) {
        emitTls("tls.key", { phase: "not_found", library: null, host: null, line: null,
            error: `no loaded module exports ${NEW}; modules loaded later are watched` });
    }
    eachTlsModule(module => {
        if (viaPatterns(module)) installByPattern(module);
    });
}

export function unhookKeylog(): number {
    const n = listeners.length + untrackHandshakes();
    listeners.splice(0).forEach(l => l.detach());
    return n;
}
