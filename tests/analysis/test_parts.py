"""A message's hits computed part by part, a memoised body's once per host, are exactly the hits of the whole
message decoded afresh: coordinates paired across the URL and the body, each e-mail address at its first
place, endpoint rules by host."""

from __future__ import annotations

import json

from auditor.analyze.decode import BodyMemo, Decoder
from auditor.analyze.parts import Mark, PartResults
from auditor.analyze.personal import KnownValues, recognise
from auditor.analyze.recognition import default

AAID = "3f9c2b1e-8d4a-4e6f-9b0c-1d2e3f4a5b6c"
URL = "https://api2.branch.io/v1/open?lat=52.370216&contact=ann%40example.com&c=canary-7f3a"
BODY = json.dumps({"lng": "4.895168", "mail": "ann@example.com", "advertising_ids": {"aaid": AAID},
                   "hardware_id": "e1f2a3b4c5d6e7f8", "note": "canary-7f3a"}).encode()
HEADERS = {"X-Advertising-Id": AAID, "Content-Type": "application/json"}


def fresh(known: KnownValues, host: str) -> list:
    decoder = Decoder()
    decoder.url(URL)
    for name, value in HEADERS.items():
        decoder.header(name, value)
    decoder.body(BODY, "application/json", [], "body")
    decoded = decoder.decoded
    return known.classify_locations(known.search(decoded) + recognise(decoded)) \
        + default().recognise(decoded, host, "/v1/open")


def by_parts(known: KnownValues, host: str, memo: BodyMemo, parts: PartResults) -> list:
    decoder = Decoder()
    decoded = decoder.decoded
    decoder.url(URL)
    headers = Mark(len(decoded.segments), len(decoded.fields))
    headers_key = memo.headers(decoder, list(HEADERS.items()))
    start = Mark(len(decoded.segments), len(decoded.fields))
    content = memo.body_content("digest-1", "application/json", [], "body")
    key = memo.replay(decoder, content) or memo.body(decoder, "digest-1", BODY, "application/json", [], "body")[1]
    return parts.hits(known, default(), host, "/v1/open", decoded,
                      [(Mark(0, 0), None), (headers, headers_key), (start, key)])


def test_hits_by_parts_are_the_whole_message_hits_for_every_host_and_repeat():
    known = KnownValues([{"what": "clipboard", "value": "canary-7f3a"}, {"what": "location",
                                                                        "value": "52.370216,4.895168"}], {})
    memo, parts = BodyMemo(), PartResults()
    for host in ("api2.branch.io", "collector.example", "api2.branch.io"):
        expected = fresh(known, host)
        assert by_parts(known, host, memo, parts) == expected
    # the 2 headers and their set, the body; the header set and the body for 2 hosts
    assert len(memo.entries) == 4 and len(parts.memo) == 4
    branch = {(h.category, h.location) for h in fresh(known, "api2.branch.io")}
    assert {("advertising_id", "body.advertising_ids.aaid"), ("device_identifier", "body.hardware_id"),
            ("location", "query.lat"), ("location", "body.lng"), ("clipboard", "url"),
            ("email", "query.contact")} <= branch
    rules = {host: {h.location: h.source for h in fresh(known, host) if h.category == "advertising_id"}
             for host in ("api2.branch.io", "collector.example")}
    # the same field: Branch's endpoint rule for Branch, the name family elsewhere
    assert rules["api2.branch.io"]["body.advertising_ids.aaid"] == "recognised:branch"
    assert rules["collector.example"]["body.advertising_ids.aaid"] == "recognised:advertising-id-by-key"
