"""Known unknowns: what crossed the proxy but could not be read as an HTTP exchange, each one a ledger event.

- `proxy.tls_failed`: a TLS handshake failed; side "client" is the app refusing our certificate (pinning).
- `proxy.quic_blocked`: a QUIC connection attempt swallowed because HTTP/3 is off (apps fall back to TCP).
- `proxy.non_http`: a TCP or UDP connection carrying something else, with per-direction sizes and hashes.
- `proxy.dns`: a DNS exchange (WireGuard mode: the phone asks the proxy's resolver).
- `proxy.malformed`: a request mitmproxy rejected before it became a flow (only its log line says so).
- `proxy.aborted`: an exchange that ended early; the partial body is already an artifact (bodies addon).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from mitmproxy import ctx, dns, http, tcp, tls, udp
from mitmproxy.addons.next_layer import _starts_like_quic
from mitmproxy.proxy import layer

from auditor.capture.addons import flowfacts
from auditor.capture.addons.bodies import META_KEY, PROXY_LOGGER
from auditor.capture.addons.sink import add_case_option, case_sink
from auditor.case.events import Kind

# Messages mitmproxy logs (and nothing else) when it rejects a request head; see net/http/http1/read.py.
_REJECTED = re.compile(r"^(?P<peer>.*?): (?P<problem>(Bad HTTP request line|Invalid header line|Invalid headers"
                       r"|Unknown HTTP version|Bad HTTP request).*)$", re.DOTALL)


def _event(kind: str, body: dict[str, Any], artifact: str | None = None) -> None:
    sink = case_sink()
    if sink is not None:
        sink.event(kind, body, artifact)


class _RejectedRequests(logging.Handler):
    """mitmproxy answers 400 to a malformed request head and creates no flow: its log line is all there is."""

    def emit(self, record: logging.LogRecord) -> None:
        match = _REJECTED.match(record.getMessage())
        if match is None:
            return
        client = getattr(record, "client", None)
        try:
            _event(Kind.PROXY_MALFORMED, {"client": flowfacts.address(client), "problem": match["problem"][:2000],
                                          "time": flowfacts.iso(record.created)})
        except Exception:   # a log handler must never break the proxy; the log line itself remains
            self.handleError(record)


def _payload(messages: list, from_client: bool) -> tuple[str | None, int]:
    data = b"".join(m.content for m in messages if m.from_client == from_client)
    sink = case_sink()
    return (sink.put(data) if data and sink is not None else None), len(data)


class Completeness:
    def __init__(self) -> None:
        self._handler = _RejectedRequests()
        self._quic_seen: set[str] = set()

    def load(self, loader) -> None:
        add_case_option(loader)
        logging.getLogger(PROXY_LOGGER).addHandler(self._handler)

    def done(self) -> None:
        logging.getLogger(PROXY_LOGGER).removeHandler(self._handler)

    def _tls_failed(self, data: tls.TlsData, side: str) -> None:
        context = data.context
        if context.client.id in self._quic_seen:
            return          # the swallowed QUIC handshake timing out: counted once, as quic_blocked
        _event(Kind.PROXY_TLS_FAILED, {
            "side": side,
            "client": flowfacts.address(context.client.peername),
            "server": flowfacts.address(context.server.peername or context.server.address),
            "sni": context.client.sni or context.server.sni,
            "error": data.conn.error,
            "mode": context.client.proxy_mode.full_spec,
        })

    def tls_failed_client(self, data: tls.TlsData) -> None:
        self._tls_failed(data, "client")

    def tls_failed_server(self, data: tls.TlsData) -> None:
        self._tls_failed(data, "server")

    def next_layer(self, nextlayer: layer.NextLayer) -> None:
        # With http3 off, mitmproxy's QUIC layer swallows the handshake without any hook. Script addons see
        # next_layer before mitmproxy's own decision, so apply its QUIC test (mitmproxy is pinned exactly).
        context = nextlayer.context
        if (ctx.options.http3 or context.client.transport_protocol != "udp"
                or context.client.id in self._quic_seen
                or not _starts_like_quic(nextlayer.data_client(), context.server.address)):
            return
        self._quic_seen.add(context.client.id)
        _event(Kind.PROXY_QUIC_BLOCKED, {
            "client": flowfacts.address(context.client.peername),
            "server": flowfacts.address(context.server.address),
            "mode": context.client.proxy_mode.full_spec,
            "time": flowfacts.iso(context.client.timestamp_start),
        })

    def _non_http(self, flow: tcp.TCPFlow | udp.UDPFlow, transport: str) -> None:
        sent_sha256, sent = _payload(flow.messages, True)
        received_sha256, received = _payload(flow.messages, False)
        _event(Kind.PROXY_NON_HTTP, {
            **flowfacts.connection_facts(flow, ctx.options.ssl_verify_upstream_trusted_ca or ""),
            "transport": transport,
            "client_bytes": sent, "client_sha256": sent_sha256,
            "server_bytes": received, "server_sha256": received_sha256,
            "messages": len(flow.messages),
            "start": flowfacts.iso(flow.client_conn.timestamp_start),
            "error": flow.error.msg if flow.error else None,
        })

    def tcp_end(self, flow: tcp.TCPFlow) -> None:
        self._non_http(flow, "tcp")

    def tcp_error(self, flow: tcp.TCPFlow) -> None:
        self._non_http(flow, "tcp")      # the upstream connection failed; tcp_end does not follow

    def udp_end(self, flow: udp.UDPFlow) -> None:
        self._non_http(flow, "udp")

    def udp_error(self, flow: udp.UDPFlow) -> None:
        self._non_http(flow, "udp")      # a UDP flow gets either udp_end or udp_error, never both

    def dns_response(self, flow: dns.DNSFlow) -> None:
        _event(Kind.PROXY_DNS, {
            "flow_id": flow.id,
            "client": flowfacts.address(flow.client_conn.peername),
            "mode": flow.client_conn.proxy_mode.full_spec,
            "questions": [q.to_json() for q in flow.request.questions],
            "answers": [a.to_json() for a in flow.response.answers] if flow.response else [],
            "response_code": flow.response.response_code if flow.response else None,
            "time": flowfacts.iso(flow.request.timestamp),
        })

    def error(self, flow: http.HTTPFlow) -> None:
        kept = flow.metadata.get(META_KEY, {})
        partial = {side: facts for side, facts in kept.items() if not facts.get("body_complete", True)}
        if flow.response is not None and not partial:
            return       # the exchange completed; an error after it (e.g. a late disconnect) loses nothing
        bodies = {side: {"size": facts["body_size"], "sha256": self._partial_digest(flow, side, facts)}
                  for side, facts in partial.items()}
        _event(Kind.PROXY_ABORTED, {
            "flow_id": flow.id,
            "client": flowfacts.address(flow.client_conn.peername),
            "url": flow.request.pretty_url,
            "error": flow.error.msg if flow.error else None,
            "partial_bodies": bodies,
        }, artifact=bodies.get("request", {}).get("sha256"))

    @staticmethod
    def _partial_digest(flow: http.HTTPFlow, side: str, facts: dict[str, Any]) -> str | None:
        if facts["spilled"]:
            return facts["body_sha256"]
        message = flow.request if side == "request" else flow.response
        sink = case_sink()
        raw = message.raw_content if message is not None else None
        return sink.put(raw) if raw and sink is not None else None


addons = [Completeness()]
