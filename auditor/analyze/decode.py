"""Decoding a message into searchable text segments and key/value fields, every step bounded.

A message (URL, headers, body as it crossed the wire) becomes:
- segments: (location, text) — every layer of text seen while peeling encodings, so a value is found
  whether it sits raw, JSON-escaped or inside a compressed, base64 or protobuf layer;
- fields: (location, key, value) — named values from query strings, forms, JSON and cookies, for the
  recognition rules that work without planted values.
Each decompression is capped in output size and in ratio to its input; nesting is capped in depth; a step
that hits a cap leaves a note (a known unknown) instead of failing the analysis.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import re
import zlib
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl, unquote, urlsplit

import blackboxprotobuf
import brotli
import zstandard
from blackboxprotobuf.lib.config import Config

MAX_DECODED = 16 << 20          # bytes out of one decompression
MAX_RATIO = 200                 # decompressed / compressed
MIN_RATIO_BUDGET = 1 << 20      # small inputs may still expand to 1 MiB
MAX_DEPTH = 6                   # nested layers (base64 in JSON in gzip ...)
MAX_SEGMENTS = 4096
MAX_PROTOBUF = 1 << 20
BASE64_RUN = re.compile(r"^[A-Za-z0-9+/_-]{16,}={0,2}$")
PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
# Fixed-width protobuf fields are read as floating point: in app telemetry they carry coordinates far more
# often than 64-bit integers, and a coordinate read as an integer would be unsearchable.
PROTOBUF_CONFIG = Config()
PROTOBUF_CONFIG.default_types = {1: "double", 5: "float"}


@dataclass
class Decoded:
    segments: list[tuple[str, str]] = field(default_factory=list)
    fields: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add_segment(self, location: str, text: str) -> bool:
        if len(self.segments) >= MAX_SEGMENTS:
            if "segment limit reached" not in self.notes:
                self.notes.append("segment limit reached")
            return False
        self.segments.append((location, text))
        return True


def _bounded(chunks_out: bytes, limit: int, decoded: Decoded, what: str) -> bytes:
    if len(chunks_out) > limit:
        decoded.notes.append(f"{what}: output capped at {limit} bytes")
        return chunks_out[:limit]
    return chunks_out


def _limit(size: int) -> int:
    return min(MAX_DECODED, max(MIN_RATIO_BUDGET, size * MAX_RATIO))


def decompress(data: bytes, coding: str, decoded: Decoded) -> bytes | None:
    """One content-coding step, refusing to produce more than the size and ratio caps allow."""
    limit = _limit(len(data))
    try:
        if coding in ("gzip", "x-gzip", "deflate", "zlib"):
            wbits = 47 if coding != "deflate" else 15     # 47: gzip or zlib header, auto-detected
            inflater = zlib.decompressobj(wbits)
            try:
                out = inflater.decompress(data, limit + 1)
            except zlib.error:
                if coding != "deflate":
                    raise
                inflater = zlib.decompressobj(-15)         # raw deflate, as some servers send it
                out = inflater.decompress(data, limit + 1)
            return _bounded(out, limit, decoded, coding)
        if coding == "br":
            inflater = brotli.Decompressor()
            out = bytearray()
            for start in range(0, len(data), 1 << 14):
                out += inflater.process(data[start:start + (1 << 14)])
                if len(out) > limit:
                    break
            return _bounded(bytes(out), limit, decoded, coding)
        if coding == "zstd":
            reader = zstandard.ZstdDecompressor().decompressobj()
            out = bytearray()
            for start in range(0, len(data), 1 << 14):
                out += reader.decompress(data[start:start + (1 << 14)])
                if len(out) > limit:
                    break
            return _bounded(bytes(out), limit, decoded, coding)
    except (zlib.error, brotli.error, zstandard.ZstdError, EOFError, gzip.BadGzipFile) as exc:
        decoded.notes.append(f"{coding}: not decodable ({exc})")
        return None
    decoded.notes.append(f"content coding {coding!r} not supported")
    return None


def sniff_coding(data: bytes) -> str | None:
    if data[:2] == b"\x1f\x8b":
        return "gzip"
    if data[:4] == b"\x28\xb5\x2f\xfd":
        return "zstd"
    return None


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")


def _printable_ratio(text: str) -> float:
    if not text:
        return 0.0
    return 1 - len(CONTROL.findall(text)) / len(text)


class Decoder:
    """Peels one message; `decoded` collects segments, fields and notes."""

    def __init__(self) -> None:
        self.decoded = Decoded()

    # ---- entry points --------------------------------------------------------------------------
    def url(self, url: str) -> None:
        self.decoded.add_segment("url", url)
        query = urlsplit(url).query
        for key, value in parse_qsl(query, keep_blank_values=True, max_num_fields=2000):
            self._field(f"query.{key}", key, value, 0)

    def header(self, name: str, value: str) -> None:
        lower = name.lower()
        self.decoded.add_segment(f"header.{lower}", value)
        if lower == "cookie":
            for part in value.split(";"):
                key, _, val = part.strip().partition("=")
                self._field(f"cookie.{key}", key, val, 0)

    def body(self, data: bytes, content_type: str, encodings: list[str], where: str) -> None:
        for coding in reversed([e.strip().lower() for e in encodings if e.strip() and e.strip() != "identity"]):
            out = decompress(data, coding, self.decoded)
            if out is None:
                break           # searched as it is: HAR exports often hold the already-decoded text
            data, where = out, f"{where}<{coding}>"
        self._bytes(data, content_type.lower(), where, 0)

    # ---- layers ------------------------------------------------------------------------------
    def _bytes(self, data: bytes, content_type: str, where: str, depth: int) -> None:
        if depth > MAX_DEPTH or not data:
            return
        coding = sniff_coding(data)
        if coding:
            out = decompress(data, coding, self.decoded)
            if out is not None:
                self._bytes(out, "", f"{where}<{coding}>", depth + 1)
            return
        if "multipart/" in content_type:
            self._multipart(data, content_type, where, depth)
            return
        text = _text(data)
        printable = _printable_ratio(text[:4096])
        if "protobuf" in content_type or "grpc" in content_type or printable < 0.85:
            if self._protobuf(data, where, depth):
                return
        self._string(text, where, depth, content_type)

    def _string(self, text: str, where: str, depth: int, content_type: str = "") -> None:
        if depth > MAX_DEPTH or not self.decoded.add_segment(where, text):
            return
        stripped = text.strip()
        if stripped[:1] in ("{", "[") and len(stripped) > 1:
            try:
                value = json.loads(stripped)
            except ValueError:
                value = None
            else:
                self._json(value, where, depth + 1)
                return
        if "x-www-form-urlencoded" in content_type or ("=" in stripped and "&" in stripped and " " not in stripped):
            pairs = parse_qsl(stripped, keep_blank_values=True, max_num_fields=5000)
            for key, value in pairs:
                self._field(f"{where}.{key}", key, value, depth + 1)
            if pairs:
                return
        if PERCENT.search(stripped):
            unquoted = unquote(stripped)
            if unquoted != stripped:
                self._string(unquoted, f"{where}<urldecode>", depth + 1)
                return
        if BASE64_RUN.match(stripped):
            self._base64(stripped, where, depth)

    def _base64(self, text: str, where: str, depth: int) -> None:
        padded = text + "=" * (-len(text) % 4)
        try:
            raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            return
        if sniff_coding(raw) or _printable_ratio(_text(raw[:4096])) >= 0.85:
            self._bytes(raw, "", f"{where}<base64>", depth + 1)
        else:
            self._protobuf(raw, f"{where}<base64>", depth + 1)

    def _field(self, where: str, key: str, value: str, depth: int) -> None:
        self.decoded.fields.append((where, key, value))
        self._string(value, where, depth)

    def _json(self, value: object, where: str, depth: int) -> None:
        if depth > MAX_DEPTH + 4:
            return
        if isinstance(value, dict):
            for key, item in value.items():
                path = f"{where}.{key}"
                if isinstance(item, (dict, list)):
                    self._json(item, path, depth + 1)
                else:
                    self.decoded.fields.append((path, str(key), "" if item is None else str(item)))
                    if isinstance(item, str):
                        self._string(item, path, depth + 1)
        elif isinstance(value, list):
            for position, item in enumerate(value[:10000]):
                path = f"{where}[{position}]"
                if isinstance(item, (dict, list)):
                    self._json(item, path, depth + 1)
                elif isinstance(item, str):
                    self._string(item, path, depth + 1)

    def _multipart(self, data: bytes, content_type: str, where: str, depth: int) -> None:
        message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode("latin-1", "replace")
                                                      + b"\r\n\r\n" + data)
        if not message.is_multipart():
            self._string(_text(data), where, depth)
            return
        for position, part in enumerate(message.iter_parts()):
            name = part.get_param("name", header="content-disposition") or str(position)
            payload = part.get_payload(decode=True) or b""
            self._bytes(payload, part.get_content_type(), f"{where}.part[{name}]", depth + 1)

    def _protobuf(self, data: bytes, where: str, depth: int) -> bool:
        if len(data) > MAX_PROTOBUF or len(data) < 2:
            return False
        try:
            message, _ = blackboxprotobuf.decode_message(data, config=PROTOBUF_CONFIG)
        except Exception:  # the decoder raises many kinds on non-protobuf input; none is fatal here
            return False
        self.decoded.add_segment(f"{where}<protobuf>", json.dumps(message, sort_keys=True, default=_bytes_repr))
        self._protobuf_values(message, f"{where}<protobuf>", depth + 1)
        return True

    def _protobuf_values(self, value: object, where: str, depth: int) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                self._protobuf_values(item, f"{where}.{key}", depth)
        elif isinstance(value, list):
            for position, item in enumerate(value[:10000]):
                self._protobuf_values(item, f"{where}[{position}]", depth)
        elif isinstance(value, str):
            self._string(value, where, depth)
        elif isinstance(value, (bytes, bytearray)):
            self._bytes(bytes(value), "", where, depth)
        elif isinstance(value, float):
            # float32 noise (52.37021636...) hides the value; six decimals is what coordinates carry
            self.decoded.add_segment(where, f"{value!r} {value:.6f}")


def _bytes_repr(value: object) -> str:
    return bytes(value).decode("latin-1") if isinstance(value, (bytes, bytearray)) else str(value)
