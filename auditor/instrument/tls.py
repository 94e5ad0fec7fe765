"""Native TLS options of an instrumentation (--unpin, --keylog) and the key log they produce.

Each secret line the agent reports is a `hook.tls_key` event (with host and native stack) as it arrives; when
the instrumentation ends, the lines are also stored together as one NSS key log artifact (`hook.keylog`), the
file tshark and `auditor witness` read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import click

from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.case.ledger import Ledger

F = TypeVar("F", bound=Callable[..., Any])


def tls_options(command: F) -> F:
    """--unpin and --keylog (passed as `unpin`, `keylog`), the same for `auditor instrument` and `auditor audit`."""
    command = click.option("--keylog", is_flag=True, help="Record the app's own TLS session secrets (NSS key log) "
                           "from its native TLS library.")(command)
    return click.option("--unpin", is_flag=True, help="Make the app's TLS accept any server certificate, pinning "
                        "included: its native TLS library and its Java checks (trust managers, hostname verifiers, "
                        "OkHttp's pinner, WebView TLS errors); every bypass installed and every verification it "
                        "overturned is recorded.")(command)


def patterns_only_option(command: F) -> F:
    """TEST ONLY --tls-patterns-only (`patterns_only`): the agent's TLS hooks ignore exported names, so the
    pattern search is tested on a library whose exports say where the functions are (tests/unpin)."""
    return click.option("--tls-patterns-only", "patterns_only", is_flag=True, hidden=True,
                        help="TEST ONLY: locate the TLS library's functions by pattern alone, ignoring its "
                             "exports (recorded in the case).")(command)


@dataclass(frozen=True)
class TlsOptions:
    unpin: bool = False         # force the TLS library's chain verification to succeed, on record
    keylog: bool = False        # report the app's session secrets
    patterns_only: bool = False  # TEST ONLY: no symbol lookup in the TLS hooks

    def agent_config(self) -> dict[str, bool]:
        """The agent's options, also recorded in case.json's instrumentation section (the test-only one only
        when set: it is then on record as such)."""
        return {"unpin": self.unpin, "keylog": self.keylog, **({"tlsPatternsOnly": True} if self.patterns_only
                                                                else {})}


@dataclass
class KeyLog:
    """The secret lines of one instrumentation, in arrival order, with the pids that produced them."""
    lines: list[str] = field(default_factory=list)
    pids: set[int] = field(default_factory=set)

    def add(self, pid: int, fields: dict[str, Any]) -> None:
        if fields.get("phase") == "logged" and fields.get("line"):
            self.lines.append(fields["line"])
            self.pids.add(pid)

    def store(self, case: Case, ledger: Ledger) -> None:
        """The NSS key log as an artifact with its `hook.keylog` event (also when empty: it says so)."""
        data = "".join(f"{line}\n" for line in self.lines).encode()
        ledger.append("hook", Kind.HOOK_KEYLOG, {"format": "NSS key log", "lines": len(self.lines),
                                                 "pids": sorted(self.pids)},
                      artifact=case.artifacts.put_bytes(data) if self.lines else None)
