"""Decoding layers analysis used to miss (deflate and brotli inside base64, JWTs, header values, \\uXXXX
outside JSON, gRPC frames, raw 16-byte IDs, WebSocket messages) and one decompression budget per message,
with the peak memory of bombs read from the process that decoded them."""

from __future__ import annotations

import base64
import gzip
import json
import random
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import brotli
import pytest

from auditor.analyze.decode import MAX_DECODED, Decoder

DATA = Path(__file__).parent / "data"
SECRET = "canary-7q2x-value"


def b64(data: bytes, url: bool = False) -> str:
    return (base64.urlsafe_b64encode(data) if url else base64.b64encode(data)).decode().rstrip("=" if url else "")


def raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def found(decoder: Decoder) -> list[str]:
    """The locations of the segments holding SECRET."""
    return [where for where, text in decoder.decoded.segments if SECRET in text]


@pytest.mark.parametrize(("wrapped", "location"), [
    (zlib.compress(SECRET.encode() * 3), "body.d<base64><zlib>"),
    (raw_deflate(SECRET.encode() * 3), "body.d<base64><raw-deflate>"),
    (brotli.compress(SECRET.encode() * 3), "body.d<base64><br>"),
    (gzip.compress(SECRET.encode() * 3, mtime=0), "body.d<base64><gzip>"),
])
def test_compressed_layers_inside_base64_inside_json(wrapped, location):
    decoder = Decoder()
    decoder.body(json.dumps({"d": b64(wrapped)}).encode(), "application/json", [], "body")
    assert found(decoder) == [location]


def test_a_jwt_in_a_header_has_its_payload_decoded_into_fields():
    token = ".".join([b64(b'{"alg":"HS256","typ":"JWT"}', url=True),
                      b64(json.dumps({"sub": SECRET, "adid": "x"}).encode(), url=True), "c2ln"])
    decoder = Decoder()
    decoder.header("Authorization", f"Bearer {token}")
    assert ("header.authorization<jwt.payload><base64>.sub", "sub", SECRET) in decoder.decoded.fields
    assert found(decoder) == ["header.authorization<jwt.payload><base64>",
                              "header.authorization<jwt.payload><base64>.sub"]


def test_every_header_value_is_decoded_like_a_body_value():
    decoder = Decoder()
    decoder.header("X-Advertising-Id", "3f9c2b1e-8d4a-4e6f-9b0c-1d2e3f4a5b6c")
    decoder.header("X-Payload", b64(json.dumps({"user": SECRET}).encode()))
    decoder.header("X-Form", f"a=1&u={SECRET}")
    fields = decoder.decoded.fields
    assert ("header.x-advertising-id", "x-advertising-id", "3f9c2b1e-8d4a-4e6f-9b0c-1d2e3f4a5b6c") in fields
    assert ("header.x-payload<base64>.user", "user", SECRET) in fields
    assert ("header.x-form.u", "u", SECRET) in fields


def test_unicode_escapes_outside_json_are_unescaped():
    decoder = Decoder()
    escaped = "".join(f"\\u{ord(c):04x}" for c in SECRET)
    decoder.body(f"v={escaped};".encode(), "text/plain", [], "body")
    assert found(decoder) == ["body<unicode-escape>"]


def protobuf_string(field: int, value: bytes) -> bytes:
    return bytes([field << 3 | 2, len(value)]) + value


def test_grpc_frames_plain_and_compressed_are_each_read_as_protobuf():
    plain = protobuf_string(1, SECRET.encode())
    packed = gzip.compress(protobuf_string(2, (SECRET + "-2").encode()), mtime=0)
    body = b"\x00" + len(plain).to_bytes(4, "big") + plain + b"\x01" + len(packed).to_bytes(4, "big") + packed
    decoder = Decoder()
    decoder.body(body, "application/grpc", [], "body", "gzip")
    assert found(decoder) == ["body<grpc[0]><protobuf>", "body<grpc[0]><protobuf>.1",
                              "body<grpc[1]><protobuf>", "body<grpc[1]><protobuf>.2"]


def test_sixteen_raw_bytes_in_base64_are_searched_as_hex():
    raw = bytes.fromhex("3f9c2b1e8d4a4e6f9b0c1d2e3f4a5b6c")
    decoder = Decoder()
    decoder.body(json.dumps({"id": b64(raw)}).encode(), "application/json", [], "body")
    assert ("body.id<base64><hex>", "3f9c2b1e8d4a4e6f9b0c1d2e3f4a5b6c") in decoder.decoded.segments


def test_a_websocket_message_is_decoded_like_a_body():
    decoder = Decoder()
    decoder.websocket(json.dumps({"event": "open", "uid": SECRET}).encode(), "websocket[0]")
    assert ("websocket[0].uid", "uid", SECRET) in decoder.decoded.fields


def test_one_budget_for_all_layers_of_a_message():
    bomb = gzip.compress(b"\0" * (1 << 20), mtime=0)          # 1 MiB each: within any single step's cap
    decoder = Decoder()
    decoder.body(json.dumps([b64(bomb)] * 40).encode(), "application/json", [], "body")
    decoded = [text for where, text in decoder.decoded.segments if "<gzip>" in where]
    assert sum(map(len, decoded)) == MAX_DECODED == 16 * (1 << 20)
    assert len(decoded) == 16 and decoder.decoded.budget == 0
    assert decoder.decoded.notes == [f"decompression budget of {MAX_DECODED} bytes for this message spent; "
                                     "gzip not decoded"]


PEAK = textwrap.dedent("""
    import json, sys
    from auditor.analyze.decode import Decoder
    data = open(sys.argv[1], "rb").read()
    decoder = Decoder()
    decoder.body(data, sys.argv[2], [c for c in sys.argv[3:]], "body")
    with open("/proc/self/status") as status:   # VmHWM: this process's own peak (tests/peak.py says why)
        peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(json.dumps({"peak_kib": peak_kib,
                      "decoded": sum(len(t) for _, t in decoder.decoded.segments), "notes": decoder.decoded.notes}))
""")


def peak(path: Path, content_type: str, *codings: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PEAK, str(path), content_type, *codings], check=True,
                          capture_output=True, text=True, timeout=300)
    return json.loads(done.stdout)


BUDGET_KIB = 200 << 10      # 200 MiB: the interpreter, the decoders, and at most the budget's output


def test_a_brotli_bomb_of_2_gib_stays_within_the_budget():
    bomb = DATA / "bomb-2gib.br"
    assert bomb.stat().st_size == 3361                       # 2 GiB of zeros (issue #18's was 1,681 bytes)
    result = peak(bomb, "", "br")
    assert result["notes"] == [f"br: output capped at {1 << 20} bytes"]       # the ratio cap of a small input
    assert result["peak_kib"] < BUDGET_KIB


def test_a_zstd_bomb_stays_within_the_budget():
    bomb = DATA / "bomb-2gib.zst"
    result = peak(bomb, "", "zstd")
    assert result["notes"] == [f"zstd: output capped at {bomb.stat().st_size * 200} bytes"]   # the ratio cap
    assert result["peak_kib"] < BUDGET_KIB


def test_five_thousand_small_gzip_bombs_in_one_body_stay_within_one_budget(tmp_path):
    bomb = b64(gzip.compress(b"\0" * (1 << 20), mtime=0))
    body = tmp_path / "bombs.json"
    body.write_text(json.dumps({"events": [bomb] * 5000}))
    result = peak(body, "application/json")
    assert result["notes"] == [f"decompression budget of {MAX_DECODED} bytes for this message spent; "
                               "gzip not decoded", "segment limit reached"]
    assert result["peak_kib"] < BUDGET_KIB


def test_a_body_decoded_from_the_memo_is_the_body_decoded_afresh():
    from auditor.analyze.decode import BodyMemo
    body = gzip.compress(json.dumps({"d": b64(zlib.compress(SECRET.encode())), "n": [1, "x"]}).encode(), mtime=0)
    fresh = Decoder()
    fresh.header("X-Id", SECRET)
    fresh.body(body, "application/json", ["gzip"], "body")
    memo = BodyMemo()
    for _ in range(2):
        decoder = Decoder()
        decoder.header("X-Id", SECRET)
        memo.body(decoder, "digest-1", body, "application/json", ["gzip"], "body")
        assert decoder.decoded == fresh.decoded
    assert len(memo.entries) == 1


def test_a_query_is_found_as_urlsplit_finds_it() -> None:
    # decode._query skips urlsplit for plain printable ASCII URLs: it must agree with it on every URL
    from urllib.parse import urlsplit

    from auditor.analyze.decode import _query
    chance = random.Random(7)
    urls = ["https://h/p?q=1#f?x", "https://h#f?q", "http://u:p@h:80/a?b?c#d#e", "?x", "#?x", "a:b?c",
            "https://[::1]:8/p?q", " https://h/?q", "https://h/p\t?q=1", "https://h/\u00e9?q"]
    urls += ["".join(chance.choice("ab:/?#@.%=&[] \t\n") for _ in range(chance.randint(0, 14))) for _ in range(5000)]
    for url in urls:
        try:
            expected = urlsplit(url).query
        except ValueError:
            with pytest.raises(ValueError):
                _query(url)
            continue
        assert _query(url) == expected, url



def test_query_fields_are_parse_qsl_of_the_whole_query() -> None:
    # decode.query_fields parses a query piece by piece from a memo: the fields must be parse_qsl's, in order
    from urllib.parse import parse_qsl

    from auditor.analyze.decode import MAX_QUERY_FIELDS, query_fields
    chance = random.Random(3)
    queries = ["", "&", "a", "a=", "=b", "a=1&a=1", "a+b=%41%2&&c==d&", "x=%E2%82%AC+1&y"]
    queries += ["".join(chance.choice("ab=&+%41;") for _ in range(chance.randint(0, 16))) for _ in range(5000)]
    for query in queries * 2:       # the second time from the memo
        assert query_fields(query) == parse_qsl(query, keep_blank_values=True), query
    with pytest.raises(ValueError):
        query_fields("a&" * MAX_QUERY_FIELDS)


def test_a_long_query_value_from_the_memo_decodes_as_afresh() -> None:
    from auditor.analyze.decode import BodyMemo
    value = base64.urlsafe_b64encode(json.dumps({"gaid": "38400000-8cf0-11bd-b23e-10b96e40000d"}).encode()).decode()
    url = f"https://t.example/c?id={value}&n=1&id2={value}"

    def decoded(memo: BodyMemo | None) -> tuple[list, list, set]:
        decoder = Decoder()
        decoder.url(url, memo)
        return decoder.decoded.segments, decoder.decoded.fields, set(decoder.decoded.notes)
    memo = BodyMemo()
    afresh = decoded(None)
    assert ("query.id<base64>.gaid", "gaid", "38400000-8cf0-11bd-b23e-10b96e40000d") in afresh[1]
    assert decoded(memo) == afresh and len(memo.entries) == 2 and decoded(memo) == afresh
