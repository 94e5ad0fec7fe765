// Java unpinning (--unpin), on record. Apps check pins in Java: their own X509TrustManager, a HostnameVerifier,
// OkHttp's CertificatePinner (on Android the platform's own TrustManagerImpl is an X509TrustManager too). Each
// such class is hooked as it is found (loaded now, or as it loads); the original check still runs, and only
// when it refuses is the refusal overturned: checkServerTrusted's exception swallowed, verify's false made
// true, CertificatePinner.check's exception swallowed. Every overturned check is a `fired` event with the
// class, the host where the call names it, the refusal, and the Java stack; every class hooked is an
// `installed` event. The JDK's own trust managers are left alone (a desktop JVM's platform trust is the test
// set-up's, not the app's), so are pins checked in code that implements none of these. An obfuscated OkHttp
// (R8, ProGuard) has its CertificatePinner and check renamed: that class is found by its shape (PINNER_SHAPE).
// A WebView's TLS error is answered for the app: WebViewClient.onReceivedSslError is not run, the handler
// proceeds.
import Java from "frida-java-bridge";
import { ACC_ABSTRACT, ACC_STATIC, membersOf } from "./classfile.js";
import { NO_CLASS_FILE, watchClassLoads } from "./classload.js";
import { OnWalk } from "./loaded.js";
import { javaStack } from "./stack.js";
import { emitTls } from "./tlsnative.js";

const LIBRARY = "java";
const PLATFORM = /^(java|javax|jdk|sun|com\.sun)\./;
const hooked: Java.Method[] = [];
const done = new Set<string>();
// Looking at a class (reflection, its initialiser) loads others. Under ART's loadClass hook they reach
// consider() then and wait their turn; under HotSpot's native define hook they are not seen at all (a hook does
// not fire again on its own thread), which is why the shape is read from class files there.
let considering = false;
type ClassFile = () => Uint8Array | null;
const waiting: [Java.ClassFactory, string, any, any, ClassFile][] = [];

/** How a refusal looks and how it is overturned, per method. */
interface Target {
    /** The interface whose implementations are hooked (resolved once, at install: class lookups by name fail
     *  inside class-loading callbacks on HotSpot, and must not load classes there), or the class itself. */
    type: string;
    implemented: boolean;
    method: string;
    /** The one overload hooked (its parameter types), when not every overload the class declares. */
    parameters?: string[];
    /** How the class was found when not by its name or interface (the ledger's `located`). */
    located?: "signature";
    /** The call's host, when an argument names it. */
    host(args: any[]): string | null;
    /** Runs the original; returns [the app's result, the refusal or null]. */
    check(original: Java.Method, self: any, args: any[]): [any, string | null];
}

const MAX_REFUSAL = 1000;

/** The refusal's text on one line, bounded (OkHttp's lists the whole certificate chain). */
function refusalText(e: any): string {
    const text = String(e?.message ?? e).replace(/\s+/g, " ").trim();
    return text.length > MAX_REFUSAL ? text.slice(0, MAX_REFUSAL - 1) + "…" : text;
}

/** What an overturned check returns: nothing, or where it answers with the trusted chain (Conscrypt's
 *  TrustManagerImpl and Android's RootTrustManager: checkServerTrusted(chain, authType, host) -> List) the chain
 *  presented, on which its caller (NetworkSecurityTrustManager, OkHttp's chain cleaner) goes on, pins included. */
function overturned(original: Java.Method, args: any[]): any {
    return original.returnType.className === "java.util.List" ? Java.use("java.util.Arrays").asList(args[0])
        : undefined;
}

function refusedBy(original: Java.Method, self: any, args: any[]): [any, string | null] {
    try {
        return [original.call(self, ...args), null];
    } catch (e: any) {
        return [overturned(original, args), refusalText(e)];
    }
}

/** How OkHttp's CertificatePinner.check refuses: an exception of a platform class, which no obfuscator renames. */
const PIN_REFUSAL = "javax.net.ssl.SSLPeerUnverifiedException: ";

/** Overturns only a pin refusal: a class found by its shape alone may be something else, whose exceptions are
 *  not ours to swallow. */
function pinRefusedBy(original: Java.Method, self: any, args: any[]): [any, string | null] {
    try {
        return [original.call(self, ...args), null];
    } catch (e: any) {
        if (!String(e?.message ?? "").startsWith(PIN_REFUSAL)) throw e;
        return [undefined, refusalText(e)];
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

function urlHost(url: string): string | null {
    return /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^/:?#]+)/i.exec(url)?.[1] ?? null;
}

const TARGETS: Target[] = [
    {
        type: "javax.net.ssl.X509TrustManager", implemented: true, method: "checkServerTrusted",
        // the host: TrustManagerImpl's last argument (…, String host), else the Socket's or SSLEngine's peer
        host: args => (args.length > 2 && typeof args[args.length - 1] === "string" ? args[args.length - 1]
            : peerHost(args[2])),
        check: refusedBy,
    },
    {
        type: "javax.net.ssl.HostnameVerifier", implemented: true, method: "verify",
        host: args => (typeof args[0] === "string" ? args[0] : null),
        check(original, self, args) {
            const ok = original.call(self, ...args);
            return ok ? [true, null] : [true, "the app's HostnameVerifier returned false"];
        },
    },
    {
        // a WebView's TLS error goes to the app's client, whose answer (the platform's default: cancel) is not
        // asked: the load proceeds, as if the app had said so
        type: "android.webkit.WebViewClient", implemented: true, method: "onReceivedSslError",
        host: args => urlHost(String(args[2].getUrl())),
        check(original, self, args) {
            args[1].proceed();
            return [undefined, `SSL error ${args[2].getPrimaryError()} for ${args[2].getUrl()}: proceeded, ` +
                               "the app's onReceivedSslError not run"];
        },
    },
    {
        type: "okhttp3.CertificatePinner", implemented: false, method: "check",
        host: args => (typeof args[0] === "string" ? args[0] : null),
        check: refusedBy,
    },
    {
        type: "okhttp3.CertificatePinner", implemented: false, method: "check$okhttp",          // OkHttp 4's name for the same check
        host: args => (typeof args[0] === "string" ? args[0] : null),
        check: refusedBy,
    },
];

// OkHttp's CertificatePinner (3.x and 4.x) when an obfuscator renamed it and its check: a class with an
// instance field of type java.util.Set (its pins) that declares an instance method void m(String, List) (check:
// host, peer chain). Neither the throws clause (R8 drops it) nor the string "Certificate pinning failure!" (in
// the code, which reflection does not show) is relied on. The shape is read from the class file where the
// runtime hands it over (HotSpot: classfile.ts), else by reflection; most classes lack the check's descriptor
// or a Set field and cost one scan or one field listing. Only an SSLPeerUnverifiedException from such a method
// is overturned (pinRefusedBy).
const PINNER_SHAPE: Target = {
    type: "okhttp3.CertificatePinner", implemented: false, method: "",
    parameters: ["java.lang.String", "java.util.List"], located: "signature",
    host: args => (typeof args[0] === "string" ? args[0] : null), check: pinRefusedBy,
};
const PINS = "Ljava/util/Set;";
const CHECK = "(Ljava/lang/String;Ljava/util/List;)V";
const CHECK_BYTES = Array.from(CHECK, c => c.charCodeAt(0));
// the same, as reflection's Member.toString writes them
const SET_FIELD = /^(?!.*\bstatic\b)\S.* java\.util\.Set \S+$/;
const CHECK_METHOD = /^(?!.*\b(static|abstract)\b)\S.* void \S+\.([^.(]+)\(java\.lang\.String,java\.util\.List\)/;

function contains(bytes: Uint8Array, needle: number[]): boolean {
    for (let at = bytes.indexOf(needle[0]); at >= 0; at = bytes.indexOf(needle[0], at + 1)) {
        if (needle.every((b, i) => bytes[at + i] === b)) return true;
    }
    return false;
}

/** The renamed check's name in the class file `bytes`, or null. */
function pinnerCheckIn(bytes: Uint8Array): string | null {
    if (!contains(bytes, CHECK_BYTES)) return null;
    const { fields, methods } = membersOf(bytes);
    if (!fields.some(f => f.descriptor === PINS && (f.access & ACC_STATIC) === 0)) return null;
    const check = methods.find(m => m.descriptor === CHECK && (m.access & (ACC_STATIC | ACC_ABSTRACT)) === 0);
    return check?.name ?? null;
}

/** The renamed check's name in the loaded class `cls` by reflection (one call per member), or null. */
function pinnerCheckOf(cls: any): string | null {
    if (!cls.getDeclaredFields().some((field: any) => SET_FIELD.test(String(field.toString())))) return null;
    for (const method of cls.getDeclaredMethods()) {
        const shape = CHECK_METHOD.exec(String(method.toString()));
        if (shape !== null) return shape[2];
    }
    return null;
}

function hookClass(factory: Java.ClassFactory, target: Target, className: string): void {
    const key = `${className}.${target.method}`;
    if (done.has(key)) return;
    done.add(key);
    const wrapper = factory.use(className);
    // the overloads this class declares (an inherited one is hooked where it is declared)
    const named = wrapper[target.method];
    const own = (target.parameters !== undefined ? [named.overload(...target.parameters)]
                 : ((named?.overloads ?? []) as Java.Method[]))
        .filter(overload => (overload as any).holder?.$className === className);
    if (own.length === 0) return;
    const function_ = key;
    for (const overload of own) {
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
    emitTls("tls.bypass", { phase: "installed", library: LIBRARY, function: function_, host: null, error: null,
                            ...(target.located === undefined ? {} : { located: target.located }) });
}

const interfaces = new Map<string, any>();             // the platform interfaces of TARGETS, as Class objects
// The checks' array parameters. A factory bound to an app's class loader resolves types with
// ClassLoader.loadClass, which cannot load array classes, so the call's X509Certificate[] could not be passed
// to the hook (a ClassNotFoundException in the app, as seen on HotSpot): each such factory is given the
// default factory's wrappers of these arrays (resolved by JNI FindClass, at install, outside class loading),
// through the bridge's class cache (frida-java-bridge 7.0.13, pinned in hooks/package-lock.json).
// (named as the bridge names them internally, with slashes)
const ARRAYS = ["[Ljava/security/cert/X509Certificate;", "[Ljava/security/cert/Certificate;"];
const arrays = new Map<string, any>();

function withArrays(factory: Java.ClassFactory): Java.ClassFactory {
    const cache = (factory as any)._classes as { [name: string]: unknown };
    for (const [name, wrapper] of arrays) if (cache[name] === undefined) cache[name] = wrapper;
    return factory;
}

function matches(target: Target, className: string, cls: any): boolean {
    if (!target.implemented) return className === target.type;
    return interfaces.get(target.type)?.isAssignableFrom(cls) ?? false;
}

function isConcrete(cls: any): boolean {
    const Modifier = Java.use("java.lang.reflect.Modifier");
    return !cls.isInterface() && !Modifier.isAbstract(cls.getModifiers());
}

/** The targets `className` is hooked for: those it implements or is, else a renamed CertificatePinner's. */
function targetsOf(className: string, cls: any, classFile: ClassFile): Target[] {
    const matching = TARGETS.filter(t => matches(t, className, cls));
    if (matching.length > 0) return matching;
    const bytes = classFile();
    const check = bytes === null ? pinnerCheckOf(cls) : pinnerCheckIn(bytes);
    return check === null ? [] : [{ ...PINNER_SHAPE, method: check }];
}

/** Hooks `className` for every target it implements; hooking a loaded but unlinked class corrupts HotSpot's
 *  heap, so it is initialised first. A class that reaches here while another is looked at waits its turn. */
function consider(factory: Java.ClassFactory, className: string, loader: any, cls: any, classFile: ClassFile): void {
    if (PLATFORM.test(className)) return;
    waiting.push([factory, className, loader, cls, classFile]);
    if (considering) return;
    considering = true;
    try {
        while (waiting.length > 0) considerNow(...waiting.shift()!);
    } finally {
        considering = false;
    }
}

function considerNow(factory: Java.ClassFactory, className: string, loader: any, cls: any,
                     classFile: ClassFile): void {
    try {
        if (!isConcrete(cls)) return;
        const matching = targetsOf(className, cls, classFile);
        if (matching.length === 0) return;
        const JClass = Java.use("java.lang.Class");
        JClass.forName.overload("java.lang.String", "boolean", "java.lang.ClassLoader").call(JClass, className, true,
                                                                                            loader);
        for (const target of matching) hookClass(factory, target, className);
    } catch (e: any) {
        emitTls("tls.bypass", { phase: "not_found", library: LIBRARY, function: className, host: null,
                                error: `could not hook: ${String(e?.message ?? e)}` });
    }
}

/** Starts the watch; returns what hooks the classes loaded now. */
export function installUnpinJava(): OnWalk {
    for (const target of TARGETS) {
        if (!target.implemented) continue;
        try {
            interfaces.set(target.type, Java.use(target.type).class);
        } catch (e) {                                   // a JVM program without Android's WebView
            emitTls("tls.bypass", { phase: "not_found", library: LIBRARY, function: `${target.type}.${target.method}`,
                                    host: null, error: `${target.type} is not in this runtime: nothing to bypass` });
        }
    }
    for (const name of ARRAYS) {
        const wrapper = Java.use(name);
        void wrapper.class;                             // resolved now, on this thread (see ARRAYS)
        arrays.set(name, wrapper);
    }
    const factories = new Map<number, Java.ClassFactory>();
    const System = Java.use("java.lang.System");
    hooked.push(...watchClassLoads((name, loader, cls, classFile) => {
        // Class lookups through the default factory fail inside class loading on HotSpot: the loader's own.
        const id = System.identityHashCode(loader);
        let factory = factories.get(id);
        if (factory === undefined) {
            factory = withArrays(Java.ClassFactory.get(loader));
            factories.set(id, factory);
        }
        consider(factory, name, loader, cls, classFile);
    }));
    emitTls("tls.bypass", { phase: "installed", library: LIBRARY,
                            function: "X509TrustManager, HostnameVerifier, WebViewClient, " +
                                      "okhttp3.CertificatePinner (as loaded; renamed: by signature)",
                            host: null, error: null });
    // the classes loaded before the watch (done: hookClass skips what the watch hooked meanwhile)
    return loaded => {
        for (const { name, cls } of loaded) {
            consider(Java.classFactory, name, cls.getClassLoader(), cls, NO_CLASS_FILE);
        }
    };
}

export function unhookUnpinJava(): number {
    for (const method of hooked) method.implementation = null;
    const n = hooked.length;
    hooked.length = 0;
    return n;
}
