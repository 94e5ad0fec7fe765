"""Find the instructions that call the privacy APIs, without decoding every method.

Per dex: the method references that resolve to an API are found in the (sorted, vectorised) method_id
table; a single numpy pass lists every even offset holding an invoke opcode followed by one of those
indices; each candidate is kept only if it is an instruction start in the method containing it. Only the
methods that hold candidates are decoded.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.static.apis import API_METHODS, API_NAMES, INLINED_CONSTANTS, dotted
from auditor.static.classes import MethodKey, Program
from auditor.static.dex import Dex


@dataclass(frozen=True, order=True)
class CallSite:
    # dotted framework class and method, e.g. android.location.LocationManager.getLastKnownLocation
    api: str
    reference: str          # the method reference as the dex records it (its owner may be an app class)
    category: str
    caller: MethodKey
    dex: str
    offset: int             # bytes from the start of the caller's instructions


def _api_targets(program: Program, dex: Dex) -> dict[int, tuple[str, str, str]]:
    """method_idx -> (resolved API class, name, category) for the references in this dex that reach an API."""
    targets = {}
    for name in sorted(API_NAMES):
        for idx in dex.methods_named(name):
            owner, _name, proto = dex.method_ref(idx)
            resolved = program.resolve(owner, name, proto) if owner in program.classes else owner
            category = API_METHODS.get((resolved, name))
            if category is not None:
                targets[idx] = (resolved, name, category)
    return targets


def _inlined_constant_sites(program: Program, dex: Dex) -> list[CallSite]:
    sites = []
    for constant in INLINED_CONSTANTS:
        idx = dex.find_string(constant.text)
        if idx is not None:
            sites += [CallSite(constant.api, f'const-string "{constant.text}"', constant.category, caller,
                               dex.file_name, offset)
                      for caller, _m, offset in program.confirmed_sites(dex, dex.const_string_candidates(idx))]
    return sites


def find_call_sites(program: Program) -> list[CallSite]:
    sites: list[CallSite] = []
    for dex in program.dexes:
        targets = _api_targets(program, dex)
        for target_idx, (cls, name, category) in sorted(targets.items()):
            reference = "{}->{}{}".format(*dex.method_ref(target_idx))
            for caller, _method, offset in program.confirmed_sites(dex, dex.candidates_for([target_idx])):
                sites.append(CallSite(f"{dotted(cls)}.{name}", reference, category, caller, dex.file_name, offset))
        sites.extend(_inlined_constant_sites(program, dex))
    # e.g. Settings.Secure.getString reads an identifier only where the method also loads "android_id"
    loaded = {(c.guards, s.caller) for c in INLINED_CONSTANTS for s in sites if s.api == c.api}
    guarded = {c.guards for c in INLINED_CONSTANTS}
    return sorted({s for s in sites if s.api not in guarded or (s.api, s.caller) in loaded})
