"""Which SDKs are bundled, by the Exodus Privacy code signatures (class-name patterns).

A signature is a regular expression over dotted class names (its "." is a literal package separator in
intent). We match it at the start of each class name, as a package prefix; the classes that matched are the
evidence. The dataset's hash is checked before use (auditor.datasets.registry).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

from auditor.datasets.registry import provenance, verified_path

EVIDENCE_SAMPLE = 10


@dataclass(frozen=True)
class Tracker:
    exodus_id: int
    name: str
    pattern: re.Pattern[str]
    categories: tuple[str, ...]
    website: str


@dataclass
class SdkFinding:
    tracker: Tracker
    classes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"name": self.tracker.name, "exodus_id": self.tracker.exodus_id,
                "categories": list(self.tracker.categories), "website": self.tracker.website,
                "class_count": len(self.classes), "evidence": self.classes[:EVIDENCE_SAMPLE]}


class SdkMatcher:
    def __init__(self, trackers: list[Tracker]):
        self.trackers = trackers
        # one combined pattern rejects most classes in a single match call
        self._any = re.compile("|".join(f"(?:{t.pattern.pattern})" for t in trackers))
        self._cache: dict[str, tuple[Tracker, ...]] = {}

    def match(self, class_name: str) -> tuple[Tracker, ...]:
        cached = self._cache.get(class_name)
        if cached is None:
            cached = ()
            if self._any.match(class_name):
                cached = tuple(t for t in self.trackers if t.pattern.match(class_name))
            self._cache[class_name] = cached
        return cached

    def find(self, class_names: list[str]) -> list[SdkFinding]:
        found: dict[int, SdkFinding] = {}
        for name in sorted(class_names):
            for tracker in self.match(name):
                found.setdefault(tracker.exodus_id, SdkFinding(tracker)).classes.append(name)
        return sorted(found.values(), key=lambda f: f.tracker.name)


@lru_cache(maxsize=1)
def exodus_matcher() -> SdkMatcher:
    data = json.loads(verified_path("exodus-trackers").read_text(encoding="utf-8"))
    trackers = []
    for entry in sorted(data["trackers"].values(), key=lambda e: int(e["id"])):
        signature = (entry.get("code_signature") or "").strip().strip("|")
        if not signature:
            continue
        trackers.append(Tracker(int(entry["id"]), entry["name"], re.compile(signature),
                                tuple(entry.get("categories") or ()), entry.get("website") or ""))
    return SdkMatcher(trackers)


def dataset_provenance() -> dict[str, str]:
    return provenance("exodus-trackers")
