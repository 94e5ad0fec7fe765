"""A HAR of N exchanges, each carrying an advertising ID (so each is personal data, a finding's evidence and an
exhibit), to `hosts` hosts, at 1,000 server addresses or at one (`spread`): the large case the report's memory is
measured on (tests/report/test_memory_bound.py, bench/report_memory.py). Analysis groups exchanges by recipient
and address and shows the first 20 of each group: spread, nearly every exchange is an exhibit; not spread, a
case of any size has 20 exhibits per host and all its exchanges in the annex's table."""

from __future__ import annotations

GAID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


def har(entries: int, hosts: int = 40, spread: bool = True) -> dict[str, object]:
    def entry(i: int) -> dict[str, object]:
        return {"startedDateTime": f"2026-11-30T10:{i // 6000 % 60:02d}:{i // 100 % 60:02d}.{i % 100:02d}0Z",
                "time": 1, "serverIPAddress": f"127.0.{i % 200}.{1 + i % 250}" if spread else "127.0.0.1",
                "request": {"method": "POST", "url": f"https://h{i % hosts}.example/p/{i}?gaid={GAID}",
                            "httpVersion": "HTTP/1.1", "headers": [{"name": "Host", "value": f"h{i % hosts}.example"}],
                            "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
                "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [],
                             "cookies": [], "content": {"size": 0, "mimeType": "text/plain"}, "redirectURL": "",
                             "headersSize": -1, "bodySize": 0},
                "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}}
    return {"log": {"version": "1.2", "creator": {"name": "auditor-tests", "version": "1"},
                    "entries": [entry(i) for i in range(entries)]}}
