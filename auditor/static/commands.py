"""Commands of the static room: auditor apk scan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from auditor.case.bundle import Case
from auditor.cli_options import case_option, json_option
from auditor.output import emit
from auditor.static.apis import CATEGORIES
from auditor.static.scan import scan_files

CATEGORY_WIDTH = max(map(len, CATEGORIES))


@click.group("apk")
def apk_group() -> None:
    """Static analysis of an APK or a split bundle (.apks/.xapk/.apkm)."""


def describe(report: dict[str, Any]) -> str:
    """The scan for people: the facts an expert compares with what the app then does."""
    certs = ", ".join(c["sha256"] for c in report["certificates"]) or "none"
    lines = [
        f"package     {report['package']}  version {report['version_name']} (code {report['version_code']}), "
        f"min SDK {report['min_sdk']}, target SDK {report['target_sdk']}",
        f"input       {report['input']['file_name']} ({report['input']['kind']}, sha256 {report['input']['sha256']})",
        f"signed      {'/'.join(report['signing_schemes']) or 'unsigned'}; certificate sha256 {certs}",
        f"permissions {len(report['permissions'])}; dangerous: {', '.join(report['dangerous_permissions']) or '-'}",
        f"exported    {len(report['exported_components'])} components",
        "SDKs        " + (", ".join(f"{s['name']} ({s['class_count']} classes)" for s in report["sdks"]) or "none "
                          "recognised"),
        f"natives     {len(report['native_libraries'])} libraries; endpoints: {len(report['endpoints'])} URLs",
        f"privacy API call sites: {len(report['api_calls'])}",
    ]
    for call in report["api_calls"]:
        who = call["attribution"] + (f" ({call['sdk']})" if call["sdk"] else "")
        if call["attribution"] == "library":
            first = call["reachable_from"][0]
            who += f", reached from {first['caller']}.{first['method'].split('(')[0]}"
            if call["reachable_from_total"] > 1:
                who += f" and {call['reachable_from_total'] - 1} more"
        lines.append(f"  {call['category']:<{CATEGORY_WIDTH}} {call['api']}  in {call['caller']}."
                     f"{call['caller_method'].split('(')[0]}  [{who}]")
    return "\n".join(lines)


@apk_group.command("scan")
@click.argument("apks", metavar="APK...", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@case_option("Also store the APK and the scan in this case (events static.apk, static.scan).")
@click.option("--first-party", multiple=True, metavar="PACKAGE",
              help="A Java package that is the app's own code besides its application id (repeatable).")
@json_option("Print the scan as JSON (the documented contract).")
def scan(apks: tuple[Path, ...], case_dir: Path | None, first_party: tuple[str, ...], as_json: bool) -> None:
    """Scan an APK, a bundle (.apks/.xapk/.apkm), or an app's base and split APK files together:
    manifest, certificates, SDKs, privacy API call sites and who makes them."""
    if case_dir is not None:
        from auditor.static.store import store_apk_scan

        report = store_apk_scan(Case.open(case_dir), list(apks), first_party)
    else:
        report = scan_files(list(apks), first_party)
    emit(report, as_json, describe(report))
