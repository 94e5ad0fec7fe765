"""Runs compared, per recipient and data category, each row with its exhibits (finding ids and ledger seqs
of each case):

- sent before any choice: in each run, what left before the consent choice (all of it where none was made);
- still sent after refusal: in each refusing run, what was sent after the refusal — to anyone but the first
  party, the dark pattern "refusal not respected", and the strongest evidence that consent is not a basis;
- refusal made no difference: what a refusing run sent after its choice that an accepting run of the same
  persona also sent after its own;
- a child (or teen) receives as an adult does: what a child or teen run sent that an adult run with the
  same choice sent too.
All runs must be of the same app and version (as their static scan recorded it, where it did). A finding
counts before the choice when its first exchange is, after it when its last is (the flows' host clock, the
clock of the consent mark): one whose exchanges span the choice is in both, with all its ledger seqs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from auditor.compare.runs import Choice, Run, Sent
from auditor.errors import InputError

COMPARE_FORMAT = "auditor-compare/1"
YOUNG = ("child", "teen")


@dataclass(frozen=True)
class Exhibit:
    run: str                       # the run's label
    finding: str
    ledger_seqs: tuple[int, ...]
    occurrences: int


@dataclass(frozen=True)
class Row:
    recipient: str
    entity: str | None
    role: str
    third_party: bool | None
    data_category: str
    exhibits: tuple[Exhibit, ...]


@dataclass(frozen=True)
class RunSummary:
    label: str
    case_id: str
    persona: str | None
    persona_entered: str | None
    choice: str
    choice_seq: int | None
    choice_time: str | None
    sent: int                      # findings of data sent
    refusal_respected: bool | None  # refusing runs: nobody but the first party received data after the refusal


@dataclass(frozen=True)
class Comparison:
    package: str | None
    version_code: int | str | None
    runs: tuple[RunSummary, ...]
    before_choice: tuple[Row, ...]
    after_refusal: tuple[Row, ...]
    refusal_no_difference: tuple[Row, ...]
    young_as_adult: tuple[Row, ...]
    format: str = field(default=COMPARE_FORMAT)


def _rows(pairs: Iterable[tuple[Run, Sent]]) -> tuple[Row, ...]:
    grouped: dict[tuple[str, str], list[tuple[Run, Sent]]] = {}
    for run, sent in pairs:
        grouped.setdefault((sent.recipient, sent.data_category), []).append((run, sent))
    rows = []
    for (recipient, category), items in sorted(grouped.items()):
        first = items[0][1]
        exhibits = sorted({Exhibit(run.label, s.finding, s.ledger_seqs, s.occurrences) for run, s in items},
                          key=lambda e: (e.run, e.finding))
        rows.append(Row(recipient, first.entity, first.role, first.third_party, category, tuple(exhibits)))
    return tuple(rows)


def _shared(left: list[tuple[Run, Sent]], right: list[tuple[Run, Sent]]) -> list[tuple[Run, Sent]]:
    """The pairs of both sides whose (recipient, category) the other side has too."""
    keys_left = {(s.recipient, s.data_category) for _, s in left}
    keys_right = {(s.recipient, s.data_category) for _, s in right}
    both = keys_left & keys_right
    return [(r, s) for r, s in left + right if (s.recipient, s.data_category) in both]


def _after(run: Run) -> list[tuple[Run, Sent]]:
    return [(run, s) for s in run.after_choice()]


def _check_same_app(runs: list[Run]) -> None:
    for attribute in ("package", "version_code"):
        values = {getattr(r, attribute) for r in runs if getattr(r, attribute) is not None}
        if len(values) > 1:
            listed = ", ".join(f"{r.label}: {getattr(r, attribute)}" for r in runs)
            raise InputError("compare", f"the runs are of different app {attribute.replace('_', ' ')}s ({listed}); "
                                        "compare runs of one app version only")


def compare(runs: list[Run]) -> Comparison:
    if len(runs) < 2:
        raise InputError("compare", f"needs at least two analysed cases, got {len(runs)}")
    labels = [r.label for r in runs]
    if len(set(labels)) != len(labels):
        raise InputError("compare", f"two cases share a directory name ({', '.join(labels)}); rename one")
    _check_same_app(runs)
    refusing = [r for r in runs if r.choice == Choice.REFUSED]
    accepting = [r for r in runs if r.choice == Choice.ACCEPTED]
    after_refusal = [pair for run in refusing for pair in _after(run)]
    no_difference = [pair for refused in refusing for accepted in accepting if refused.persona == accepted.persona
                     for pair in _shared(_after(refused), _after(accepted))]
    young = [pair for kid in runs if kid.persona in YOUNG for adult in runs
             if adult.persona == "adult" and adult.choice == kid.choice
             for pair in _shared([(kid, s) for s in kid.sent], [(adult, s) for s in adult.sent])]
    summaries = tuple(RunSummary(
        r.label, r.case_id, r.persona, r.persona_entered, str(r.choice), r.choice_seq,
        None if r.choice_time is None else r.choice_time.isoformat().replace("+00:00", "Z"), len(r.sent),
        None if r.choice != Choice.REFUSED else not any(s.third_party is not False for s in r.after_choice()))
        for r in runs)
    return Comparison(runs[0].package, runs[0].version_code, summaries,
                      _rows((r, s) for r in runs for s in r.before_choice()), _rows(after_refusal),
                      _rows(no_difference), _rows(young))
