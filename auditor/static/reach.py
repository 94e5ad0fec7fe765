"""Who is behind a call site: first-party code, a named SDK, or library code — and does anything reach it?

Support libraries (android.support, androidx, often obfuscated) reference FingerprintManager,
LocationManager and friends themselves; a name in the dex accuses nobody. A call site in library code is
reported with the first-party or SDK methods from which it is reached, found by walking callers backwards
through library code only; if none is found it is library-internal.

Callers of a method are (1) invoke instructions whose reference resolves to it (its class or a subclass
that inherits it), and (2) for an instance method, whoever constructs its class: an overriding method such
as Fragment.onCreateView or Runnable.run is called back by the framework or by library plumbing on an
object someone created, so the creator is what reaches it. Calls through an interface or superclass
reference are not followed otherwise: that would make every override reachable from every call site.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from auditor.static.apis import dotted, package_of
from auditor.static.classes import MethodKey, Program
from auditor.static.dex import ACC_CONSTRUCTOR, Method
from auditor.static.sdks import SdkMatcher

MAX_VISITED = 5000          # methods examined per call site before the walk reports itself bounded
LIBRARY_NAMESPACES = ("android.", "androidx.", "kotlin.", "kotlinx.", "java.", "javax.", "com.google.",
                      "org.jetbrains.", "dalvik.")


@dataclass(frozen=True)
class Origin:
    attribution: str            # "first_party", "sdk" or "library"
    sdk: str | None = None


@dataclass
class Reach:
    origins: list[MethodKey]
    complete: bool              # False when MAX_VISITED stopped the walk


class Attributor:
    def __init__(self, program: Program, first_party_packages: list[str], sdks: SdkMatcher):
        self.program = program
        self.first_party = sorted(set(first_party_packages))
        self.sdks = sdks
        self._callers: dict[MethodKey, list[MethodKey]] = {}
        self._origin: dict[str, Origin] = {}

    def origin(self, cls: str) -> Origin:
        cached = self._origin.get(cls)
        if cached is None:
            name = dotted(cls)
            trackers = self.sdks.match(name)
            if any(name.startswith(p + ".") for p in self.first_party):
                cached = Origin("first_party")
            elif trackers:
                cached = Origin("sdk", trackers[0].name)
            else:
                cached = Origin("library")
            self._origin[cls] = cached
        return cached

    def _direct_callers(self, key: MethodKey) -> list[MethodKey]:
        owners = set(self.program.inheritors(key.cls, key.name, key.proto))
        found = []
        for dex in self.program.dexes:
            refs = [idx for idx in dex.methods_named(key.name)
                    if dex.type_name(int(dex.method_class[idx])) in owners
                    and dex.proto(int(dex.method_proto[idx])) == key.proto]
            if refs:
                found.extend(caller for caller, _m, _o in self.program.confirmed_sites(dex, dex.candidates_for(refs)))
        return found

    def _creators(self, cls: str) -> list[MethodKey]:
        return [caller for (name, proto) in sorted(self.program.defined_methods(cls)) if name == "<init>"
                for caller in self._direct_callers(MethodKey(cls, name, proto))]

    def callers(self, key: MethodKey) -> list[MethodKey]:
        cached = self._callers.get(key)
        if cached is None:
            found = set(self._direct_callers(key))
            method: Method | None = self.program.method(key)
            is_instance = method is not None and not method.is_static_or_private \
                and not method.access & ACC_CONSTRUCTOR
            if is_instance:
                found.update(self._creators(key.cls))
            found.discard(key)
            cached = self._callers[key] = sorted(found)
        return cached

    def reach(self, start: MethodKey) -> Reach:
        """The nearest first-party or SDK methods from which `start` is called (itself if it is one)."""
        if self.origin(start.cls).attribution != "library":
            return Reach([start], True)
        seen, queue, origins = {start}, deque([start]), set()
        while queue and len(seen) < MAX_VISITED:
            for caller in self.callers(queue.popleft()):
                if caller in seen:
                    continue
                seen.add(caller)
                if self.origin(caller.cls).attribution == "library":
                    queue.append(caller)
                else:
                    origins.add(caller)
        return Reach(sorted(origins), not queue)


def first_party_packages(package: str, component_classes: list[str], sdks: SdkMatcher) -> list[str]:
    """The app's package plus the packages of its own manifest components (not an SDK's, not a library's)."""
    packages = {package}
    for name in component_classes:
        pkg = package_of(name)
        if pkg and not sdks.match(name) and not name.startswith(LIBRARY_NAMESPACES):
            packages.add(pkg)
    return sorted(packages)
