"""Applying rules to findings: a condition tree evaluated over a finding's fields. No code is run."""

from __future__ import annotations

from typing import Any

from auditor.case.canonical import canonical_json, sha256_hex
from auditor.contract.findings import Finding
from auditor.contract.verdicts import Bilingual, RulesetIdentity, Verdict
from auditor.contract.vocabulary import Severity
from auditor.rules.schema import Rule, Ruleset

MISSING = object()


def field_value(finding: dict[str, Any], name: str) -> Any:
    value: Any = finding
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value


def _compare(op: str, actual: Any, operand: Any) -> bool:
    if op == "exists":
        return (actual is not MISSING and actual is not None) == operand
    if actual is MISSING:
        return op in ("not_equals", "not_in")
    if op == "equals":
        return actual == operand
    if op == "not_equals":
        return actual != operand
    if op == "in":
        return actual in operand
    if op == "not_in":
        return actual not in operand
    if actual is None or isinstance(actual, bool) or type(actual) is not type(operand) and not (
            isinstance(actual, int | float) and isinstance(operand, int | float)):
        return False
    return {"gt": actual > operand, "gte": actual >= operand, "lt": actual < operand,
            "lte": actual <= operand}[op]


def matches(condition: dict[str, Any], finding: dict[str, Any]) -> bool:
    if "all" in condition:
        return all(matches(c, finding) for c in condition["all"])
    if "any" in condition:
        return any(matches(c, finding) for c in condition["any"])
    if "not" in condition:
        return not matches(condition["not"], finding)
    op = next(k for k in condition if k != "field")
    return _compare(op, field_value(finding, condition["field"]), condition[op])


def verdict(ruleset: Ruleset, rule: Rule, finding_ids: list[str]) -> Verdict:
    identity = ruleset.identity()
    ids = sorted(finding_ids)
    return Verdict(
        id="V-" + sha256_hex(canonical_json([identity, rule.id, rule.version, ids]))[:20],
        rule_id=rule.id, rule_version=rule.version, ruleset=RulesetIdentity(**identity),
        title=Bilingual(**rule.title), explanation=Bilingual(**rule.reasoning), source=rule.source,
        citations=rule.citations,
        severity=Severity(rule.severity), findings=tuple(ids), evidence_required=tuple(rule.evidence_required),
        evidence_required_nl=tuple(rule.evidence_required_nl))


def evaluate(rulesets: list[Ruleset], findings: list[Finding], case_context: dict[str, Any]) -> list[Verdict]:
    """One verdict per rule that at least one finding engages, listing those findings. Conditions read a
    finding by the field names of findings.json (auditor/contract/schemas.py rule_fields)."""
    fields = [(f.id, {**f.model_dump(mode="json", by_alias=True), "case": case_context})
              for f in findings]
    verdicts = []
    for ruleset in rulesets:
        for rule in ruleset.rules:
            engaged = [fid for fid, data in fields if matches(rule.condition, data)]
            if engaged:
                verdicts.append(verdict(ruleset, rule, engaged))
    return sorted(verdicts, key=lambda v: (v.ruleset.name, v.rule_id, v.id))
