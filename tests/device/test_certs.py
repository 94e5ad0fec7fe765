"""The Android CA file name is OpenSSL's subject_hash_old: checked against the openssl CLI itself."""

from __future__ import annotations

import subprocess

import pytest
from certmaker import make_cert
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from auditor.device.certs import load_ca
from auditor.errors import InputError

SUBJECTS = [
    [x509.NameAttribute(NameOID.COMMON_NAME, "mitmproxy"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mitmproxy")],
    [x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"), x509.NameAttribute(NameOID.COMMON_NAME, "Zoë's audit CA ✓")],
    [x509.NameAttribute(NameOID.COMMON_NAME, "a" * 60)],
]


@pytest.mark.parametrize("names", SUBJECTS)
def test_subject_hash_old_matches_openssl(names, tmp_path):
    cert = make_cert(names)
    pem = cert.public_bytes(serialization.Encoding.PEM)
    (tmp_path / "ca.pem").write_bytes(pem)
    expected = subprocess.run(["openssl", "x509", "-subject_hash_old", "-noout", "-in", str(tmp_path / "ca.pem")],
                              capture_output=True, text=True, check=True, timeout=20).stdout.strip()
    loaded = load_ca(pem, "ca.pem")
    assert loaded.subject_hash_old == expected
    assert loaded.file_name() == expected + ".0"
    # DER input gives the same identity
    assert load_ca(loaded.der, "ca.der") == loaded


def test_rejects_non_ca_and_garbage():
    leaf = make_cert(SUBJECTS[0], ca=False).public_bytes(serialization.Encoding.PEM)
    with pytest.raises(InputError, match="not a CA"):
        load_ca(leaf, "leaf.pem")
    with pytest.raises(InputError, match="not an X.509 certificate"):
        load_ca(b"\x30\x03garbage", "junk.der")
    with pytest.raises(InputError, match="too large"):
        load_ca(b"x" * 70000, "big.pem")
