"""A tiny dex writer for tests: just enough structure (ids, class data, code) for the scanner to read, so
attribution and reachability rules can be tested on code whose every call is known. Not a general tool:
no fields, no debug info, no map list, and the verifier would reject the register usage."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

Ref = tuple[str, str, str]      # (class descriptor, name, proto descriptor like "(Ljava/lang/String;)V")

ACC_PUBLIC, ACC_STATIC, ACC_CONSTRUCTOR = 0x1, 0x8, 0x10000


@dataclass
class Meth:
    name: str
    proto: str
    access: int = ACC_PUBLIC
    code: list[tuple] = field(default_factory=lambda: [("return-void",)])


@dataclass
class Cls:
    name: str
    superclass: str = "Ljava/lang/Object;"
    methods: list[Meth] = field(default_factory=list)


def _uleb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _split_proto(proto: str) -> tuple[list[str], str]:
    params, ret = proto[1:].split(")")
    types, i = [], 0
    while i < len(params):
        j = i
        while params[j] == "[":
            j += 1
        j = params.index(";", j) + 1 if params[j] == "L" else j + 1
        types.append(params[i:j])
        i = j
    return types, ret


def _shorty(proto: str) -> str:
    params, ret = _split_proto(proto)
    return "".join("L" if t[0] in "L[" else t for t in [ret] + params)


def build_dex(classes: list[Cls]) -> bytes:
    refs: set[Ref] = {(c.name, m.name, m.proto) for c in classes for m in c.methods}
    strings: set[str] = set()
    for c in classes:
        for m in c.methods:
            for op in m.code:
                if len(op) > 1 and isinstance(op[1], tuple):     # invokes and the invoke look-alikes
                    refs.add(op[1])
                elif op[0].startswith("const-string"):
                    strings.add(op[1])
    types = {c.name for c in classes} | {c.superclass for c in classes}
    for cls, _name, proto in refs:
        params, ret = _split_proto(proto)
        types |= {cls, ret, *params}
    strings |= types | {name for _c, name, _p in refs} | {_shorty(p) for _c, _n, p in refs}
    string_list = sorted(strings, key=lambda s: s.encode("utf-16-be"))
    sidx = {s: i for i, s in enumerate(string_list)}
    type_list = sorted(types, key=lambda t: sidx[t])
    tidx = {t: i for i, t in enumerate(type_list)}
    protos = sorted({p for _c, _n, p in refs}, key=lambda p: (tidx[_split_proto(p)[1]],
                                                              [tidx[t] for t in _split_proto(p)[0]]))
    pidx = {p: i for i, p in enumerate(protos)}
    methods = sorted(refs, key=lambda r: (tidx[r[0]], sidx[r[1]], pidx[r[2]]))
    midx = {r: i for i, r in enumerate(methods)}

    header = 0x70
    o_str = header
    o_type = o_str + 4 * len(string_list)
    o_proto = o_type + 4 * len(type_list)
    o_meth = o_proto + 12 * len(protos)
    o_cls = o_meth + 8 * len(methods)
    data = bytearray(o_cls + 32 * len(classes))

    def append(blob: bytes, align: int = 1) -> int:
        while len(data) % align:
            data.append(0)
        offset = len(data)
        data.extend(blob)
        return offset

    for i, s in enumerate(string_list):
        struct.pack_into("<I", data, o_str + 4 * i, append(_uleb(len(s)) + s.encode("utf-8") + b"\0"))
    for i, t in enumerate(type_list):
        struct.pack_into("<I", data, o_type + 4 * i, sidx[t])
    for i, p in enumerate(protos):
        params, ret = _split_proto(p)
        params_off = append(struct.pack(f"<I{len(params)}H", len(params), *[tidx[t] for t in params]), 4) \
            if params else 0
        struct.pack_into("<3I", data, o_proto + 12 * i, sidx[_shorty(p)], tidx[ret], params_off)
    for i, (cls, name, proto) in enumerate(methods):
        struct.pack_into("<HHI", data, o_meth + 8 * i, tidx[cls], pidx[proto], sidx[name])

    def encode(op: tuple) -> list[int]:
        kind = op[0]
        if kind == "return-void":
            return [0x0E]
        if kind in ("invoke-virtual", "invoke-super", "invoke-direct", "invoke-static"):
            opcode = {"invoke-virtual": 0x6E, "invoke-super": 0x6F, "invoke-direct": 0x70, "invoke-static": 0x71}[kind]
            return [opcode, midx[op[1]], 0]
        if kind == "const-string":
            return [0x1A, sidx[op[1]]]
        if kind == "const-string/jumbo":
            return [0x1B, sidx[op[1]] & 0xFFFF, sidx[op[1]] >> 16]
        if kind == "const-wide-lookalike":      # const-wide v0 whose literal looks like an invoke of op[1]
            return [0x18, 0x6E, midx[op[1]], 0, 0]
        if kind == "packed-switch-payload-lookalike":
            return [0x0100, 1, 0, 0, 0x006E, midx[op[1]]]
        raise ValueError(kind)

    for ci, cls in enumerate(classes):
        direct = sorted((m for m in cls.methods if m.access & (ACC_STATIC | ACC_CONSTRUCTOR) or m.name == "<init>"),
                        key=lambda m: midx[(cls.name, m.name, m.proto)])
        virtual = sorted((m for m in cls.methods if m not in direct), key=lambda m: midx[(cls.name, m.name, m.proto)])
        body = bytearray(_uleb(0) + _uleb(0) + _uleb(len(direct)) + _uleb(len(virtual)))
        for group in (direct, virtual):
            previous = 0
            for m in group:
                units = [u for op in m.code for u in encode(op)]
                code_item = struct.pack("<4HII", 1, 0, 0, 0, 0, len(units)) + struct.pack(f"<{len(units)}H", *units)
                code_off = append(code_item, 4)
                index = midx[(cls.name, m.name, m.proto)]
                body += _uleb(index - previous) + _uleb(m.access) + _uleb(code_off)
                previous = index
        class_data_off = append(bytes(body))
        struct.pack_into("<8I", data, o_cls + 32 * ci, tidx[cls.name], ACC_PUBLIC, tidx[cls.superclass], 0,
                         0xFFFFFFFF, 0, class_data_off, 0)
    struct.pack_into("<8s", data, 0, b"dex\n035\0")
    struct.pack_into("<18I", data, 32, len(data), header, 0x12345678, 0, 0, 0, len(string_list), o_str,
                     len(type_list), o_type, len(protos), o_proto, 0, 0, len(methods), o_meth, len(classes), o_cls)
    return bytes(data)
