"""The native TLS hooks' messages are hostile input like every agent message: bounded and type-checked."""

import pytest

from auditor.instrument.messages import Malformed, parse

FIRED = {"type": "tls.bypass", "phase": "fired", "library": "libcrypto.so.3", "function": "X509_verify_cert",
         "host": "upstream.test", "tls_connection": True, "error": "20: unable to get local issuer certificate",
         "stack": ["0x1 pinned_client!main pinned_client.c:78:8"], "tid": 7, "time": 1795361066850}
LOGGED = {"type": "tls.key", "phase": "logged", "library": "libssl.so.3", "host": "upstream.test",
          "line": "CLIENT_TRAFFIC_SECRET_0 " + "ab" * 32 + " " + "cd" * 48, "error": None, "stack": [], "tid": 7,
          "time": 1795361066850}


def send(payload):
    return {"type": "send", "payload": payload}


def test_a_fired_bypass_and_a_key_line_pass_with_their_facts():
    fired = parse(send(FIRED))
    assert fired.kind == "tls.bypass"
    assert fired.fields == {"phase": "fired", "library": "libcrypto.so.3", "function": "X509_verify_cert",
                            "host": "upstream.test", "tls_connection": True,
                            "error": "20: unable to get local issuer certificate",
                            "stack": FIRED["stack"], "tid": 7, "time": "2026-11-22T15:24:26.850000Z"}
    logged = parse(send(LOGGED))
    assert (logged.kind, logged.fields["line"], "function" in logged.fields) == ("tls.key", LOGGED["line"], False)


@pytest.mark.parametrize(("change", "problem"), [
    ({"phase": "disabled"}, "phase must be installed, not_found, fired or logged"),
    ({"function": None}, "function must be a non-empty string of at most 512 characters"),
    ({"host": "h" * 1025}, "host must be a non-empty string of at most 1024 characters"),
    ({"stack": "main"}, "stack must be a list of at most 64 frames"),
    ({"tid": -1}, r"tid must be an integer in \[0, 9223372036854775808\]"),
    ({"host_from": "sni"}, "host_from must be client_hello"),
])
def test_a_bypass_message_out_of_shape_is_rejected(change, problem):
    with pytest.raises(Malformed, match=f"^{problem}$"):
        parse(send({**FIRED, **change}))


def test_a_key_line_longer_than_any_secret_is_rejected():
    with pytest.raises(Malformed, match="^line must be a non-empty string of at most 1024 characters$"):
        parse(send({**LOGGED, "line": "x" * 1025}))


LOCATED = {"type": "tls.key", "phase": "installed", "library": "libssl.so.0", "function": "ssl_log_secret",
           "host": None, "line": None, "error": None, "located": "pattern", "offset": "0x4ab60",
           "setter_offset": "0x4f3d0", "ctx_offset": 104, "callback_offset": 544, "stack": [], "tid": 7,
           "time": 1795361066850}


def test_a_function_located_by_pattern_keeps_where_it_was_found():
    located = parse(send(LOCATED))
    assert {k: located.fields[k] for k in ("function", "located", "offset", "setter_offset", "ctx_offset",
                                            "callback_offset")} == {
        "function": "ssl_log_secret", "located": "pattern", "offset": "0x4ab60", "setter_offset": "0x4f3d0",
        "ctx_offset": 104, "callback_offset": 544}


@pytest.mark.parametrize(("change", "problem"), [
    ({"located": "symbol"}, "located must be pattern or signature"),
    ({"offset": "4ab60"}, "offset must be a hexadecimal offset like 0x4e2a0"),
    ({"setter_offset": 20320}, "setter_offset must be a hexadecimal offset like 0x4e2a0"),
    ({"ctx_offset": -8}, r"ctx_offset must be an integer in \[0, 1048576\]"),
])
def test_a_located_message_out_of_shape_is_rejected(change, problem):
    with pytest.raises(Malformed, match=f"^{problem}$"):
        parse(send({**LOCATED, **change}))
