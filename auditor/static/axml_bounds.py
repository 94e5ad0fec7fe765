"""Bounds on a binary AndroidManifest.xml, checked by walking its chunks before androguard parses it.

The APK is the audited party's file. A 42 KB manifest of 200,000 nested elements kept androguard busy for more
than five minutes (its work grows with the square of the depth); 65,535 attributes that each name one 1 MB
string took twelve minutes, every attribute decoding the string again. Both are refused here in one linear
pass over the chunk headers, with the limit they exceed. Real manifests are far below every limit: a few
thousand elements, depth under ten. The walk is lenient on anything else: a chunk stream it cannot follow
is left to the parser, which names it malformed.
"""

from __future__ import annotations

import struct

from auditor.errors import InputError

MAX_ELEMENTS = 100_000                # start tags in one manifest
MAX_DEPTH = 256                       # elements open at once
MAX_ATTRIBUTE_TEXT = 32 * 1024**2     # characters of the strings attributes refer to, summed over all of them

RES_XML = 0x0003
RES_STRING_POOL = 0x0001
RES_XML_START_ELEMENT = 0x0102
RES_XML_END_ELEMENT = 0x0103
UTF8_FLAG = 0x100
NO_INDEX = 0xFFFFFFFF
CHUNK = struct.Struct("<HHI")
ATTRIBUTE = struct.Struct("<IIIHBBI")           # ns, name, raw value, typed size, res0, data type, data
TYPE_STRING = 0x03


def _string_lengths(data: bytes, start: int) -> list[int]:
    """Character count of each string in the pool chunk at `start` (read from its length prefix only)."""
    count, _styles, flags, strings_start = struct.unpack_from("<IIII", data, start + 8)
    if count > len(data) // 4:
        return []
    offsets = struct.unpack_from(f"<{count}I", data, start + 28)
    base = start + strings_start
    lengths = []
    for offset in offsets:
        at = base + offset
        if at + 2 > len(data):
            lengths.append(0)
        elif flags & UTF8_FLAG:                  # UTF-16 length then UTF-8 length, each 1 or 2 bytes
            first = data[at]
            lengths.append(((first & 0x7F) << 8 | data[at + 1]) if first & 0x80 else first)
        else:
            (first,) = struct.unpack_from("<H", data, at)
            if first & 0x8000 and at + 4 <= len(data):
                (second,) = struct.unpack_from("<H", data, at + 2)
                first = (first & 0x7FFF) << 16 | second
            lengths.append(first)
    return lengths


def check_manifest_bounds(data: bytes, label: str) -> None:
    """InputError naming `label` when the manifest exceeds a bound; silent for anything else."""
    try:
        kind, header, _total = CHUNK.unpack_from(data, 0)
    except struct.error:
        return
    if kind != RES_XML:
        return
    lengths: list[int] = []
    elements = depth = text = 0
    at = header
    while at + CHUNK.size <= len(data):
        kind, header, size = CHUNK.unpack_from(data, at)
        if size < CHUNK.size or at + size > len(data):
            return
        if kind == RES_STRING_POOL and not lengths:
            lengths = _string_lengths(data, at)
        elif kind == RES_XML_START_ELEMENT and at + 36 <= len(data):
            elements += 1
            depth += 1
            attribute_start, attribute_size, count = struct.unpack_from("<HHH", data, at + 24)
            for index in range(count):
                offset = at + 16 + attribute_start + index * attribute_size
                if attribute_size < ATTRIBUTE.size or offset + ATTRIBUTE.size > at + size:
                    break
                _ns, _name, raw, _typed, _res, data_type, value = ATTRIBUTE.unpack_from(data, offset)
                for string in (raw, value if data_type == TYPE_STRING else NO_INDEX):
                    if string < len(lengths):
                        text += lengths[string]
            if elements > MAX_ELEMENTS:
                raise InputError(label, f"refused: more than {MAX_ELEMENTS} elements in the binary manifest")
            if depth > MAX_DEPTH:
                raise InputError(label, f"refused: binary manifest elements nested more than {MAX_DEPTH} deep")
            if text > MAX_ATTRIBUTE_TEXT:
                raise InputError(label, f"refused: binary manifest attributes refer to more than "
                                        f"{MAX_ATTRIBUTE_TEXT} characters of strings in total")
        elif kind == RES_XML_END_ELEMENT:
            depth = max(0, depth - 1)
        at += size
