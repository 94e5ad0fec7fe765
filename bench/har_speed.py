"""Benchmark: `auditor import har` and `auditor analyze` on a 20,000-entry HAR against the floor of reading
the same HAR with json.load and iterating its entries (the least any import of it must spend).

The HAR is the shared real capture's entries repeated with distinct URLs until N entries. Each step runs in
a fresh subprocess so its time and peak RSS are its own. Prints seconds, entries/s and the ratio to the
floor (goals: import >= 0.3x, analysis >= 0.5x), and the same ratio in CPU seconds (user + system), which a
machine shared with other work disturbs less than wall time.

    .venv/bin/python bench/har_speed.py [--entries 20000] [--har PATH] [--baseline PYTHON]

--baseline runs the import and analysis steps a second time with another interpreter (e.g. the venv of a
checkout of main), on the same HAR in the same run, for before/after figures measured side by side.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_HAR = ROOT / "tests" / "capture" / "data" / "reporthar-android-first-run.har"

STEPS = {
    "floor": "import json,sys\nwith open(sys.argv[1],'rb') as f: d=json.load(f)\n"
             "n=sum(1 for e in d['log']['entries'] if e['request'])\n",
    "import": "import sys\nfrom auditor.importers.har import import_har\nimport_har(sys.argv[1], sys.argv[2])\n",
    "analyze": "import sys\nfrom auditor.analyze.run import analyze\nanalyze(sys.argv[2])\n",
}
TIMED = ("import resource,time\n_t=time.perf_counter()\nexec(compile(open(__file__ + '.step').read(),'step','exec'))\n"
         "_u=resource.getrusage(resource.RUSAGE_SELF)\n"
         "print(time.perf_counter()-_t, _u.ru_utime+_u.ru_stime, _u.ru_maxrss)\n")


def build(source: Path, target: Path, entries: int) -> None:
    har = json.loads(source.read_text("utf-8"))
    originals = har["log"]["entries"]
    out = []
    for number in range(entries):
        entry = json.loads(json.dumps(originals[number % len(originals)]))
        entry["request"]["url"] += ("&" if "?" in entry["request"]["url"] else "?") + f"bench={number}"
        out.append(entry)
    har["log"]["entries"] = out
    target.write_text(json.dumps(har), "utf-8")


def run(step: str, har: Path, case: Path, work: Path, python: str = sys.executable) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (the whole process, start-up included) and peak RSS (KiB) of one step."""
    script = work / f"{step}.py"
    script.write_text(TIMED)
    Path(f"{script}.step").write_text(STEPS[step])
    done = subprocess.run([python, str(script), str(har), str(case)], capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"{step} failed:\n{done.stderr[-3000:]}")
    seconds, cpu, rss = done.stdout.split()[-3:]
    return float(seconds), float(cpu), int(rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--har", type=Path, default=DEFAULT_HAR)
    parser.add_argument("--baseline", help="another interpreter whose auditor to measure beside this one")
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(args.har, args.build, args.entries)
        from auditor.case.bundle import Case
        Case.create(args.build.parent / "case", operator="bench")
        return
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        har = work / "bench.har"
        # built in a child: peak RSS survives exec, so a parent that held the HAR would inflate every step's
        subprocess.run([sys.executable, __file__, "--build", str(har), "--entries", str(args.entries),
                        "--har", str(args.har)], check=True, cwd=ROOT)
        floor, floor_cpu, _ = run("floor", har, work / "case", work)
        print(f"HAR: {args.entries} entries, {har.stat().st_size / 1e6:.1f} MB")
        print(f"floor (json.load + iterate): {floor:.2f} s, {floor_cpu:.2f} s CPU")
        runs = [("", sys.executable, work / "case")]
        if args.baseline:           # a case it creates itself: the import makes a missing case directory one
            runs.append(("baseline ", args.baseline, work / "baseline-case"))
        for step in ("import", "analyze"):
            for label, python, case in runs:
                seconds, cpu, rss = run(step, har, case, work, python)
                print(f"{label}{step}: {seconds:.2f} s, {args.entries / seconds:.0f} entries/s, "
                      f"{floor / seconds:.2f}x the floor's speed; {cpu:.2f} s CPU, {floor_cpu / cpu:.2f}x; "
                      f"peak RSS {rss // 1024} MiB")


if __name__ == "__main__":
    main()
