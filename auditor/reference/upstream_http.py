"""What the world's upstream servers speak on a TLS connection: HTTP/1.1 or HTTP/2 (chosen by ALPN). Every
complete request is handed to `record` and answered 200 with a small JSON body; malformed input gets 400
(HTTP/1.1) or a connection error (HTTP/2) and is not recorded. Sizes are capped."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from dataclasses import dataclass

import h2.config
import h2.connection
import h2.events
import h2.exceptions

MAX_HEAD = 64 * 1024
MAX_BODY = 16 * 1024 * 1024
MAX_STREAMS = 100
IDLE_TIMEOUT = 30.0
RESPONSE_BODY = b'{"status":"ok"}'


@dataclass(frozen=True)
class Peer:
    """Where a connection arrived: the world address, the shared port, and the SNI name the client sent."""

    address: str
    port: int
    sni: str | None


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as the upstream server read it off the wire (after TLS)."""

    address: str
    port: int
    sni: str | None
    protocol: str  # "HTTP/1.1" or "HTTP/2"
    method: str
    target: str
    headers: tuple[tuple[str, str], ...]  # HTTP/2: regular headers, with :authority as "host"
    body: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)

    def to_json(self) -> dict[str, object]:
        return {"address": self.address, "port": self.port, "sni": self.sni, "protocol": self.protocol,
                "method": self.method, "target": self.target, "headers": [list(h) for h in self.headers],
                "body_b64": base64.b64encode(self.body).decode("ascii")}


Record = Callable[[ReceivedRequest], None]


class BadRequest(Exception):
    pass


async def serve_h1(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: Peer, record: Record) -> None:
    try:
        while True:
            request = await asyncio.wait_for(_read_h1_request(reader, peer), IDLE_TIMEOUT)
            if request is None:
                return
            record(request)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (len(RESPONSE_BODY), RESPONSE_BODY))
            await writer.drain()
            if (request.header("connection") or "").lower() == "close":
                return
    except (BadRequest, asyncio.LimitOverrunError, ValueError):
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


async def _read_h1_request(reader: asyncio.StreamReader, peer: Peer) -> ReceivedRequest | None:
    """One HTTP/1.1 request, or None at a clean end of the connection."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise BadRequest("truncated request head") from None
        return None
    lines = head[:-4].decode("iso-8859-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest("bad request line")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise BadRequest("bad header line")
        headers.append((name, value.strip()))
    lookup = {k.lower(): v for k, v in headers}
    if lookup.get("transfer-encoding", "").lower() == "chunked":
        body = await _read_chunked(reader)
    else:
        length = int(lookup.get("content-length", "0"))
        if not 0 <= length <= MAX_BODY:
            raise BadRequest("body too large")
        body = await reader.readexactly(length)
    return ReceivedRequest(peer.address, peer.port, peer.sni, "HTTP/1.1", parts[0], parts[1], tuple(headers), body)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass
            return bytes(body)
        if len(body) + size > MAX_BODY:
            raise BadRequest("body too large")
        body += await reader.readexactly(size)
        await reader.readexactly(2)


async def serve_h2(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: Peer, record: Record) -> None:
    connection = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
    connection.initiate_connection()
    writer.write(connection.data_to_send())
    streams: dict[int, tuple[list[tuple[str, str]], bytearray]] = {}
    try:
        while True:
            data = await asyncio.wait_for(reader.read(65536), IDLE_TIMEOUT)
            if not data:
                return
            for event in connection.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    if len(streams) >= MAX_STREAMS:
                        connection.reset_stream(event.stream_id)
                        continue
                    streams[event.stream_id] = (list(event.headers), bytearray())
                elif isinstance(event, h2.events.DataReceived) and event.stream_id in streams:
                    body = streams[event.stream_id][1]
                    body += event.data
                    connection.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                    if len(body) > MAX_BODY:
                        connection.reset_stream(event.stream_id)
                        del streams[event.stream_id]
                elif isinstance(event, h2.events.StreamEnded) and event.stream_id in streams:
                    headers, body = streams.pop(event.stream_id)
                    record(_h2_request(peer, headers, bytes(body)))
                    connection.send_headers(event.stream_id, [
                        (":status", "200"), ("content-type", "application/json"),
                        ("content-length", str(len(RESPONSE_BODY)))])
                    connection.send_data(event.stream_id, RESPONSE_BODY, end_stream=True)
                elif isinstance(event, h2.events.ConnectionTerminated):
                    writer.write(connection.data_to_send())
                    return
            writer.write(connection.data_to_send())
            await writer.drain()
    except h2.exceptions.ProtocolError:
        writer.write(connection.data_to_send())


def _h2_request(peer: Peer, headers: list[tuple[str, str]], body: bytes) -> ReceivedRequest:
    pseudo = {k: v for k, v in headers if k.startswith(":")}
    regular = [(k, v) for k, v in headers if not k.startswith(":")]
    if ":authority" in pseudo:
        regular.insert(0, ("host", pseudo[":authority"]))
    return ReceivedRequest(peer.address, peer.port, peer.sni, "HTTP/2", pseudo.get(":method", ""),
                           pseudo.get(":path", ""), tuple(regular), body)
