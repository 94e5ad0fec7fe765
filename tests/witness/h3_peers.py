"""An HTTP/3 server and client on loopback (aioquic), for the wire reader's QUIC tests. The client writes its TLS
secrets as an NSS key log (QuicConfiguration.secrets_log_file): it stands in for the key log the agent
extracts from an app's BoringSSL (instrument --keylog), which has the same labels and format."""

from __future__ import annotations

import asyncio
import threading
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from aioquic.asyncio import QuicConnectionProtocol, connect, serve
from aioquic.h3.connection import H3_ALPN, H3Connection
from aioquic.h3.events import DataReceived, H3Event, HeadersReceived
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import QuicEvent


class _H3Protocol(QuicConnectionProtocol):
    """One side's HTTP/3 on a QUIC connection; `h3_event` answers what the peer sent."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.h3 = H3Connection(self._quic)
        self.ended: dict[int, asyncio.Future[int]] = {}

    def quic_event_received(self, event: QuicEvent) -> None:
        for h3_event in self.h3.handle_event(event):
            self.h3_event(h3_event)

    def h3_event(self, event: H3Event) -> None:
        raise NotImplementedError


class _Server(_H3Protocol):
    def h3_event(self, event: H3Event) -> None:
        if isinstance(event, (HeadersReceived, DataReceived)) and event.stream_ended:
            self.h3.send_headers(event.stream_id, [(b":status", b"200"), (b"content-type", b"text/plain")])
            self.h3.send_data(event.stream_id, b"ok\n", end_stream=True)
            self.transmit()


class _Client(_H3Protocol):
    def h3_event(self, event: H3Event) -> None:
        if isinstance(event, HeadersReceived) and event.stream_id in self.ended:
            status = dict(event.headers).get(b":status", b"0")
            if not self.ended[event.stream_id].done():
                self.ended[event.stream_id].set_result(int(status))

    async def request(self, method: str, authority: str, path: str, body: bytes) -> int:
        stream_id = self._quic.get_next_available_stream_id()
        self.ended[stream_id] = asyncio.get_running_loop().create_future()
        headers = [(b":method", method.encode()), (b":scheme", b"https"), (b":authority", authority.encode()),
                   (b":path", path.encode()), (b"content-type", b"application/json"),
                   (b"user-agent", b"auditor-h3-test")]
        self.h3.send_headers(stream_id, headers, end_stream=not body)
        if body:
            self.h3.send_data(stream_id, body, end_stream=True)
        self.transmit()
        return await asyncio.wait_for(self.ended[stream_id], 10)


@dataclass
class H3Server:
    """An HTTP/3 server on `ip`, running on its own event loop thread until close()."""
    ip: str
    cert: Path
    key: Path
    port: int = 0
    _loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop, init=False)

    def __post_init__(self) -> None:
        configuration = QuicConfiguration(is_client=False, alpn_protocols=H3_ALPN)
        configuration.load_cert_chain(self.cert, self.key)
        threading.Thread(target=self._loop.run_forever, daemon=True).start()
        server = asyncio.run_coroutine_threadsafe(
            serve(self.ip, 0, configuration=configuration, create_protocol=_Server), self._loop).result(10)
        self._server = server
        self.port = server._transport.get_extra_info("sockname")[1]

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)


def h3_session(ip: str, port: int, authority: str, ca: Path, keylog: Path | None,
                requests: list[tuple[str, str, bytes]]) -> list[int]:
    """The requests (method, path, body) sent in order on one HTTP/3 connection; their response statuses.
    With `keylog`, the connection's secrets are appended to it as an NSS key log."""
    async def run() -> list[int]:
        configuration = QuicConfiguration(is_client=True, alpn_protocols=H3_ALPN, server_name=authority)
        configuration.load_verify_locations(str(ca))
        with open(keylog, "a") if keylog else nullcontext() as secrets:
            configuration.secrets_log_file = secrets
            async with connect(ip, port, configuration=configuration, create_protocol=_Client) as client:
                assert isinstance(client, _Client)
                statuses = [await client.request(method, authority, path, body) for method, path, body in requests]
                client.close()
                await client.wait_closed()
                return statuses
    return asyncio.run(run())
