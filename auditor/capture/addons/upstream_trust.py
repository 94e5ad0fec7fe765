"""Did the upstream server's certificate chain verify? Recorded per flow, never used to refuse one.

The capture runs mitmproxy with ssl_insecure (an audit must see the traffic whatever the server presents),
so mitmproxy itself verifies nothing; this module checks the chain the server sent against the trust roots
(certifi's bundle plus mitmproxy's own `ssl_verify_upstream_trusted_ca` option when set) for the SNI.
Results are cached per (chain, name): verification costs milliseconds, a busy app reuses few chains.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import certifi
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError


@dataclass(frozen=True)
class ChainVerdict:
    chain_sha256: tuple[str, ...]
    verified: bool
    error: str | None


def cert_sha256(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()


@lru_cache(maxsize=4)
def _store(extra_ca_file: str) -> Store:
    roots = x509.load_pem_x509_certificates(Path(certifi.where()).read_bytes())
    if extra_ca_file:
        roots += x509.load_pem_x509_certificates(Path(extra_ca_file).read_bytes())
    return Store(roots)


def _subject(name: str) -> x509.DNSName | x509.IPAddress:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


@lru_cache(maxsize=1024)
def _verify(chain_der: tuple[bytes, ...], name: str, extra_ca_file: str, minute: str) -> tuple[bool, str | None]:
    certs = [x509.load_der_x509_certificate(der) for der in chain_der]
    at = datetime.fromisoformat(minute).replace(tzinfo=UTC)
    try:
        verifier = PolicyBuilder().store(_store(extra_ca_file)).time(at).build_server_verifier(_subject(name))
        verifier.verify(certs[0], certs[1:])
    except (VerificationError, ValueError) as exc:
        return False, str(exc)[:500]
    return True, None


def verify_chain(chain: list[x509.Certificate], name: str | None, extra_ca_file: str,
                 when: float) -> ChainVerdict:
    hashes = tuple(cert_sha256(cert) for cert in chain)
    if not chain:
        return ChainVerdict(hashes, False, "the server presented no certificate")
    if not name:
        return ChainVerdict(hashes, False, "no server name to verify the certificate against")
    # Verified as of the handshake's minute (not second) so the cache stays useful; the verdict can only
    # differ from a per-second check within one minute of a validity boundary.
    minute = datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:00")
    verified, error = _verify(tuple(c.public_bytes(Encoding.DER) for c in chain), name, extra_ca_file, minute)
    return ChainVerdict(hashes, verified, error)
