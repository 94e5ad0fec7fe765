"""Hook messages are hostile: every shape the agent does not send is rejected or bounded, never trusted."""

import hashlib

import pytest

from auditor.instrument.messages import MAX_MESSAGE_BYTES, Malformed, malformed_body, parse

GOOD = {"type": "hook.event", "api": "android.content.ClipboardManager.getText",
        "hookedClass": "android.content.ClipboardManager", "signature": "android.content.ClipboardManager.getText()",
        "category": "clipboard", "args": [], "result": "otp 123456", "threw": None,
        "stack": ["android.content.ClipboardManager.getText(Native Method)", "a.B.c(B.java:1)"], "thread": "main",
        "tid": 7, "time": 1795361066850, "planted": None}


def send(payload):
    return {"type": "send", "payload": payload}


def test_a_well_formed_event_passes_with_its_time_in_utc():
    message = parse(send(GOOD))
    assert message.kind == "hook.event"
    assert message.fields["time"] == "2026-11-22T15:24:26.850000Z"
    assert message.fields["result"] == "otp 123456" and message.fields["hooked_class"] == GOOD["hookedClass"]


def test_long_strings_are_hashed_and_truncated_not_stored():
    message = parse(send({**GOOD, "result": "x" * 5000}))
    assert message.fields["result"] == {"sha256": hashlib.sha256(b"x" * 5000).hexdigest(), "len": 5000,
                                        "head": "x" * 64}


def test_an_okhttp_chain_event_keeps_its_call_and_what_the_apps_interceptors_changed():
    fields = parse(send({**GOOD, "category": "http_chain", "request_line": "POST https://a.example/v2",
                         "call_id": 13326370, "rewritten": ["url", "headers"]})).fields
    assert (fields["request_line"], fields["call_id"], fields["rewritten"]) == (
        "POST https://a.example/v2", 13326370, ["url", "headers"])
    # a call without an identity (java.net.http) keeps none; an unreadable request keeps no line
    call = parse(send({**GOOD, "category": "http_call", "request_line": ""})).fields
    assert call["request_line"] is None and "call_id" not in call


@pytest.mark.parametrize("payload, problem", [
    ({**GOOD, "category": "gallery"}, "unknown category"),
    ({**GOOD, "api": 42}, "api must be"),
    ({**GOOD, "args": "not a list"}, "args must be"),
    ({**GOOD, "args": [None] * 33}, "args must be"),
    ({**GOOD, "stack": ["f"] * 65}, "stack must be"),
    ({**GOOD, "tid": True}, "tid must be"),
    ({**GOOD, "time": -5}, "time must be"),
    ({**GOOD, "result": {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}}, "nested too deeply"),
    ({**GOOD, "planted": "yes"}, "planted must be"),
    ({**GOOD, "category": "socket", "socket": {"local_ip": "1.2.3.4", "local_port": 70000,
                                              "remote_ip": "5.6.7.8", "remote_port": 443}}, "local_port"),
    ({**GOOD, "category": "http_chain", "request_line": "POST https://a.example/x", "call_id": 2**31,
      "rewritten": []}, "call_id must be"),
    ({**GOOD, "category": "http_chain", "request_line": "POST https://a.example/x", "call_id": 1,
      "rewritten": ["body"]}, "rewritten must list"),
    ({**GOOD, "category": "http_chain", "request_line": "POST https://a.example/x", "call_id": 1,
      "rewritten": ["url", "url"]}, "rewritten must list"),
    ({"type": "hook.unknown"}, "unknown payload type"),
    ({"type": "process.exit", "how": "kill -9", "status": 0}, "how must be"),
])
def test_malformed_payloads_are_rejected_with_the_reason(payload, problem):
    with pytest.raises(Malformed, match=problem):
        parse(send(payload))


def test_oversized_and_non_object_messages_are_rejected():
    with pytest.raises(Malformed, match="exceeds"):
        parse(send({**GOOD, "result": "y" * (MAX_MESSAGE_BYTES + 1)}))
    with pytest.raises(Malformed, match="neither"):
        parse({"type": "send", "payload": [1, 2]})
    with pytest.raises(Malformed, match="not an object"):
        parse(["send"])


def test_an_agent_exception_is_kept_as_an_error_not_dropped():
    message = parse({"type": "error", "description": "ReferenceError: x", "stack": "at y"})
    assert (message.kind, message.fields["description"]) == ("agent.error", "ReferenceError: x")


def test_malformed_body_is_bounded_and_identifies_the_message():
    body = malformed_body(send({"junk": "z" * 10000}), "unknown payload type")
    assert body["size"] > 10000 and len(body["head"]) == 256 and len(body["sha256"]) == 64
