"""The court expert and the questions posed, as case.json records them (`auditor case new --expert …`): the
report's Part I opens with who answers which questions, under which statement of independence."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from auditor.errors import InputError
from auditor.inputs import mapping_problem, read_bounded

MAX_PROFILE_BYTES = 64 << 10
MAX_TEXT = 4000
PROFILE_KEYS = {"name", "qualifications", "independence"}


@dataclass(frozen=True)
class Expert:
    name: str
    qualifications: str = ""
    independence: str = ""   # the expert's own statement; the report prints it as given, never a default

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _text(value: Any, where: Path | str, key: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise InputError(where, f"{key}: must be a string of at most {MAX_TEXT} characters")
    return value.strip()


def load_profile(path: Path) -> Expert:
    """An expert profile: a JSON object with name (required), qualifications and independence."""
    try:
        data = json.loads(read_bounded(path, MAX_PROFILE_BYTES, "expert profile"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(path, f"the expert profile is not JSON ({exc})") from None
    problem = mapping_problem(data, PROFILE_KEYS, {"name"})
    if problem:
        raise InputError(path, f"expert profile: {problem}")
    return expert_from(path, **data)


def expert_from(where: Path | str, name: str, qualifications: str = "", independence: str = "") -> Expert:
    expert = Expert(_text(name, where, "name"), _text(qualifications, where, "qualifications"),
                    _text(independence, where, "independence"))
    if not expert.name:
        raise InputError(where, "name: the expert's name must not be empty")
    return expert


def questions_from(questions: tuple[str, ...]) -> list[str]:
    out = [_text(q, "--question", "question") for q in questions]
    if any(not q for q in out):
        raise InputError("--question", "a question must not be empty")
    return out
