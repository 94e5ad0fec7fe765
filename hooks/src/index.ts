// auditor's Frida agent. Driven over RPC by `auditor instrument`, or on its own:
//   frida -f /usr/lib/jvm/java-17-openjdk-amd64/bin/java -l agent.js -P '{"plant": {"clipboard": "CANARY"}}' -- …
// (the frida REPL calls rpc.exports.init with the -P parameters; auditor calls start instead).
import Java from "frida-java-bridge";
import { emit } from "./emit.js";
import { javaFlavor } from "./flavor.js";
import { installCryptoJava, unhookCryptoJava } from "./cryptojava.js";
import { installCryptoNative, unhookCryptoNative } from "./cryptonative.js";
import { installAll, unhookAll } from "./installer.js";
import { loadedClasses } from "./loaded.js";
import { configurePlants, PlantConfig } from "./planting.js";
import { installKeylog, unhookKeylog } from "./keylog.js";
import { elfImage } from "./elfimage.js";
import { disableSymbolLookup } from "./tlsnative.js";
import { PatternReport, searchImage } from "./tlspattern.js";
import { installUnpin, unhookUnpin } from "./unpin.js";
import { installUnpinJava, unhookUnpinJava } from "./unpinjava.js";
import { installWebView, unhookWebView } from "./webview.js";

export interface StartOptions {
    plant?: PlantConfig;
    /** TLS: overturn chain and pin refusals, on record: native (unpin.ts) and Java (unpinjava.ts). */
    unpin?: boolean;
    /** Native TLS: report the app's session secrets as NSS key log lines (keylog.ts). */
    keylog?: boolean;
    /** TEST ONLY: the TLS hooks ignore exported names and locate functions by pattern alone (tlspattern.ts). */
    tlsPatternsOnly?: boolean;
    /** The controller acknowledges the process-exit report (auditor does; the frida REPL does not). */
    confirmExit?: boolean;
}

let unpinJava = false;

function install(when: string): void {
    const t0 = Date.now();
    Java.perform(() => {
        // each starts watching class loads, then all look at the classes loaded now, looked up once
        const walks = unpinJava ? [installUnpinJava(), installAll()] : [installAll()];
        const loaded = loadedClasses();
        for (const walk of walks) walk(loaded);
        installCryptoJava();
        installWebView();
        emit({ type: "hook.ready", when, flavor: javaFlavor(), ms: Date.now() - t0 });
    });
}

/** On a spawned desktop JVM, libjvm is not loaded yet: install right after JNI_CreateJavaVM returns, before
 *  the launcher loads the main class, so no call is missed. On Android, Java.perform waits for the app itself. */
function installWhenJavaReady(): string {
    if (Java.available) {
        const jvm = Process.findModuleByName("libjvm.so");
        if (jvm !== null) watchJvmHalt(jvm);
        install("immediately");
        return "installed";
    }
    const onJvm = (m: Module): void => {
        watchJvmHalt(m);
        const listener = Interceptor.attach(m.getExportByName("JNI_CreateJavaVM"), {
            onLeave() {
                listener.detach();
                install("JNI_CreateJavaVM");
            },
        });
    };
    const loaded = Process.findModuleByName("libjvm.so");
    if (loaded !== null) {
        onJvm(loaded);
        return "waiting-for-jvm";
    }
    const observer = Process.attachModuleObserver({
        onAdded(m) {
            if (m.name === "libjvm.so") {
                observer.detach();
                onJvm(m);
            }
        },
    });
    return "waiting-for-libjvm";
}

/** How long an exiting thread waits for the controller's acknowledgement: a controller that is gone must not
 *  leave the app hanging in exit() for ever. */
const EXIT_ACK_TIMEOUT_MS = 5000;

/** How the process ends: an exit status, or abort() (a JVM crash ends in abort after writing hs_err). A
 *  process that ends with neither was killed by a signal. With `confirm`, the exiting thread waits (bounded)
 *  until the controller acknowledges, so the report cannot be lost in the process's teardown. */
let reportEnd: ((how: string, status: number | null) => void) | null = null;
const libcExitListeners: InvocationListener[] = [];

function watchProcessEnd(confirm: boolean): void {
    let reported = false;
    const report = (how: string, status: number | null): void => {
        if (reported) return;
        reported = true;
        emit({ type: "process.exit", how, status });
        if (!confirm) return;
        let acknowledged = false;
        recv("process.exit.ack", () => { acknowledged = true; });
        const deadline = Date.now() + EXIT_ACK_TIMEOUT_MS;
        while (!acknowledged && Date.now() < deadline) Thread.sleep(0.005);   // lets the ack's callback run
    };
    reportEnd = report;
    for (const name of ["exit", "_exit"]) {
        const fn = Module.findGlobalExportByName(name);
        if (fn !== null) {
            libcExitListeners.push(Interceptor.attach(fn, { onEnter(args) { report(name, args[0].toInt32()); } }));
        }
    }
    const abort = Module.findGlobalExportByName("abort");
    if (abort !== null) Interceptor.attach(abort, { onEnter() { report("abort", null); } });
}

/** HotSpot ends System.exit by calling exit() from its VM thread while every Java thread is held at a
 *  safepoint that never ends. Frida's exit handling then runs this script's teardown, whose garbage
 *  collection frees Java references through JNI: that thread blocks at the safepoint holding the lock
 *  JavaScript runs under, and exit() waits for it for ever (seen as JVMs that never end, about one run in
 *  forty: the VM thread in exit(), a thread in JNI DeleteGlobalRef). So on the JVM the process ends at
 *  JVM_Halt, after Java's shutdown hooks ran and before that safepoint: the end is reported, and a new
 *  thread calls _exit(status) itself. A thread of its own, because Frida's exit handling ignores an exit
 *  called from inside a hook, and then the script's last messages would be lost with the process. The
 *  exiting Java thread waits outside JavaScript, so the teardown can run. What the VM would still do on its
 *  way out (JVMTI and JFR shutdown, statistics) is skipped. */
function watchJvmHalt(jvm: Module): void {
    const halt = jvm.findExportByName("JVM_Halt");
    const exitNow = Module.findGlobalExportByName("_exit");
    const threadCreate = Module.findGlobalExportByName("pthread_create");
    const pauseNow = Module.findGlobalExportByName("pause");
    const report = reportEnd;
    if (halt === null || exitNow === null || threadCreate === null || pauseNow === null || report === null) return;
    const startThread = new NativeFunction(threadCreate, "int", ["pointer", "pointer", "pointer", "pointer"]);
    const waitForSignal = new NativeFunction(pauseNow, "int", []);
    Interceptor.attach(halt, {
        onEnter(args) {
            for (const listener of libcExitListeners.splice(0)) listener.detach();
            const status = args[0].toInt32();
            report("exit", status);
            // _exit(int) as the thread's start routine, the status as its argument: no JavaScript on the way out
            if (startThread(Memory.alloc(Process.pointerSize), NULL, exitNow, ptr(status)) !== 0) return;
            for (;;) waitForSignal();
        },
    });
}

let started = false;

function start(options: StartOptions = {}): string {
    if (started) return "already-started";
    started = true;
    configurePlants(options.plant ?? {});
    watchProcessEnd(options.confirmExit === true);
    if (options.tlsPatternsOnly === true) disableSymbolLookup();
    if (options.unpin === true) {
        installUnpin();
        unpinJava = true;
    }
    if (options.keylog === true) installKeylog();
    installCryptoNative();
    return installWhenJavaReady();
}

rpc.exports = {
    /** What runs here: the Frida version inside the target (checked against the host's) and the Java flavour. */
    info(): { frida: string; arch: string; platform: string; pid: number } {
        return { frida: Frida.version, arch: Process.arch, platform: Process.platform, pid: Process.id };
    },
    start,
    unhook(): number {
        let n = unhookUnpin() + unhookKeylog() + unhookCryptoNative();
        if (Java.available) Java.perform(() => { n += unhookUnpinJava() + unhookAll() + unhookCryptoJava() + unhookWebView(); });
        return n;
    },
    init(_stage: string, parameters: StartOptions): void {
        start(parameters);
    },
    /** TEST ONLY: the TLS pattern search (tlspattern.ts) run on a library file's bytes laid out in memory, with
     *  the patterns of `arch`, whatever this process runs: arm64 patterns are tested on an x86-64 machine. */
    searchTlsPatternsForTest(path: string, arch: Architecture): PatternReport {
        return searchImage(elfImage(path, arch));
    },
};
