"""A forged or corrupt agent message becomes a recorded hook.malformed event; the session goes on."""

from __future__ import annotations

import frida

from auditor.case.seal import verify_case
from auditor.instrument.planting import Plants
from auditor.instrument.session import Instrumentation, _Attached
from tests.hook_actor import actor

from .conftest import bodies

VALID = {"type": "send", "payload": {
    "type": "hook.event", "api": "android.os.Build.getSerial", "hookedClass": "android.os.Build",
    "signature": "android.os.Build.getSerial()", "category": "identifier", "args": [], "result": "R58N12ABCDE",
    "threw": None, "stack": ["android.os.Build.getSerial(Native Method)", "com.appsflyer.A.b(A.java:1)"],
    "thread": "main", "tid": 1, "time": 1795361066850, "planted": None}}


def test_hostile_messages_are_recorded_not_trusted(case):
    with case.ledger() as ledger:
        session = Instrumentation(frida.get_local_device(), ledger, Plants())
        attached = _Attached(pid=4242, session=None, script=None)
        for hostile in ({"type": "send", "payload": {**VALID["payload"], "api": ["not", "a", "string"]}},
                        {"type": "send", "payload": "x" * 300_000},
                        {"type": "send", "payload": {**VALID["payload"], "category": "gallery"}},
                        {"type": "log", "payload": None},
                        "not even an object"):
            session.receive(attached, hostile)
        session.receive(attached, VALID)
    malformed = bodies(case, "hook.malformed")
    assert [m["problem"] for m in malformed] == [
        "api must be a non-empty string of at most 512 characters", "300031 bytes exceeds 262144",
        "unknown category", "neither a send nor an error message", "message is not an object"]
    assert all(m["pid"] == 4242 and len(m["head"]) <= 256 for m in malformed)
    [event] = bodies(case, "hook.event")
    assert (event["result"], actor(event)["sdk"], event["time"]) == ("R58N12ABCDE", "AppsFlyer",
                                                                        "2026-11-22T15:24:26.850000Z")
    assert verify_case(case.root).ok
