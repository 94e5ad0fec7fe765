"""Ledger event kinds are defined once (auditor/case/events.py): named by one rule, documented, and no
longer spelled out as strings in the rooms that write them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from auditor.case.commands import MARK_KINDS
from auditor.case.events import CONSENT_KINDS, FLOW_KINDS, KNOWN_UNKNOWN_KINDS, OPERATOR_MARKS, Kind

ROOT = Path(__file__).resolve().parent.parent.parent
# Every room writes and reads kinds as Kind members: no .py file under auditor/ but events.py spells one out.
VALUES = {kind.value for kind in Kind}


def spelled_out_kinds(source: str) -> list[tuple[int, str]]:
    """(line, value) of every string constant in `source` that equals a kind."""
    return [(node.lineno, node.value) for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in VALUES]


def test_member_names_follow_their_values() -> None:
    assert [kind.name for kind in Kind] == [kind.value.upper().replace(".", "_") for kind in Kind]
    assert len(Kind) == 59          # 57 + passive.pcap (capture --passive), import.passive (import passive)


def test_the_scanner_finds_a_kind_written_as_a_string() -> None:
    source = 'ledger.append("proxy", "proxy.flow", {})\nx = "proxy.flows"\n"""docstring naming proxy.flow"""\n'
    assert spelled_out_kinds(source) == [(1, "proxy.flow")]


def test_no_kind_is_spelled_out_outside_events_py() -> None:
    found = [f"{path.relative_to(ROOT)}:{line}: {value!r}"
             for path in sorted((ROOT / "auditor").rglob("*.py")) if path.name != "events.py"
             for line, value in spelled_out_kinds(path.read_text("utf-8"))]
    assert found == []


def test_docs_describe_exactly_the_kinds_defined() -> None:
    docs = (ROOT / "docs" / "events.md").read_text("utf-8")
    sources = "|".join(sorted({kind.value.split(".")[0] for kind in Kind}))
    documented = set(re.findall(rf"`((?:{sources})\.[a-z_]+)`", docs))
    assert documented == VALUES
    assert "auditor/case/events.py" in docs


def test_groups_for_the_readers() -> None:
    assert FLOW_KINDS == {"proxy.flow", "import.flow"}
    assert KNOWN_UNKNOWN_KINDS == {"proxy.tls_failed", "proxy.quic_blocked", "proxy.non_http", "proxy.dns",
                                   "proxy.malformed", "proxy.aborted"}
    assert CONSENT_KINDS == {"operator.consent_accepted", "operator.consent_refused", "device.consent_accepted",
                             "device.consent_refused"}
    assert OPERATOR_MARKS == set(MARK_KINDS.values()) == {"operator.consent_accepted", "operator.consent_refused",
                                                          "operator.note"}
