"""A loopback WireGuard peer for tests of `auditor capture --mode wireguard`: it plays the phone.

Test-only and minimal: the Noise_IKpsk2 initiator handshake (no cookies, no rekey), transport packets, raw
IPv4/UDP/TCP packets, and just enough in-order TCP to run a TLS client (ssl.MemoryBIO) through the tunnel.
It is configured from the client configuration `auditor capture` prints, as the phone's WireGuard app is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import socket
import ssl
import struct
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

PHONE_IP = "10.0.0.1"
RESOLVER_IP = "10.0.0.53"
SYN, FIN, PSH, ACK = 0x02, 0x01, 0x08, 0x10


def _blake(data: bytes) -> bytes:
    return hashlib.blake2s(data).digest()


def _hkdf(chaining_key: bytes, material: bytes, outputs: int) -> list[bytes]:
    secret = hmac.new(chaining_key, material, hashlib.blake2s).digest()
    keys, previous = [], b""
    for counter in range(1, outputs + 1):
        previous = hmac.new(secret, previous + bytes([counter]), hashlib.blake2s).digest()
        keys.append(previous)
    return keys


def _seal(key: bytes, counter: int, plain: bytes, aad: bytes) -> bytes:
    return ChaCha20Poly1305(key).encrypt(b"\0\0\0\0" + struct.pack("<Q", counter), plain, aad)


def _open(key: bytes, counter: int, sealed: bytes, aad: bytes) -> bytes:
    return ChaCha20Poly1305(key).decrypt(b"\0\0\0\0" + struct.pack("<Q", counter), sealed, aad)


def _public(private: X25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f">{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4(src: str, dst: str, protocol: int, payload: bytes) -> bytes:
    header = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), random.getrandbits(16), 0x4000, 64,
                         protocol, 0, socket.inet_aton(src), socket.inet_aton(dst))
    return header[:10] + struct.pack(">H", _checksum(header)) + header[12:] + payload


def _pseudo(src: str, dst: str, protocol: int, length: int) -> bytes:
    return socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack(">BBH", 0, protocol, length)


def udp_packet(src: str, dst: str, sport: int, dport: int, data: bytes) -> bytes:
    segment = struct.pack(">HHHH", sport, dport, 8 + len(data), 0) + data
    checksum = _checksum(_pseudo(src, dst, 17, len(segment)) + segment) or 0xFFFF
    return ipv4(src, dst, 17, segment[:6] + struct.pack(">H", checksum) + segment[8:])


def tcp_packet(src: str, dst: str, sport: int, dport: int, seq: int, ack: int, flags: int, data: bytes = b"") -> bytes:
    segment = struct.pack(">HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags,
                          65535, 0, 0) + data
    checksum = _checksum(_pseudo(src, dst, 6, len(segment)) + segment)
    return ipv4(src, dst, 6, segment[:16] + struct.pack(">H", checksum) + segment[18:])


class WireGuardPeer:
    def __init__(self, client_private: bytes, server_public: bytes, endpoint: tuple[str, int]):
        self.static = X25519PrivateKey.from_private_bytes(client_private)
        self.server_public = server_public
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.connect(endpoint)
        self.counter = 0

    @classmethod
    def from_client_config(cls, config: str) -> WireGuardPeer:
        """From a wg-quick style configuration: [Interface] PrivateKey, [Peer] PublicKey and Endpoint."""
        values = dict(line.split(" = ", 1) for line in config.splitlines() if " = " in line)
        host, _, port = values["Endpoint"].rpartition(":")
        return cls(base64.b64decode(values["PrivateKey"]), base64.b64decode(values["PublicKey"]), (host, int(port)))

    def handshake(self) -> None:
        chaining = _blake(b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s")
        transcript = _blake(_blake(chaining + b"WireGuard v1 zx2c4 Jason@zx2c4.com") + self.server_public)
        ephemeral = X25519PrivateKey.generate()
        ephemeral_public = _public(ephemeral)
        [chaining] = _hkdf(chaining, ephemeral_public, 1)
        transcript = _blake(transcript + ephemeral_public)
        server = X25519PublicKey.from_public_bytes(self.server_public)
        chaining, key = _hkdf(chaining, ephemeral.exchange(server), 2)
        sealed_static = _seal(key, 0, _public(self.static), transcript)
        transcript = _blake(transcript + sealed_static)
        chaining, key = _hkdf(chaining, self.static.exchange(server), 2)
        now = time.time()
        sealed_time = _seal(key, 0, struct.pack(">QI", 0x400000000000000A + int(now), int(now % 1 * 1e9)),
                            transcript)
        transcript = _blake(transcript + sealed_time)
        self.local_index = random.getrandbits(32)
        message = struct.pack("<B3xI", 1, self.local_index) + ephemeral_public + sealed_static + sealed_time
        mac_key = _blake(b"mac1----" + self.server_public)
        message += hashlib.blake2s(message, digest_size=16, key=mac_key).digest() + bytes(16)
        self.sock.settimeout(5)
        self.sock.send(message)
        reply = self.sock.recv(2048)
        kind, self.remote_index, receiver = struct.unpack("<B3xII", reply[:12])
        assert kind == 2 and receiver == self.local_index, "no WireGuard handshake response"
        responder_ephemeral = reply[12:44]
        [chaining] = _hkdf(chaining, responder_ephemeral, 1)
        transcript = _blake(transcript + responder_ephemeral)
        responder = X25519PublicKey.from_public_bytes(responder_ephemeral)
        [chaining] = _hkdf(chaining, ephemeral.exchange(responder), 1)
        [chaining] = _hkdf(chaining, self.static.exchange(responder), 1)
        chaining, tau, key = _hkdf(chaining, bytes(32), 3)
        transcript = _blake(transcript + tau)
        _open(key, 0, reply[44:60], transcript)          # authenticates the responder
        self.send_key, self.receive_key = _hkdf(chaining, b"", 2)

    def send_ip(self, packet: bytes) -> None:
        padded = packet + bytes(-len(packet) % 16)
        self.sock.send(struct.pack("<B3xIQ", 4, self.remote_index, self.counter)
                       + _seal(self.send_key, self.counter, padded, b""))
        self.counter += 1

    def receive_ip(self, timeout: float = 5.0) -> bytes | None:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                datagram = self.sock.recv(65535)
            except TimeoutError:
                return None
            if datagram[0] != 4:
                continue
            plain = _open(self.receive_key, struct.unpack("<Q", datagram[8:16])[0], datagram[16:], b"")
            if plain:                                       # empty = keepalive
                return plain[: struct.unpack(">H", plain[2:4])[0]]
        return None

    def dns_query(self, name: str, timeout: float = 5.0) -> bytes | None:
        query_id, sport = random.getrandbits(16), random.randint(20000, 60000)
        question = b"".join(bytes([len(label)]) + label.encode() for label in name.split(".")) + b"\0"
        query = struct.pack(">HHHHHH", query_id, 0x0100, 1, 0, 0, 0) + question + struct.pack(">HH", 1, 1)
        self.send_ip(udp_packet(PHONE_IP, RESOLVER_IP, sport, 53, query))
        deadline = time.monotonic() + timeout
        while (packet := self.receive_ip(max(0.01, deadline - time.monotonic()))) is not None:
            if packet[9] == 17 and struct.unpack(">H", packet[22:24])[0] == sport:
                return packet[28:]
        return None


class TunnelTcp:
    """In-order TCP through the tunnel (enough for loopback, where nothing is lost or reordered)."""

    def __init__(self, peer: WireGuardPeer, dst: str, dport: int):
        self.peer, self.dst, self.dport = peer, dst, dport
        self.sport, self.seq = random.randint(20000, 60000), random.getrandbits(32)
        self.closed = False
        self._send(SYN)
        self.seq += 1
        reply = self._next_segment(5.0)
        assert reply and reply[5] & (SYN | ACK) == SYN | ACK, "no SYN-ACK through the tunnel"
        self.ack = reply[2] + 1
        self._send(ACK)

    def _send(self, flags: int, data: bytes = b"") -> None:
        self.peer.send_ip(tcp_packet(PHONE_IP, self.dst, self.sport, self.dport, self.seq,
                                     getattr(self, "ack", 0), flags, data))

    def _next_segment(self, timeout: float) -> tuple | None:
        deadline = time.monotonic() + timeout
        while (packet := self.peer.receive_ip(max(0.01, deadline - time.monotonic()))) is not None:
            start = (packet[0] & 0xF) * 4
            segment = packet[start:]
            sport, dport, seq, ack, offset, flags = struct.unpack(">HHIIBB", segment[:14])
            if packet[9] == 6 and dport == self.sport:
                return sport, dport, seq, ack, offset, flags, segment[(offset >> 4) * 4:]
        return None

    def send(self, data: bytes) -> None:
        for start in range(0, len(data), 1200):
            chunk = data[start:start + 1200]
            self._send(ACK | PSH, chunk)
            self.seq += len(chunk)

    def receive(self, timeout: float = 5.0) -> bytes:
        """Some in-order bytes; b'' once the peer closed (or nothing came within the timeout)."""
        while not self.closed:
            segment = self._next_segment(timeout)
            if segment is None:
                return b""
            seq, flags, data = segment[2], segment[5], segment[6]
            if seq == self.ack:
                self.ack += len(data)
                if flags & FIN:
                    self.ack += 1
                    self.closed = True
                self._send(ACK)
                if data:
                    return data
        return b""

    def close(self) -> None:
        self._send(ACK | FIN)


def https_request(peer: WireGuardPeer, dst: str, dport: int, server_name: str, request: bytes,
                  cafile: Path) -> bytes:
    """One HTTP/1.1 request over TLS through the tunnel; returns the raw response (head and body)."""
    context = ssl.create_default_context(cafile=str(cafile))
    context.set_alpn_protocols(["http/1.1"])
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname=server_name)
    conn = TunnelTcp(peer, dst, dport)
    for _ in range(100):
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            conn.send(outgoing.read())
            incoming.write(conn.receive())
    tls.write(request)
    conn.send(outgoing.read())
    response = b""
    for _ in range(1000):
        try:
            chunk = tls.read(65536)
        except ssl.SSLWantReadError:
            data = conn.receive()
            if not data:
                break
            incoming.write(data)
            continue
        if not chunk:
            break
        response += chunk
        head, _, body = response.partition(b"\r\n\r\n")
        lengths = [int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length")]
        if lengths and len(body) >= lengths[0]:
            break
    conn.close()
    return response
