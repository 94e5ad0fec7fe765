"""A comparison judged by the rulesets: each row of `auditor compare` becomes a runs_compared finding (what
the row says, to whom, which data, with its exhibits from each case), and the rules are evaluated over those
findings as analysis evaluates them over a case's (auditor/rules/evaluate.py). A row's finding is as
confident as the least confident finding it rests on."""

from __future__ import annotations

from dataclasses import dataclass

from auditor.analyze.findings import Accumulator
from auditor.compare.compare import Comparison, Row
from auditor.compare.runs import Run
from auditor.contract.findings import Compared, ComparedExhibit, Finding
from auditor.contract.verdicts import Verdict
from auditor.contract.vocabulary import (
    ComparedSection,
    Confidence,
    ConsentChoiceMade,
    DataCategory,
    FindingType,
    RecipientRole,
)
from auditor.rules.evaluate import evaluate
from auditor.rules.schema import Ruleset

SECTIONS = tuple(ComparedSection)
_RANK = {Confidence.HIGH: 0, Confidence.MEDIUM: 1, Confidence.LOW: 2}


@dataclass(frozen=True)
class Judged:
    comparison: Comparison
    rulesets: tuple[Ruleset, ...]
    findings: tuple[Finding, ...]
    verdicts: tuple[Verdict, ...]


def _finding(section: ComparedSection, row: Row, runs: dict[str, Run]) -> Finding:
    exhibits = []
    confidences = []
    for e in row.exhibits:
        run = runs[e.run]
        sent = next(s for s in run.sent if s.finding == e.finding)
        confidences.append(Confidence(sent.confidence))
        exhibits.append(ComparedExhibit(run=e.run, case_id=run.case_id, persona=run.persona,
                                        choice=ConsentChoiceMade(str(run.choice)), finding=e.finding,
                                        ledger_seqs=e.ledger_seqs, occurrences=e.occurrences))
    young = sorted({x.persona for x in exhibits if x.persona in ("child", "teen")})
    choices = {x.choice for x in exhibits}
    is_young = section == ComparedSection.YOUNG_AS_ADULT
    compared = Compared(section=section, recipient=row.recipient, entity=row.entity, role=RecipientRole(row.role),
                        third_party=row.third_party, young_persona=", ".join(young) if is_young and young else None,
                        choice=next(iter(choices)) if is_young and len(choices) == 1 else None,
                        exhibits=tuple(exhibits))
    built = Accumulator({"type": FindingType.RUNS_COMPARED, "data_category": DataCategory(row.data_category),
                         "confidence": max(confidences, key=lambda c: _RANK[c]), "compared": compared})
    built.occurrences = sum(e.occurrences for e in exhibits)
    return built.finish()


def judge(comparison: Comparison, runs: list[Run], rulesets: list[Ruleset]) -> Judged:
    by_label = {r.label: r for r in runs}
    findings = [_finding(section, row, by_label) for section in SECTIONS
                for row in getattr(comparison, section.value)]
    # a comparison has no single case: rules read the row's own fields (case.* are absent, never true)
    verdicts = evaluate(rulesets, findings, {})
    return Judged(comparison, tuple(rulesets), tuple(findings), tuple(verdicts))
