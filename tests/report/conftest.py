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
