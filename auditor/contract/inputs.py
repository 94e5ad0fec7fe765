"""analysis/inputs.json: what an analysis was made from, each input by its SHA-256 (DESIGN §1)."""

from __future__ import annotations

from pydantic import Field

from auditor.contract.document import Bilingual, Record
from auditor.contract.verdicts import RulesetIdentity

INPUTS_FORMAT = "auditor-inputs/1"


class LedgerHead(Record):
    seq: int = Field(ge=0)
    hash: str | None = None
    intact: bool


class CaseReference(Record):
    case_id: str
    seal_sha256: str | None = None
    case_json_sha256: str
    ledger_head: LedgerHead


class DatasetUsed(Record):
    name: str
    version: str
    sha256: str
    licence: str | Bilingual             # a name (CC BY 4.0), or a sentence in both report languages
    attribution: str | Bilingual
    path_name: str | None = None         # a user-supplied file's name (--world, --mmdb)
    error_rate: str | None = None        # the dataset's measured error rate, where its provenance states one


class Inputs(Record):
    format: str = Field(default=INPUTS_FORMAT, pattern=r"^auditor-inputs/1$")
    case: CaseReference
    datasets: tuple[DatasetUsed, ...]
    rulesets: tuple[RulesetIdentity, ...]
    flows_analysed: int = Field(ge=0)
