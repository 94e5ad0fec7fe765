"""The WireGuard client configuration a phone needs to tunnel its traffic to a capture in wireguard mode.

mitmproxy keeps the tunnel's two keys in CONFDIR/wireguard.conf (JSON: server_key, client_key). The phone
gets the client's private key and the server's public key, with the endpoint it reaches the capture at.
The keys serve only the test tunnel; the configuration is written next to them, readable by its owner only.
"""

from __future__ import annotations

import base64
import io
import json
import os
from pathlib import Path

import segno
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from auditor.errors import InputError

CLIENT_CONFIG_NAME = "auditor-wireguard-client.conf"


def client_config(confdir: Path, endpoint: tuple[str, int]) -> str:
    """The peer configuration for the phone, from the keys mitmproxy keeps in confdir/wireguard.conf."""
    try:
        keys = json.loads((confdir / "wireguard.conf").read_text())
        server_private = base64.b64decode(keys["server_key"])
        server_public = X25519PrivateKey.from_private_bytes(server_private).public_key().public_bytes(
            Encoding.Raw, PublicFormat.Raw)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(confdir / "wireguard.conf", f"no usable WireGuard keys ({exc})") from None
    return (f"[Interface]\nPrivateKey = {keys['client_key']}\nAddress = 10.0.0.1/32\nDNS = 10.0.0.53\n\n"
            f"[Peer]\nPublicKey = {base64.b64encode(server_public).decode()}\nAllowedIPs = 0.0.0.0/0\n"
            f"Endpoint = {endpoint[0]}:{endpoint[1]}\n")


def write_client_config(confdir: Path, endpoint: tuple[str, int]) -> Path:
    """The configuration as a file to hand over to the phone (mode 0600: it holds the tunnel's client key)."""
    path = confdir / CLIENT_CONFIG_NAME
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(client_config(confdir, endpoint))
    return path


def qr_text(config: str) -> str:
    """The configuration as a QR code for a terminal: the WireGuard app scans it."""
    out = io.StringIO()
    segno.make(config, error="l").terminal(out=out, compact=True)
    return out.getvalue()
