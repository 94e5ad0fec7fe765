"""RFC 3161 trusted timestamps: ask a TSA to vouch for a digest, and check a token later without the TSA.

The token proves that the sealed bytes existed at the TSA's time. Checking it needs no network: the
token carries the TSA's certificate (certReq is set); with a CA certificate given, the TSA certificate is
also checked to be issued by it.
"""

from __future__ import annotations

import hashlib
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass

from asn1crypto import cms, tsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from auditor.errors import InputError

MAX_RESPONSE_BYTES = 1 << 20
_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512, "sha1": hashes.SHA1}


@dataclass
class TokenInfo:
    gen_time: str
    serial: int
    policy: str
    tsa_subject: str
    tsa_cert_sha256: str
    hashed_message: bytes
    hash_algorithm: str


def request_token(url: str, digest: bytes, timeout: float = 30.0) -> bytes:
    """A DER timestamp token (CMS ContentInfo) for a SHA-256 digest, from the TSA at url."""
    nonce = secrets.randbits(63)
    req = tsp.TimeStampReq({
        "version": 1,
        "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": digest},
        "nonce": nonce,
        "cert_req": True,
    })
    http = urllib.request.Request(url, data=req.dump(), method="POST",
                                  headers={"Content-Type": "application/timestamp-query"})
    try:
        with urllib.request.urlopen(http, timeout=timeout) as response:
            body = response.read(MAX_RESPONSE_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise InputError(url, f"the timestamp authority could not be reached ({exc})") from None
    if len(body) > MAX_RESPONSE_BYTES:
        raise InputError(url, "the timestamp authority's answer is too large")
    try:
        resp = tsp.TimeStampResp.load(body)
        status = resp["status"]["status"].native
        token = resp["time_stamp_token"]
        if status not in ("granted", "granted_with_mods") or token.native is None:
            raise InputError(url, f"the timestamp authority refused the request (status {status})")
        tst = token["content"]["encap_content_info"]["content"].parsed
        if tst["nonce"].native != nonce:
            raise InputError(url, "the timestamp token does not answer this request (nonce differs)")
        token_der = token.dump()
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(url, f"the timestamp authority's answer is not an RFC 3161 response ({exc})") from None
    problems, _ = check_token(token_der, digest)
    if problems:
        raise InputError(url, "the timestamp token does not verify: " + "; ".join(problems))
    return token_der


def _verify_signature(cert: x509.Certificate, signature: bytes, data: bytes, hash_name: str) -> None:
    public = cert.public_key()
    algorithm = _HASHES[hash_name]()
    if isinstance(public, rsa.RSAPublicKey):
        public.verify(signature, data, padding.PKCS1v15(), algorithm)
    elif isinstance(public, ec.EllipticCurvePublicKey):
        public.verify(signature, data, ec.ECDSA(algorithm))
    else:
        raise InvalidSignature("unsupported TSA key type")


def check_token(token_der: bytes, digest: bytes, ca_cert: x509.Certificate | None = None
                ) -> tuple[list[str], TokenInfo | None]:
    """Problems with the token for this SHA-256 digest (empty when it verifies), and what it states."""
    try:
        content = cms.ContentInfo.load(token_der)
        signed = content["content"]
        encap = signed["encap_content_info"]
        if encap["content_type"].native != "tst_info":
            return ["the token does not contain a timestamp (TSTInfo)"], None
        tst_der = encap["content"].contents
        tst = encap["content"].parsed
        signer = signed["signer_infos"][0]
        sid = signer["sid"].chosen
        certs = [c.chosen for c in signed["certificates"]]
        match = [c for c in certs if c.serial_number == sid["serial_number"].native and c.issuer == sid["issuer"]]
        if not match:
            return ["the token does not carry its signer's certificate"], None
        cert = x509.load_der_x509_certificate(match[0].dump())
        digest_name = signer["digest_algorithm"]["algorithm"].native
        imprint = tst["message_imprint"]
        info = TokenInfo(
            gen_time=tst["gen_time"].native.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            serial=int(tst["serial_number"].native),
            policy=str(tst["policy"].native),
            tsa_subject=cert.subject.rfc4514_string(),
            tsa_cert_sha256=cert.fingerprint(hashes.SHA256()).hex(),
            hashed_message=bytes(imprint["hashed_message"].native),
            hash_algorithm=str(imprint["hash_algorithm"]["algorithm"].native),
        )
        attrs = signer["signed_attrs"]
        stated_digest = next((a["values"][0].native for a in attrs if a["type"].native == "message_digest"), None)
        signed_bytes = b"\x31" + attrs.dump()[1:]  # signed over the attributes as a SET OF, not [0] IMPLICIT
        signature = signer["signature"].native
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        return [f"the token is not a well-formed RFC 3161 token ({exc})"], None
    problems = []
    if info.hash_algorithm != "sha256" or info.hashed_message != digest:
        problems.append("the token's message imprint does not match the sealed content")
    if digest_name not in _HASHES or stated_digest != hashlib.new(digest_name, tst_der).digest():
        problems.append("the token's signed digest does not match its timestamp content (TSTInfo altered)")
    try:
        _verify_signature(cert, signature, signed_bytes, digest_name)
    except (InvalidSignature, KeyError, ValueError):
        problems.append("the TSA's signature on the token is not valid")
    try:
        usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        if x509.ExtendedKeyUsageOID.TIME_STAMPING not in usage:
            problems.append("the signing certificate is not for timestamping")
    except x509.ExtensionNotFound:
        problems.append("the signing certificate is not for timestamping")
    if ca_cert is not None:
        try:
            cert.verify_directly_issued_by(ca_cert)
        except (ValueError, TypeError, InvalidSignature):
            problems.append("the TSA certificate is not issued by the given CA")
    return problems, info
