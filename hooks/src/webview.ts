// What an app does inside its WebViews: each script it injects (evaluateJavascript, loadUrl("javascript:…"))
// with the page's URL at that moment, each object it exposes to the page's scripts (addJavascriptInterface:
// the object's class and its @JavascriptInterface methods), and each page it loads. The script text travels
// as the message's binary data (UTF-8, at most MAX_CAPTURE bytes) and becomes an artifact. Each page start and
// finish (WebViewClient.onPageStarted/onPageFinished) is reported too, with the page's URL as the engine hands it
// to the app: every event names its WebView (an identity hash), so analysis knows which page a script went into.
// An app overrides those callbacks in its own WebViewClient subclass, which a hook on the platform class does not
// reach: the client's class is hooked when the app sets it (setWebViewClient).
import Java from "frida-java-bridge";
import { emit, emitStatus } from "./emit.js";
import { MAX_CAPTURE } from "./operation.js";
import { javaStack, threadName } from "./stack.js";

const WEBVIEW = "android.webkit.WebView";
const CLIENT = "android.webkit.WebViewClient";
const PAGE_CALLBACKS: { [method: string]: string } = { onPageStarted: "page_started", onPageFinished: "page_finished" };
const JAVASCRIPT = "javascript:";
const hooked: Java.Method[] = [];
const reporting = new Set<number>();
const inPageCallback = new Set<number>();   // threads inside a hooked page callback: a super() call is no new page
const hookedClients = new Set<string>();    // "class.method" already hooked

function utf8(text: string): ArrayBuffer {
    const bytes = Java.use("java.lang.String").$new(text).getBytes("UTF-8");
    const n = Math.min(bytes.length, MAX_CAPTURE);
    return n === 0 ? new ArrayBuffer(0) : bytes.withElements((p: NativePointer) => p.readByteArray(n)) as ArrayBuffer;
}

function pageUrl(view: any): string | null {
    try {
        const url = view.getUrl();
        return url === null ? null : String(url);
    } catch (e) {
        return null;
    }
}

function viewId(view: any): number {
    return Java.use("java.lang.System").identityHashCode(view);
}

function report(kind: string, api: string, view: any, url: string | null, fields: { [key: string]: unknown },
                script: string | null = null): void {
    const data = script === null ? new ArrayBuffer(0) : utf8(script);
    emit({ type: "webview.event", kind, api, view: view === null ? null : viewId(view), url, ...fields,
           script_size: script === null ? 0 : script.length,
           script_kept: data.byteLength, stack: javaStack(), thread: threadName(), tid: Process.getCurrentThreadId(),
           time: Date.now() }, data);
}

/** The exposed object's methods a page may call: those annotated @JavascriptInterface (public, inherited too). */
function bridgeMethods(object: any): string[] {
    const annotation = Java.use("android.webkit.JavascriptInterface").class;
    const names = new Set<string>();
    for (const method of object.getClass().getMethods()) {
        if (method.isAnnotationPresent(annotation)) names.add(String(method.getName()));
    }
    return [...names].sort();
}

/** Reports before the call: a script's effects (bridge calls it makes) come after it in the ledger. */
function hook(method: string, before: (self: any, args: any[]) => void): void {
    hookOn(Java.use(WEBVIEW), WEBVIEW, method, `${WEBVIEW}.${method}`, before);
}

/** guard: threads inside a call of this hook; a nested call on one of them (an override's super()) is not
 *  reported again. */
function hookOn(wrapper: Java.Wrapper, className: string, method: string, api: string,
                before: (self: any, args: any[]) => void, guard: Set<number> | null = null): void {
    let n = 0;
    try {
        for (const overload of wrapper[method].overloads) {
            overload.implementation = function (this: any, ...args: any[]): any {
                const tid = Process.getCurrentThreadId();
                const outer = guard === null || !guard.has(tid);
                if (outer && guard !== null) guard.add(tid);
                try {
                    if (outer && !reporting.has(tid)) {
                        reporting.add(tid);
                        try { before(this, args); } catch (e) { /* a report must never change the app's call */ }
                        finally { reporting.delete(tid); }
                    }
                    return overload.apply(this, args);
                } finally {
                    if (outer && guard !== null) guard.delete(tid);
                }
            };
            hooked.push(overload);
            n++;
        }
        emitStatus(api, className, n, null);
    } catch (e: any) {
        emitStatus(api, className, 0, String(e?.message ?? e));
    }
}

function pageCallback(method: string): (self: any, args: any[]) => void {
    return (self, args) => {
        report(PAGE_CALLBACKS[method], `${CLIENT}.${method}`, args[0],
               args[1] === null ? null : String(args[1]), { class: String(self.getClass().getName()) });
    };
}

/** Hooks the page callbacks in the client's class and every superclass up to WebViewClient that declares them. */
function hookClient(client: any): void {
    const base = Java.use(CLIENT).class;
    for (let cls = client.getClass(); cls !== null && !cls.equals(base); cls = cls.getSuperclass()) {
        const name = String(cls.getName());
        const declared = new Set(cls.getDeclaredMethods().map((m: any) => String(m.getName())));
        for (const method of Object.keys(PAGE_CALLBACKS)) {
            if (!declared.has(method) || hookedClients.has(`${name}.${method}`)) continue;
            hookedClients.add(`${name}.${method}`);
            hookOn(Java.ClassFactory.get(cls.getClassLoader()).use(name), name, method, `${name}.${method}`,
                   pageCallback(method), inPageCallback);
        }
    }
}

export function installWebView(): void {
    hook("evaluateJavascript", (self, args) => {
        report("script", `${WEBVIEW}.evaluateJavascript`, self, pageUrl(self), {}, String(args[0]));
    });
    hook("loadUrl", (self, args) => {
        const url = String(args[0]);
        if (url.startsWith(JAVASCRIPT)) {
            report("script", `${WEBVIEW}.loadUrl`, self, pageUrl(self), {}, url.slice(JAVASCRIPT.length));
        } else {
            report("load", `${WEBVIEW}.loadUrl`, self, url, {});
        }
    });
    hook("addJavascriptInterface", (self, args) => {
        report("interface", `${WEBVIEW}.addJavascriptInterface`, self, pageUrl(self), {
            name: String(args[1]), class: args[0] === null ? null : String(args[0].getClass().getName()),
            methods: args[0] === null ? [] : bridgeMethods(args[0]) });
    });
    hook("setWebViewClient", (self, args) => { if (args[0] !== null) hookClient(args[0]); });
    for (const method of Object.keys(PAGE_CALLBACKS)) {
        hookOn(Java.use(CLIENT), CLIENT, method, `${CLIENT}.${method}`, pageCallback(method), inPageCallback);
    }
}

export function unhookWebView(): number {
    const n = hooked.length;
    for (const m of hooked.splice(0)) m.implementation = null;
    return n;
}
