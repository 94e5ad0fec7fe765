"""Exodus network signatures, used whole: each tracker's signature split into its alternatives, each
alternative a host suffix (or, where it is not a plain name, a regular expression over the host).

A host matches a suffix when it is that name or a subdomain of it (high confidence); a regular expression
gives medium confidence; a signature naming a whole registrable domain (`\\.google\\.com`) is a catch-all
and gives low confidence, as does a host under the same registrable domain as a named endpoint
(api2.branch.io for api.branch.io), which ranks below a catch-all. The most specific match wins: best rank,
then the longest name; trackers tied on both share a name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from auditor.contract.vocabulary import Confidence
from auditor.datasets.registry import verified_path

_PLAIN = re.compile(r"^[a-z0-9.-]+$")
# Kinds of match, best first, with the confidence each gives.
EXACT, PATTERN, CATCH_ALL, SIBLING = 4, 3, 2, 1
CONFIDENCE = {EXACT: Confidence.HIGH, PATTERN: Confidence.MEDIUM, CATCH_ALL: Confidence.LOW, SIBLING: Confidence.LOW}


@dataclass(frozen=True)
class Match:
    tracker: str
    confidence: Confidence


@dataclass(frozen=True)
class _Alternative:
    tracker: str
    suffix: str | None               # a plain host name, dots literal
    pattern: re.Pattern[str] | None  # otherwise


def _plain_name(alternative: str) -> str | None:
    """`\\.api\\.branch\\.io`, `.*\\.jiguang\\.cn` or `appnext.com` as the host suffix it names, else None."""
    text = alternative.removeprefix(".*").replace("\\.", ".").replace("\\-", "-").lstrip(".").lower()
    return text if text and _PLAIN.match(text) and ".." not in text else None


def _shared_name(names: list[str]) -> str:
    """Trackers tied on a match (seven Facebook SDKs on `\\.facebook\\.com`): their common leading words."""
    words = [name.split() for name in sorted(set(names))]
    common = []
    for group in zip(*words, strict=False):
        if len(set(group)) != 1:
            break
        common.append(group[0])
    return " ".join(common) if common else " / ".join(sorted(set(names)))


class Signatures:
    def __init__(self, registrable: Callable[[str], str]):
        self.registrable = registrable
        with open(verified_path("exodus-trackers"), encoding="utf-8") as handle:
            trackers = json.load(handle)["trackers"]
        self.by_domain: dict[str, list[_Alternative]] = {}
        self.patterns: list[_Alternative] = []
        for key in sorted(trackers, key=lambda k: int(k) if str(k).isdigit() else 0):
            tracker = trackers[key]
            for alternative in (tracker.get("network_signature") or "").split("|"):
                if not alternative:
                    continue
                name = _plain_name(alternative)
                if name is not None:
                    self.by_domain.setdefault(registrable(name), []).append(_Alternative(tracker["name"], name, None))
                else:
                    self.patterns.append(_Alternative(tracker["name"], None, re.compile(alternative)))

    def match(self, host: str) -> Match | None:
        host = host.lower().rstrip(".")
        domain = self.registrable(host)
        scored: list[tuple[int, int, str]] = []
        for alt in self.by_domain.get(domain, []):
            assert alt.suffix is not None
            if alt.suffix == domain:
                kind = CATCH_ALL
            elif host == alt.suffix or host.endswith("." + alt.suffix):
                kind = EXACT
            else:
                kind = SIBLING
            scored.append((kind, len(alt.suffix), alt.tracker))
        for alt in self.patterns:
            assert alt.pattern is not None
            if alt.pattern.search("." + host):
                scored.append((PATTERN, len(alt.pattern.pattern), alt.tracker))
        if not scored:
            return None
        best = max(scored)[:2]
        names = [name for kind, length, name in scored if (kind, length) == best]
        return Match(_shared_name(names), CONFIDENCE[best[0]])
