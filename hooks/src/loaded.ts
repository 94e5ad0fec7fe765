// The classes already loaded when the agent installs, looked up once for every part that hooks what is loaded
// (installer.ts: implementations of catalogued interfaces; unpinjava.ts: trust managers, pinners): each walking
// them itself looked every loaded class up again, once per catalogued interface. Classes loaded later reach
// the same parts through classload.ts; each part starts watching before the walk, so none falls between.
import Java from "frida-java-bridge";

export interface LoadedClass { name: string; cls: any; }

/** Takes the classes loaded now. */
export type OnWalk = (loaded: LoadedClass[]) => void;

const JDK = /^(java|jdk|sun)\./;

/** The loaded classes the default loader sees, the JDK's own left out. */
export function loadedClasses(): LoadedClass[] {
    const found: LoadedClass[] = [];
    for (const name of Java.enumerateLoadedClassesSync()) {
        if (JDK.test(name)) continue;
        try {
            found.push({ name, cls: Java.use(name).class });
        } catch (e) { /* not visible from the default loader: seen when a loader that sees it loads it */ }
    }
    return found;
}
