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
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import blackboxprotobuf
import brotli
import zstandard
from blackboxprotobuf.lib.config import Config

from auditor.analyze.plaintext import Operation, Plaintexts

MAX_DECODED = 16 << 20          # bytes out of all decompressions of one message together (one budget)
MAX_RATIO = 200                 # decompressed / compressed, per step
MIN_RATIO_BUDGET = 1 << 20      # small inputs may still expand to 1 MiB
MAX_ZSTD_WINDOW = 1 << 23       # a frame asking for a larger window (memory) is not decoded
MAX_DEPTH = 6                   # nested layers (base64 in JSON in gzip ...)
MAX_SEGMENTS = 4096
MAX_JSON_LINES = 1000            # lines of newline-delimited JSON walked as documents
MAX_PROTOBUF = 1 << 20
MAX_GRPC_FRAMES = 1000
MAX_RAW_ID = 64                 # binary runs up to this long are also searched as hex
BASE64_RUN = re.compile(r"^[A-Za-z0-9+/_-]{16,}={0,2}$")
PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
JWT = re.compile(r"^(?:Bearer\s+)?(eyJ[A-Za-z0-9_-]{2,})\.(eyJ[A-Za-z0-9_-]{2,})\.[A-Za-z0-9_-]*$")
UNICODE_ESCAPE = re.compile(r"\\u[0-9a-fA-F]{4}")
# Fixed-width protobuf fields are read as floating point: in app telemetry they carry coordinates far more
# often than 64-bit integers, and a coordinate read as an integer would be unsearchable.
PROTOBUF_CONFIG = Config()
PROTOBUF_CONFIG.default_types = {1: "double", 5: "float"}


@dataclass
class Decoded:
    segments: list[tuple[str, str]] = field(default_factory=list)
    fields: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    recovered: list[Operation] = field(default_factory=list)    # encryptions whose plaintext is a layer
    budget: int = MAX_DECODED       # decompressed bytes this message may still produce, all layers together
    segment_limit: int = MAX_SEGMENTS

    def add_segment(self, location: str, text: str) -> bool:
        if len(self.segments) >= self.segment_limit:
            self.note("segment limit reached")
            return False
        self.segments.append((location, text))
        return True

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


def _limit(size: int, decoded: Decoded) -> int:
    return min(decoded.budget, max(MIN_RATIO_BUDGET, size * MAX_RATIO))


def _inflate(data: bytes, wbits: int, limit: int) -> tuple[bytes, bool]:
    """(output, finished): zlib never produces more than limit + 1 bytes."""
    inflater = zlib.decompressobj(wbits)
    out = inflater.decompress(data, limit + 1)
    return out, inflater.eof


def _brotli(data: bytes, limit: int) -> tuple[bytes, bool]:
    # brotli's process() has no output bound and one input byte can stand for megabytes: feed it a byte at
    # a time so the overshoot past the limit is one byte's worth, never the whole bomb
    inflater = brotli.Decompressor()
    out = bytearray()
    for position in range(len(data)):
        out += inflater.process(data[position:position + 1])
        if len(out) > limit:
            break
    return bytes(out), inflater.is_finished()


def _zstd(data: bytes, limit: int) -> tuple[bytes, bool]:
    reader = zstandard.ZstdDecompressor(max_window_size=MAX_ZSTD_WINDOW).stream_reader(data)
    out = bytearray()
    while len(out) <= limit:
        chunk = reader.read(min(1 << 16, limit + 1 - len(out)))
        if not chunk:
            return bytes(out), True
        out += chunk
    return bytes(out), False


def decompress(data: bytes, coding: str, decoded: Decoded, exact: bool = False) -> bytes | None:
    """One content-coding step within the message's budget and the step's ratio cap. exact: the coding
    was guessed (no magic number), so only a stream that ends exactly where the data ends counts."""
    if decoded.budget <= 0:
        decoded.note(f"decompression budget of {MAX_DECODED} bytes for this message spent; {coding} not decoded")
        return None
    limit = _limit(len(data), decoded)
    try:
        if coding in ("gzip", "x-gzip", "zlib"):
            out, finished = _inflate(data, 47, limit)          # 47: gzip or zlib header, auto-detected
        elif coding == "deflate":
            try:
                out, finished = _inflate(data, 15, limit)
            except zlib.error:
                out, finished = _inflate(data, -15, limit)      # raw deflate, as some servers send it
        elif coding == "raw-deflate":
            out, finished = _inflate(data, -15, limit)
        elif coding == "br":
            out, finished = _brotli(data, limit)
        elif coding == "zstd":
            out, finished = _zstd(data, limit)
        else:
            decoded.note(f"content coding {coding!r} not supported")
            return None
    except (zlib.error, brotli.error, zstandard.ZstdError, EOFError, gzip.BadGzipFile) as exc:
        if not exact:
            decoded.notes.append(f"{coding}: not decodable ({exc})")
        return None
    if exact and not finished:
        return None
    decoded.budget -= min(len(out), limit)
    if len(out) > limit:
        decoded.note(f"{coding}: output capped at {limit} bytes")
        return out[:limit]
    return out


def sniff_coding(data: bytes) -> str | None:
    if data[:2] == b"\x1f\x8b":
        return "gzip"
    if data[:4] == b"\x28\xb5\x2f\xfd":
        return "zstd"
    if len(data) > 2 and data[0] == 0x78 and (data[0] << 8 | data[1]) % 31 == 0:
        return "zlib"
    return None


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def grpc_frames(data: bytes) -> list[tuple[bool, bytes]] | None:
    """gRPC's length-prefixed messages (1 byte compressed flag, 4 bytes big-endian length), when the data
    is exactly a sequence of them."""
    frames, position = [], 0
    while position < len(data) and len(frames) < MAX_GRPC_FRAMES:
        if len(data) - position < 5 or data[position] not in (0, 1):
            return None
        length = int.from_bytes(data[position + 1:position + 5], "big")
        if position + 5 + length > len(data):
            return None
        frames.append((data[position] == 1, data[position + 5:position + 5 + length]))
        position += 5 + length
    return frames if frames and position == len(data) else None


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")


# what urlsplit strips (leading), removes (tab, CR, LF) or checks (brackets: an IPv6 host)
IRREGULAR_URL = re.compile(r"[\x00-\x20\[\]]")


def _query(url: str) -> str:
    """urlsplit(url).query. In a URL of printable ASCII without brackets that is what follows the first "?"
    before the first "#" (neither can be in a scheme or a host), found without urlsplit's work per URL."""
    if url.isascii() and not IRREGULAR_URL.search(url):
        return url.partition("#")[0].partition("?")[2]
    return urlsplit(url).query


MAX_QUERY_FIELDS = 2000
MEMO_VALUE = 16                 # query values this long are kept decoded (BASE64_RUN's shortest run)


def query_fields(query: str) -> list[tuple[str, str]]:
    """parse_qsl(query, keep_blank_values=True, max_num_fields=MAX_QUERY_FIELDS), one "&"-separated piece at
    a time (as parse_qsl takes them): a capture's queries repeat most of their pieces, each parsed once."""
    if query.count("&") >= MAX_QUERY_FIELDS:
        return parse_qsl(query, keep_blank_values=True, max_num_fields=MAX_QUERY_FIELDS)     # raises ValueError
    return [field for piece in query.split("&") for field in _query_piece(piece)]


@lru_cache(maxsize=1 << 16)
def _query_piece(piece: str) -> list[tuple[str, str]]:
    return parse_qsl(piece, keep_blank_values=True)


def _printable_ratio(text: str) -> float:
    if not text:
        return 0.0
    return 1 - len(CONTROL.findall(text)) / len(text)


class Decoder:
    """Peels one message; `decoded` collects segments, fields and notes."""

    def __init__(self, plaintexts: Plaintexts | None = None) -> None:
        self.decoded = Decoded()
        self.plaintexts = plaintexts        # the case's recorded encryptions (plaintext.py)

    # ---- entry points --------------------------------------------------------------------------
    def url(self, url: str, memo: BodyMemo | None = None) -> None:
        """memo: where a long query value's layers are kept (a capture's URLs repeat most of their values, and
        a base64, JSON or compressed one costs far more to peel than to look up)."""
        self.decoded.add_segment("url", url)
        for key, value in query_fields(_query(url)):
            if memo is None or len(value) < MEMO_VALUE:
                self.query_field(key, value)
            else:
                memo.part(self, ("query", key, value), len(key) + len(value),
                          lambda fresh, key=key, value=value: fresh.query_field(key, value))

    def query_field(self, key: str, value: str) -> None:
        self._field(f"query.{key}", key, value, 0)

    def header(self, name: str, value: str) -> None:
        """A header value is decoded like a body value (URL-encoding, base64, JWT, JSON); Cookie is split."""
        lower = name.lower()
        self.decoded.fields.append((f"header.{lower}", lower, value))
        if lower == "cookie":
            self.decoded.add_segment(f"header.{lower}", value)
            for part in value.split(";"):
                key, _, val = part.strip().partition("=")
                self._field(f"cookie.{key}", key, val, 0)
            return
        self._string(value, f"header.{lower}", 0)

    def body(self, data: bytes, content_type: str, encodings: list[str], where: str,
             message_coding: str = "") -> None:
        """A body as it crossed the wire: content codings peeled, then its layers. message_coding: the
        grpc-encoding of a gRPC body's compressed messages."""
        for coding in reversed([e.strip().lower() for e in encodings if e.strip() and e.strip() != "identity"]):
            out = decompress(data, coding, self.decoded)
            if out is None:
                break           # searched as it is: HAR exports often hold the already-decoded text
            data, where = out, f"{where}<{coding}>"
        content_type = content_type.lower()
        if content_type.startswith("application/grpc") and (frames := grpc_frames(data)) is not None:
            for position, (compressed, message) in enumerate(frames):
                place = f"{where}<grpc[{position}]>"
                if compressed:
                    message = decompress(message, message_coding.strip().lower() or "gzip", self.decoded) or b""
                self._bytes(message, "application/protobuf", place, 1)
            return
        self._bytes(data, content_type, where, 0)

    def websocket(self, data: bytes, where: str) -> None:
        """A WebSocket message the client sent, analysed like a request body."""
        self._bytes(data, "", where, 0)

    # ---- layers ------------------------------------------------------------------------------
    def _bytes(self, data: bytes, content_type: str, where: str, depth: int) -> None:
        if depth > MAX_DEPTH or not data:
            return
        if self.plaintexts is not None and self._plaintext(self.plaintexts.find(data), where, depth):
            return
        coding = sniff_coding(data)
        if coding:
            out = decompress(data, coding, self.decoded, exact=coding == "zlib")
            if out is not None:
                self._bytes(out, "", f"{where}<{coding}>", depth + 1)
                return
            if coding != "zlib":            # a zlib-looking first byte pair can be chance
                return
        if "multipart/" in content_type:
            self._multipart(data, content_type, where, depth)
            return
        text = _text(data)
        printable = _printable_ratio(text[:4096])
        if "protobuf" in content_type or "grpc" in content_type or printable < 0.85:
            if self._protobuf(data, where, depth):
                return
            if printable < 0.85 and len(data) <= MAX_RAW_ID:
                # a few raw bytes (a 16-byte ID, a digest) are searched as hex: that is how they are known
                self.decoded.add_segment(f"{where}<hex>", data.hex())
        self._string(text, where, depth, content_type)

    def _string(self, text: str, where: str, depth: int, content_type: str = "") -> None:
        if depth > MAX_DEPTH or not self.decoded.add_segment(where, text):
            return
        stripped = text.strip()
        if stripped[:1] in ("{", "[") and len(stripped) > 1:
            try:
                value = json.loads(stripped)
            except ValueError:
                if self._json_lines(stripped, where, depth):
                    return
            else:
                self._json(value, where, depth + 1)
                return
        if (token := JWT.match(stripped)) is not None:
            for part, label in ((token[1], "jwt.header"), (token[2], "jwt.payload")):
                self._base64(part, f"{where}<{label}>", depth)
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
        if UNICODE_ESCAPE.search(stripped):
            unescaped = UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(0)[2:], 16)), stripped)
            self._string(unescaped, f"{where}<unicode-escape>", depth + 1)
            return
        if self.plaintexts is not None and self._plaintext(self.plaintexts.find_hex(stripped), f"{where}<hex>", depth):
            return
        if BASE64_RUN.match(stripped):
            self._base64(stripped, where, depth)

    def _json_lines(self, text: str, where: str, depth: int) -> bool:
        """Newline-delimited JSON (a Sentry envelope, a batch of log events): each line a document of its own,
        walked as `where<json-line N>`. Only when every non-empty line is JSON."""
        lines = [line for line in text.split("\n", MAX_JSON_LINES) if line.strip()]
        if len(lines) < 2 or len(lines) > MAX_JSON_LINES:
            return False
        try:
            values = [json.loads(line) for line in lines]
        except ValueError:
            return False
        for number, value in enumerate(values, 1):
            self._json(value, f"{where}<json-line {number}>", depth + 1)
        return True

    def _plaintext(self, found: Operation | None, where: str, depth: int) -> bool:
        """Bytes that are a recorded encryption's output: its input is the next layer."""
        if found is None:
            return False
        self.decoded.recovered.append(found)
        self._bytes(found.plaintext, "", f"{where}<plaintext@seq{found.seq}>", depth + 1)
        return True

    def _base64(self, text: str, where: str, depth: int) -> None:
        padded = text + "=" * (-len(text) % 4)
        try:
            raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            return
        place = f"{where}<base64>"
        if not sniff_coding(raw) and not _is_utf8(raw):
            # no magic number: raw deflate or brotli only when the stream ends exactly with the data and
            # gives text; else the bytes are read as they are (protobuf, a raw ID)
            for coding in ("raw-deflate", "br"):
                out = decompress(raw, coding, self.decoded, exact=True)
                if out and _printable_ratio(_text(out[:4096])) >= 0.85:
                    self._bytes(out, "", f"{place}<{coding}>", depth + 1)
                    return
        self._bytes(raw, "", place, depth + 1)

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
                else:
                    # positional arrays carry named data too (Facebook's extinfo: [.., model, locale, ..])
                    self.decoded.fields.append((path, str(position), "" if item is None else str(item)))
                    if isinstance(item, str):
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
        # the first tag must name a field (number >= 1) of a wire type protobuf has: zeros (a bomb's
        # payload) would otherwise be "decoded", slowly, into megabytes of nothing
        if len(data) > MAX_PROTOBUF or len(data) < 2 or data[0] >> 3 == 0 or data[0] & 7 not in (0, 1, 2, 5):
            return False
        try:
            message, typedef = blackboxprotobuf.decode_message(data, config=PROTOBUF_CONFIG)
        except Exception:  # the decoder raises many kinds on non-protobuf input; none is fatal here
            return False
        self.decoded.add_segment(f"{where}<protobuf>", json.dumps(message, sort_keys=True, default=_bytes_repr))
        self._protobuf_values(message, typedef, f"{where}<protobuf>", "", depth + 1)
        return True

    def _protobuf_values(self, value: object, typedef: dict[str, Any], where: str, key: str, depth: int) -> None:
        """Each value of a decoded message, also as a field named by its field number (endpoint rules name
        protobuf paths by number: app-measurement's 1.*.19)."""
        if isinstance(value, dict):
            if key and (text := _printable_message(value, typedef)) is not None:
                # a short text can also parse as a message ("en-us": field 12, a float): both readings kept
                self._field(where, key, text, depth)
            for name, item in value.items():
                self._protobuf_values(item, _inner(typedef, name), f"{where}.{name}", name, depth)
        elif isinstance(value, list):
            for position, item in enumerate(value[:10000]):
                self._protobuf_values(item, typedef, f"{where}[{position}]", key, depth)
        elif isinstance(value, str):
            self._field(where, key, value, depth)
        elif isinstance(value, (bytes, bytearray)):
            self._bytes(bytes(value), "", where, depth)
        elif isinstance(value, float):
            # float32 noise (52.37021636...) hides the value; six decimals is what coordinates carry
            self.decoded.fields.append((where, key, repr(value)))
            self.decoded.add_segment(where, f"{value!r} {value:.6f}")
        elif isinstance(value, int):
            self.decoded.fields.append((where, key, str(value)))


MAX_TEXT_MESSAGE = 256


def _inner(typedef: dict[str, Any], name: str) -> dict[str, Any]:
    """The typedef of a message field's own message (empty for a scalar field)."""
    entry = typedef.get(name) if isinstance(typedef, dict) else None
    inner = entry.get("message_typedef") if isinstance(entry, dict) else None
    return inner if isinstance(inner, dict) else {}


def _printable_message(message: dict[str, Any], typedef: dict[str, Any]) -> str | None:
    """The bytes of a decoded sub-message as text, when they are short printable UTF-8 (a real message has
    tag and length bytes below 0x20, text has none)."""
    try:
        raw = blackboxprotobuf.encode_message(message, typedef, config=PROTOBUF_CONFIG)
    except Exception:  # the encoder raises many kinds on a typedef it did not make itself; none is fatal
        return None
    if len(raw) > MAX_TEXT_MESSAGE:
        return None
    try:
        text = bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text.isprintable() else None


def _bytes_repr(value: object) -> str:
    return bytes(value).decode("latin-1") if isinstance(value, (bytes, bytearray)) else str(value)


MemoKey = tuple[object, ...]


class BodyMemo:
    """Decoded parts of messages by content: a capture sends the same body and the same headers again and
    again (configuration polls, a HAR's repeated entries), and decoding them again would give the same
    segments, fields and notes. The key holds everything the result depends on, the message's remaining
    budget and segment room included, so a message decoded from the memo is exactly the message decoded
    afresh."""

    def __init__(self, max_bytes: int = 64 << 20, max_body: int = 1 << 20):
        self.max_bytes, self.max_body = max_bytes, max_body     # input bytes kept, one part's input
        self.held = 0
        self.entries: dict[MemoKey, Decoded] = {}

    def body(self, decoder: Decoder, digest: str, data: bytes, content_type: str, encodings: list[str],
             where: str, message_coding: str = "") -> tuple[Decoded, MemoKey | None]:
        """The body decoded into decoder's message; returns the part it added and, when kept, its key."""
        return self.part(decoder, self.body_content(digest, content_type, encodings, where, message_coding),
                         len(data), lambda fresh: fresh.body(data, content_type, encodings, where, message_coding))

    @staticmethod
    def body_content(digest: str, content_type: str, encodings: list[str], where: str,
                     message_coding: str = "") -> MemoKey:
        """What a body's decoding depends on besides the message's state (a body is named by its digest)."""
        return "body", digest, content_type, tuple(encodings), where, message_coding

    def header(self, decoder: Decoder, name: str, value: str) -> None:
        self.part(decoder, ("header", name, value), len(name) + len(value), lambda fresh: fresh.header(name, value))

    def headers(self, decoder: Decoder, pairs: list[tuple[str, str]]) -> MemoKey | None:
        """A request's headers: the whole set at once where it recurs (requests of one SDK send the same
        headers), else header by header; the set's memo key, when kept."""
        def each(fresh: Decoder) -> None:
            for name, value in pairs:
                self.header(fresh, name, value)
        _, key = self.part(decoder, ("headers", tuple(pairs)), sum(len(n) + len(v) for n, v in pairs), each)
        return key

    def replay(self, decoder: Decoder, content: MemoKey) -> MemoKey | None:
        """The part decoded from the memo into decoder's message, if the memo holds it (then the body need
        not even be read again); its key, else None."""
        key = self._key(decoder.decoded, content)
        done = self.entries.get(key)
        if done is None:
            return None
        self._merge(decoder.decoded, done)
        return key

    def part(self, decoder: Decoder, content: MemoKey, size: int,
             work: Callable[[Decoder], None]) -> tuple[Decoded, MemoKey | None]:
        decoded = decoder.decoded
        key = self._key(decoded, content)
        done = self.entries.get(key)
        if done is None:
            fresh = Decoder(decoder.plaintexts)
            fresh.decoded.budget, fresh.decoded.segment_limit = decoded.budget, key[-1]
            work(fresh)
            done = fresh.decoded
            if size <= self.max_body and self.held + size <= self.max_bytes:
                self.entries[key] = done
                self.held += size
        self._merge(decoded, done)
        return done, key if key in self.entries else None

    @staticmethod
    def _key(decoded: Decoded, content: MemoKey) -> MemoKey:
        return *content, decoded.budget, MAX_SEGMENTS - len(decoded.segments)

    @staticmethod
    def _merge(decoded: Decoded, done: Decoded) -> None:
        decoded.segments += done.segments
        decoded.fields += done.fields
        decoded.notes += done.notes
        decoded.recovered += done.recovered
        decoded.budget = done.budget
