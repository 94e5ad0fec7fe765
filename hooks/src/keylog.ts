// The app's own TLS secrets (--keylog): on every SSL_new the connection's SSL_CTX gets a key-log callback, so
// the library hands over each secret line (NSS key log format) as it derives it; each line is reported with
// the host and the native stack. The callback stays set in those contexts: OpenSSL gives no way to know which
// are still alive, so run --keylog until the target ends (docs/instrument.md).
import { eachExport, emitTls, Found, nativeStack, serverName } from "./tlsnative.js";

const NEW = "SSL_new";
const listeners: InvocationListener[] = [];
const contexts = new Set<string>();      // SSL_CTX addresses given our callback
/** Per SSL connection, the native stack of the handshake call that derives its secrets (a callback's own
 *  CPU context is the library's, not the caller's). */
const handshakeStacks = new Map<string, string[]>();
const HANDSHAKES = ["SSL_connect", "SSL_accept", "SSL_do_handshake"];
const callbacks: NativeCallback<"void", ["pointer", "pointer"]>[] = [];     // kept alive while the agent is

function install(found: Found): void {
    const library = found.module.name;
    const setter = found.module.findExportByName("SSL_CTX_set_keylog_callback");
    if (setter === null) {
        emitTls("tls.key", { phase: "not_found", library, host: null, line: null,
            error: `${library} exports ${NEW} but not SSL_CTX_set_keylog_callback` });
        return;
    }
    const setKeylog = new NativeFunction(setter, "void", ["pointer", "pointer"]);
    const callback = new NativeCallback(function (ssl: NativePointer, line: NativePointer): void {
        emitTls("tls.key", { phase: "logged", library, host: serverName(found.module, ssl),
            line: line.readCString(), error: null }, handshakeStacks.get(ssl.toString()) ?? []);
    }, "void", ["pointer", "pointer"]);
    callbacks.push(callback);
    listeners.push(Interceptor.attach(found.address, {
        onEnter(args) {
            const key = args[0].toString();
            if (contexts.has(key)) return;
            setKeylog(args[0], callback);
            contexts.add(key);
        },
    }));
    for (const handshake of HANDSHAKES) {
        const address = found.module.findExportByName(handshake);
        if (address === null) continue;
        listeners.push(Interceptor.attach(address, {
            onEnter(args) {
                const key = args[0].toString();
                if (!handshakeStacks.has(key)) handshakeStacks.set(key, nativeStack(this.context));
            },
        }));
    }
    const free = found.module.findExportByName("SSL_free");
    if (free !== null) {
        listeners.push(Interceptor.attach(free, { onEnter(args) { handshakeStacks.delete(args[0].toString()); } }));
    }
    emitTls("tls.key", { phase: "installed", library, host: null, line: null, error: null });
}

export function installKeylog(): void {
    if (eachExport(NEW, install) === 0) {
        emitTls("tls.key", { phase: "not_found", library: null, host: null, line: null,
            error: `no loaded module exports ${NEW}; modules loaded later are watched` });
    }
}

export function unhookKeylog(): number {
    const n = listeners.length;
    listeners.splice(0).forEach(l => l.detach());
    return n;
}
