// Installs the catalogue's hooks: each hook calls the original, then reports the call. Interfaces and abstract
// classes are hooked through their concrete implementations, including ones loaded later.
import Java from "frida-java-bridge";
import { CATALOGUE, HookSpec } from "./catalogue.js";
import { emit, HookEvent, Planted } from "./emit.js";
import { watchClassLoads } from "./classload.js";
import { javaFlavor } from "./flavor.js";
import { LoadedClass, OnWalk } from "./loaded.js";
import { locationGetters, plantedCoordinate, plantFor } from "./planting.js";
import { javaStack, threadName } from "./stack.js";
import { javaText, summarise, Summary } from "./summary.js";

const hooked: Java.Method[] = [];
/** Threads currently producing a report: calls they make (toString, stack) must not be reported. */
const reporting = new Set<number>();
/** Per thread, the APIs whose hooked call is in progress. */
const inside = new Map<number, Set<string>>();

function socketEnds(socket: any): HookEvent["socket"] {
    try {
        return {
            local_ip: String(socket.getLocalAddress().getHostAddress()), local_port: socket.getLocalPort(),
            remote_ip: String(socket.getInetAddress().getHostAddress()), remote_port: socket.getPort(),
        };
    } catch (e) {
        return null;
    }
}

const REQUEST_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
const MAX_REQUEST_LINE = 512;

/** Whether a write(byte[], offset, length) can start a request: at least a short request line, and a first byte
 *  that can start a method. Each byte read is a JNI call, so body chunks and TLS records stop here. */
function mayStartRequest(args: any[]): boolean {
    return args[2] >= 14 && "GPDHO".includes(String.fromCharCode(args[0][args[1]] & 0xff));
}

/** The HTTP/1.x request line a write(byte[], offset, length) starts with, or null when the write does not
 *  start a request (a body chunk, a TLS-internal write). Reads at most MAX_REQUEST_LINE bytes. */
function requestLine(args: any[]): string | null {
    const bytes = args[0];
    const offset: number = args[1];
    const length: number = Math.min(args[2], MAX_REQUEST_LINE);
    if (!mayStartRequest(args)) return null;
    let line = "";
    for (let i = 0; i < length; i++) {
        const b = bytes[offset + i] & 0xff;
        if (b === 13 || b === 10) break;
        line += String.fromCharCode(b);
    }
    const method = line.split(" ", 1)[0];
    return REQUEST_METHODS.includes(method) && / HTTP\/1\.[01]$/.test(line) ? line : null;
}

const FIELD_STEP = "field:";

/** The object reached by taking the steps in turn: zero-argument methods (request.url()) or "field:NAME";
 *  null if one fails. */
function follow(target: any, steps: string[]): any {
    try {
        let value = target;
        for (const step of steps) {
            value = step.startsWith(FIELD_STEP) ? value[step.slice(FIELD_STEP.length)].value : value[step]();
        }
        return value === undefined ? null : value;
    } catch (e) {
        return null;
    }
}

function followText(target: any, steps: string[]): string | null {
    const value = follow(target, steps);
    return value === null ? null : String(value).slice(0, MAX_CALL_URL);
}

const MAX_CALL_URL = 4096;

/** "METHOD absolute-URL" of an HTTP client call, read from its request object; "" when it cannot be read. */
function callLine(spec: HookSpec, self: any, args: any[]): string {
    const from = spec.requestOf!.from;
    const request = from === "this" ? self : args[from];
    const url = followText(request, spec.requestOf!.url);
    const method = followText(request, spec.requestOf!.method) ?? spec.requestOf!.method_default ?? null;
    return url === null || method === null ? "" : `${method} ${url}`;
}

/** The identity of the call object the spec's `call` steps reach from the receiver; null without one. */
function callId(spec: HookSpec, self: any): number | null {
    const steps = spec.requestOf?.call;
    const call = steps === undefined ? null : follow(self, steps);
    return call === null ? null : Java.use("java.lang.System").identityHashCode(call);
}

/** The socket an output stream writes to: JSSE's AppOutputStream and Conscrypt's SSLOutputStream are inner
 *  classes of their socket (this$0); JDK 17's plain Socket$SocketOutputStream keeps it as `parent`, libcore's
 *  SocketOutputStream as `socket`. */
function streamSocket(stream: any): any {
    for (const field of ["this$0", "parent", "socket"]) {
        try {
            if (stream[field] !== undefined) return stream[field].value;
        } catch (e) { /* not this kind of stream */ }
    }
    return null;
}

/** OkHttp's own first interceptor (3.x and 4.x): the chain that calls it next carries the request as the
 *  app's interceptors (client.interceptors(), which run before it) left it. */
const OKHTTP_FIRST_OWN_INTERCEPTOR = "okhttp3.internal.http.RetryAndFollowUpInterceptor";

function leavesAppInterceptors(chain: any): boolean {
    try {
        const interceptors = chain.interceptors.value;
        const index: number = chain.index.value;
        return index < interceptors.size() &&
            String(interceptors.get(index).getClass().getName()) === OKHTTP_FIRST_OWN_INTERCEPTOR;
    } catch (e) {
        return false;
    }
}

/** What the app's interceptors changed: the request leaving them against the call's original request. */
function rewritten(request: any, original: any): string[] {
    const changed: string[] = [];
    try {
        if (String(request.url()) !== String(original.url())) changed.push("url");
        if (String(request.method()) !== String(original.method())) changed.push("method");
        if (String(request.headers()) !== String(original.headers())) changed.push("headers");
    } catch (e) { /* unreadable: nothing claimed */ }
    return changed;
}

function report(spec: HookSpec, className: string, signature: string, self: any, args: any[], result: any,
                threw: any, planted: Planted | null, time: number): void {
    const event: HookEvent = {
        type: "hook.event", api: `${spec.className}.${spec.method}`, hookedClass: className, signature,
        category: spec.category, args: args.map(a => summarise(a)), result: summarise(result),
        threw: threw === null ? null : summarise(javaText(threw)), stack: javaStack(), thread: threadName(),
        tid: Process.getCurrentThreadId(), time, planted,
    };
    if (spec.category === "socket") event.socket = threw === null ? socketEnds(self) : null;
    if (spec.category === "request") {
        const socket = streamSocket(self);
        event.socket = socket === null ? null : socketEnds(socket);
        event.request_line = requestLine(args) ?? "";
        event.args = [];     // the bytes themselves are in the captured flow
    }
    if (spec.category === "http_call" || spec.category === "http_chain") {
        event.request_line = callLine(spec, self, args);
        event.args = [];     // the request is in the captured flow; its line says which one
        if (spec.requestOf!.call !== undefined) event.call_id = callId(spec, self);
    }
    if (spec.category === "http_chain") {
        const call = follow(self, spec.requestOf!.call ?? []);
        event.rewritten = call === null ? [] : rewritten(args[0], call.request());   // OkHttp's Call.request()
    }
    emit(event);
}

/** A request handed to a client library (http_call) or leaving OkHttp's app interceptors (http_chain): reported
 *  on entry, before the library goes on, so the reports' order is the order requests were handed over and an
 *  OkHttp call's report comes before its chain's. For the chain every nested proceed is looked at (each app
 *  interceptor calls the next one through it); a call delegating to another of the same API is one call. */
function hookHandoverOverload(spec: HookSpec, className: string, signature: string, overload: Java.Method): void {
    const api = `${spec.className}.${spec.method}`;
    const chain = spec.category === "http_chain";
    overload.implementation = function (this: any, ...args: any[]): any {
        const tid = Process.getCurrentThreadId();
        const active = inside.get(tid) ?? new Set<string>();
        if (!reporting.has(tid) && !active.has(api) && (!chain || leavesAppInterceptors(this))) {
            reporting.add(tid);
            try {
                report(spec, className, signature, this, args, null, null, null, Date.now());
            } finally {
                reporting.delete(tid);
            }
        }
        if (chain) return overload.apply(this, args);
        active.add(api);
        inside.set(tid, active);
        try {
            return overload.apply(this, args);
        } finally {
            active.delete(api);
            if (active.size === 0) inside.delete(tid);
        }
    };
    hooked.push(overload);
}

function hookOverload(spec: HookSpec, className: string, overload: Java.Method): void {
    const signature = `${className}.${spec.method}(${overload.argumentTypes.map(t => t.className).join(", ")})`;
    if (spec.requestOf !== undefined) return hookHandoverOverload(spec, className, signature, overload);
    const api = `${spec.className}.${spec.method}`;
    const request = spec.category === "request";
    overload.implementation = function (this: any, ...args: any[]): any {
        // A socket stream sees every write (TLS records, bodies): those that cannot start a request go straight
        // on, before any bookkeeping (bench/socket_write_hook.py).
        if (request && !mayStartRequest(args)) return overload.apply(this, args);
        const tid = Process.getCurrentThreadId();
        // Our own calls while reporting, and one overload delegating to another of the same API, are not
        // separate calls by the app.
        const active = inside.get(tid) ?? new Set<string>();
        if (reporting.has(tid) || active.has(api)) return overload.apply(this, args);
        const time = Date.now();
        let result: any = null;
        let threw: any = null;
        active.add(api);
        inside.set(tid, active);
        try {
            result = overload.apply(this, args);
        } catch (e) {
            threw = e;
        } finally {
            active.delete(api);
            if (active.size === 0) inside.delete(tid);
        }
        reporting.add(tid);
        try {
            let planted: Planted | null = null;
            if (threw === null) {
                const plant = plantFor(api, result);
                if (plant !== null) { result = plant.value; planted = plant.planted; }
            }
            const match = spec.argMatch;
            const starts = spec.category !== "request" || requestLine(args) !== null;
            if (starts && (match === undefined || javaText(args[match.index]).includes(match.contains))) {
                report(spec, className, signature, this, args, result, threw, planted, time);
            }
        } finally {
            reporting.delete(tid);
        }
        if (threw !== null) throw threw;
        return result;
    };
    hooked.push(overload);
}

function hookClass(factory: Java.ClassFactory, spec: HookSpec, className: string): number {
    const method = factory.use(className)[spec.method];
    if (method === undefined) throw new Error(`${className} has no method ${spec.method}`);
    const overloads: Java.Method[] = spec.overload !== undefined ? [method.overload(...spec.overload)] : method.overloads;
    for (const o of overloads) hookOverload(spec, className, o);
    return overloads.length;
}

function status(spec: HookSpec, className: string, overloads: number, error: string | null): void {
    emit({ type: "hook.status", api: `${spec.className}.${spec.method}`, hookedClass: className,
           installed: error === null && overloads > 0, overloads, error });
}

function isAbstract(cls: any, Modifier: any = Java.use("java.lang.reflect.Modifier")): boolean {
    return cls.isInterface() || Modifier.isAbstract(cls.getModifiers());
}

/** Concrete classes of `loaded` assignable to `typeName` (the interface or abstract class itself excluded). */
function loadedImplementations(typeName: string, loaded: LoadedClass[]): string[] {
    const base = Java.use(typeName).class;
    const Modifier = Java.use("java.lang.reflect.Modifier");
    return loaded.filter(({ name, cls }) => name !== typeName && base.isAssignableFrom(cls) && !isAbstract(cls, Modifier))
        .map(({ name }) => name);
}

/** Interface or abstract specs (that exist here) whose implementations are hooked as they load. */
const watched: { spec: HookSpec }[] = [];
const handled = new Set<string>();
let inWatcher = false;

/** The type as `factory`'s loader sees it, or null when that loader cannot see it (so nothing it loads
 *  implements it). */
function visibleType(factory: Java.ClassFactory, className: string): any {
    try {
        return factory.use(className);
    } catch (e) {
        return null;
    }
}

/** Hooks implementations of watched interfaces as their classes load. */
function watchImplementations(): void {
    // Resolved once, here: class lookups by name fail inside class-loading callbacks on HotSpot.
    const JClass = Java.use("java.lang.Class");
    const Modifier = Java.use("java.lang.reflect.Modifier");
    const System = Java.use("java.lang.System");
    // The bridge's own factory cache lookup fails on HotSpot inside class loading: keep ours, per loader.
    const factories = new Map<number, Java.ClassFactory>();
    const forName = JClass.forName.overload("java.lang.String", "boolean", "java.lang.ClassLoader");
    const onLoaded = (name: string, loader: any, cls: any): void => {
        if (inWatcher || handled.has(name)) return;
        handled.add(name);
        inWatcher = true;
        try {
            if (isAbstract(cls, Modifier)) return;
            const key = System.identityHashCode(loader);
            let factory = factories.get(key);
            if (factory === undefined) {
                factory = Java.ClassFactory.get(loader);
                factories.set(key, factory);
            }
            for (const { spec } of watched) {
                // Through the loader's own factory: the default one cannot see this loader's classes here.
                const base = visibleType(factory, spec.className);
                if (base === null || !base.class.isAssignableFrom(cls)) continue;
                try {
                    // Hooking a loaded but unlinked class corrupts HotSpot's heap: initialise it first.
                    forName.call(JClass, name, true, loader);
                    status(spec, name, hookClass(factory, spec, name), null);
                } catch (e: any) {
                    status(spec, name, 0, String(e?.message ?? e));
                }
            }
        } catch (e: any) {
            emit({ type: "hook.error", className: name, error: String(e?.message ?? e) });
        } finally {
            inWatcher = false;
        }
    };
    hooked.push(...watchClassLoads(onLoaded));
}

function installLocationPlants(): void {
    for (const getter of locationGetters()) {
        const method = Java.use("android.location.Location")[getter.api.split(".").pop()!].overload();
        method.implementation = function (this: any): any {
            const original: number = method.call(this);
            const value = plantedCoordinate(getter.axis);
            const tid = Process.getCurrentThreadId();
            if (!reporting.has(tid)) {
                reporting.add(tid);
                try {
                    emit({ type: "hook.planted", api: getter.api, what: `location.${getter.axis}`, value,
                           original: original as Summary, stack: javaStack(), thread: threadName(), tid,
                           time: Date.now() });
                } finally {
                    reporting.delete(tid);
                }
            }
            return value;
        };
        hooked.push(method);
    }
}

/** Installs the catalogue's hooks; returns what hooks the implementations among the classes loaded now. */
export function installAll(): OnWalk {
    const runtime = javaFlavor() === "jvm" ? "jvm" : "android";
    const implemented: HookSpec[] = [];
    for (const spec of CATALOGUE) {
        if (spec.runtime !== undefined && spec.runtime !== runtime) continue;    // its class cannot exist here
        try {
            if (spec.viaImplementations) {
                Java.use(spec.className);   // throws if the type does not exist here: nothing to watch for
                if (watched.length === 0) watchImplementations();
                watched.push({ spec });
                implemented.push(spec);
            } else {
                status(spec, spec.className, hookClass(Java.classFactory, spec, spec.className), null);
            }
        } catch (e: any) {
            status(spec, spec.className, 0, String(e?.message ?? e));
        }
    }
    try {
        installLocationPlants();
    } catch (e: any) {
        emit({ type: "hook.error", className: "android.location.Location", error: String(e?.message ?? e) });
    }
    return loaded => {
        const seen = new Set(handled);          // loaded since the watch began: the watcher hooked them
        for (const spec of implemented) {
            try {
                const impls = loadedImplementations(spec.className, loaded).filter(name => !seen.has(name));
                impls.forEach(name => handled.add(name));
                for (const name of impls) status(spec, name, hookClass(Java.classFactory, spec, name), null);
                if (impls.length === 0) {
                    status(spec, spec.className, 0, "no implementation loaded yet; watching class loads");
                }
            } catch (e: any) {
                status(spec, spec.className, 0, String(e?.message ?? e));
            }
        }
    };
}

/** Restores every hooked method. Detaching with live Java hooks can crash HotSpot, so this runs first. */
export function unhookAll(): number {
    let n = 0;
    for (const m of hooked.splice(0)) {
        m.implementation = null;
        n++;
    }
    watched.length = 0;
    return n;
}
