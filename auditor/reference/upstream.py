"""The world's internet: one TLS server on each loopback address of a world, with a certificate (from a
throwaway CA) for every host name mapped there, logging exactly what arrived (HTTP/1.1 and HTTP/2 by ALPN).

All addresses share one port, picked by the kernel for the first address (port 0) and retried if another
process holds it elsewhere, so a proxy needs only "host -> address" from the world plus this one port.
"""

from __future__ import annotations

import asyncio
import errno
import json
import socket
import ssl
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from auditor.reference.throwaway_ca import ThrowawayCA
from auditor.reference.upstream_http import MAX_HEAD, Peer, ReceivedRequest, serve_h1, serve_h2
from auditor.world import World

PORT_ATTEMPTS = 20
MAX_CONNECTIONS = 256  # open at once, over all addresses; more are closed at once

SniCallback = Callable[[ssl.SSLObject, "str | None", ssl.SSLContext], None]
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


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
        self._open_connections = 0

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
                context.set_alpn_protocols(["h2", "http/1.1"])
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
    def _sni_switch(listener: _Listener) -> SniCallback:
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
            for listener in listeners:
                listener.sock.close()
            self._ready.set()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            for server in self._servers:
                server.close()
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    def _handler(self, listener: _Listener) -> Handler:
        names = {id(ctx): name for name, ctx in listener.contexts.items() if name}

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self._open_connections += 1  # only the loop thread touches the counter
            try:
                if self._open_connections > MAX_CONNECTIONS:
                    return
                ssl_object = writer.get_extra_info("ssl_object")
                peer = Peer(listener.address, self.port, names.get(id(ssl_object.context)))
                serve = serve_h2 if ssl_object.selected_alpn_protocol() == "h2" else serve_h1
                await serve(reader, writer, peer, self._record)
            except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
                pass
            finally:
                self._open_connections -= 1
                writer.close()

        return handle

    def _record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self._received.append(request)
            if self.log_path is not None:
                with open(self.log_path, "a", encoding="utf-8") as log:
                    log.write(json.dumps(request.to_json(), sort_keys=True) + "\n")

