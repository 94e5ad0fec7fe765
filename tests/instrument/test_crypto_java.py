"""The Java crypto hooks (hooks/src/cryptojava.ts) on the reference app under the real agent: each operation's
input and output kept as artifacts, exactly the bytes the JDK consumed and produced, the key as its SHA-256."""

from __future__ import annotations

import hashlib
import json
import zlib

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from auditor.case.seal import verify_case
from auditor.instrument.devices import DeviceChoice
from auditor.instrument.planting import Plants
from auditor.instrument.run import Request, run

from .conftest import APP_PACKAGE, ledger_records

# reference/app/com/bytedance/sdk/SecureReporter.java
KEY, IV = b"rf-sdk-0123456789abcdef-secret!!", b"0000111122223333"
CANARY = "AUDITOR-CANARY-crypto-clip-0e41"


def _crypto_records(case, reference_argv, proxy_sink):
    request = Request(device=DeviceChoice("local"), spawn=reference_argv(proxy_sink.port), app_package=APP_PACKAGE,
                      plants=Plants(clipboard=CANARY, location=(52.078663, 4.288788)))
    result = run(case, request)
    assert (result.ended_by_itself, result.verdict) == (True, "exited(0)")
    records = [r for r in ledger_records(case) if r["kind"] == "hook.crypto"]
    assert [r["kind"] for r in ledger_records(case) if r["kind"] in ("hook.malformed", "hook.error")] == []
    return records


def _side(case, side: dict) -> bytes:
    data = case.artifacts.read_bytes(side["sha256"], 1 << 20)
    assert side["stored"] is True and side["size"] == side["kept"] == len(data)
    assert hashlib.sha256(data).hexdigest() == side["sha256"]
    return data


def test_the_sdk_s_encryption_and_compression_are_recorded_with_their_exact_bytes(case, proxy_sink, reference_argv):
    deflate, cipher, choice = _crypto_records(case, reference_argv, proxy_sink)
    # AppLog's gzip-compressed registration (GZIPOutputStream, through its Deflater), then SecureReporter's AES,
    # then, after the consent answer, EventLog's gzip-compressed choice beacon (issue #17)
    assert [(r["body"]["api"], r["body"]["algorithm"], r["body"]["opmode"]) for r in (deflate, cipher, choice)] == [
        ("java.util.zip.Deflater.deflate", None, None),
        ("javax.crypto.Cipher.doFinal", "AES/CBC/PKCS5Padding", "encrypt"),
        ("java.util.zip.Deflater.deflate", None, None)]
    assert any("com.bytedance.sdk.EventLog." in frame for frame in choice["body"]["stack"])

    body = cipher["body"]
    assert body["key_sha256"] == hashlib.sha256(KEY).hexdigest()
    assert KEY.hex() not in json.dumps(cipher) and "rf-sdk" not in json.dumps(cipher)   # the key itself: never
    assert body["stack"][:3] == ["javax.crypto.Cipher.doFinal(Native Method)",
                                 "com.bytedance.sdk.SecureReporter.encrypt(SecureReporter.java:49)",
                                 "com.bytedance.sdk.SecureReporter.register(SecureReporter.java:40)"]
    assert body["thread"] == "main" and isinstance(body["tid"], int)
    plaintext, ciphertext = _side(case, body["input"]), _side(case, body["output"])
    assert cipher["artifact"] == body["input"]["sha256"]
    assert json.loads(plaintext) == {"openudid": "9a3c1f7e5b2d4e60",
                                     "google_aid": "4f6c8a2e-1b3d-4e5f-8a7b-9c0d1e2f3a4b",
                                     "clipboard": CANARY, "latitude": 52.078663, "longitude": 4.288788,
                                     "wifi_ssid": '"HomeNet"', "wifi_bssid": "a4:2b:b0:12:34:56",
                                     "drm_id": hashlib.sha256(b"9a3c1f7e5b2d4e60").hexdigest(),
                                     "account": "jan.jansen@example.nl", "device_name": "Pixel van Jan",
                                     "bt_name": "Pixel van Jan", "accounts": ["jan.jansen@example.nl"],
                                     "contacts": ["Anna de Vries +31687654321"]}
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(KEY), modes.CBC(IV)).encryptor()
    assert ciphertext == encryptor.update(padder.update(plaintext) + padder.finalize()) + encryptor.finalize()

    compressed = deflate["body"]
    assert compressed["key_sha256"] is None
    assert "java.util.zip.GZIPOutputStream.finish(GZIPOutputStream.java:163)" in compressed["stack"]
    assert any(f.startswith("com.bytedance.sdk.LogSender.postGzipJson(") for f in compressed["stack"])
    raw, packed = _side(case, compressed["input"]), _side(case, compressed["output"])
    assert zlib.decompress(packed, -15) == raw          # the Deflater's raw stream (gzip adds header, trailer)
    assert json.loads(raw)["header"]["openudid"] == "9a3c1f7e5b2d4e60"
    assert verify_case(case.root).ok
