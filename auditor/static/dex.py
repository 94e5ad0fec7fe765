"""A lean, bounds-checked reader for the parts of a dex file the questions need.

It reads the header, the id tables (as numpy arrays, no per-entry objects), the class definitions and
their method lists, and decodes instructions only of the methods it is asked about. It never builds the
full object graph androguard does, which is what makes a 16-dex APK cheap to scan.
Layout: https://source.android.com/docs/core/runtime/dex-format (the format is public; this is our code).
"""

from __future__ import annotations

import bisect
import struct
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from auditor.errors import InputError

NO_INDEX = 0xFFFFFFFF
ACC_STATIC, ACC_PRIVATE, ACC_CONSTRUCTOR = 0x8, 0x2, 0x10000

# Instruction length in 16-bit code units, by opcode (Dalvik bytecode formats).
_LENGTH = [1] * 256
for _ops, _n in (((0x02, 0x05, 0x08, 0x13, 0x15, 0x16, 0x19, 0x1a, 0x1c, 0x1f, 0x20, 0x22, 0x23, 0x29,
                   0xfe, 0xff), 2),
                 ((0x03, 0x06, 0x09, 0x14, 0x17, 0x1b, 0x24, 0x25, 0x26, 0x2a, 0x2b, 0x2c, 0xfc, 0xfd), 3),
                 ((0x18,), 5), ((0xfa, 0xfb), 4)):
    for _op in _ops:
        _LENGTH[_op] = _n
for _lo, _hi, _n in ((0x2d, 0x3d, 2), (0x44, 0x6d, 2), (0x6e, 0x72, 3), (0x74, 0x78, 3), (0x90, 0xaf, 2),
                     (0xd0, 0xe2, 2)):
    for _op in range(_lo, _hi + 1):
        _LENGTH[_op] = _n
CONST_STRING, CONST_STRING_JUMBO = 0x1a, 0x1b


class DexError(Exception):
    """A structural problem in a dex file; the caller adds which file."""


def _uleb(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 28:
            raise DexError(f"bad ULEB128 at offset {pos}")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


@dataclass(frozen=True)
class Method:
    """A method with code in this dex: its method_id, access flags and where its instructions are."""
    method_idx: int
    access: int
    insns_start: int        # byte offset of the first instruction in the dex
    insns_end: int

    @property
    def is_static_or_private(self) -> bool:
        return bool(self.access & (ACC_STATIC | ACC_PRIVATE))


@dataclass
class ClassDef:
    name: str               # type descriptor, e.g. "Lcom/example/Foo;"
    superclass: str | None
    interfaces: tuple[str, ...]
    class_data_off: int


class Dex:
    """One dex file. `label` names it in errors (e.g. "app.apk!classes2.dex")."""

    def __init__(self, label: str, file_name: str, data: bytes):
        self.label = label
        self.file_name = file_name      # the entry name inside its APK, e.g. "classes2.dex"
        self.data = data
        try:
            self._parse_header()
        except (DexError, struct.error, ValueError, IndexError) as exc:
            raise InputError(label, f"malformed dex: {exc}") from None
        self._strings: dict[int, str] = {}
        self._class_methods: dict[str, list[Method]] = {}
        self._name_lookup: dict[str, list[int]] = {}

    def fail(self, problem: str) -> InputError:
        return InputError(self.label, f"malformed dex: {problem}")

    # -- header and id tables -------------------------------------------------------------------------
    def _table(self, count: int, offset: int, item: int, what: str) -> tuple[int, int]:
        if count and (offset <= 0 or offset + count * item > len(self.data)):
            raise DexError(f"{what} table ({count} entries at {offset}) lies outside the file")
        return count, offset

    def _parse_header(self) -> None:
        data = self.data
        if len(data) < 0x70 or data[:4] != b"dex\n" or data[7] != 0:
            raise DexError("bad magic (not a dex file)")
        (file_size, header_size, endian, _ls, _lo, _map, n_str, o_str, n_type, o_type, n_proto, o_proto,
         _nf, _of, n_meth, o_meth, n_cls, o_cls) = struct.unpack_from("<18I", data, 32)
        if endian != 0x12345678:
            raise DexError(f"unsupported endian tag {endian:#x}")
        if file_size > len(data) or header_size < 0x70:
            raise DexError(f"header declares {file_size} bytes, the file has {len(data)} (truncated)")
        self.n_strings, o_str = self._table(n_str, o_str, 4, "string_ids")
        self._table(n_type, o_type, 4, "type_ids")
        self._table(n_proto, o_proto, 12, "proto_ids")
        self._table(n_meth, o_meth, 8, "method_ids")
        self._table(n_cls, o_cls, 32, "class_defs")
        self.string_offsets = np.frombuffer(data, "<u4", n_str, o_str)
        self.type_ids = np.frombuffer(data, "<u4", n_type, o_type)
        protos = np.frombuffer(data, "<u4", n_proto * 3, o_proto).reshape(-1, 3)
        self.proto_return, self.proto_params = protos[:, 1], protos[:, 2]
        methods = np.frombuffer(data, "<u2", n_meth * 4, o_meth).reshape(-1, 4)
        self.method_class = methods[:, 0]
        self.method_proto = methods[:, 1]
        self.method_name = methods[:, 2].astype(np.uint32) | (methods[:, 3].astype(np.uint32) << 16)
        self.n_class_defs, self.o_class_defs = n_cls, o_cls
        if n_str and int(self.string_offsets.max()) >= len(data):
            raise DexError("a string offset lies outside the file")
        if n_type and int(self.type_ids.max()) >= n_str:
            raise DexError("a type refers to a missing string")
        if n_meth and (int(self.method_class.max()) >= n_type or int(self.method_proto.max()) >= n_proto
                       or int(self.method_name.max()) >= n_str):
            raise DexError("a method_id refers to a missing type, proto or string")

    def string(self, idx: int) -> str:
        cached = self._strings.get(idx)
        if cached is None:
            if not 0 <= idx < self.n_strings:
                raise self.fail(f"string index {idx} out of range")
            cached = self._strings[idx] = self.string_at(int(self.string_offsets[idx]))
        return cached

    def string_at(self, offset: int) -> str:
        """The string whose string_data_item starts at `offset` (for mapping found bytes back to a string)."""
        try:
            _, pos = _uleb(self.data, offset)
        except DexError as exc:
            raise self.fail(str(exc)) from None
        end = self.data.find(b"\0", pos)
        if end < 0:
            raise self.fail(f"string at {offset} is not terminated")
        return self.data[pos:end].replace(b"\xc0\x80", b"\0").decode("utf-8", "replace")

    def find_string(self, text: str) -> int | None:
        """string_ids are sorted by content (code-point order equals UTF-8 byte order for our needs)."""
        key = text.encode("utf-8")
        lo, hi = 0, self.n_strings
        while lo < hi:
            mid = (lo + hi) // 2
            value = self.string(mid).encode("utf-8")
            if value < key:
                lo = mid + 1
            elif value > key:
                hi = mid
            else:
                return mid
        return None

    def type_name(self, type_idx: int) -> str:
        if type_idx >= len(self.type_ids):
            raise self.fail(f"type index {type_idx} out of range")
        return self.string(int(self.type_ids[type_idx]))

    def find_type(self, descriptor: str) -> int | None:
        idx = self.find_string(descriptor)
        if idx is None:
            return None
        pos = int(np.searchsorted(self.type_ids, idx))
        return pos if pos < len(self.type_ids) and int(self.type_ids[pos]) == idx else None

    def proto(self, proto_idx: int) -> str:
        """The JVM-style descriptor, e.g. "(Ljava/lang/String;I)V"."""
        params_off = int(self.proto_params[proto_idx])
        params = ""
        if params_off:
            if params_off + 4 > len(self.data):
                raise self.fail(f"proto {proto_idx} parameter list lies outside the file")
            (size,) = struct.unpack_from("<I", self.data, params_off)
            if params_off + 4 + 2 * size > len(self.data):
                raise self.fail(f"proto {proto_idx} parameter list lies outside the file")
            types = struct.unpack_from(f"<{size}H", self.data, params_off + 4)
            params = "".join(self.type_name(t) for t in types)
        return f"({params}){self.type_name(int(self.proto_return[proto_idx]))}"

    @cached_property
    def _methods_by_name(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(self.method_name, kind="stable")
        return self.method_name[order], order

    def methods_named(self, name: str) -> list[int]:
        """method_id indices whose name is `name` (any class, any proto)."""
        cached = self._name_lookup.get(name)
        if cached is None:
            idx = self.find_string(name)
            cached = []
            if idx is not None:
                names, order = self._methods_by_name
                lo, hi = np.searchsorted(names, idx, "left"), np.searchsorted(names, idx, "right")
                cached = sorted(int(i) for i in order[lo:hi])
            self._name_lookup[name] = cached
        return cached

    def method_ref(self, method_idx: int) -> tuple[str, str, str]:
        """(class descriptor, name, proto descriptor) of a method_id."""
        return (self.type_name(int(self.method_class[method_idx])), self.string(int(self.method_name[method_idx])),
                self.proto(int(self.method_proto[method_idx])))

    # -- classes and code ---------------------------------------------------------------------------
    @cached_property
    def class_defs(self) -> dict[str, ClassDef]:
        defs: dict[str, ClassDef] = {}
        for i in range(self.n_class_defs):
            cls_idx, _acc, super_idx, ifaces_off, _src, _ann, data_off, _sv = struct.unpack_from(
                "<8I", self.data, self.o_class_defs + 32 * i)
            interfaces: tuple[str, ...] = ()
            if ifaces_off:
                if ifaces_off + 4 > len(self.data):
                    raise self.fail(f"class_def {i} interface list lies outside the file")
                (size,) = struct.unpack_from("<I", self.data, ifaces_off)
                if ifaces_off + 4 + 2 * size > len(self.data):
                    raise self.fail(f"class_def {i} interface list lies outside the file")
                interfaces = tuple(self.type_name(t) for t in struct.unpack_from(f"<{size}H", self.data,
                                                                                  ifaces_off + 4))
            if data_off >= len(self.data):
                raise self.fail(f"class_def {i} class_data lies outside the file")
            name = self.type_name(cls_idx)
            superclass = None if super_idx == NO_INDEX else self.type_name(super_idx)
            defs.setdefault(name, ClassDef(name, superclass, interfaces, data_off))
        return defs

    def methods_of(self, class_name: str) -> list[Method]:
        """Methods (with or without code) the class defines, from its class_data_item."""
        cached = self._class_methods.get(class_name)
        if cached is not None:
            return cached
        cdef = self.class_defs[class_name]
        methods: list[Method] = []
        if cdef.class_data_off:
            try:
                methods = self._read_class_data(cdef.class_data_off)
            except (DexError, struct.error) as exc:
                raise self.fail(f"class {class_name}: {exc}") from None
        self._class_methods[class_name] = methods
        return methods

    def _read_class_data(self, pos: int) -> list[Method]:
        data = self.data
        sizes = []
        for _ in range(4):
            value, pos = _uleb(data, pos)
            sizes.append(value)
        for _ in range(2 * (sizes[0] + sizes[1])):       # fields: (idx_diff, access) pairs
            _, pos = _uleb(data, pos)
        methods = []
        for count in (sizes[2], sizes[3]):
            idx = 0
            for _ in range(count):
                diff, pos = _uleb(data, pos)
                access, pos = _uleb(data, pos)
                code_off, pos = _uleb(data, pos)
                idx += diff
                if idx >= len(self.method_class):
                    raise DexError(f"method index {idx} out of range")
                start = end = 0
                if code_off:
                    if code_off + 16 > len(data):
                        raise DexError(f"code item at {code_off} lies outside the file")
                    (units,) = struct.unpack_from("<I", data, code_off + 12)
                    start, end = code_off + 16, code_off + 16 + 2 * units
                    if end > len(data):
                        raise DexError(f"code item at {code_off} runs past the end of the file")
                methods.append(Method(idx, access, start, end))
        return methods

    @cached_property
    def code_index(self) -> tuple[list[int], list[tuple[str, Method]]]:
        """Every method with code, sorted by where its instructions start (to map an offset to a method)."""
        located = sorted(((m.insns_start, (cls, m)) for cls in self.class_defs for m in self.methods_of(cls)
                          if m.insns_start), key=lambda item: item[0])
        return [start for start, _ in located], [owner for _, owner in located]

    def method_at(self, offset: int) -> tuple[str, Method] | None:
        starts, owners = self.code_index
        pos = bisect.bisect_right(starts, offset) - 1
        if pos < 0:
            return None
        cls, method = owners[pos]
        return (cls, method) if method.insns_start <= offset < method.insns_end else None

    def instruction_starts(self, method: Method) -> set[int]:
        """Byte offsets (in the dex) where the method's instructions begin; payload tables are skipped."""
        data, pos, end = self.data, method.insns_start, method.insns_end
        starts = set()
        while pos < end:
            op = data[pos]
            if op == 0 and data[pos + 1] in (1, 2, 3) and pos + 8 <= end:
                kind = data[pos + 1]
                size = data[pos + 2] | data[pos + 3] << 8
                if kind == 1:
                    units = 4 + 2 * size
                elif kind == 2:
                    units = 2 + 4 * size
                else:
                    (count,) = struct.unpack_from("<I", data, pos + 4)
                    units = 4 + (size * count + 1) // 2
                pos += 2 * units
                continue
            starts.add(pos)
            pos += 2 * _LENGTH[op]
        return starts

    # -- raw instruction candidates -------------------------------------------------------------------
    @cached_property
    def invoke_candidates(self) -> tuple[np.ndarray, np.ndarray]:
        """(method_idx, offset) of every even offset whose byte is an invoke opcode, sorted by method_idx.

        A candidate is only a possible instruction: callers confirm it against the method's decoded
        instruction starts. One vectorised pass over the file replaces a full decode of every method.
        """
        arr = np.frombuffer(self.data, np.uint8)
        ops = arr[0:len(arr) - 4:2]
        positions = (np.nonzero(((ops >= 0x6e) & (ops <= 0x72)) | ((ops >= 0x74) & (ops <= 0x78)))[0] * 2)
        idx = arr[positions + 2].astype(np.uint32) | (arr[positions + 3].astype(np.uint32) << 8)
        order = np.argsort(idx, kind="stable")
        return idx[order], positions[order].astype(np.int64)

    def candidates_for(self, method_indices: list[int]) -> list[int]:
        """Offsets of possible invoke instructions referencing any of the given method_ids."""
        keys, positions = self.invoke_candidates
        found: list[int] = []
        for m in method_indices:
            lo, hi = np.searchsorted(keys, m, "left"), np.searchsorted(keys, m, "right")
            found.extend(int(p) for p in positions[lo:hi])
        return found

    def const_string_candidates(self, string_idx: int) -> list[int]:
        """Even offsets of possible const-string / const-string/jumbo instructions loading the string."""
        arr = np.frombuffer(self.data, np.uint8)
        ops = arr[0:len(arr) - 6:2]
        short = np.nonzero(ops == CONST_STRING)[0] * 2
        short_idx = arr[short + 2].astype(np.uint32) | (arr[short + 3].astype(np.uint32) << 8)
        jumbo = np.nonzero(ops == CONST_STRING_JUMBO)[0] * 2
        jumbo_idx = np.zeros(0, np.uint32)
        if len(jumbo):
            jumbo_idx = (arr[jumbo + 2].astype(np.uint32) | (arr[jumbo + 3].astype(np.uint32) << 8)
                         | (arr[jumbo + 4].astype(np.uint32) << 16) | (arr[jumbo + 5].astype(np.uint32) << 24))
        found = np.concatenate([short[short_idx == string_idx], jumbo[jumbo_idx == string_idx]])
        return sorted(int(p) for p in found)
