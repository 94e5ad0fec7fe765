"""HTTP/3 requests read off decrypted QUIC (RFC 9114, QPACK RFC 9204). tshark 4.0 decrypts QUIC with an NSS key
log (QUIC uses the TLS 1.3 secrets) but does not decode QPACK header blocks, so this module takes the STREAM
frames tshark decrypted, reassembles each stream by offset, parses the HTTP/3 framing and has pylsqpack decode
the header blocks, fed the client's QPACK encoder stream in the order the packets crossed the wire.

A request is the client's HEADERS on a bidirectional stream it opened, then its DATA frames up to the stream's
FIN; responses are not read. A QUIC connection is one tshark connection (quic.connection.number) whose client
sent a ClientHello in an Initial packet; one with no request read is counted, as an unopened TLS connection
is (no key for it, or no request was made on it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pylsqpack

# HTTP/3 frame types (RFC 9114 section 7.2), unidirectional stream types (6.2) and settings (7.2.4.1; RFC 9204 5)
DATA, HEADERS, SETTINGS = 0x0, 0x1, 0x4
CONTROL_STREAM, QPACK_ENCODER_STREAM = 0x0, 0x2
QPACK_MAX_TABLE_CAPACITY, QPACK_BLOCKED_STREAMS = 0x1, 0x7
STREAM_FRAME_TYPES = range(0x08, 0x10)      # QUIC STREAM frames (RFC 9000 19.8), with their OFF/LEN/FIN bits


def varint(data: bytes | bytearray, at: int) -> tuple[int, int] | None:
    """The QUIC variable-length integer at `at` (RFC 9000 16) and the offset after it; None if it is cut off."""
    if at >= len(data):
        return None
    length = 1 << (data[at] >> 6)
    if at + length > len(data):
        return None
    value = data[at] & 0x3F
    for byte in data[at + 1:at + length]:
        value = (value << 8) | byte
    return value, at + length


def frames(data: bytes | bytearray, at: int) -> Iterator[tuple[int, bytes, int]]:
    """The complete HTTP/3 frames from `at`: (type, payload, offset after the frame)."""
    while True:
        kind = varint(data, at)
        size = varint(data, kind[1]) if kind else None
        if kind is None or size is None or size[1] + size[0] > len(data):
            return
        at = size[1] + size[0]
        yield kind[0], bytes(data[size[1]:at]), at


@dataclass(frozen=True)
class StreamFrame:
    """One decrypted QUIC STREAM frame as tshark shows it."""
    packet: int             # pcapng frame number
    time: float             # frame.time_epoch
    connection: int         # quic.connection.number
    sender: str             # address:port that sent it
    stream_id: int
    offset: int
    data: bytes
    fin: bool


@dataclass
class _Half:
    """One direction of one stream: the bytes in order so far, the pieces that came early, where it ends."""
    data: bytearray = field(default_factory=bytearray)
    early: dict[int, bytes] = field(default_factory=dict)
    end: int | None = None
    parsed: int = 0                         # frames read up to here
    kind: int | None = None                 # a unidirectional stream's type

    def add(self, frame: StreamFrame) -> None:
        if frame.fin:
            self.end = frame.offset + len(frame.data)
        self.early[frame.offset] = frame.data
        while True:                         # pieces that now continue the data; retransmissions overlap it
            usable = [(o, d) for o, d in self.early.items() if o <= len(self.data)]
            if not usable:
                return
            for offset, piece in usable:
                del self.early[offset]
                self.data += piece[len(self.data) - offset:]

    @property
    def ended(self) -> bool:
        return self.end is not None and len(self.data) >= self.end


@dataclass(frozen=True)
class H3Request:
    packet: int             # the frame that completed it
    time: float
    connection: int
    client: str             # address:port
    server: str
    stream_id: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def body_sha256(self) -> str | None:
        return hashlib.sha256(self.body).hexdigest() if self.body else None


def header(headers: tuple[tuple[str, str], ...], name: str) -> str:
    """The first value of a header (a pseudo-header: once) in headers as sent, else ""."""
    return next((value for key, value in headers if key == name), "")


@dataclass
class _Request:
    headers: tuple[tuple[str, str], ...] | None = None
    body: bytearray = field(default_factory=bytearray)
    blocked: bool = False                   # its header block waits for encoder stream instructions


@dataclass
class _Connection:
    client: str
    server: str = ""
    decoder: pylsqpack.Decoder | None = None
    halves: dict[tuple[int, bool], _Half] = field(default_factory=dict)     # (stream id, from client)
    requests: dict[int, _Request] = field(default_factory=dict)             # request streams not yet read whole
    done: set[int] = field(default_factory=set)                               # request streams read whole


@dataclass(frozen=True)
class H3Read:
    requests: tuple[H3Request, ...]
    unread_streams: int     # request streams not read whole: QPACK refused or never unblocked their header
                            # block, or the capture holds no end of the stream (a known unknown)


def _text(value: bytes) -> str:
    return value.decode("utf-8", "backslashreplace")


def _settings(halves: dict[tuple[int, bool], _Half]) -> tuple[int, int]:
    """The server's QPACK settings from its control stream (the client's encoder is bound by them)."""
    for (stream_id, from_client), half in halves.items():
        start = varint(half.data, 0)
        if from_client or stream_id % 4 != 3 or start is None or start[0] != CONTROL_STREAM:
            continue
        for kind, payload, _ in frames(half.data, start[1]):
            if kind == SETTINGS:
                values, at = {}, 0
                while (key := varint(payload, at)) and (value := varint(payload, key[1])):
                    values[key[0]] = value[0]
                    at = value[1]
                return values.get(QPACK_MAX_TABLE_CAPACITY, 0), values.get(QPACK_BLOCKED_STREAMS, 0)
    return 0, 0


def _reassembled(frames_in_order: list[StreamFrame], clients: dict[int, str]) -> dict[int, _Connection]:
    connections: dict[int, _Connection] = {}
    for frame in frames_in_order:
        if frame.connection not in clients:
            continue
        conn = connections.setdefault(frame.connection, _Connection(clients[frame.connection]))
        conn.halves.setdefault((frame.stream_id, frame.sender == conn.client), _Half()).add(frame)
    return connections


def _header_block(conn: _Connection, stream_id: int, request: _Request, block: bytes | None) -> None:
    assert conn.decoder is not None
    try:
        _, headers = (conn.decoder.resume_header(stream_id) if block is None
                      else conn.decoder.feed_header(stream_id, block))
    except pylsqpack.StreamBlocked:
        request.blocked = True
        return
    except pylsqpack.DecompressionFailed:
        request.headers = ()                # never a request: its stream stays unread
        return
    request.blocked = False
    request.headers = tuple((_text(name), _text(value)) for name, value in headers)


def _read_request(conn: _Connection, stream_id: int, frame: StreamFrame, found: list[H3Request]) -> None:
    """The client's request stream read as far as its bytes go; the request completed at its FIN."""
    if stream_id in conn.done:
        return                              # a retransmission after the request was read
    half, request = conn.halves[(stream_id, True)], conn.requests.setdefault(stream_id, _Request())
    for kind, payload, after in frames(half.data, half.parsed):
        if request.blocked:
            return                          # frames after a blocked header block wait for it
        half.parsed = after
        if kind == HEADERS and request.headers is None:
            _header_block(conn, stream_id, request, payload)
        elif kind == DATA and request.headers is not None:
            request.body += payload
    if half.ended and half.parsed >= len(half.data) and not request.blocked and request.headers:
        del conn.requests[stream_id]
        conn.done.add(stream_id)
        found.append(H3Request(packet=frame.packet, time=frame.time, connection=frame.connection,
                               client=conn.client, server=conn.server, stream_id=stream_id,
                               headers=request.headers, body=bytes(request.body)))


def _read_encoder(conn: _Connection, half: _Half, frame: StreamFrame, found: list[H3Request]) -> None:
    assert conn.decoder is not None
    new = bytes(half.data[half.parsed:])
    half.parsed = len(half.data)
    if not new:
        return
    try:
        unblocked = conn.decoder.feed_encoder(new)
    except pylsqpack.EncoderStreamError:
        return                              # the blocked header blocks stay blocked: counted as unread
    for stream_id in unblocked:
        _header_block(conn, stream_id, conn.requests[stream_id], None)
        _read_request(conn, stream_id, frame, found)


def h3_requests(frames_in_order: list[StreamFrame], clients: dict[int, str]) -> H3Read:
    """The HTTP/3 requests on the QUIC connections `clients` names (connection -> the client's address:port).
    The streams are reassembled once to learn the server's QPACK settings, then replayed in packet order
    through a decoder bound by them, as the server's own decoder read them."""
    settings = {number: _settings(conn.halves) for number, conn in _reassembled(frames_in_order, clients).items()}
    connections: dict[int, _Connection] = {}
    found: list[H3Request] = []
    for frame in frames_in_order:
        if frame.connection not in clients:
            continue
        conn = connections.get(frame.connection)
        if conn is None:
            conn = connections[frame.connection] = _Connection(clients[frame.connection])
            conn.decoder = pylsqpack.Decoder(*settings[frame.connection])
        from_client = frame.sender == conn.client
        if not from_client:
            conn.server = frame.sender
        half = conn.halves.setdefault((frame.stream_id, from_client), _Half())
        half.add(frame)
        if from_client and frame.stream_id % 4 == 0:
            _read_request(conn, frame.stream_id, frame, found)
        elif from_client and frame.stream_id % 4 == 2:
            if half.kind is None and (start := varint(half.data, 0)):
                half.kind, half.parsed = start
            if half.kind == QPACK_ENCODER_STREAM:
                _read_encoder(conn, half, frame, found)
    # a request completed before the server's first packet showed its address gets it from a later one
    found = [r if r.server else replace(r, server=connections[r.connection].server) for r in found]
    return H3Read(tuple(found), sum(len(c.requests) for c in connections.values()))


def stream_frames(packets: list[dict[str, Any]]) -> list[StreamFrame]:
    """The STREAM frames in tshark's JSON of decrypted QUIC packets (several QUIC packets may share a datagram)."""
    out = []
    for packet in packets:
        layers = packet["_source"]["layers"]
        ip = layers.get("ip") or layers.get("ipv6") or {}
        sender = f"{ip.get('ip.src') or ip.get('ipv6.src')}:{layers['udp']['udp.srcport']}"
        number, time = int(layers["frame"]["frame.number"]), float(layers["frame"]["frame.time_epoch"])
        coalesced = listed(layers.get("quic"))     # the datagram's QUIC packets: one connection, named on the first
        connection = next((n for n in map(_connection_number, coalesced) if n is not None), -1)
        for quic in coalesced:
            for frame in listed(quic.get("quic.frame")):
                if not isinstance(frame, dict) or int(frame.get("quic.frame_type", -1)) not in STREAM_FRAME_TYPES:
                    continue
                flags = frame.get("quic.frame_type_tree") or {}
                out.append(StreamFrame(packet=number, time=time, connection=connection, sender=sender,
                                       stream_id=int(frame["quic.stream.stream_id"]),
                                       offset=int(frame.get("quic.stream.offset", 0)),
                                       data=bytes.fromhex(frame.get("quic.stream_data", "").replace(":", "")),
                                       fin=flags.get("quic.stream.fin") in ("1", "True")))
    return out


def _connection_number(quic: dict[str, Any]) -> int | None:
    info = next((v for k, v in quic.items() if k.startswith("QUIC Connection")), None)
    number = info.get("quic.connection.number") if isinstance(info, dict) else None
    return int(number) if number is not None else None


def listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]
