// Java unpinning (--unpin), on record. Apps check pins in Java: their own X509TrustManager, a HostnameVerifier,
// OkHttp's CertificatePinner (on Android the platform's own TrustManagerImpl is an X509TrustManager too). Each
// such class is hooked as it is found (loaded now, or as it loads); the original check still runs, and only
// when it refuses is the refusal overturned: checkServerTrusted's exception swallowed, verify's false made
// true, CertificatePinner.check's exception swallowed. Every overturned check is a `fired` event with the
// class, the host where the call names it, the refusal, and the Java stack; every class hooked is an
// `installed` event. The JDK's own trust managers are left alone (a desktop JVM's platform trust is the test
// set-up's, not the app's), so are pins checked in code that implements none of these (obfuscated OkHttp
// builds whose CertificatePinner was renamed: not found by signature yet).
import Java from "frida-java-bridge";
import { watchClassLoads } from "./classload.js";
import { javaStack } from "./stack.js";
import { emitTls } from "./tlsnative.js";

const LIBRARY = "java";
const PLATFORM = /^(java|javax|jdk|sun|com\.sun)\./;
const hooked: Java.Method[] = [];
const done = new Set<string>();
let considering = false;                                // initialising a class loads others: not those now

/** How a refusal looks and how it is overturned, per method. */
interface Target {
    /** The interface or class whose implementations (or itself) are hooked. */
    type: string;
    method: string;
    /** The call's host, when an argument names it. */
    host(args: any[]): string | null;
    /** Runs the original; returns [the app's result, the refusal or null]. */
    check(original: Java.Method, self: any, args: any[]): [any, string | null];
}

function refusedBy(original: Java.Method, self: any, args: any[]): [any, string | null] {
    try {
        return [original.call(self, ...args), null];
    } catch (e: any) {
        return [undefined, String(e?.message ?? e)];
    }
}

function peerHost(value: any): string | null {
    if (value === null || value === undefined) return null;
    try {
        const SSLEngine = Java.use("javax.net.ssl.SSLEngine");
        const Socket = Java.use("java.net.Socket");
        if (SSLEngine.class.isInstance(value)) return String(Java.cast(value, SSLEngine).getPeerHost());
        if (Socket.class.isInstance(value)) return String(Java.cast(value, Socket).getInetAddress().getHostName());
    } catch (e) { /* no host then */ }
    return null;
}

const TARGETS: Target[] = [
    {
        type: "javax.net.ssl.X509TrustManager", method: "checkServerTrusted",
        host: args => peerHost(args[2]),
        check: refusedBy,
    },
    {
        type: "javax.net.ssl.HostnameVerifier", method: "verify",
        host: args => (typeof args[0] === "string" ? args[0] : null),
        check(original, self, args) {
            const ok = original.call(self, ...args);
            return ok ? [true, null] : [true, "the app's HostnameVerifier returned false"];
        },
    },
    {
        type: "okhttp3.CertificatePinner", method: "check",
        host: args => (typeof args[0] === "string" ? args[0] : null),
        check: refusedBy,
    },
    {
        type: "okhttp3.CertificatePinner", method: "check$okhttp",          // OkHttp 4's name for the same check
        host: args => (typeof args[0] === "string" ? args[0] : null),
        check: refusedBy,
    },
];

function hookClass(factory: Java.ClassFactory, target: Target, className: string): void {
    const key = `${className}.${target.method}`;
    if (done.has(key)) return;
    done.add(key);
    const wrapper = factory.use(className);
    const declared = wrapper.class.getDeclaredMethods();
    let own = 0;
    for (let i = 0; i < declared.length; i++) if (String(declared[i].getName()) === target.method) own++;
    if (own === 0) return;                              // inherited: hooked where it is declared
    const function_ = key;
    for (const overload of wrapper[target.method].overloads as Java.Method[]) {
        overload.implementation = function (this: any, ...args: any[]): any {
            const [result, refusal] = target.check(overload, this, args);
            if (refusal !== null) {
                emitTls("tls.bypass", { phase: "fired", library: LIBRARY, function: function_,
                                        host: target.host(args), error: refusal }, javaStack());
            }
            return result;
        };
        hooked.push(overload);
    }
    emitTls("tls.bypass", { phase: "installed", library: LIBRARY, function: function_, host: null, error: null });
}

function assignable(factory: Java.ClassFactory, typeName: string, cls: any): boolean {
    try {
        return factory.use(typeName).class.isAssignableFrom(cls);
    } catch (e) {
        return false;                                   // the type is not visible from this loader
    }
}

function isConcrete(cls: any): boolean {
    const Modifier = Java.use("java.lang.reflect.Modifier");
    return !cls.isInterface() && !Modifier.isAbstract(cls.getModifiers());
}

/** Hooks `className` for every target it implements; hooking a loaded but unlinked class corrupts HotSpot's
 *  heap, so it is initialised first. */
function consider(factory: Java.ClassFactory, className: string, loader: any, cls: any): void {
    if (considering || PLATFORM.test(className) || !isConcrete(cls)) return;
    const matching = TARGETS.filter(t => assignable(factory, t.type, cls));
    if (matching.length === 0) return;
    considering = true;
    try {
        const JClass = Java.use("java.lang.Class");
        JClass.forName.overload("java.lang.String", "boolean", "java.lang.ClassLoader").call(JClass, className, true,
                                                                                            loader);
        for (const target of matching) hookClass(factory, target, className);
    } catch (e: any) {
        emitTls("tls.bypass", { phase: "not_found", library: LIBRARY, function: className, host: null,
                                error: `could not hook: ${String(e?.message ?? e)}` });
    } finally {
        considering = false;
    }
}

export function installUnpinJava(): void {
    const factories = new Map<number, Java.ClassFactory>();
    const System = Java.use("java.lang.System");
    Java.enumerateLoadedClassesSync().forEach(name => {
        if (PLATFORM.test(name)) return;
        try {
            const cls = Java.use(name).class;
            consider(Java.classFactory, name, cls.getClassLoader(), cls);
        } catch (e) { /* not visible from the default loader: caught when a loader that sees it loads it */ }
    });
    hooked.push(...watchClassLoads((name, loader, cls) => {
        // Class lookups through the default factory fail inside class loading on HotSpot: the loader's own.
        const id = System.identityHashCode(loader);
        let factory = factories.get(id);
        if (factory === undefined) {
            factory = Java.ClassFactory.get(loader);
            factories.set(id, factory);
        }
        consider(factory, name, loader, cls);
    }));
    emitTls("tls.bypass", { phase: "installed", library: LIBRARY,
                            function: "X509TrustManager, HostnameVerifier, okhttp3.CertificatePinner (as loaded)",
                            host: null, error: null });
}

export function unhookUnpinJava(): number {
    for (const method of hooked) method.implementation = null;
    const n = hooked.length;
    hooked.length = 0;
    return n;
}
