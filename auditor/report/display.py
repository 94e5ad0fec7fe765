"""Values as a report shows them: captured text bounded and neutralised (values.shown), and masked first when
the report is a disclosure copy (a Redactor is given). The one place a section turns data into display text."""

from __future__ import annotations

from typing import Any

from auditor.contract.document import Bilingual
from auditor.report.redact import Redactor
from auditor.report.values import CELL_LIMIT, neutralise, shown


class Display:
    def __init__(self, redactor: Redactor | None, lang: str = "en"):
        self.redactor = redactor
        self.lang = lang

    def words(self, value: Any) -> Any:
        """A text written for the reader in both languages (a Bilingual, or its JSON form {"en", "nl"} in
        case.json and the ledger) in the report's language; anything else as it is."""
        if isinstance(value, Bilingual):
            return value.get(self.lang)
        if isinstance(value, dict) and set(value) == {"en", "nl"}:
            return value["nl" if self.lang == "nl" else "en"]
        return value

    def text(self, value: Any, limit: int = CELL_LIMIT) -> dict[str, Any]:
        """Captured or free text (bodies, values, comments): bounded, with the whole value's hash when cut."""
        value = self.words(value)
        if self.redactor is not None and isinstance(value, str):
            value = self.redactor.text(value)
        return shown(value, limit)

    def header(self, name: Any, value: Any) -> dict[str, Any]:
        text = "" if value is None else str(value)
        if self.redactor is not None:
            text = self.redactor.header(str(name), text)
        return {"name": shown(str(name), 200), "value": shown(text, 1000)}

    def plain(self, value: Any) -> str:
        """A short identifier-like value the contract already typed and bounded (host, country, package):
        neutralised so it cannot reorder or hide text, never cut."""
        value = self.words(value)
        return "" if value is None else neutralise(value if isinstance(value, str) else str(value))
