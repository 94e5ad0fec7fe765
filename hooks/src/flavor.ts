// Which Java runtime the agent is in: "art" (Android), "dalvik" (old Android) or "jvm" (HotSpot, the test target).
// frida-java-bridge exposes it as Java.api.flavor but does not declare it in its typings.
import Java from "frida-java-bridge";

export function javaFlavor(): string {
    return (Java as unknown as { api: { flavor: string } }).api.flavor;
}
