"""Reading and writing contract documents at the file boundary: strict, bounded, byte-stable.

Every model is frozen and forbids unknown fields, so a hand-edited or foreign file fails with an error
naming the file and the field (`findings[3].recipient.host: Input should be a valid string`), never later in
a template. Output is canonical (sorted keys, one-space indent, UTF-8, every field present), so the
same analysis gives the same bytes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from auditor.errors import InputError
from auditor.inputs import read_bounded

MAX_DOCUMENT_BYTES = 64 << 20


class Record(BaseModel):
    """Base of every contract model: immutable, closed, and strict about types (a string is not a number)."""
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, populate_by_name=True,
                              use_enum_values=False)


class Bilingual(Record):
    """A text the report shows in its own language: every sentence analysis or a dataset writes for a reader is
    stored in both, so a Dutch report holds no English sentence (the renderer picks one, report/display.py)."""
    en: str
    nl: str

    def get(self, lang: str) -> str:
        return self.nl if lang == "nl" else self.en


Doc = TypeVar("Doc", bound=Record)


def _field_path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "document"


def encode(document: Record) -> bytes:
    data = document.model_dump(mode="json", by_alias=True)
    return (json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def decode(model: type[Doc], payload: bytes, where: Path | str) -> Doc:
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(where, f"not valid UTF-8 (byte {exc.start})") from None
    try:
        return model.model_validate_json(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == "json_invalid":
            raise InputError(where, f"not valid JSON ({first['msg'].removeprefix('Invalid JSON: ')})") from None
        more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
        raise InputError(where, f"{_field_path(first['loc'])}: {first['msg']}{more}") from None


def read_document(model: type[Doc], path: Path, limit: int = MAX_DOCUMENT_BYTES) -> Doc:
    return decode(model, read_bounded(path, limit, "analysis document"), path)


def write_documents(documents: dict[Path, Record]) -> None:
    """Write several documents as one unit as far as a file system allows: every file is written beside its
    target and flushed first, then all are renamed into place, so a failure while encoding or writing leaves
    the previous set untouched."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, document in documents.items():
            temporary = path.with_name(f".{path.name}.part")
            temporary.unlink(missing_ok=True)
            with open(temporary, "xb") as handle:        # created afresh: never through a planted link
                handle.write(encode(document))
                handle.flush()
                os.fsync(handle.fileno())
            staged.append((temporary, path))
    except BaseException:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise
    for temporary, path in staged:
        os.replace(temporary, path)
