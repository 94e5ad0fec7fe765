// The app's own TLS secrets (--keylog): on every SSL_new the connection's SSL_CTX gets a key-log callback, so
// the library hands over each secret line (NSS key log format) as it derives it; each line is reported with
// the host and the native stack. The callback stays set in those contexts: OpenSSL gives no way to know which
// are still alive, so run --keylog until the target ends (docs/events.md).
import { eachExport, emitTls, Found, handshakeStack, serverName, trackHandshakes, untrackHandshakes } from "./tlsnative.js";

const NEW = "SSL_new";
const listeners: InvocationListener[] = [];
const contexts = new Set<string>();      // SSL_CTX addresses given our callback

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
            line: line.readCString(), error: null }, handshakeStack(ssl) ?? []);
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
    emitTls("tls.key", { phase: "installed", library, host: null, line: null, error: null });
}

export function installKeylog(): void {
    trackHandshakes();
    if (eachExport(NEW, install) === 0) {
        emitTls("tls.key", { phase: "not_found", library: null, host: null, line: null,
            error: `no loaded module exports ${NEW}; modules loaded later are watched` });
    }
}

export function unhookKeylog(): number {
    const n = listeners.length + untrackHandshakes();
    listeners.splice(0).forEach(l => l.detach());
    return n;
}
