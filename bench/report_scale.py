"""How report rendering scales with case size: builds sealed cases of N flows (and N/2 hook events, N/4
findings) through the real case API, then times the model, HTML, PDF, JSON and CSV. Prints one line per size
and the time per 1,000 flows relative to the smallest size (the baseline, measured in the same run).

    .venv/bin/python bench/report_scale.py [N ...]      (default: 250 1000 4000)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from auditor.case import keys
from auditor.case.bundle import Case
from auditor.case.canonical import sha256_file
from auditor.case.seal import seal_case
from auditor.report.model import build_model
from auditor.report.render import public_model, render_csv, render_html, render_pdf


def make_case(root: Path, flows: int) -> Path:
    case = Case.create(root / f"case-{flows}", operator="bench")
    findings = []
    with case.ledger(fsync_interval=0.2) as ledger:
        for i in range(flows):
            body = case.artifacts.put_bytes(json.dumps({"i": i, "gaid": f"id-{i % 50}"}).encode())
            seq = ledger.append("proxy", "proxy.flow", {
                "server": {"ip": f"127.0.{i % 200}.{1 + i % 250}"},
                "request": {"method": "POST", "scheme": "https", "host": f"h{i % 40}.example", "path": f"/p/{i}",
                            "headers": [["content-type", "application/json"]], "body_sha256": body,
                            "body_size": 30}}, artifact=body)["seq"]
            if i % 2 == 0:
                ledger.append("hook", "hook.event", {"api": "android.content.ClipboardManager.getPrimaryClip",
                                                     "category": "clipboard", "stack": ["a.b.C.d(C.java:1)"] * 8,
                                                     "actor": {"package": "com.sdk"}, "thread": "main"})
            if i % 4 == 0:
                findings.append({"id": f"f{i}", "type": "personal_data_transmitted", "data_category": "advertising_id",
                                 "actor": "com.sdk",
                                 "recipient": {"host": f"h{i % 40}.example", "entity_country": "US"},
                                 "destination": {"ip": "127.0.0.1", "country_physical": "US"},
                                 "time": "2026-11-22T10:00:00Z", "evidence": {"ledger_seqs": [seq], "locations": [
                                     {"part": "body", "value": f"id-{i % 50}"}]}})
    seal_case(case, keys.load_or_create()[0])
    verdicts = [{"id": "v1", "rule_id": "r1", "severity": "high", "title": {"en": "t", "nl": "t"},
                 "explanation": {"en": "e", "nl": "e"}, "findings": [f["id"] for f in findings]}]
    (case.root / "analysis").mkdir()
    for name, data in (("findings", {"findings": findings}), ("verdicts", {"verdicts": verdicts}),
                       ("inputs", {"case": {"seal_sha256": sha256_file(case.root / "seal.json")[0]}})):
        (case.root / "analysis" / f"{name}.json").write_text(json.dumps(data))
    return case.root


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["AUDITOR_HOME"] = tmp
        baseline = None
        for flows in sizes:
            root = make_case(Path(tmp), flows)
            case = Case.open(root)
            times = {}
            start = time.perf_counter()
            model = build_model(case)
            times["model"] = time.perf_counter() - start
            start = time.perf_counter()
            html = render_html(model, "en")
            times["html"] = time.perf_counter() - start
            start = time.perf_counter()
            pdf = render_pdf(html, 0)
            times["pdf"] = time.perf_counter() - start
            start = time.perf_counter()
            json.dumps(public_model(model, "en"))
            render_csv(model)
            times["json+csv"] = time.perf_counter() - start
            total = sum(times.values())
            per_k = total / flows * 1000
            baseline = baseline or per_k
            print(f"{flows:6d} flows, {len(model['findings']):5d} findings: "
                  + ", ".join(f"{k} {v:.2f}s" for k, v in times.items())
                  + f"; total {total:.2f}s = {per_k:.2f}s per 1,000 flows ({per_k / baseline:.2f}x baseline); "
                  f"HTML {len(html) / 1e6:.1f} MB, PDF {len(pdf) / 1e6:.1f} MB", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [250, 1000, 4000])
