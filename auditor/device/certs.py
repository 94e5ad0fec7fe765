"""The mitmproxy CA as Android stores it: file names by OpenSSL's old subject hash, PEM or DER content.

Android names trusted CA files `<subject_hash_old>.<n>`: the first four bytes of the MD5 of the DER-encoded
subject name, read as a little-endian 32-bit number, in 8 lower-case hex digits (`openssl x509
-subject_hash_old`). The system stores hold PEM; the user store (`cacerts-added`) holds DER as the
platform's TrustedCertificateStore writes it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from auditor.errors import InputError

MAX_CA_BYTES = 64 * 1024


@dataclass(frozen=True)
class CaCertificate:
    pem: bytes
    der: bytes
    subject_hash_old: str
    sha256: str
    subject: str

    def file_name(self, index: int = 0) -> str:
        return f"{self.subject_hash_old}.{index}"


def subject_hash_old(certificate: x509.Certificate) -> str:
    digest = hashlib.md5(certificate.subject.public_bytes(), usedforsecurity=False).digest()
    return f"{int.from_bytes(digest[:4], 'little'):08x}"


def load_ca(data: bytes, source: str) -> CaCertificate:
    """Parse a CA certificate (PEM or DER; a PEM bundle's first certificate is the CA)."""
    if len(data) > MAX_CA_BYTES:
        raise InputError(source, f"{len(data)} bytes is too large for a CA certificate")
    try:
        certificate = (x509.load_pem_x509_certificate(data) if b"-----BEGIN CERTIFICATE-----" in data
                       else x509.load_der_x509_certificate(data))
    except ValueError as exc:
        raise InputError(source, f"not an X.509 certificate ({exc})") from None
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
        is_ca = constraints.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if not is_ca:
        raise InputError(source, "the certificate is not a CA (no basicConstraints CA:TRUE)")
    der = certificate.public_bytes(serialization.Encoding.DER)
    return CaCertificate(
        pem=certificate.public_bytes(serialization.Encoding.PEM),
        der=der,
        subject_hash_old=subject_hash_old(certificate),
        sha256=hashlib.sha256(der).hexdigest(),
        subject=certificate.subject.rfc4514_string(),
    )
