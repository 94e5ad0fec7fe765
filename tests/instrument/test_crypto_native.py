"""The native crypto hooks (hooks/src/cryptonative.ts) on a Linux process: sealed_client.c compresses a body
with zlib and encrypts it with OpenSSL's EVP AES-256-CBC before sending it. Both operations are recorded with
their exact bytes, and analysis decrypts the request (plaintext layer, then zlib) to the planted value. The same
for aes_client.c (libcrypto's low-level AES_cbc_encrypt and AES_encrypt) and aead_client.c (BoringSSL's
EVP_AEAD_CTX_seal/open, AES-128-GCM, against Debian's android-libboringssl)."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import zlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from auditor.analyze.run import analyze
from auditor.instrument.devices import DeviceChoice
from auditor.instrument.run import Request, run
from tests.analysis.builders import add_flow
from tests.native import build_c

from .conftest import ledger_records

SOURCE = Path(__file__).with_name("sealed_client.c")
KEY = b"native-sealed-key-0123456789abcd"
CANARY = "AUDITOR-CANARY-native-clip-93d0"
PLAINTEXT = json.dumps({"openudid": "9a3c1f7e5b2d4e60", "clipboard": CANARY}, separators=(",", ":")).encode()


@pytest.fixture(scope="module")
def sealed_client(tmp_path_factory) -> Path:
    return build_c(tmp_path_factory, SOURCE, "-lcrypto", "-lz")


class Receiver:
    """One HTTP/1.1 request on loopback: keeps its body, answers 204."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(30)
        self.port = self.server.getsockname()[1]
        self.body = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.server.accept()
        with conn:
            conn.settimeout(10)
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(4096)
            head, _, body = data.partition(b"\r\n\r\n")
            length = int([line.split(b":")[1] for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:")][0])
            while len(body) < length:
                body += conn.recv(4096)
            self.body = body
            conn.sendall(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")

    def close(self) -> bytes:
        self.thread.join(30)
        self.server.close()
        return self.body


def assert_recovered(sent: dict, locations: set[str], operation: tuple[int, str, str]) -> None:
    """The finding's evidence: the planted clipboard found at exactly `locations`, inside the plaintext of the
    one crypto operation (ledger seq, api, algorithm) it names."""
    evidence = sent["evidence"]["shown"][0]
    assert {(v["location"], v["value"]) for v in evidence["values"] if v["what"] == "clipboard"} == {
        (location, CANARY) for location in locations}
    assert [(r["ledger_seq"], r["api"], r["algorithm"]) for r in evidence["recovered_plaintext"]] == [operation]


def test_evp_encryption_of_a_deflated_body_is_recovered_and_joined_to_the_request(case, sealed_client):
    records, wire, [sent] = _sealed_run(case, sealed_client)
    deflate, cipher = records
    assert [(r["body"]["api"], r["body"]["algorithm"], r["body"]["opmode"]) for r in records] == [
        ("deflate", None, None), ("EVP_EncryptFinal_ex", "AES-256-CBC", "encrypt")]

    def side(record, name):
        return _side(case, record, name)
    packed = side(deflate, "output")
    assert side(deflate, "input") == PLAINTEXT and zlib.decompress(packed) == PLAINTEXT
    # the two updates and the final block, as one operation: the compressed body in, the request body out
    assert side(cipher, "input") == packed and side(cipher, "output") == wire
    assert len(wire) == (len(packed) // 16 + 1) * 16
    assert cipher["body"]["key_sha256"] == hashlib.sha256(KEY).hexdigest()
    assert any("sealed_client.c:" in frame and "main" in frame for frame in cipher["body"]["stack"])
    assert any("sealed_client.c:" in frame for frame in deflate["body"]["stack"])

    layer = f"body<plaintext@seq{cipher['seq']}><zlib>"
    assert_recovered(sent, {layer, layer + ".clipboard"}, (cipher["seq"], "EVP_EncryptFinal_ex", "AES-256-CBC"))


AES_KEY, AES_TOKEN = b"aes-low-level-k1", b"device-token-16b"
AEAD_KEY, AEAD_NONCE = b"aead-gcm-key-16b", b"aead-nonce12"
BORINGSSL = "/usr/lib/x86_64-linux-gnu/android"     # Debian's android-libboringssl (Android's libcrypto)


@pytest.fixture(scope="module")
def aes_client(tmp_path_factory) -> Path:
    return build_c(tmp_path_factory, SOURCE.with_name("aes_client.c"), "-lcrypto")


@pytest.fixture(scope="module")
def aead_client(tmp_path_factory) -> Path:
    return build_c(tmp_path_factory, SOURCE.with_name("aead_client.c"), "-I/usr/include/android", f"-L{BORINGSSL}",
                   f"-Wl,-rpath,{BORINGSSL}", "-lcrypto")


def _sealed_run(case, client: Path) -> tuple[list[dict], bytes, list[dict]]:
    """The client run under the hooks, its request recorded as the capture would and the case analysed: the
    hook.crypto records, the bytes on the wire, the clipboard_transmitted findings."""
    receiver = Receiver()
    result = run(case, Request(device=DeviceChoice("local"),
                               spawn=(str(client), "127.0.0.1", str(receiver.port), CANARY), stdio="pipe"))
    wire = receiver.close()
    assert (result.ended_by_itself, result.verdict) == (True, "exited(0)")
    records = [r for r in ledger_records(case) if r["kind"] == "hook.crypto"]
    with case.ledger(fsync_interval=0) as ledger:
        case.set_section("planted", [{"what": "clipboard", "value": CANARY}], ledger)
        add_flow(case, ledger, "http://ib.snssdk.com/service/2/device_register/", wire,
                 headers=[["Content-Type", "application/octet-stream"]], start="2026-12-01T10:00:01Z")
    analyze(case.root)
    findings = json.loads((case.root / "analysis" / "findings.json").read_text())["findings"]
    return records, wire, [f for f in findings if f["type"] == "clipboard_transmitted"]


def _side(case, record: dict, name: str) -> bytes:
    data = case.artifacts.read_bytes(record["body"][name]["sha256"], 1 << 20)
    assert record["body"][name]["size"] == len(data)
    return data


def test_low_level_aes_cbc_and_block_calls_are_recovered(case, aes_client):
    records, wire, [sent] = _sealed_run(case, aes_client)
    assert [(r["body"]["api"], r["body"]["algorithm"], r["body"]["opmode"], r["body"]["key_sha256"])
            for r in records] == [("AES_cbc_encrypt", "AES-128-CBC", "encrypt", hashlib.sha256(AES_KEY).hexdigest()),
                                  ("AES_encrypt", "AES-128", "encrypt", hashlib.sha256(AES_KEY).hexdigest())]
    cbc, block = records
    padded = PLAINTEXT + b"\0" * (-len(PLAINTEXT) % 16)      # the client zero-pads to whole blocks
    assert (_side(case, cbc, "input"), _side(case, cbc, "output")) == (padded, wire)
    encryptor = Cipher(algorithms.AES(AES_KEY), modes.ECB()).encryptor()
    assert (_side(case, block, "input"), _side(case, block, "output")) == (AES_TOKEN, encryptor.update(AES_TOKEN))
    assert any("aes_client.c:" in frame and "main" in frame for frame in cbc["body"]["stack"])
    # found in the recovered text; the zero padding keeps it from parsing as JSON (no .clipboard location)
    assert_recovered(sent, {f"body<plaintext@seq{cbc['seq']}>"}, (cbc["seq"], "AES_cbc_encrypt", "AES-128-CBC"))


def test_boringssl_aead_seal_and_open_are_recovered(case, aead_client):
    records, wire, [sent] = _sealed_run(case, aead_client)
    key = hashlib.sha256(AEAD_KEY).hexdigest()
    assert [(r["body"]["api"], r["body"]["algorithm"], r["body"]["opmode"], r["body"]["key_sha256"])
            for r in records] == [("EVP_AEAD_CTX_seal", "AES-128-GCM", "encrypt", key),
                                  ("EVP_AEAD_CTX_open", "AES-128-GCM", "decrypt", key)]
    seal, opened = records
    assert wire == AESGCM(AEAD_KEY).encrypt(AEAD_NONCE, PLAINTEXT, None)     # ciphertext and 16-byte tag
    assert (_side(case, seal, "input"), _side(case, seal, "output")) == (PLAINTEXT, wire)
    assert (_side(case, opened, "input"), _side(case, opened, "output")) == (wire, PLAINTEXT)
    assert any("aead_client.c:" in frame and "main" in frame for frame in seal["body"]["stack"])
    layer = f"body<plaintext@seq{seal['seq']}>"
    assert_recovered(sent, {layer, layer + ".clipboard"}, (seal["seq"], "EVP_AEAD_CTX_seal", "AES-128-GCM"))
