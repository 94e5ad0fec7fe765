// What an app does inside its WebViews: each script it injects (evaluateJavascript, loadUrl("javascript:…"))
// with the page's URL at that moment, each object it exposes to the page's scripts (addJavascriptInterface:
// the object's class and its @JavascriptInterface methods), and each page it loads. The script text travels
// as the message's binary data (UTF-8, at most MAX_CAPTURE bytes) and becomes an artifact.
import Java from "frida-java-bridge";
import { emit, emitStatus } from "./emit.js";
import { MAX_CAPTURE } from "./operation.js";
import { javaStack, threadName } from "./stack.js";

const WEBVIEW = "android.webkit.WebView";
const JAVASCRIPT = "javascript:";
const hooked: Java.Method[] = [];
const reporting = new Set<number>();

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

function report(kind: string, api: string, url: string | null, fields: { [key: string]: unknown },
                script: string | null = null): void {
    const data = script === null ? new ArrayBuffer(0) : utf8(script);
    emit({ type: "webview.event", kind, api, url, ...fields, script_size: script === null ? 0 : script.length,
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
    const api = `${WEBVIEW}.${method}`;
    let n = 0;
    try {
        for (const overload of Java.use(WEBVIEW)[method].overloads) {
            overload.implementation = function (this: any, ...args: any[]): any {
                const tid = Process.getCurrentThreadId();
                if (!reporting.has(tid)) {
                    reporting.add(tid);
                    try { before(this, args); } catch (e) { /* a report must never change the app's call */ }
                    finally { reporting.delete(tid); }
                }
                return overload.apply(this, args);
            };
            hooked.push(overload);
            n++;
        }
        emitStatus(api, WEBVIEW, n, null);
    } catch (e: any) {
        emitStatus(api, WEBVIEW, 0, String(e?.message ?? e));
    }
}

export function installWebView(): void {
    hook("evaluateJavascript", (self, args) => {
        report("script", `${WEBVIEW}.evaluateJavascript`, pageUrl(self), {}, String(args[0]));
    });
    hook("loadUrl", (self, args) => {
        const url = String(args[0]);
        if (url.startsWith(JAVASCRIPT)) {
            report("script", `${WEBVIEW}.loadUrl`, pageUrl(self), {}, url.slice(JAVASCRIPT.length));
        } else {
            report("load", `${WEBVIEW}.loadUrl`, url, {});
        }
    });
    hook("addJavascriptInterface", (self, args) => {
        report("interface", `${WEBVIEW}.addJavascriptInterface`, pageUrl(self), {
            name: String(args[1]), class: args[0] === null ? null : String(args[0].getClass().getName()),
            methods: args[0] === null ? [] : bridgeMethods(args[0]) });
    });
}

export function unhookWebView(): number {
    const n = hooked.length;
    for (const m of hooked.splice(0)) m.implementation = null;
    return n;
}
