// Tells the installer when an application class has been loaded, so implementations of hooked interfaces can be
// hooked before their first call.
//   ART: a hook on java.lang.ClassLoader.loadClass(String), the usual route.
//   HotSpot (the desktop test JVM): a native hook on JVM_DefineClassWithSource, which ClassLoader.defineClass
//   ends in. Hooking the JDK's loadClass there instead crashes the JVM now and then ("Could not resolve to
//   latest version of redefined method": JIT-compiled callers race the redefinition), and CDS-archived loads
//   never pass through ClassLoader.loadClass(String) at all.
import Java from "frida-java-bridge";
import { javaFlavor } from "./flavor.js";

/** `classFile` gives the class's bytes where the runtime hands them over (HotSpot's define), else null. */
export type OnLoaded = (name: string, loader: any, cls: any, classFile: () => Uint8Array | null) => void;

export const NO_CLASS_FILE = (): null => null;

const SKIP = /^(java|javax|jdk|sun|com\.sun)\./;

// Several parts of the agent watch (the installer for hooked interfaces, unpinjava.ts for trust managers); the
// runtime is hooked once and tells each of them, in the order they asked.
const listeners: OnLoaded[] = [];

function tellAll(name: string, loader: any, cls: any, classFile: () => Uint8Array | null): void {
    for (const listener of listeners) listener(name, loader, cls, classFile);
}

/** Starts watching (the runtime is hooked on the first call); returns the Java methods that first call hooked
 *  (to restore on unhook), none for later ones. */
export function watchClassLoads(onLoaded: OnLoaded): Java.Method[] {
    listeners.push(onLoaded);
    if (listeners.length > 1) return [];
    return javaFlavor() === "jvm" ? watchDefinitions(tellAll) : watchLoadClass(tellAll);
}

function watchDefinitions(onLoaded: OnLoaded): Java.Method[] {
    const ClassLoader = Java.use("java.lang.ClassLoader");
    const JClass = Java.use("java.lang.Class");
    const define = Process.getModuleByName("libjvm.so").getExportByName("JVM_DefineClassWithSource");
    Interceptor.attach(define, {
        onEnter(args) {
            this.name = args[1].isNull() ? null : args[1].readUtf8String();
            this.loader = args[2];
            this.bytes = args[3];
            this.length = args[4].toInt32();
        },
        onLeave(retval) {
            const raw: string | null = this.name;
            if (raw === null || retval.isNull() || this.loader.isNull()) return;
            const name = raw.replace(/\//g, ".");
            if (SKIP.test(name)) return;
            const loader = this.loader;
            const bytes: NativePointer = this.bytes;
            const length: number = this.length;
            const classFile = (): Uint8Array => new Uint8Array(bytes.readByteArray(length)!);
            Java.perform(() => onLoaded(name, Java.cast(loader, ClassLoader), Java.cast(retval, JClass), classFile));
        },
    });
    return [];
}

function watchLoadClass(onLoaded: OnLoaded): Java.Method[] {
    const ClassLoader = Java.use("java.lang.ClassLoader");
    const loadClass = ClassLoader.loadClass.overload("java.lang.String");
    loadClass.implementation = function (this: any, name: string): any {
        const cls = loadClass.call(this, name);
        if (cls !== null && !SKIP.test(String(name))) {
            onLoaded(String(name), Java.cast(this, ClassLoader), cls, NO_CLASS_FILE);
        }
        return cls;
    };
    return [loadClass];
}
