"""The operator's ed25519 signing key: created on first use in the user's configuration directory."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from auditor.case.canonical import sha256_hex
from auditor.errors import InputError

KEY_FILE = "operator-ed25519.pem"


def config_dir() -> Path:
    """$AUDITOR_HOME, else $XDG_CONFIG_HOME/auditor, else ~/.config/auditor."""
    if home := os.environ.get("AUDITOR_HOME"):
        return Path(home)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "auditor"


def raw_public_key(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(public: Ed25519PublicKey) -> str:
    return "SHA256:" + sha256_hex(raw_public_key(public))


def public_key_b64(public: Ed25519PublicKey) -> str:
    return base64.b64encode(raw_public_key(public)).decode("ascii")


def public_key_from_b64(value: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(value, validate=True))


def load_or_create(path: Path | None = None) -> tuple[Ed25519PrivateKey, bool]:
    """The operator key and whether it was created now. A key file that exists is never overwritten."""
    path = Path(path) if path else config_dir() / KEY_FILE
    if path.is_dir():
        raise InputError(path, "is a directory, not a key file")
    if path.exists():
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (ValueError, TypeError) as exc:
            raise InputError(path, f"not a usable private key ({exc})") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise InputError(path, "not an ed25519 private key")
        return key, False
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return key, True
