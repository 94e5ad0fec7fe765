import json
from pathlib import Path

import pytest

from auditor.analyze.run import analyze
from tests.analysis.builders import har_case


def load(case_root: Path, name: str) -> list[dict]:
    data = json.loads((case_root / "analysis" / f"{name}.json").read_text(encoding="utf-8"))
    return data[name] if name in data else data


@pytest.fixture(scope="session")
def analysed_har(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("har") / "case"
    har_case(root)
    analyze(root)
    return root
