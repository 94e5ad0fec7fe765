"""findings.json read one finding at a time: the report's largest input, never held as one parsed model.

findings.json is one JSON document; parsed whole into its typed model, a 20,000-exchange case's 38 MB of
findings cost about 200 MiB, more than everything else the report holds. So the document is scanned once for
where each element of its `findings` array starts and ends (in the layout auditor writes it); each element is
validated as a contract Finding (the same strict model, one at a time), and read and validated again whenever
the report needs it. The rest of the document (format, summary) is validated as a Findings with no findings.

A document the scan does not take apart (another layout, not well-formed, an element that does not validate)
is read whole with read_document, which names the file and the problem exactly as elsewhere; if that read
succeeds after all, its findings are used as they are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from auditor.contract.document import MAX_DOCUMENT_BYTES, read_document
from auditor.contract.findings import Finding, Findings
from auditor.errors import InputError
from auditor.inputs import read_bounded
from auditor.report.rows import Rows

# The layout contract.document.encode writes (sorted keys, one-space indent): `findings` first, each element an
# object opened and closed at two spaces' indent. JSON text holds no newline inside a string, and an element's
# own members are indented deeper, so "\n  }" closes the element it is in.
_HEAD = b'{\n "findings": ['
_OPEN, _CLOSE = b"\n  {", b"\n  }"


def _spans(raw: bytes) -> tuple[tuple[int, int], list[tuple[int, int]]] | None:
    """The byte span of the `findings` array and of each of its elements, in the layout auditor writes; None for
    any other layout (then the whole document is read)."""
    if not raw.startswith(_HEAD):
        return None
    first = len(_HEAD) - 1
    if raw.startswith(b"]", first + 1):
        return (first, first + 2), []
    elements: list[tuple[int, int]] = []
    at = first + 1
    while raw.startswith(_OPEN, at):
        close = raw.find(_CLOSE, at)
        if close < 0:
            return None
        elements.append((at + 3, close + len(_CLOSE)))
        at = close + len(_CLOSE)
        if raw.startswith(b"\n ]", at):
            return (first, at + 3), elements
        if not raw.startswith(b",", at):
            return None
        at += 1
    return None


class FindingsFile:
    """Reads one findings.json: `read` is load_analysis's reader for it; `findings` then gives the findings,
    each read from the file when it is looked up (or, for a document read whole, as read)."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.findings: Sequence[Finding] = ()
        self._spans: list[tuple[int, int, bytes]] = []       # offset, length, SHA-256 of the element's bytes

    def read(self, path: Path) -> Findings:
        """Scan `path`: the document without its findings, which `findings` then gives one at a time."""
        self.path = path
        raw = read_bounded(path, MAX_DOCUMENT_BYTES, "analysis document")
        found = _spans(raw)
        try:
            if found is not None:
                (first, end), elements = found
                for offset, stop in elements:
                    Finding.model_validate_json(raw[offset:stop])
                    self._spans.append((offset, stop - offset, hashlib.sha256(raw[offset:stop]).digest()))
                head = Findings.model_validate_json(raw[:first] + b"[]" + raw[end:])
                if not head.findings:          # else a second `findings` member: the whole-document reader
                    self.findings = Rows(len(self._spans), self._element)
                    return head
        except ValidationError:
            pass
        self._spans = []
        whole = read_document(Findings, path)
        self.findings = whole.findings
        return whole.model_copy(update={"findings": ()})

    @property
    def streamed(self) -> bool:
        """Whether the findings are read one at a time (False: the document was read whole)."""
        return isinstance(self.findings, Rows)

    def _element(self, index: int) -> Finding:
        offset, length, digest = self._spans[index]
        assert self.path is not None
        with open(self.path, "rb") as handle:
            handle.seek(offset)
            raw = handle.read(length)
        if hashlib.sha256(raw).digest() != digest:
            raise InputError(self.path, "changed while the report was being made")
        return Finding.model_validate_json(raw)
