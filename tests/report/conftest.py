from __future__ import annotations

import os
from pathlib import Path

import pytest

from .casefactory import BuiltCase, build_case


@pytest.fixture(scope="session", autouse=True)
def auditor_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throwaway operator key for the whole session (AUDITOR_HOME), never the user's own."""
    home = tmp_path_factory.mktemp("auditor-home")
    previous = os.environ.get("AUDITOR_HOME")
    os.environ["AUDITOR_HOME"] = str(home)
    yield home
    if previous is None:
        os.environ.pop("AUDITOR_HOME", None)
    else:
        os.environ["AUDITOR_HOME"] = previous


@pytest.fixture(scope="session")
def sealed_case(tmp_path_factory: pytest.TempPathFactory, auditor_home: Path) -> BuiltCase:
    return build_case(tmp_path_factory.mktemp("case") / "case", version="1.0")


@pytest.fixture(scope="session")
def hostile_case(tmp_path_factory: pytest.TempPathFactory, auditor_home: Path) -> BuiltCase:
    return build_case(tmp_path_factory.mktemp("hostile") / "case", version="1.0", hostile=True)


@pytest.fixture(scope="session")
def reports(sealed_case: BuiltCase, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sealed case rendered once per variant (all four formats): en, nl and the redacted en copy."""
    from auditor.case import keys
    from auditor.report.render import FORMATS, write_report

    key, _ = keys.load_or_create()
    out = tmp_path_factory.mktemp("reports")
    variants = {"en": ("en", False), "nl": ("nl", False), "redacted": ("en", True)}
    return {name: write_report(sealed_case.root, FORMATS, lang, redact, out / name, key).directory
            for name, (lang, redact) in variants.items()}
