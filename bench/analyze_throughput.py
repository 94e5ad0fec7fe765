"""Benchmark: `auditor analyze` throughput on a synthetic case against the floor of mitmproxy's FlowReader.

Builds (once, in a temporary directory) a case of N flows written with the real case API, and a flows.mitm
file of the same N flows written with mitmproxy's FlowWriter. Then, each in a fresh subprocess so peak
memory is its own: (1) FlowReader reads flows.mitm — the floor, the least any analysis of the same flows
must spend; (2) analyze runs on the case. Prints flows/s of both, the ratio, and peak RSS; run with two
sizes to see whether memory grows with the number of flows.

    .venv/bin/python bench/analyze_throughput.py [--flows 50000] [--small 10000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ANDROID_ID = "9a3c1f7e5b2d4e60"
AAID = "4f6c8a2e-1b3d-4e5f-8a7b-9c0d1e2f3a4b"
HOSTS = [("log.snssdk.com", "127.0.0.21"), ("api.example-reference.eu", "127.0.0.11"),
         ("launches.appsflyer.com", "127.0.0.31"), ("cfg.kumo-analytics.jp", "127.0.0.41"),
         ("graph.facebook.com", "157.240.20.15")]


def body(number: int) -> bytes:
    return json.dumps({"event": f"e{number % 97}", "seq": number, "android_id": ANDROID_ID if number % 3 == 0
                       else None, "gaid": AAID, "pad": "x" * (number % 400)}).encode()


def build(root: Path, flows: int) -> None:
    from mitmproxy import io as mitm_io
    from mitmproxy.test import tflow

    from auditor.case.bundle import Case
    from auditor.reference.assets import default_world
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.analysis.builders import flow_body

    case = Case.create(root / "case", operator="bench")
    case.set_section("device", {"attestation": {"android_id": ANDROID_ID, "advertising_id": AAID}})
    digests = [case.artifacts.put_bytes(body(n)) for n in range(1000)]
    with open(root / "case" / "flows.mitm", "wb") as stream, case.ledger(fsync_interval=5) as ledger:
        writer = mitm_io.FlowWriter(stream)
        for number in range(flows):
            host, ip = HOSTS[number % len(HOSTS)]
            data = body(number % 1000)
            flow = tflow.tflow(resp=True)
            flow.request.host, flow.request.method, flow.request.path = host, "POST", f"/v1/e?n={number}"
            flow.request.content = data
            writer.add(flow)
            event = flow_body(f"f{number}", f"https://{host}/v1/e?n={number}", body_sha256=digests[number % 1000],
                              body_size=len(data), server_ip=ip, client_port=20000 + number % 40000,
                              start=f"2026-11-20T10:{number // 60000 % 60:02d}:{number // 1000 % 60:02d}."
                                    f"{number % 1000:06d}Z",
                              headers=[["Content-Type", "application/json"]])
            ledger.append("proxy", "proxy.flow", event)
    (root / "world.json").write_text(default_world().read_text())


FLOOR = """
import resource, sys, time
from mitmproxy import io
start = time.perf_counter(); count = 0
with open(sys.argv[1], "rb") as f:
    for _ in io.FlowReader(f).stream():
        count += 1
print(count, time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
ANALYZE = """
import resource, sys, time
from pathlib import Path
from auditor.analyze.run import analyze
start = time.perf_counter()
result = analyze(Path(sys.argv[1]), world=Path(sys.argv[2]))
print(result.flows, time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def measure(code: str, *args: str) -> tuple[int, float, float]:
    """(flows, seconds, peak RSS in MiB) of one fresh process; peak RSS as the process itself reports it."""
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    count, seconds, peak_kib = out.stdout.split()
    return int(count), float(seconds), int(peak_kib) / 1024


def run(flows: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="auditor-bench-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        build(root, flows)
        built = time.perf_counter() - started
        floor_count, floor_s, floor_mib = measure(FLOOR, str(root / "case" / "flows.mitm"))
        count, seconds, peak_mib = measure(ANALYZE, str(root / "case"), str(root / "world.json"))
        assert count == floor_count == flows, (count, floor_count, flows)
        return {"flows": flows, "build_s": built, "floor_fps": flows / floor_s, "analyze_fps": flows / seconds,
                "analyze_s": seconds, "floor_s": floor_s, "peak_mib": peak_mib, "floor_peak_mib": floor_mib}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=50_000)
    parser.add_argument("--small", type=int, default=10_000)
    options = parser.parse_args()
    for size in (options.small, options.flows):
        r = run(size)
        print(f"{r['flows']:>7} flows: analyze {r['analyze_fps']:,.0f} flows/s ({r['analyze_s']:.1f} s), "
              f"FlowReader floor {r['floor_fps']:,.0f} flows/s ({r['floor_s']:.1f} s), "
              f"ratio {r['analyze_fps'] / r['floor_fps']:.2f}; peak RSS analyze {r['peak_mib']:.0f} MiB "
              f"(FlowReader {r['floor_peak_mib']:.0f} MiB); case built in {r['build_s']:.0f} s")


if __name__ == "__main__":
    main()
