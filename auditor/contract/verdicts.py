"""analysis/verdicts.json: each rule applied to the findings that engage it (DESIGN §4, §7)."""

from __future__ import annotations

from pydantic import Field

from auditor.contract.document import Record
from auditor.contract.vocabulary import ReviewStatus, Severity

VERDICTS_FORMAT = "auditor-verdicts/1"


class Bilingual(Record):
    en: str
    nl: str

    def get(self, lang: str) -> str:
        return self.nl if lang == "nl" else self.en


class Citation(Record):
    instrument: str
    article: str | None = None
    paragraph: str | None = None
    point: str | None = None
    recital: str | None = None
    text: str | None = None


class RulesetIdentity(Record):
    name: str
    version: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Review(Record):
    """A reviewer's status for a verdict; analysis always writes pending, `auditor review` records the rest."""
    status: ReviewStatus = ReviewStatus.PENDING
    comment: str | None = None


class Verdict(Record):
    id: str = Field(pattern=r"^V-[0-9a-f]{20}$")
    rule_id: str
    rule_version: str
    ruleset: RulesetIdentity
    title: Bilingual
    explanation: Bilingual
    source: str
    citations: tuple[Citation, ...]
    severity: Severity
    findings: tuple[str, ...] = Field(min_length=1)
    evidence_required: tuple[str, ...]
    review: Review = Review()


class Verdicts(Record):
    format: str = Field(default=VERDICTS_FORMAT, pattern=r"^auditor-verdicts/1$")
    verdicts: tuple[Verdict, ...]
