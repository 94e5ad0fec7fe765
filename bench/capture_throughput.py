"""HTTPS requests/s through `auditor capture` vs bare mitmdump, alternating in one run (not a test).

Usage: .venv/bin/python -m bench.capture_throughput [--rounds 3] [--requests 300] [--connections 2]
Loopback only: a local TLS upstream on 127.0.0.2 (throwaway CA), keep-alive HTTPS clients through a CONNECT
tunnel, each request a small POST. Configurations, alternated round by round so machine load hits all alike:
  bare      mitmdump, no addon script (upstream verification off, as in the capture)
  bare -w   mitmdump writing its own stream file (mitmproxy's own way of keeping flows)
  core      the mitmproxy part of auditor's proxy process alone (auditor.capture.master's proxy core, without
            the ~30 rewriting/replay/UI addons mitmdump runs, and without auditor's addons): what recording
            itself costs is auditor/core
  auditor   `auditor capture` (its own process): auditor's proxy process (lifecycle + bodies + recorder +
            completeness addons) and the ingester, into a case
Prints the median requests/s per configuration, the ratios auditor/bare (the goal), auditor/(bare -w) and
auditor/core, and the peak memory (VmHWM) of each configuration's processes: for auditor the proxy
(auditor.capture.master), the ingest child and the `auditor capture` process itself.
"""

from __future__ import annotations

import argparse
import http.client
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from auditor.case.bundle import Case
from tests.capture.mitmdump import MITMDUMP, Mitmdump
from tests.capture.upstream import TestCA, Upstream

HOST = "127.0.0.2"


def load(address: tuple[str, int], ca: Path, port: int, requests: int, connections: int) -> float:
    import ssl

    def worker(done: list[int]) -> None:
        context = ssl.create_default_context(cafile=str(ca))
        conn = http.client.HTTPSConnection(*address, context=context, timeout=30)
        conn.set_tunnel(HOST, port)
        for n in range(requests):
            conn.request("POST", f"/echo?n={n}", body=b'{"device_id":"356938035643809","n":%d}' % n)
            conn.getresponse().read()
            done.append(1)
        conn.close()

    done: list[int] = []
    threads = [threading.Thread(target=worker, args=(done,)) for _ in range(connections)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return len(done) / (time.perf_counter() - start)


def bare(work: Path, confdir: Path, name: str) -> tuple[subprocess.Popen, tuple[str, int]]:
    """mitmdump with no addon script, or the core proxy (the port is read from its own log line)."""
    program = (sys.executable, "-m", "bench.core_master") if name == "core" else (MITMDUMP,)
    stream = ["-w", str(work / "bare.mitm")] if name == "bare -w" else []
    dump = Mitmdump.start(confdir, "--set", "ssl_insecure=true", *stream, program=program)
    return dump.process, dump.address


def peak_rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


def process_name(pid: int) -> str:
    """mitmdump, auditor, or which auditor module a python process runs (the ingester)."""
    argv = Path(f"/proc/{pid}/cmdline").read_text().split("\0")
    if "-m" in argv:
        return argv[argv.index("-m") + 1]
    return Path(argv[1] if Path(argv[0]).name.startswith("python") else argv[0]).name


def process_tree(pid: int) -> list[int]:
    """pid and all its descendants (for auditor: the capture command, mitmdump, the ingester)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid] + [descendant for child in children for descendant in process_tree(int(child))]


def auditor_capture(case_dir: Path, confdir: Path) -> tuple[subprocess.Popen, tuple[str, int]]:
    """`auditor capture` as its own process, as a user runs it (its ingester must not share our GIL)."""
    process = subprocess.Popen([str(Path(sys.executable).parent / "auditor"), "capture", "--case", str(case_dir),
                                "--listen-port", "0", "--confdir", str(confdir)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if match := re.search(r"listening at ([\d.]+):(\d+)", line):
            threading.Thread(target=process.stdout.read, daemon=True).start()     # keep draining
            return process, (match[1], int(match[2]))
    raise RuntimeError("auditor capture did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300, help="per connection")
    parser.add_argument("--connections", type=int, default=2)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ca = TestCA.create(work)
        upstream = Upstream(HOST, *ca.issue(work, [], [HOST]))
        confdir = work / "conf"
        results: dict[str, list[float]] = {"bare": [], "bare -w": [], "core": [], "auditor": []}
        memory: dict[str, list[dict[str, float]]] = {name: [] for name in results}
        for round_no in range(options.rounds):
            for name in results:
                if name == "auditor":
                    process, address = auditor_capture(Case.create(work / f"case{round_no}").root, confdir)
                else:
                    process, address = bare(work, confdir, name)
                rps = load(address, confdir / "mitmproxy-ca-cert.pem", upstream.address[1], options.requests,
                           options.connections)
                memory[name].append({process_name(pid): peak_rss_mib(pid) for pid in process_tree(process.pid)})
                stopping = time.perf_counter()
                process.send_signal(signal.SIGTERM)
                process.wait(600)
                results[name].append(rps)
                # For auditor this includes ingesting the backlog the load left (the ledger catching up).
                print(f"round {round_no + 1} {name:8s} {rps:7.1f} req/s, stop took "
                      f"{time.perf_counter() - stopping:5.2f} s", flush=True)
        upstream.close()
    medians = {name: statistics.median(values) for name, values in results.items()}
    for name, value in medians.items():
        print(f"median {name:8s} {value:7.1f} req/s")
    print(f"ratio auditor / bare      = {medians['auditor'] / medians['bare']:.3f}  (goal >= 0.95)")
    print(f"ratio auditor / bare -w   = {medians['auditor'] / medians['bare -w']:.3f}")
    print(f"ratio auditor / core      = {medians['auditor'] / medians['core']:.3f}  (what recording costs)")
    for name, rounds in memory.items():
        peaks = {process: max(r[process] for r in rounds) for process in rounds[0]}
        parts = " + ".join(f"{process} {peak:.1f}" for process, peak in peaks.items())
        print(f"peak RSS {name:8s} {parts} = {sum(peaks.values()):.1f} MiB (max over rounds)")


if __name__ == "__main__":
    main()
