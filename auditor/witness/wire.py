"""What the wire shows: tshark decrypts a pcapng with an NSS key log and lists the HTTP/1.x, HTTP/2 and HTTP/3
requests in it (an HTTP/2 request: the client's HEADERS frame with its :method, then its DATA frames to
END_STREAM; HTTP/3: h3.py), and the certificate chains servers sent (TLS 1.3 sends them encrypted: only the
handshake secrets show them).

tshark is run with body decompression off, so a body's hash is taken over the bytes as they crossed the wire
(de-chunked, still content-encoded), which is what capture hashes too (docs/events.md `proxy.flow`), and with
its heuristic dissectors tried before port numbers: TLS on an arbitrary port (a proxy's, a test server's) is
then recognised by its content rather than taken for whatever protocol that port number is registered to.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cryptography import x509

from auditor.errors import InputError
from auditor.witness.h3 import h3_requests, header, listed, stream_frames

TSHARK_TIMEOUT = 600.0
TUNNEL_METHOD = "CONNECT"       # the proxy tunnel's set-up, not an exchange the proxy records as a flow


@dataclass(frozen=True)
class WireRequest:
    frame: int              # the pcapng frame that completed the request
    tcp_stream: int | None  # tshark's TCP connection index (None: HTTP/3, on quic_connection)
    client_port: int        # the device's source port (proxy.flow `client.port`)
    method: str
    host: str               # the Host header without its port
    path: str
    body_sha256: str | None  # None for an empty body, as in proxy.flow
    protocol: str = ""      # http/1.0, http/1.1, h2 or h3
    time: float = 0.0       # the completing frame's capture time (seconds since the epoch)
    server: str = ""        # address:port the request went to
    headers: tuple[tuple[str, str], ...] = ()   # as sent, pseudo-headers included (h2, h3)
    quic_connection: int | None = None          # tshark's QUIC connection index (HTTP/3)
    encrypted: bool = False                     # on a connection that began with a TLS or QUIC ClientHello

    @property
    def key(self) -> tuple[int, str, str, str, str | None]:
        return (self.client_port, self.method, self.host.lower(), self.path, self.body_sha256)


@dataclass(frozen=True)
class Wire:
    requests: tuple[WireRequest, ...]
    tunnels: int                    # CONNECT requests seen in clear
    tls_streams: int                # connections with a TLS ClientHello
    undecrypted_tls_streams: int    # of those, connections the key log did not open (no HTTP inside)
    quic_connections: int = 0       # QUIC connections with a ClientHello
    undecrypted_quic_connections: int = 0   # of those, connections with no HTTP/3 request read
    unread_h3_streams: int = 0               # request streams not read whole (h3.py H3Read)
    bodies: dict[str, bytes] = field(default_factory=dict, repr=False)     # request bodies by SHA-256


def tshark_binary() -> str:
    found = shutil.which("tshark")
    if found is None:
        raise InputError("tshark", "not installed (Debian package 'tshark'; see scripts/apt-runtime.txt)")
    return found


@dataclass(frozen=True)
class Certificate:
    sha256: str             # of the DER as sent
    subject: str            # RFC 4514
    issuer: str


@dataclass(frozen=True)
class ServerChain:
    """The Certificate message a server sent on one connection, certificates in the order sent (leaf first):
    over TLS on TCP (`tcp_stream`) or in QUIC's handshake (`quic_connection`; always encrypted: only with the
    app's handshake secrets)."""
    frame: int
    server: str             # address:port the chain came from
    sni: str | None         # the server name the client's ClientHello asked for
    certificates: tuple[Certificate, ...]
    tcp_stream: int | None = None
    quic_connection: int | None = None


def tshark_version() -> str:
    first = subprocess.run([tshark_binary(), "--version"], capture_output=True, text=True, timeout=60).stdout
    return first.splitlines()[0].strip() if first else "unknown"


def run_tshark(pcap: Path, keylog: Path | None, display_filter: str, *extra: str) -> str:
    command = [tshark_binary(), "-n", "-r", str(pcap), "-o", "http.decompress_body:FALSE",
               "-o", "tcp.try_heuristic_first:TRUE",
               "-o", f"tls.keylog_file:{keylog or ''}", "-Y", display_filter, *extra]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TSHARK_TIMEOUT)
    if done.returncode != 0:
        raise InputError(pcap, f"tshark could not read it: {done.stderr.strip()[-500:]}")
    return done.stdout


def _find(tree: Any, name: str) -> Any:
    """The first value under `name` anywhere in a tshark JSON subtree (fields nest under their line)."""
    if isinstance(tree, dict):
        if name in tree:
            return tree[name]
        tree = list(tree.values())
    if isinstance(tree, list):
        for item in tree:
            found = _find(item, name)
            if found is not None:
                return found
    return None


def strip_port(host: str) -> str:
    name, colon, port = host.rpartition(":")
    return name if colon and port.isdigit() and not name.endswith(":") else host


def _kept(body: bytes, bodies: dict[str, bytes]) -> str | None:
    """The body's SHA-256, the body kept under it (None for an empty body, as in proxy.flow)."""
    if not body:
        return None
    digest = hashlib.sha256(body).hexdigest()
    bodies.setdefault(digest, body)
    return digest


def _packet(layers: dict[str, Any]) -> tuple[int, float, str]:
    """A TCP packet's frame number, capture time and destination address:port."""
    ip = layers.get("ip") or layers.get("ipv6") or {}
    frame = layers["frame"]
    return (int(_find(frame, "frame.number")), float(_find(frame, "frame.time_epoch") or 0),
            f"{ip.get('ip.dst') or ip.get('ipv6.dst') or ''}:{layers['tcp'].get('tcp.dstport', '')}")


def _h1_header(line: str) -> tuple[str, str]:
    name, _, value = line.partition(":")
    return name, value.strip()


def _requests(packet: dict[str, Any], bodies: dict[str, bytes]) -> list[WireRequest]:
    layers = packet["_source"]["layers"]
    messages = layers.get("http")
    messages = messages if isinstance(messages, list) else [messages]
    tcp = layers["tcp"]
    number, time, server = _packet(layers)
    found = []
    for message in messages:
        method = _find(message, "http.request.method")
        if method is None:
            continue            # the tunnel's note (http.proxy_connect_host) or a response in the same frame
        body = _find(message, "http.file_data_raw")
        found.append(WireRequest(
            frame=number, tcp_stream=int(tcp["tcp.stream"]),
            client_port=int(tcp["tcp.srcport"]), method=method, host=strip_port(_find(message, "http.host") or ""),
            path=_find(message, "http.request.uri") or "",
            body_sha256=_kept(bytes.fromhex(body[0]), bodies) if body and body[0] else None,
            protocol=str(_find(message, "http.request.version") or "").lower(), time=time, server=server,
            headers=tuple(_h1_header(line) for line in listed(_find(message, "http.request.line")))))
    return found


DATA, HEADERS, CONTINUATION = "0", "1", "9"        # HTTP/2 frame types (RFC 9113 section 6)


@dataclass
class _Stream:
    """An HTTP/2 request being read off the wire: its HEADERS seen, its DATA until END_STREAM."""
    tcp_stream: int
    client_port: int
    server: str
    headers: tuple[tuple[str, str], ...]
    body: bytearray


def _h2_frames(packet: dict[str, Any]) -> list[dict[str, Any]]:
    return [frame for item in listed(packet["_source"]["layers"].get("http2")) if isinstance(item, dict)
            for frame in listed(item.get("http2.stream")) if isinstance(frame, dict)]


def _h2_requests(packets: list[dict[str, Any]], bodies: dict[str, bytes]) -> list[WireRequest]:
    """The HTTP/2 requests in decrypted packets, each completed by the frame that ends its stream. A header block
    too large for one frame arrives as HEADERS + CONTINUATION frames: tshark shows the reassembled headers on the
    frame that ends the block (and, within one packet, on the HEADERS too), and END_STREAM, set on the HEADERS,
    takes effect only when the block has ended."""
    open_streams: dict[tuple[int, int, int], _Stream] = {}      # (tcp stream, source port, stream id)
    ending: set[tuple[int, int, int]] = set()                   # END_STREAM seen, header block not yet ended
    found = []
    for packet in packets:
        layers = packet["_source"]["layers"]
        tcp, (number, time, server) = layers["tcp"], _packet(layers)
        tcp_stream, source_port = int(tcp["tcp.stream"]), int(tcp["tcp.srcport"])
        for frame in _h2_frames(packet):
            key = (tcp_stream, source_port, int(frame.get("http2.streamid", 0)))
            kind, flags = frame.get("http2.type"), frame.get("http2.flags_tree")
            if kind in (HEADERS, CONTINUATION) and key not in open_streams:
                headers = tuple((str(h.get("http2.header.name")), str(h.get("http2.header.value") or ""))
                                for h in listed(frame.get("http2.header")) if isinstance(h, dict))
                if any(name == ":method" for name, _ in headers):
                    open_streams[key] = _Stream(tcp_stream, source_port, server, headers, bytearray())
            elif kind == DATA and key in open_streams:
                data = frame.get("http2.data.data_raw")
                if isinstance(data, list) and data and isinstance(data[0], str):
                    open_streams[key].body += bytes.fromhex(data[0])
            if kind in (HEADERS, DATA) and _find(flags, "http2.flags.end_stream") == "1":
                ending.add(key)
            if kind in (HEADERS, CONTINUATION) and _find(flags, "http2.flags.eh") != "1":
                continue                                        # the header block goes on: the stream cannot end
            if key in ending and key in open_streams:
                ending.discard(key)
                stream = open_streams.pop(key)
                found.append(WireRequest(frame=number, tcp_stream=stream.tcp_stream, client_port=stream.client_port,
                                         method=header(stream.headers, ":method"),
                                         host=strip_port(header(stream.headers, ":authority")),
                                         path=header(stream.headers, ":path"),
                                         body_sha256=_kept(bytes(stream.body), bodies), protocol="h2", time=time,
                                         server=stream.server, headers=stream.headers))
    return found


Connection = tuple[str, int]        # ("tcp", tshark's tcp.stream) or ("quic", its quic.connection.number)
# the fields naming a TLS handshake message's connection and sender, for TLS on TCP and for QUIC alike
CONNECTION_FIELDS = ("-e", "tcp.stream", "-e", "quic.connection.number", "-e", "ip.src", "-e", "ipv6.src",
                     "-e", "tcp.srcport", "-e", "udp.srcport")


def _connection(fields: list[str]) -> tuple[Connection, str] | None:
    """The connection of a frame's handshake message (CONNECTION_FIELDS' values) and its sender's address:port.
    A datagram holding several QUIC packets names its connection once per packet: the first is taken."""
    tcp, quic, ip4, ip6, tcp_port, udp_port = fields
    if tcp:
        return ("tcp", int(tcp.split(",")[0])), f"{ip4 or ip6}:{tcp_port}"
    if quic:
        return ("quic", int(quic.split(",")[0])), f"{ip4 or ip6}:{udp_port}"
    return None


def _client_hellos(pcap: Path, keylog: Path | None) -> dict[Connection, tuple[str, str | None]]:
    """Each connection with a ClientHello (TLS on TCP, QUIC): the address:port that sent it (the client), and
    the server name it asked for. One tshark pass, shared by the request reader and the chain reader."""
    hellos = run_tshark(pcap, keylog, "tls.handshake.type == 1", "-T", "fields", "-E", "occurrence=f",
                        *CONNECTION_FIELDS, "-e", "tls.handshake.extensions_server_name")
    clients: dict[Connection, tuple[str, str | None]] = {}
    for line in hellos.splitlines():
        fields = (line.split("\t") + [""] * 7)[:7]
        found = _connection(fields[:6])
        if found is not None:
            clients.setdefault(found[0], (found[1], fields[6] or None))
    return clients


def _h3_wire(pcap: Path, keylog: Path | None, bodies: dict[str, bytes],
             clients: dict[int, str]) -> tuple[list[WireRequest], int, int, int]:
    """The HTTP/3 requests of the QUIC connections `clients` names (with each one's client); those
    connections, those with no request read, the unread request streams."""
    if not clients:
        return [], 0, 0, 0
    packets = json.loads(run_tshark(pcap, keylog, "quic.stream.stream_id", "-T", "json", "--no-duplicate-keys")
                         or "[]")
    read = h3_requests(stream_frames(packets), clients)
    requests = [WireRequest(frame=r.packet, tcp_stream=None, client_port=int(r.client.rpartition(":")[2]),
                            method=header(r.headers, ":method"), host=strip_port(header(r.headers, ":authority")),
                            path=header(r.headers, ":path"), body_sha256=_kept(r.body, bodies), protocol="h3",
                            time=r.time, server=r.server, headers=r.headers, quic_connection=r.connection,
                            encrypted=True)
                for r in read.requests]
    opened = {r.connection for r in read.requests}
    return requests, len(clients), len(set(clients) - opened), read.unread_streams


def read_wire(pcap: Path, keylog: Path | None) -> Wire:
    """The requests tshark decrypts in `pcap` with `keylog` (None: no key log, only clear text)."""
    bodies: dict[str, bytes] = {}
    packets = json.loads(run_tshark(pcap, keylog, "http.request", "-T", "json", "-x", "--no-duplicate-keys") or "[]")
    requests = [request for packet in packets for request in _requests(packet, bodies)]
    h2_packets = json.loads(run_tshark(pcap, keylog, "http2", "-T", "json", "-x", "--no-duplicate-keys") or "[]")
    requests += _h2_requests(h2_packets, bodies)
    hellos = _client_hellos(pcap, keylog)
    tls = {number for kind, number in hellos if kind == "tcp"}
    opened = {request.tcp_stream for request in requests if request.method != TUNNEL_METHOD}
    h3, quic, unopened_quic, unread = _h3_wire(pcap, keylog, bodies, {
        number: client for (kind, number), (client, _) in hellos.items() if kind == "quic"})
    requests = [replace(r, encrypted=r.tcp_stream in tls) for r in requests]
    return Wire(requests=tuple(r for r in requests if r.method != TUNNEL_METHOD) + tuple(h3),
                tunnels=sum(r.method == TUNNEL_METHOD for r in requests), tls_streams=len(tls),
                undecrypted_tls_streams=len(tls - opened), quic_connections=quic,
                undecrypted_quic_connections=unopened_quic, unread_h3_streams=unread, bodies=bodies)


def _certificate(der_hex: str) -> Certificate:
    der = bytes.fromhex(der_hex.replace(":", ""))
    try:
        cert = x509.load_der_x509_certificate(der)
        subject, issuer = cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
    except ValueError as exc:               # recorded as sent, even when it does not parse
        subject = issuer = f"unparsable certificate ({exc})"
    return Certificate(sha256=hashlib.sha256(der).hexdigest(), subject=subject, issuer=issuer)


def server_chains(pcap: Path, keylog: Path | None) -> tuple[ServerChain, ...]:
    """Each connection's server Certificate message in `pcap` (TLS on TCP and QUIC, in frame order), opened with
    `keylog` where the handshake is encrypted (TLS 1.3, every QUIC connection). The server is the side that did
    not send the ClientHello (a client's own certificate is not a chain)."""
    clients = _client_hellos(pcap, keylog)
    # every certificate of the message is wanted (comma-separated): no occurrence limit here
    messages = run_tshark(pcap, keylog, "tls.handshake.type == 11", "-T", "fields", "-e", "frame.number",
                          *CONNECTION_FIELDS, "-e", "tls.handshake.certificate")
    chains = []
    for line in messages.splitlines():
        fields = (line.split("\t") + [""] * 8)[:8]
        found = _connection(fields[1:7])
        certificates = fields[7]
        if found is None or not certificates:
            continue
        (kind, number), sender = found
        client, sni = clients.get((kind, number), ("", None))
        if sender == client:
            continue
        chains.append(ServerChain(frame=int(fields[0]), server=sender, sni=sni,
                                  certificates=tuple(_certificate(c) for c in certificates.split(",")),
                                  tcp_stream=number if kind == "tcp" else None,
                                  quic_connection=number if kind == "quic" else None))
    return tuple(chains)
