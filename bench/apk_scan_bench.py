"""Benchmark (not a test): `auditor apk scan` against androguard's AnalyzeAPK on the same large APK.

Fetches a real 18 MB, multi-dex APK with the ordinary npm client (`npm pack`) into a cache directory, then
runs, each in a fresh process: auditor's scan, and androguard's AnalyzeAPK followed by the xref queries for
the same privacy APIs. Prints wall time (analysis only, imports excluded), peak RSS of the whole process,
the ratios, and whether both found the same call sites.

    .venv/bin/python bench/apk_scan_bench.py [--apk PATH] [--cache DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tarfile
import time
from pathlib import Path

NPM_PACKAGE = "appium-uiautomator2-server@10.6.6"
APK_IN_TARBALL = "package/apks/appium-uiautomator2-server-v10.6.6.apk"


def fetch(cache: Path) -> Path:
    apk = cache / Path(APK_IN_TARBALL).name
    if apk.exists():
        return apk
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run(["npm", "pack", "--silent", NPM_PACKAGE], cwd=cache, check=True, timeout=600,
                   stdout=subprocess.DEVNULL)
    tarball = next(cache.glob("appium-uiautomator2-server-*.tgz"))
    with tarfile.open(tarball) as tar:
        member = tar.getmember(APK_IN_TARBALL)
        with tar.extractfile(member) as src, open(apk, "wb") as dst:  # type: ignore[union-attr]
            dst.write(src.read())
    return apk


def run_auditor(apk: str) -> dict:
    from auditor.static.scan import scan_apk

    start = time.perf_counter()
    report = scan_apk(Path(apk))
    elapsed = time.perf_counter() - start
    sites = sorted({(c["reference"].split("->")[0], c["api"].rsplit(".", 1)[1], c["caller"], c["caller_method"],
                     c["offset"]) for c in report["api_calls"] if c["reference"].startswith("L")
                    and _declared_on_api_class(c)})
    resolved = sum(1 for c in report["api_calls"] if c["reference"].startswith("L") and not _declared_on_api_class(c))
    android_id = sorted({(c["caller"], c["caller_method"]) for c in report["api_calls"]
                         if c["api"].endswith("ANDROID_ID")})
    return {"seconds": elapsed, "sites": sites, "android_id": android_id, "resolved_via_hierarchy": resolved,
            "dex_files": len(report["dex_files"])}


def _declared_on_api_class(call: dict) -> bool:
    owner = call["reference"].split("->")[0]
    return owner[1:-1].replace("/", ".") == call["api"].rsplit(".", 1)[0]


def run_androguard(apk: str) -> dict:
    from loguru import logger

    logger.remove()
    from androguard.misc import AnalyzeAPK

    from auditor.static.apis import ANDROID_ID_STRING, API_METHODS, SECURE_GET_STRING

    start = time.perf_counter()
    _a, _d, dx = AnalyzeAPK(apk)
    sites = set()
    for method in dx.get_methods():
        if (method.class_name, method.name) in API_METHODS:
            for caller_cls, caller, offset in method.get_xref_from():
                sites.add((method.class_name, method.name, caller_cls.name[1:-1].replace("/", "."),
                           caller.name + caller.descriptor.replace(" ", ""), offset))
    android_id = sorted({(c.name[1:-1].replace("/", "."), m.name + m.descriptor.replace(" ", ""))
                         for s in dx.find_strings(f"^{ANDROID_ID_STRING}$") for c, m in s.get_xref_from()})
    elapsed = time.perf_counter() - start
    ids = set(android_id)
    sites = {s for s in sites if (s[0], s[1]) != SECURE_GET_STRING or (s[2], s[3]) in ids}
    return {"seconds": elapsed, "sites": sorted(sites), "android_id": android_id}


def child(which: str, apk: str) -> None:
    result = run_auditor(apk) if which == "auditor" else run_androguard(apk)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(which: str, apk: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", which, "--apk", str(apk)], check=True,
                         capture_output=True, text=True, timeout=1800,
                         cwd=Path(__file__).resolve().parent.parent)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["sites"] = [tuple(s) for s in result["sites"]]
    result["android_id"] = [tuple(s) for s in result["android_id"]]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apk", type=Path, help="use this APK instead of fetching the default one")
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                        / "auditor-bench")
    parser.add_argument("--child", choices=["auditor", "androguard"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, str(args.apk))
        return
    apk = args.apk or fetch(args.cache)
    ours = measure("auditor", apk)
    theirs = measure("androguard", apk)
    print(f"APK: {apk.name} ({apk.stat().st_size / 1e6:.1f} MB, {ours['dex_files']} dex files)")
    print(f"auditor apk scan  : {ours['seconds']:7.2f} s  peak RSS {ours['peak_rss_mb']:7.0f} MB")
    print(f"androguard Analyze: {theirs['seconds']:7.2f} s  peak RSS {theirs['peak_rss_mb']:7.0f} MB")
    print(f"ratio time {ours['seconds'] / theirs['seconds']:.3f} (goal <= 0.2), "
          f"memory {ours['peak_rss_mb'] / theirs['peak_rss_mb']:.3f} (goal <= 0.5)")
    same = ours["sites"] == theirs["sites"] and ours["android_id"] == theirs["android_id"]
    print(f"call sites: auditor {len(ours['sites'])}, androguard {len(theirs['sites'])}; android_id methods: "
          f"{len(ours['android_id'])} vs {len(theirs['android_id'])}; identical: {same}")
    print(f"call sites found only through the app's class hierarchy (androguard has no owner resolution): "
          f"{ours['resolved_via_hierarchy']}")
    if not same:
        for label, a, b in (("only auditor", ours, theirs), ("only androguard", theirs, ours)):
            for site in sorted(set(a["sites"]) - set(b["sites"])):
                print(f"  {label}: {site}")
        sys.exit(1)


if __name__ == "__main__":
    main()
