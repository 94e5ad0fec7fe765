"""Values as a report shows them: captured text bounded and neutralised (values.shown), and masked first when
the report is a disclosure copy (a Redactor is given). The one place a section turns data into display text."""

from __future__ import annotations

from typing import Any

from auditor.report.redact import Redactor
from auditor.report.values import CELL_LIMIT, neutralise, shown


class Display:
    def __init__(self, redactor: Redactor | None):
        self.redactor = redactor

    def text(self, value: Any, limit: int = CELL_LIMIT) -> dict[str, Any]:
        """Captured or free text (bodies, values, comments): bounded, with the whole value's hash when cut."""
        if self.redactor is not None and isinstance(value, str):
            value = self.redactor.text(value)
        return shown(value, limit)

    def header(self, name: Any, value: Any) -> dict[str, Any]:
        text = "" if value is None else str(value)
        if self.redactor is not None:
            text = self.redactor.header(str(name), text)
        return {"name": shown(str(name), 200), "value": shown(text, 1000)}

    @staticmethod
    def plain(value: Any) -> str:
        """A short identifier-like value the contract already typed and bounded (host, country, package):
        neutralised so it cannot reorder or hide text, never cut."""
        return "" if value is None else neutralise(value if isinstance(value, str) else str(value))
