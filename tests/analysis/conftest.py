import json
from pathlib import Path
from typing import Any

import pytest

from auditor.analyze.run import analyze
from tests.analysis.builders import har_case


def load(case_root: Path, name: str, document: bool = False) -> Any:
    """An analysis document's main list (findings, verdicts), or with document=True the whole document."""
    data = json.loads((case_root / "analysis" / f"{name}.json").read_text(encoding="utf-8"))
    return data if document or name not in data else data[name]


@pytest.fixture(scope="session")
def analysed_har(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("har") / "case"
    har_case(root)
    analyze(root)
    return root
