// Native unpinning (--unpin), on record: OpenSSL-style libraries verify a server's chain in X509_verify_cert,
// which also runs the app's own verify callback (where apps check their pins). Its result is forced to success;
// every verification it turned from failure into success is reported with the host, the error the library or
// the app's callback gave, and the native stack. BoringSSL apps (Cronet) may replace that check altogether with
// a callback given to SSL_CTX_set_custom_verify / SSL_set_custom_verify: each callback so given is hooked and
// its ssl_verify_invalid turned into ssl_verify_ok, reported the same way. A TLS library that exports none of
// this (statically linked, stripped) has its custom-verify setters located by pattern (tlspattern.ts).
// Interceptor hooks (on the library's functions and the app's callbacks) are removed when the agent unloads.
import { eachTlsModule, emitMiss, findCustomVerify, locatedFields, moduleImage, viaPatterns } from "./tlspattern.js";
import {
    eachExport, emitTls, Found, handshakeStack, nativeStack, serverName, symbolsUsed, trackHandshakes,
    untrackHandshakes, watchClientHellos,
} from "./tlsnative.js";

const VERIFY = "X509_verify_cert";
const CUSTOM_VERIFY = ["SSL_CTX_set_custom_verify", "SSL_set_custom_verify"] as const;
const listeners: InvocationListener[] = [];
const callbacks = new Set<string>();     // the app's custom verify callbacks hooked (each once)

// BoringSSL's enum ssl_verify_result_t
const SSL_VERIFY_OK = 0;
const SSL_VERIFY_INVALID = 1;

/** The SSL connection an X509_STORE_CTX verifies for (null when it is not a TLS verification). */
function connectionOf(module: Module, store: NativePointer): NativePointer {
    const index = Module.findGlobalExportByName("SSL_get_ex_data_X509_STORE_CTX_idx");
    const exData = module.findExportByName("X509_STORE_CTX_get_ex_data");
    if (index === null || exData === null) return ptr(0);
    const idx = new NativeFunction(index, "int", [])() as number;
    return new NativeFunction(exData, "pointer", ["pointer", "int"])(store, idx) as NativePointer;
}

function errorText(module: Module, store: NativePointer): string {
    const getError = module.findExportByName("X509_STORE_CTX_get_error");
    const toText = module.findExportByName("X509_verify_cert_error_string");
    if (getError === null || toText === null) return "unknown";
    const code = new NativeFunction(getError, "int", ["pointer"])(store) as number;
    const text = (new NativeFunction(toText, "pointer", ["long"])(code) as NativePointer).readCString();
    return `${code}: ${text}`;
}

function sslModule(): Module | null {
    const address = Module.findGlobalExportByName("SSL_get_servername");
    return address === null ? null : Process.findModuleByAddress(address);
}

function install(found: Found): void {
    const library = found.module.name;
    listeners.push(Interceptor.attach(found.address, {
        onEnter(args) {
            this.store = args[0];
            this.stack = nativeStack(this.context);     // at entry: onLeave's context has lost the callers
        },
        onLeave(retval) {
            if (retval.toInt32() > 0) return;
            const ssl = connectionOf(found.module, this.store);
            const tls = sslModule();
            emitTls("tls.bypass", {
                phase: "fired", library, function: VERIFY, ...(tls === null ? { host: null } : serverName(tls, ssl)),
                tls_connection: !ssl.isNull(), error: errorText(found.module, this.store),
            }, ssl.isNull() ? this.stack : handshakeStack(ssl) ?? this.stack);
            retval.replace(ptr(1));
        },
    }));
    emitTls("tls.bypass", { phase: "installed", library, function: VERIFY, host: null, error: null });
}

/** The setter (SSL_CTX_set_custom_verify or SSL_set_custom_verify) gets the app's callback as its third
 *  argument; the callback (ssl, out_alert) is hooked where it is, so the app's own verdict is still computed. */
function installCustom(found: Found, setter: string, located: { [key: string]: string } = {}): void {
    const library = found.module.name;
    listeners.push(Interceptor.attach(found.address, {
        onEnter(args) {
            const callback = args[2];
            if (callback.isNull() || callbacks.has(callback.toString())) return;
            callbacks.add(callback.toString());
            listeners.push(Interceptor.attach(callback, {
                onEnter(cbArgs) {
                    this.ssl = cbArgs[0];
                    this.alert = cbArgs[1];
                    this.stack = nativeStack(this.context);
                },
                onLeave(retval) {
                    if (retval.toInt32() !== SSL_VERIFY_INVALID) return;
                    emitTls("tls.bypass", {
                        phase: "fired", library, function: setter, ...serverName(found.module, this.ssl),
                        tls_connection: true,
                        error: `the app's verify callback returned ssl_verify_invalid (alert ${this.alert.readU8()})`,
                    }, handshakeStack(this.ssl) ?? this.stack);
                    retval.replace(ptr(SSL_VERIFY_OK));
                },
            }));
        },
    }));
    emitTls("tls.bypass", { phase: "installed", library, function: setter, host: null, error: null, ...located });
}

export function installUnpin(): void {
    trackHandshakes();
    let found = eachExport(VERIFY, install);
    for (const setter of CUSTOM_VERIFY) found += eachExport(setter, f => installCustom(f, setter));
    if (!symbolsUsed()) {
        emitTls("tls.bypass", { phase: "not_found", library: null, function: VERIFY, host: null,
            error: "symbol lookup disabled (TEST ONLY: --tls-patterns-only); functions are located by pattern" });
    } else if (found === 0) {
        emitTls("tls.bypass", { phase: "not_found", library: null, function: VERIFY, host: null,
            error: `no loaded module exports ${VERIFY}, ${CUSTOM_VERIFY.join(" or ")} (a statically linked or ` +
                "stripped TLS library is not reached by symbol); modules loaded later are watched" });
    }
    eachTlsModule(module => {
        if (!viaPatterns(module)) return;
        const image = moduleImage(module);
        for (const setter of CUSTOM_VERIFY) {
            const address = findCustomVerify(image, setter);
            if (typeof address === "string") emitMiss("tls.bypass", module, setter, address);
            else {
                watchClientHellos();     // no SSL_get_servername to ask: the host comes from the ClientHello
                installCustom({ module, address }, setter, locatedFields({ module, address }));
            }
        }
    });
}

export function unhookUnpin(): number {
    const n = listeners.length + untrackHandshakes();
    listeners.splice(0).forEach(l => l.detach());
    callbacks.clear();
    return n;
}
