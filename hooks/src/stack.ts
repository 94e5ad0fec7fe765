// Who made the call: the Java stack of the calling thread, innermost frame first.
import Java from "frida-java-bridge";

const MAX_FRAMES = 64;

/** Frames as "class.method(File.java:42)"; the first is the hooked method itself (shown as a native method). */
export function javaStack(): string[] {
    const frames = Java.use("java.lang.Throwable").$new().getStackTrace();
    const out: string[] = [];
    for (let i = 0; i < Math.min(frames.length, MAX_FRAMES); i++) {
        const f = frames[i];
        const where = f.isNativeMethod() ? "Native Method" : `${f.getFileName() ?? "Unknown Source"}:${f.getLineNumber()}`;
        out.push(`${f.getClassName()}.${f.getMethodName()}(${where})`);
    }
    return out;
}

export function threadName(): string {
    return String(Java.use("java.lang.Thread").currentThread().getName());
}
