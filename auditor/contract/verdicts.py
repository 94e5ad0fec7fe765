"""analysis/verdicts.json: each rule applied to the findings that engage it (DESIGN §4, §7)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from auditor.contract.document import Bilingual, Record
from auditor.contract.vocabulary import ReviewStatus, Severity

VERDICTS_FORMAT = "auditor-verdicts/1"


class CitationKind(StrEnum):
    ARTICLE = "article"          # instrument, article, paragraph, point
    RECITAL = "recital"          # instrument, recital
    CASE = "case"                # court, number, name, date, ecli, paras
    GUIDELINE = "guideline"      # body, document, number, title, date, paras
    DECISION = "decision"        # body, title (en, nl), date, article


class Citation(Record):
    """A source of law as data: the report formats it per language (docs/rulesets.md, Citations)."""
    kind: CitationKind = CitationKind.ARTICLE
    instrument: str | None = None      # a code: gdpr, eprivacy, tw, uavg (auditor/rules/schema.py INSTRUMENTS)
    article: str | None = None
    paragraph: str | None = None
    point: str | None = None
    recital: str | None = None
    court: str | None = None           # cjeu
    number: str | None = None          # C-673/17, 2/2023
    name: str | None = None            # Planet49
    date: str | None = None            # ISO date of the judgment, adoption or decision
    ecli: str | None = None
    paras: str | None = None           # the paragraphs relied on
    body: str | None = None            # edpb, wp29, commission, dpc, ap
    document: str | None = None        # guidelines, opinion, recommendations
    title: str | None = None
    title_nl: str | None = None
    text: str | None = None            # the gist, in English and (text_nl) Dutch
    text_nl: str | None = None
    verified: bool = False             # checked against the primary text
    verified_against: str | None = None     # the text (title, OJ reference or URL) it was checked against
    verified_against_nl: str | None = None  # the same described in Dutch
    checked: str | None = None         # ISO date of that check (required when verified)
    note: str | None = None            # what was, or could not be, found (an unverified citation says what)
    note_nl: str | None = None         # the same in Dutch


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
    evidence_required_nl: tuple[str, ...] = ()      # the same in Dutch (older verdicts.json: none)
    review: Review = Review()


class Verdicts(Record):
    format: str = Field(default=VERDICTS_FORMAT, pattern=r"^auditor-verdicts/1$")
    verdicts: tuple[Verdict, ...]
