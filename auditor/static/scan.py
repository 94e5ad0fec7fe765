"""`auditor apk scan`: assemble what the APK says into one deterministic JSON document.

Contract (other tools and the reports read it): top-level `package`, `version_code`, `version_name`,
`permissions` (list of names), `sdks` (objects with `name`, `evidence`), `api_calls` (objects with `api`,
`category`, `caller` as a dotted class name, `reachable_from`), `certificates` (objects with `sha256`).
The same input gives byte-identical output: every list is sorted and no path, time or host is recorded.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from collections import Counter
from pathlib import Path
from typing import Any

from auditor.errors import InputError
from auditor.static.apis import dotted, package_of
from auditor.static.budget import parse_budget
from auditor.static.callsites import CallSite, find_call_sites
from auditor.static.classes import MethodKey, Program
from auditor.static.container import ApkFile, ApkInput, open_split_files
from auditor.static.dex import Dex
from auditor.static.endpoints import MAX_TEXT_ENTRY, EndpointCollector, is_text_resource, url_loaders
from auditor.static.manifest import Manifest, parse_manifest, permission_view, signing_certificates
from auditor.static.natives import native_libraries
from auditor.static.reach import Attributor, first_party_packages
from auditor.static.sdks import SdkMatcher, dataset_provenance, exodus_matcher

FORMAT = "auditor-apk-scan/1"
MAX_DEX_FILES = 256            # classes*.dex in one APK (large multidex apps have a few dozen)
MAX_REACHABLE_LISTED = 25       # origins listed per call site; reachable_from_total gives the full count
_DEX_NAME = re.compile(r"^classes(\d*)\.dex$")
LIMITS = [
    "Call sites are invoke instructions in the APK's dex code; code loaded at run time (downloaded dex, "
    "reflection, JNI in native libraries) is not seen.",
    "reachable_from follows direct calls and, for instance methods, the code that constructs the class; "
    "calls dispatched through interfaces or framework callbacks are otherwise not followed.",
    "SDKs are recognised by Exodus Privacy class-name signatures: a renamed (obfuscated) SDK is not "
    "recognised and its code counts as library code.",
    "Endpoints are URLs written literally in dex strings, resources and text assets; a listed URL is not "
    "proof of contact, and URLs assembled at run time are not listed.",
]


def _dex_files(apk: ApkFile, bundle: bool) -> list[Dex]:
    names = sorted((n for n in apk.names() if _DEX_NAME.match(n)),
                   key=lambda n: int(_DEX_NAME.match(n).group(1) or 1))
    if len(names) > MAX_DEX_FILES:
        raise InputError(apk.label, f"refused: {len(names)} dex files, more than {MAX_DEX_FILES}")
    prefix = f"{apk.file_name}!" if bundle else ""
    return [Dex(f"{apk.label}!{n}", prefix + n, apk.read(n)) for n in names]


def _order_base_first(apks: list[ApkFile], manifests: list[Manifest]) -> list[tuple[ApkFile, Manifest]]:
    pairs = list(zip(apks, manifests, strict=False))
    return sorted(pairs, key=lambda pair: (pair[1].split is not None, pair[0].file_name != "base.apk"))


def _call_entry(site: CallSite, attributor: Attributor) -> dict[str, Any]:
    caller = dotted(site.caller.cls)
    origin = attributor.origin(site.caller.cls)
    reach = attributor.reach(site.caller)
    attribution = origin.attribution
    if attribution == "library":
        attribution = "library" if reach.origins else "library_internal"
    return {
        "api": site.api, "reference": site.reference, "category": site.category,
        "caller": caller, "caller_method": f"{site.caller.name}{site.caller.proto}",
        "caller_package": package_of(caller), "attribution": attribution, "sdk": origin.sdk,
        "reachable_from": [_origin_entry(key, attributor) for key in reach.origins[:MAX_REACHABLE_LISTED]],
        "reachable_from_total": len(reach.origins), "reach_complete": reach.complete,
        "dex": site.dex, "offset": site.offset,
    }


def _origin_entry(key: MethodKey, attributor: Attributor) -> dict[str, Any]:
    origin = attributor.origin(key.cls)
    return {"caller": dotted(key.cls), "method": f"{key.name}{key.proto}", "attribution": origin.attribution,
            "sdk": origin.sdk}


def scan_input(apk_input: ApkInput, extra_first_party: tuple[str, ...] = (),
               sdks: SdkMatcher | None = None) -> dict[str, Any]:
    """Scan an opened input. extra_first_party: packages the expert knows to be the app's own code."""
    sdks = sdks or exodus_matcher()
    bundle = apk_input.kind != "apk"          # dex and file names are then prefixed with their APK
    manifests = [parse_manifest(apk) for apk in apk_input.apks]
    pairs = _order_base_first(apk_input.apks, manifests)
    base, manifest = pairs[0]
    if manifest.split is not None:
        raise InputError(apk_input.path, "bundle has no base APK (every APK declares a split name)")
    dexes = [dex for apk, _m in pairs for dex in _dex_files(apk, bundle)]
    if not dexes:
        raise InputError(apk_input.path, "not an APK with code: no classes*.dex found")
    own_components = [c for c in (manifest.main_activity, manifest.application_class) if c]
    try:
        program = Program(dexes)
        attributor = Attributor(program, first_party_packages(manifest.package, own_components, sdks)
                                + list(extra_first_party), sdks)
        api_calls = [_call_entry(site, attributor) for site in find_call_sites(program)]
    except (IndexError, KeyError, ValueError, OverflowError, struct.error) as exc:
        # the dex reader checks tables and offsets; this catches what a crafted file slips past it
        raise InputError(apk_input.path, f"malformed dex: {type(exc).__name__}: {exc}") from None
    class_names = [dotted(c) for c in program.classes]

    endpoints = EndpointCollector()
    not_scanned = []
    for apk, _m in pairs:
        prefix = f"{apk.file_name}!" if bundle else ""
        for name in sorted(apk.names()):
            if _DEX_NAME.match(name) or is_text_resource(name):
                if apk.entries[name].file_size > MAX_TEXT_ENTRY and not _DEX_NAME.match(name):
                    not_scanned.append(prefix + name)
                    continue
                endpoints.scan(prefix + name, next((d.data for d in dexes if d.file_name == prefix + name), None)
                               or apk.read(name))
    for dex in dexes:
        for url, loaders in url_loaders(dex, program).items():
            for key in loaders:
                endpoints.add_loader(url, _origin_entry(key, attributor))
    certificates = signing_certificates(base)
    return {
        "format": FORMAT,
        "input": {"file_name": apk_input.path.name, "sha256": apk_input.sha256, "size": apk_input.size,
                  "kind": apk_input.kind,
                  "apks": [{"file_name": apk.file_name, "sha256": apk.sha256, "size": len(apk.data),
                            "split": m.split} for apk, m in pairs]},
        "package": manifest.package, "version_code": manifest.version_code, "version_name": manifest.version_name,
        "min_sdk": manifest.min_sdk, "target_sdk": manifest.target_sdk, "main_activity": manifest.main_activity,
        "application_class": manifest.application_class,
        "permissions": manifest.permissions, "dangerous_permissions": permission_view(manifest.permissions),
        "certificates": [c.as_dict() for c in certificates],
        "signing_schemes": sorted({s for c in certificates for s in c.schemes}),
        "exported_components": [c for c in manifest.components if c["exported"]],
        "first_party_packages": attributor.first_party,
        "sdks": [f.as_dict() for f in sdks.find(class_names)],
        "api_calls": api_calls,
        "api_call_summary": _summary(api_calls),
        "native_libraries": [lib for apk, _m in pairs for lib in native_libraries(apk)],
        "endpoints": endpoints.as_list(), "endpoints_not_scanned": not_scanned,
        "dex_files": [{"name": d.file_name, "sha256": hashlib.sha256(d.data).hexdigest(), "size": len(d.data),
                       "classes": len(d.class_defs)} for d in dexes],
        "datasets": {"exodus-trackers": dataset_provenance()},
        "limits": LIMITS,
    }


def _summary(api_calls: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    summary: dict[str, Counter[str]] = {}
    for call in api_calls:
        summary.setdefault(call["category"], Counter())[call["attribution"]] += 1
    return {category: dict(sorted(counts.items())) for category, counts in sorted(summary.items())}


def scan_apk(path: Path, extra_first_party: tuple[str, ...] = ()) -> dict[str, Any]:
    """Scan an APK or a split bundle; InputError names the file and the problem."""
    return scan_files([path], extra_first_party)


def scan_files(paths: list[Path], extra_first_party: tuple[str, ...] = ()) -> dict[str, Any]:
    """Scan one APK, one bundle, or the base and split APK files of one app, within the parse budget."""
    with parse_budget(str(paths[0])):
        return scan_input(open_split_files(paths), extra_first_party)


def report_bytes(report: dict[str, Any]) -> bytes:
    """The scan as stored and as printed by --json (the same bytes for the same input)."""
    return (json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
