"""Numbered exhibits: the facts of Part I, each citable as "Exhibit N" / "Productie N".

One exhibit per HTTP exchange that a finding rests on (the request once, with every value found in it by any
finding), one per group of hook events (one category of interface, one responsible code), one per kind of
static fact.
Findings and verdicts cite exhibits by number; the numbering follows time, so it is the same in the main
report, the annex bundle and the JSON. The main report prints the first MAIN_EXHIBITS in full and lists the
rest by number; the annex bundle prints all of them.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from auditor.contract.findings import Finding, FoundValue
from auditor.contract.observed import HookCall
from auditor.report.rows import Rows
from auditor.report.sections.findings import FindingsSection, frames_to_show
from auditor.report.sources import flow_time

MAIN_EXHIBITS = 20          # exhibits printed in full in the main report; all are in the annex bundle
GROUP_SEQS = 50             # ledger seqs listed per hook-event group (the annex lists every event)
MATRIX_ROWS = 40


@dataclass
class FindingRef:
    """What one finding states about an exhibit (the exhibit shows the raw evidence)."""
    id: str
    type: str
    data_category: str
    actor: str
    before_consent: bool | None
    confidence: str


@dataclass
class Exhibit:
    number: int
    kind: str                                   # exchange | hooks | static
    time: str
    findings: list[FindingRef] = field(default_factory=list)
    # kind exchange: the values its findings found in it, as analysis stated them; the request (read from the
    # ledger again) and the value rows are laid out when the exhibit is read (ExhibitBuilder.row), not held
    values: list[tuple[Any, ...]] = field(default_factory=list)    # FoundValue fields (_kept)
    recipient: dict[str, Any] = field(default_factory=dict)
    # the earlier exhibit whose recipient was established by the same steps: the main report names it instead
    # of printing the same steps again (the annex bundle prints them in full)
    steps_as_in: int | None = None
    destination: dict[str, Any] = field(default_factory=dict)
    actor: str = ""
    frame: str = ""
    stack_seq: int | None = None
    category: str = ""                          # kind hooks: the API category
    count: int = 0
    seqs: list[int] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)   # kind hooks: seq, time, api (first GROUP_SEQS)
    time_last: str = ""
    stack: list[dict[str, Any]] = field(default_factory=list)
    planted: list[dict[str, Any]] = field(default_factory=list)
    recovered: list[dict[str, Any]] = field(default_factory=list)   # plaintexts recovered from hook.crypto events
    static_evidence: list[str] = field(default_factory=list)   # kind static

    @property
    def before_consent(self) -> bool | None:
        states = {f.before_consent for f in self.findings}
        return True if True in states else (False if states == {False} else None)


FOUND_FIELDS = tuple(FoundValue.model_fields)


def _kept(value: FoundValue) -> tuple[Any, ...]:
    """A found value as an exhibit keeps it until it is shown: its fields, the texts interned, since every
    exchange of a case repeats the same rule, reasoning and often the same value (a pydantic record each
    would cost a 20,000-exchange case some 50 MiB)."""
    return tuple(sys.intern(v) if type(v) is str else v for v in (getattr(value, k) for k in FOUND_FIELDS))


def _ref(f: dict[str, Any]) -> FindingRef:
    return FindingRef(f["id"], f["type"], f["data_category"], f["actor"], f["before_consent"], f["confidence"])


class ExhibitBuilder:
    def __init__(self, section: FindingsSection, calls: dict[int, HookCall]):
        self.section, self.calls = section, calls

    def build(self, findings: Iterable[Finding], shown: dict[str, dict[str, Any]]) -> list[Exhibit]:
        """Exhibits for the findings (contract records; `shown` their report dicts by id), numbered in time
        order; each finding dict gets the numbers of its exhibits under "exhibits"."""
        exchanges: dict[int, Exhibit] = {}
        groups: dict[tuple[str, str], Exhibit] = {}
        static: dict[str, Exhibit] = {}
        members: dict[int, set[str]] = defaultdict(set)       # id(exhibit) -> finding ids
        flows = self.section.ledger.flows
        for f in findings:
            d = shown[f.id]
            targets: list[Exhibit] = []
            for item in f.evidence.shown:
                if item.ledger_seq in flows:
                    ex = exchanges.get(item.ledger_seq) or self._exchange(item.ledger_seq, d)
                    exchanges[item.ledger_seq] = ex
                    ex.values += map(_kept, item.values)
                    targets.append(ex)
                elif item.ledger_seq in self.calls:
                    call = self.calls[item.ledger_seq]
                    key = (call.category, d["actor"])
                    ex = groups.get(key) or self._group(call, d)
                    groups[key] = ex
                    if item.ledger_seq not in ex.seqs:
                        ex.count += 1
                        ex.time = min(ex.time, self.section.d.plain(call.time))
                        ex.time_last = max(ex.time_last, self.section.d.plain(call.time))
                        if len(ex.seqs) < GROUP_SEQS:
                            ex.seqs.append(item.ledger_seq)
                            ex.calls.append({"seq": call.seq, "time": self.section.d.plain(call.time),
                                             "api": self.section.d.plain(call.api)})
                    targets.append(ex)
            if not targets:
                ex = static.get(d["type"]) or Exhibit(0, "static", d["time"])
                static[d["type"]] = ex
                ex.static_evidence = sorted(set(ex.static_evidence) | set(d["static_evidence"]))
                targets.append(ex)
            for ex in targets:
                if d["id"] not in members[id(ex)]:
                    members[id(ex)].add(d["id"])
                    ex.findings.append(_ref(d))
                    ex.planted += [p for p in d["planted"] if p not in ex.planted]
                    ex.recovered += [r for r in d["recovered"] if r not in ex.recovered]
                    if not ex.recipient and d["recipient"]["host"]:
                        ex.recipient, ex.destination = d["recipient"], d["destination"]
        ordered = sorted(exchanges.values(), key=lambda e: (e.time, e.seqs))
        for ex in groups.values():
            ex.seqs.sort()
            ex.calls.sort(key=lambda c: c["seq"])
        ordered += sorted(groups.values(), key=lambda e: (e.time, e.category, e.actor))
        ordered += sorted(static.values(), key=lambda e: e.findings[0].type)
        numbers: dict[str, list[int]] = defaultdict(list)
        first_with_steps: dict[str, int] = {}
        for number, ex in enumerate(ordered, start=1):
            ex.number = number
            for ref in ex.findings:
                numbers[ref.id].append(number)
            if ex.recipient.get("steps"):
                key = repr((ex.recipient["host"], ex.recipient["steps"]))
                first = first_with_steps.setdefault(key, number)
                ex.steps_as_in = first if first != number else None
        for fid, d in shown.items():
            d["exhibits"] = sorted(numbers.get(fid, []))
        return ordered

    def _exchange(self, seq: int, d: dict[str, Any]) -> Exhibit:
        record = self.section.ledger.flows[seq]
        ex = Exhibit(0, "exchange", self.section.d.plain(flow_time(record)), seqs=[seq], count=1)
        ex.actor, ex.frame = d["actor"], d["actor_detail"]["frame"]
        ex.stack_seq = d["stack_seq"]
        return ex

    def _group(self, call: HookCall, d: dict[str, Any]) -> Exhibit:
        stack = self.section.ledger.hook_stacks.get(call.seq, [])
        shown_frames = frames_to_show(stack)
        return Exhibit(0, "hooks", self.section.d.plain(call.time), category=self.section.d.plain(call.category),
                       actor=d["actor"],
                       frame=d["actor_detail"]["frame"], stack_seq=call.seq,
                       stack=[{"frame": self.section.d.plain(s), "shown": keep,
                               "actor": bool(d["actor"]) and s.startswith(d["actor"] + ".")}
                              for s, keep in zip(stack, shown_frames, strict=True) if keep][:40])

    def _found(self, values: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
        """The value rows of an exchange: each value found once, however many findings found it."""
        seen, rows = set(), []
        for kept in values:
            loc = self.section.location(FoundValue.model_construct(**dict(zip(FOUND_FIELDS, kept, strict=True))))
            key = (loc["where"]["text"], loc["what"], loc["form"], loc["needle"])
            if key not in seen:
                seen.add(key)
                rows.append(loc)
        return rows

    def row(self, ex: Exhibit) -> dict[str, Any]:
        """One exhibit as the model holds it (JSON-ready; search needles dropped): an exchange's request is
        rendered here with every value its findings found marked where it occurs."""
        found = self._found(ex.values)
        row = asdict(replace(ex, values=[]))
        del row["values"]
        row["request"] = self.section.request(self.section.ledger.flows[ex.seqs[0]], found) \
            if ex.kind == "exchange" else None
        row["found"] = [{k: v for k, v in loc.items() if k != "needle"} for loc in found]
        row["before_consent"] = ex.before_consent
        return row

    def rows(self, exhibits: list[Exhibit]) -> Rows[dict[str, Any]]:
        return Rows(len(exhibits), lambda i: self.row(exhibits[i]))


MAX_RANGES = 12
# A matrix cell is narrow: a few runs, so that its row is as tall for 8 exchanges as for 80
MATRIX_RANGES = 3


def number_ranges(numbers: list[int], most: int = MAX_RANGES) -> dict[str, Any]:
    """Exhibit numbers as runs ("Exhibits 3–9, 12"), the first `most` of them, and how many numbers the runs
    left out: a verdict resting on 20,000 exchanges cites them in one line, not 20,000."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    shown = runs[:most]
    return {"runs": shown, "more": len(set(numbers)) - sum(b - a + 1 for a, b in shown)}


def matrix(exhibits: list[Exhibit]) -> list[dict[str, Any]]:
    """The summary matrix: per recipient, who it is and where established, which data, how many exchanges
    before and after the consent mark, and the exhibits."""
    rows: dict[str, dict[str, Any]] = {}
    for ex in exhibits:
        if ex.kind != "exchange":
            continue
        host = ex.recipient.get("domain") or ex.recipient.get("host") or ""
        row = rows.setdefault(host, {"recipient": host, "entity": ex.recipient.get("entity") or "",
                                     "entity_country": ex.recipient.get("entity_country") or "",
                                     "server_country": ex.destination.get("country_physical") or "",
                                     "categories": set(), "before": 0, "after": 0, "unknown": 0, "exhibits": []})
        row["categories"] |= {f.data_category for f in ex.findings if f.data_category}
        state = ex.before_consent
        row["before" if state is True else "after" if state is False else "unknown"] += 1
        row["exhibits"].append(ex.number)
    out = sorted(rows.values(), key=lambda r: (-r["before"], r["recipient"]))
    for row in out:
        row["categories"] = sorted(row["categories"])
        row["exhibits"] = number_ranges(row["exhibits"], MATRIX_RANGES)
    return out[:MATRIX_ROWS]
