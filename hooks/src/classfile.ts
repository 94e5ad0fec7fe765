// The members a class file declares, read from its bytes (JVM spec §4). On HotSpot a class being defined is
// looked at from inside a native hook, where reflection would load the members' types unseen (a hook does not
// fire again on its own thread); its bytes say the same without loading anything.

/** A field or method: its access flags, name and descriptor ("Ljava/util/Set;", "(Ljava/lang/String;)V"). */
export interface Member { access: number; name: string; descriptor: string; }

export const ACC_STATIC = 0x0008;
export const ACC_ABSTRACT = 0x0400;

const UTF8 = 1;
// bytes each other constant-pool tag takes after its tag byte; Long and Double take two slots
const SIZES: { [tag: number]: number } = { 3: 4, 4: 4, 5: 8, 6: 8, 7: 2, 8: 2, 9: 4, 10: 4, 11: 4, 12: 4, 15: 3,
                                           16: 2, 17: 4, 18: 4, 19: 2, 20: 2 };

const CHUNK = 4096;                                     // characters per fromCharCode call (argument limits)

function latin1(bytes: Uint8Array, start: number, end: number): string {
    let text = "";
    for (let at = start; at < end; at += CHUNK) {
        text += String.fromCharCode(...bytes.subarray(at, Math.min(at + CHUNK, end)));
    }
    return text;
}

/** The fields and methods of the class file `bytes`. Names and descriptors are read as Latin-1 (the names
 *  compared against are ASCII). Throws on a malformed file. */
export function membersOf(bytes: Uint8Array): { fields: Member[]; methods: Member[] } {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 8;                                         // magic, minor and major version
    const count = view.getUint16(at);
    at += 2;
    const utf8 = new Map<number, string>();
    for (let index = 1; index < count; index++) {
        const tag = view.getUint8(at++);
        if (tag === UTF8) {
            const length = view.getUint16(at);
            utf8.set(index, latin1(bytes, at + 2, at + 2 + length));
            at += 2 + length;
        } else if (SIZES[tag] !== undefined) {
            at += SIZES[tag];
            if (tag === 5 || tag === 6) index++;
        } else {
            throw new Error(`constant pool tag ${tag} at ${at - 1}`);
        }
    }
    at += 6;                                            // access flags, this class, super class
    at += 2 + 2 * view.getUint16(at);                   // interfaces
    const members = (): Member[] => {
        const found: Member[] = [];
        const n = view.getUint16(at);
        at += 2;
        for (let i = 0; i < n; i++) {
            found.push({ access: view.getUint16(at), name: utf8.get(view.getUint16(at + 2)) ?? "",
                         descriptor: utf8.get(view.getUint16(at + 4)) ?? "" });
            let attributes = view.getUint16(at + 6);
            at += 8;
            for (; attributes > 0; attributes--) at += 6 + view.getUint32(at + 2);
        }
        return found;
    };
    const fields = members();
    return { fields, methods: members() };
}
