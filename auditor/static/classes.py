"""The app's classes across all its dex files: who defines what, and how a method reference resolves.

javac and d8 record the receiver's static type as a call's owner, so `getSystemService` called inside an
Activity subclass names the subclass, not Context. Resolving walks the app's superclass chain to the class
that defines the method, or to the first framework class (outside the APK) where the chain leaves the app.
Android loads the first definition of a class in dex order (classes.dex, classes2.dex, …); so do we.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.static.dex import ClassDef, Dex, Method


@dataclass(frozen=True, order=True)
class MethodKey:
    cls: str        # type descriptor
    name: str
    proto: str

    def describe(self) -> str:
        return f"{self.cls}->{self.name}{self.proto}"


class Program:
    def __init__(self, dexes: list[Dex]):
        self.dexes = dexes
        self.classes: dict[str, tuple[Dex, ClassDef]] = {}
        for dex in dexes:
            for name, cdef in dex.class_defs.items():
                self.classes.setdefault(name, (dex, cdef))
        self.subclasses: dict[str, list[str]] = {}
        for name, (_dex, cdef) in sorted(self.classes.items()):
            for parent in ((cdef.superclass,) if cdef.superclass else ()) + cdef.interfaces:
                self.subclasses.setdefault(parent, []).append(name)
        self._defined: dict[str, dict[tuple[str, str], Method]] = {}
        self._starts: dict[tuple[str, int], set[int]] = {}

    def defined_methods(self, cls: str) -> dict[tuple[str, str], Method]:
        """(name, proto) -> Method for the methods the class itself declares."""
        cached = self._defined.get(cls)
        if cached is None:
            cached = {}
            if cls in self.classes:
                dex, _cdef = self.classes[cls]
                for method in dex.methods_of(cls):
                    _c, name, proto = dex.method_ref(method.method_idx)
                    cached[(name, proto)] = method
            self._defined[cls] = cached
        return cached

    def method(self, key: MethodKey) -> Method | None:
        return self.defined_methods(key.cls).get((key.name, key.proto))

    def resolve(self, cls: str, name: str, proto: str) -> str:
        """The class whose method a reference `cls->name proto` reaches (superclass chain; then interfaces)."""
        current: str | None = cls
        seen = set()
        while current in self.classes and current not in seen:
            seen.add(current)
            if (name, proto) in self.defined_methods(current):
                return current
            current = self.classes[current][1].superclass
        return current if current is not None else cls

    def inheritors(self, cls: str, name: str, proto: str) -> list[str]:
        """`cls` and its app subclasses that inherit (do not redeclare) `name proto` from it."""
        found, stack = [cls], list(self.subclasses.get(cls, ()))
        seen = {cls}
        while stack:
            sub = stack.pop()
            if sub in seen or (name, proto) in self.defined_methods(sub):
                continue
            seen.add(sub)
            found.append(sub)
            stack.extend(self.subclasses.get(sub, ()))
        return sorted(found)

    def instruction_starts(self, dex: Dex, method: Method) -> set[int]:
        key = (dex.label, method.insns_start)
        cached = self._starts.get(key)
        if cached is None:
            cached = self._starts[key] = dex.instruction_starts(method)
        return cached

    def confirmed_sites(self, dex: Dex, offsets: list[int]) -> list[tuple[MethodKey, Method, int]]:
        """For each candidate offset that really starts an instruction: (caller, its Method, offset in it)."""
        sites = []
        for offset in offsets:
            located = dex.method_at(offset)
            if located is None:
                continue
            cls, method = located
            if offset in self.instruction_starts(dex, method):
                _c, name, proto = dex.method_ref(method.method_idx)
                sites.append((MethodKey(cls, name, proto), method, offset - method.insns_start))
        return sites
