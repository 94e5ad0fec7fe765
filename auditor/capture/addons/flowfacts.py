"""What a `proxy.flow` ledger event says about one mitmproxy flow (docs/events.md), as plain data.

Pure functions of the flow: the recorder decides where bodies go (artifacts) and passes their digests in.
Addresses are the ones the proxy actually used, never re-resolved.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mitmproxy import connection, http

from auditor.capture.addons.upstream_trust import verify_chain

BodyFacts = dict[str, Any]      # {"body_sha256", "body_size", "body_complete"}


def iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def address(addr: tuple | None) -> dict[str, Any] | None:
    if not addr:
        return None
    return {"ip": str(addr[0]), "port": int(addr[1])}


def _text(value: str | bytes | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("ascii", "replace")
    return value


def headers(message: http.Message) -> list[list[str]]:
    # Header bytes as received; names/values that are not UTF-8 keep their bytes as surrogate escapes.
    return [[name.decode("utf-8", "surrogateescape"), value.decode("utf-8", "surrogateescape")]
            for name, value in message.headers.fields]


def server_tls(server: connection.Server, trusted_ca_file: str) -> dict[str, Any] | None:
    if not server.tls_established:
        return None
    chain = [cert._cert for cert in server.certificate_list]   # mitmproxy 11.0 has no public accessor
    verdict = verify_chain(chain, server.sni, trusted_ca_file, server.timestamp_tls_setup or 0.0)
    return {
        "sni": server.sni,
        "alpn": _text(server.alpn),
        "version": server.tls_version,
        "upstream_chain_sha256": list(verdict.chain_sha256),
        "upstream_verified": verdict.verified,
        "upstream_error": verdict.error,
    }


def client_tls(client: connection.Client) -> dict[str, Any] | None:
    if not client.tls_established:
        return None
    return {"sni": client.sni, "alpn": _text(client.alpn), "version": client.tls_version}


def connection_facts(flow: Any, trusted_ca_file: str) -> dict[str, Any]:
    """Client and server addresses, TLS on both legs and the proxy mode: shared by every flow type."""
    server = flow.server_conn
    requested = server.address
    return {
        "flow_id": flow.id,
        "mode": flow.client_conn.proxy_mode.full_spec,
        "client": address(flow.client_conn.peername),
        "server": address(server.peername),
        "server_requested": {"host": str(requested[0]), "port": int(requested[1])} if requested else None,
        "tls": server_tls(server, trusted_ca_file),
        "client_tls": client_tls(flow.client_conn),
    }


def request_facts(request: http.Request, body: BodyFacts) -> dict[str, Any]:
    return {
        "method": request.method,
        "scheme": request.scheme,
        "host": request.pretty_host,
        "port": request.port,
        "path": request.path,
        "http_version": request.http_version,
        "headers": headers(request),
        **body,
    }


def response_facts(response: http.Response | None, body: BodyFacts) -> dict[str, Any] | None:
    if response is None:
        return None
    return {
        "status_code": response.status_code,
        "http_version": response.http_version,
        "headers": headers(response),
        **body,
    }


def timestamps(flow: http.HTTPFlow) -> dict[str, str | None]:
    response = flow.response
    ends = [t for t in (flow.request.timestamp_end, response and response.timestamp_end,
                        flow.error and flow.error.timestamp) if t]
    return {
        "start": iso(flow.request.timestamp_start),
        "request_end": iso(flow.request.timestamp_end),
        "response_start": iso(response.timestamp_start if response else None),
        "end": iso(max(ends) if ends else None),
    }
