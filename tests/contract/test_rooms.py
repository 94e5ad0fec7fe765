"""Capture records, analysis interprets, the report renders: the import rules that keep it so (issue #12)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "auditor"


def module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every auditor module a file imports, at module level or inside a function (a lazy import is an arrow too)."""
    found: set[str] = set()
    here = module_of(path).split(".")
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = here[:len(here) - node.level + (1 if path.name == "__init__.py" else 0)]
                base = ".".join(package + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {name for name in found if name == "auditor" or name.startswith("auditor.")}


def graph() -> dict[str, set[str]]:
    modules = {module_of(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in imports_of(path) if m in modules and m != name} for name, path in modules.items()}


def _in(module: str, room: str) -> bool:
    return module == room or module.startswith(room + ".")


def offending(rooms: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(f"{m} -> {target}" for m, targets in graph().items() if any(_in(m, r) for r in rooms)
                  for target in targets if any(_in(target, f) for f in forbidden))


def test_the_report_renders_and_touches_no_capture_instrument_device_or_audit_code() -> None:
    assert offending(("auditor.report",),
                     ("auditor.capture", "auditor.instrument", "auditor.device", "auditor.audit")) == []


def test_capture_and_instrument_record_without_datasets_or_analysis() -> None:
    assert offending(("auditor.capture", "auditor.instrument"), ("auditor.datasets", "auditor.analyze")) == []


def test_the_contract_depends_on_nothing_that_decides_or_renders() -> None:
    assert offending(("auditor.contract",), ("auditor.analyze", "auditor.report", "auditor.rules",
                                             "auditor.capture", "auditor.instrument", "auditor.device")) == []


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_in_auditor() -> None:
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert imports_of(ROOT / "auditor" / "report" / "model.py") >= {"auditor.contract.files",
                                                                   "auditor.report.sections.findings"}
    # a lazy import inside a function is an arrow too: `auditor verify` loads the report room's manifest check
    assert "auditor.report.manifest" in graph()["auditor.case.commands"]
