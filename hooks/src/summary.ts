import Java from "frida-java-bridge";

// Turns Java values into small JSON summaries: the ledger gets what was read, bounded in size.
// Long text is hashed (SHA-256 of its UTF-8) and truncated, so a later transmission can still be matched.

export const MAX_TEXT = 256;
const HEAD = 64;
const MAX_ITEMS = 16;

/** Objects whose state is read field by field, running none of their Java code: a value's toString() called
 *  inside a hook may wait for a lock that another app thread holds while it waits to enter a hook. */
const READ_FIELDS: { [className: string]: string[] } = {
    "android.graphics.PointF": ["x", "y"],      // FaceDetector.Face.getMidPoint fills one in
};

export type Summary = null | boolean | number | string | { [key: string]: Summary } | Summary[];

function text(s: string): Summary {
    if (s.length <= MAX_TEXT) return s;
    return { sha256: Checksum.compute("sha256", s), len: s.length, head: s.slice(0, HEAD) };
}

/** String.valueOf(value): Java's own text for any object (a JS toString would give "[object Object]"). */
export function javaText(value: any): string {
    if (value === null || value === undefined) return "null";
    try {
        const JString = Java.use("java.lang.String");
        return String((JString.valueOf as unknown as Java.MethodDispatcher).overload("java.lang.Object").call(JString, value));
    } catch (e) {
        return "<toString failed>";
    }
}

/** A Java array or java.util.Collection, summarised element by element (bounded). */
function items(values: ArrayLike<any>, depth: number): Summary {
    const out: Summary[] = [];
    for (let i = 0; i < Math.min(values.length, MAX_ITEMS); i++) out.push(summarise(values[i], depth + 1));
    return { class: "array", size: values.length, items: out };
}

export function summarise(value: any, depth = 0): Summary {
    if (value === null || value === undefined) return null;
    const kind = typeof value;
    if (kind === "boolean") return value;
    if (kind === "number") return Number.isFinite(value) ? value : String(value);
    if (kind === "string") return text(value);
    if (Array.isArray(value) || (kind === "object" && value.$className === undefined && typeof value.length === "number")) {
        return depth > 1 ? { class: "array", size: value.length } : items(value, depth);
    }
    if (kind === "object" && value.$className !== undefined) {
        const className = String(value.$className);
        if (className === "java.lang.String") return text(String(value));
        const fields = READ_FIELDS[className];
        if (fields !== undefined) {
            const out: { [key: string]: Summary } = { class: className };
            for (const name of fields) out[name] = summarise(value[name].value, depth + 1);
            return out;
        }
        return { class: className, value: text(javaText(value)) };
    }
    return text(String(value));
}
