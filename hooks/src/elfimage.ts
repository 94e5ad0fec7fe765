// TEST ONLY: a library file laid out in memory as the loader would map it, so that the pattern search
// (tlspattern.ts) can be run on code of an architecture this process cannot execute (arm64 on an x86-64
// test machine). Only the PT_LOAD segments' file bytes are copied, each at its virtual address from one
// page-aligned base: addresses relative to the base, and ADRP's page arithmetic, are the file's. Nothing is
// relocated or made executable; the search only reads.
import type { CodeImage } from "./tlspattern.js";

const PT_LOAD = 1;
const PF_X = 1, PF_W = 2;

interface Segment { offset: number; address: number; fileSize: number; memorySize: number; flags: number; }

/** The PT_LOAD segments of a 64-bit little-endian ELF file (the program headers, ELF-64 gABI layout). */
function loadSegments(file: DataView, path: string): Segment[] {
    const isElf64le = file.getUint32(0, false) === 0x7f454c46 && file.getUint8(4) === 2 && file.getUint8(5) === 1;
    if (!isElf64le) throw new Error(`${path} is not a 64-bit little-endian ELF file`);
    const tableOffset = Number(file.getBigUint64(0x20, true));
    const entrySize = file.getUint16(0x36, true);
    const entries = file.getUint16(0x38, true);
    const segments: Segment[] = [];
    for (let i = 0; i < entries; i++) {
        const at = tableOffset + i * entrySize;
        if (file.getUint32(at, true) !== PT_LOAD) continue;
        segments.push({ flags: file.getUint32(at + 4, true), offset: Number(file.getBigUint64(at + 8, true)),
            address: Number(file.getBigUint64(at + 0x10, true)), fileSize: Number(file.getBigUint64(at + 0x20, true)),
            memorySize: Number(file.getBigUint64(at + 0x28, true)) });
    }
    return segments;
}

/** The file's segments in one allocation (kept alive by the returned image's base), its executable segments
 *  as code and its read-only ones as read-only data, searched with the patterns of `arch`. */
export function elfImage(path: string, arch: Architecture): CodeImage {
    const bytes = File.readAllBytes(path);
    const segments = loadSegments(new DataView(bytes), path);
    const end = Math.max(...segments.map(s => s.address + s.memorySize));
    const base = Memory.alloc(Math.ceil(end / Process.pageSize) * Process.pageSize);     // whole pages: aligned
    for (const s of segments) base.add(s.address).writeByteArray(bytes.slice(s.offset, s.offset + s.fileSize));
    const ranges = (wanted: (flags: number) => boolean): MemoryRange[] =>
        segments.filter(s => wanted(s.flags)).map(s => ({ base: base.add(s.address), size: s.fileSize }));
    return { name: path.split("/").pop() ?? path, base, arch, code: ranges(flags => (flags & PF_X) !== 0),
        rodata: ranges(flags => (flags & (PF_X | PF_W)) === 0) };
}
