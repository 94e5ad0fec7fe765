"""The case layout's names are defined once (auditor/case/layout.py) and not spelled out in the rooms that
read and write cases: no .py file under auditor/ but layout.py spells one out."""

from __future__ import annotations

import ast
from pathlib import Path

from auditor.case import layout

ROOT = Path(__file__).resolve().parent.parent.parent
# "sha256" is also a member name of many bodies, so only the unambiguous names are looked for.
NAMES = {layout.CASE_FILE, layout.LEDGER_FILE, layout.SEAL_FILE, layout.FLOWS_FILE, layout.JOURNAL_FILE,
         layout.ARTIFACTS_DIR, layout.INCOMING_DIR}


def test_the_names_are_those_docs_case_format_describes() -> None:
    assert sorted(NAMES) == [".incoming", "artifacts", "case.json", "flows.journal", "flows.mitm", "ledger.jsonl",
                             "seal.json"]
    assert layout.DERIVED_DIRS == {"analysis", "reports", "witness"}
    docs = (ROOT / "docs" / "case-format.md").read_text("utf-8")
    assert all(name in docs for name in NAMES | layout.DERIVED_DIRS)


def _names_in(path: Path) -> set[str]:
    # "artifacts" is also a member of the report model's evidence (docs/report-format.md), not a path there
    return NAMES - {layout.ARTIFACTS_DIR} if path.is_relative_to(ROOT / "auditor" / "report") else NAMES


def test_no_room_spells_out_a_layout_name() -> None:
    found = [f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}"
             for path in sorted((ROOT / "auditor").rglob("*.py")) if path.name != "layout.py"
             for node in ast.walk(ast.parse(path.read_text("utf-8")))
             if isinstance(node, ast.Constant) and node.value in _names_in(path)]
    assert found == []
