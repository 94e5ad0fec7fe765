"""The world's internet: one TLS server on each loopback address of a world, with a certificate (from a
throwaway CA) for every host name mapped there, logging exactly what arrived. HTTP/1.1 only.

All addresses share one port, picked by the kernel for the first address (port 0) and retried if another
process holds it elsewhere, so a proxy needs only "host -> address" from the world plus this one port.
"""

from __future__ import annotations

import asyncio
import base64
import errno
import json
import socket
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path

from auditor.reference.throwaway_ca import ThrowawayCA
from auditor.reference.world import World

MAX_HEAD = 64 * 1024
MAX_BODY = 16 * 1024 * 1024
IDLE_TIMEOUT = 30.0
PORT_ATTEMPTS = 20
RESPONSE_BODY = b'{"status":"ok"}'


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as the upstream server read it off the wire (after TLS)."""

    address: str
    port: int
    sni: str | None
    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)

    def to_json(self) -> dict[str, object]:
        return {"address": self.address, "port": self.port, "sni": self.sni, "method": self.method,
                "target": self.target, "headers": [list(h) for h in self.headers],
                "body_b64": base64.b64encode(self.body).decode("ascii")}


class BadRequest(Exception):
    pass


@dataclass
class _Listener:
    address: str
    sock: socket.socket
    contexts: dict[str, ssl.SSLContext] = field(default_factory=dict)


class UpstreamServers:
    """Start with `with UpstreamServers(world, directory) as servers:`; `servers.port`, `servers.ca_pem`."""

    def __init__(self, world: World, directory: Path, log_path: Path | None = None):
        self.world = world
        self.ca = ThrowawayCA(directory)
        self.ca_pem = self.ca.cert_pem
        self.log_path = log_path
        self.port = 0
        self._received: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.base_events.Server] = []
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None

    def __enter__(self) -> UpstreamServers:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def address_for(self, host: str) -> tuple[str, int]:
        return self.world.hosts[host], self.port

    def requests(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._received)

    def start(self, timeout: float = 10.0) -> None:
        listeners = self._bind_all()
        for listener in listeners:
            hosts = self.world.hosts_at(listener.address)
            pair = self.ca.issue(listener.address, hosts, [listener.address])
            for name in [*hosts, ""]:
                context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                context.load_cert_chain(pair.cert_pem, pair.key_pem)
                context.set_alpn_protocols(["http/1.1"])
                listener.contexts[name] = context
            default = listener.contexts[""]
            default.sni_callback = self._sni_switch(listener)
        self._thread = threading.Thread(target=self._run, args=(listeners,), name="upstream", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout) or self._startup_error:
            self.stop()
            raise RuntimeError(f"upstream servers did not start: {self._startup_error}")

    def stop(self) -> None:
        if self._loop and self._thread and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def _bind_all(self) -> list[_Listener]:
        """One socket per address, all on the same port; another process on that port elsewhere -> retry."""
        addresses = self.world.addresses()
        for _ in range(PORT_ATTEMPTS):
            bound: list[_Listener] = []
            try:
                port = 0
                for address in addresses:
                    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    bound.append(_Listener(address, sock))
                    sock.bind((address, port))
                    port = sock.getsockname()[1]
                    sock.listen(64)
                self.port = port
                return bound
            except OSError as exc:
                for listener in bound:
                    listener.sock.close()
                if exc.errno != errno.EADDRINUSE:
                    raise
        raise RuntimeError(f"no port free on all of {', '.join(addresses)} after {PORT_ATTEMPTS} attempts")

    @staticmethod
    def _sni_switch(listener: _Listener):  # type: ignore[no-untyped-def]
        def switch(ssl_object: ssl.SSLObject, server_name: str | None, _context: ssl.SSLContext) -> None:
            chosen = listener.contexts.get(server_name or "")
            if chosen is not None:
                ssl_object.context = chosen
        return switch

    def _run(self, listeners: list[_Listener]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            for listener in listeners:
                server = loop.run_until_complete(asyncio.start_server(
                    self._handler(listener), sock=listener.sock, ssl=listener.contexts[""], limit=MAX_HEAD))
                self._servers.append(server)
        except BaseException as exc:  # reported to start(), which raises
            self._startup_error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            for server in self._servers:
                server.close()
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    def _handler(self, listener: _Listener):  # type: ignore[no-untyped-def]
        names = {id(ctx): name for name, ctx in listener.contexts.items() if name}

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            ssl_object = writer.get_extra_info("ssl_object")
            sni = names.get(id(ssl_object.context)) if ssl_object is not None else None
            try:
                while True:
                    request = await asyncio.wait_for(_read_request(reader, listener.address, self.port, sni),
                                                     IDLE_TIMEOUT)
                    if request is None:
                        break
                    self._record(request)
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: %d\r\n\r\n%s" % (len(RESPONSE_BODY), RESPONSE_BODY))
                    await writer.drain()
                    if (request.header("connection") or "").lower() == "close":
                        break
            except (BadRequest, asyncio.LimitOverrunError, ValueError):
                writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            except (asyncio.TimeoutError, ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
                pass
            finally:
                writer.close()

        return handle

    def _record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self._received.append(request)
            if self.log_path is not None:
                with open(self.log_path, "a", encoding="utf-8") as log:
                    log.write(json.dumps(request.to_json(), sort_keys=True) + "\n")


async def _read_request(reader: asyncio.StreamReader, address: str, port: int,
                        sni: str | None) -> ReceivedRequest | None:
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
    request = ReceivedRequest(address, port, sni, parts[0], parts[1], tuple(headers), b"")
    encoding = (request.header("transfer-encoding") or "").lower()
    if encoding == "chunked":
        body = await _read_chunked(reader)
    else:
        length = int(request.header("content-length") or "0")
        if not 0 <= length <= MAX_BODY:
            raise BadRequest("body too large")
        body = await reader.readexactly(length)
    return ReceivedRequest(address, port, sni, parts[0], parts[1], tuple(headers), body)


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
