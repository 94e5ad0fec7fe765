"""Local TLS upstream for capture tests: a throwaway CA, and one server speaking HTTP/1.1, HTTP/2 and
WebSocket on a 127.0.0.x address (port 0). Routes: GET /hello, POST /echo (answers the body's size and
SHA-256), GET /big?mb=N (N MiB streamed), GET /ws (WebSocket echo)."""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import h2.config
import h2.connection
import h2.events
import wsproto
import wsproto.events
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class TestCA:
    cert_pem: Path
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @classmethod
    def create(cls, directory: Path) -> TestCA:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "auditor test CA")])
        now = datetime.datetime.now(datetime.UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=30))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                               critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(key, hashes.SHA256()))
        path = directory / "test-ca.pem"
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return cls(path, key, cert)

    def issue(self, directory: Path, names: list[str], ips: list[str]) -> tuple[Path, Path]:
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        alt = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, (names or ips)[0])]))
                .issuer_name(self.cert.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=30))
                .add_extension(x509.SubjectAlternativeName(alt), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                               critical=False)
                .sign(self.key, hashes.SHA256()))
        cert_path, key_path = directory / f"{(names or ips)[0]}.pem", directory / f"{(names or ips)[0]}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        return cert_path, key_path


def _route_h1(method: str, target: str, body: bytes) -> tuple[int, bytes]:
    path = urlsplit(target).path
    if path == "/echo":
        return 200, f"{len(body)} {hashlib.sha256(body).hexdigest()}".encode()
    return (200, b"hello from upstream") if path == "/hello" else (404, b"not found")


class Upstream:
    """TLS server on (ip, port 0) in a thread; one thread per connection; ALPN picks h2 or http/1.1."""

    def __init__(self, ip: str, cert: Path, key: Path):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.context.set_alpn_protocols(["h2", "http/1.1"])
        self.sock = socket.create_server((ip, 0))
        self.address = self.sock.getsockname()
        self.requests = 0
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._stop = True
        self.sock.close()

    def _accept(self) -> None:
        while not self._stop:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        raw.settimeout(30)
        try:
            conn = self.context.wrap_socket(raw, server_side=True)
            if conn.selected_alpn_protocol() == "h2":
                self._serve_h2(conn)
            else:
                self._serve_h1(conn)
        except (OSError, ssl.SSLError, ValueError):
            pass
        finally:
            raw.close()

    def _serve_h1(self, conn: ssl.SSLSocket) -> None:
        reader = conn.makefile("rb")
        while True:
            line = reader.readline(65536)
            if not line:
                return
            method, target, _ = line.decode("latin-1").split(" ", 2)
            head: dict[str, str] = {}
            while (header := reader.readline(65536)) not in (b"\r\n", b""):
                name, _, value = header.decode("latin-1").partition(":")
                head[name.strip().lower()] = value.strip()
            body = reader.read(int(head.get("content-length", "0")))
            self.requests += 1
            if head.get("upgrade", "").lower() == "websocket":
                self._serve_ws(conn, line + b"".join(f"{k}: {v}\r\n".encode() for k, v in head.items()) + b"\r\n")
                return
            if urlsplit(target).path == "/big":
                self._send_big(conn, int(parse_qs(urlsplit(target).query)["mb"][0]))
                continue
            status, payload = _route_h1(method, target, body)
            conn.sendall(f"HTTP/1.1 {status} X\r\ncontent-length: {len(payload)}\r\n"
                         f"content-type: text/plain\r\n\r\n".encode() + payload)

    @staticmethod
    def _send_big(conn: ssl.SSLSocket, mebibytes: int) -> None:
        conn.sendall(f"HTTP/1.1 200 OK\r\ncontent-length: {mebibytes << 20}\r\n"
                     "content-type: application/octet-stream\r\n\r\n".encode())
        block = bytes(range(256)) * 4096
        for _ in range(mebibytes):
            conn.sendall(block)

    @staticmethod
    def _serve_ws(conn: ssl.SSLSocket, request_head: bytes) -> None:
        ws = wsproto.WSConnection(wsproto.ConnectionType.SERVER)
        ws.receive_data(request_head)
        while True:
            for event in ws.events():
                if isinstance(event, wsproto.events.Request):
                    conn.sendall(ws.send(wsproto.events.AcceptConnection()))
                elif isinstance(event, wsproto.events.TextMessage):
                    conn.sendall(ws.send(wsproto.events.TextMessage(data="echo " + event.data)))
                elif isinstance(event, wsproto.events.BytesMessage):
                    conn.sendall(ws.send(wsproto.events.BytesMessage(data=b"echo " + event.data)))
                elif isinstance(event, wsproto.events.CloseConnection):
                    conn.sendall(ws.send(event.response()))
                    return
            data = conn.recv(65536)
            if not data:
                return
            ws.receive_data(data)

    def _serve_h2(self, conn: ssl.SSLSocket) -> None:
        h2c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        h2c.initiate_connection()
        conn.sendall(h2c.data_to_send())
        heads: dict[int, dict[str, str]] = {}
        bodies: dict[int, bytearray] = {}
        while data := conn.recv(65536):
            for event in h2c.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    heads[event.stream_id] = {k.decode() if isinstance(k, bytes) else k:
                                              v.decode() if isinstance(v, bytes) else v for k, v in event.headers}
                    bodies[event.stream_id] = bytearray()
                elif isinstance(event, h2.events.DataReceived):
                    bodies[event.stream_id] += event.data
                    h2c.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded):
                    head = heads.pop(event.stream_id)
                    self.requests += 1
                    status, payload = _route_h1(head[":method"], head[":path"], bytes(bodies.pop(event.stream_id)))
                    h2c.send_headers(event.stream_id, [(":status", str(status)),
                                                       ("content-length", str(len(payload)))])
                    h2c.send_data(event.stream_id, payload, end_stream=True)
            conn.sendall(h2c.data_to_send())
