"""The known unknowns: what the method could not see, as analysis stated it in observed.json."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from auditor.contract.observed import Observed
from auditor.report.display import Display

GAP_KINDS = ("quic_blocked", "non_http", "dns", "malformed", "aborted")    # in the order the section lists them


def unknowns_section(d: Display, observed: Observed) -> dict[str, Any]:
    capture, hooks = observed.capture, observed.hooks
    gaps: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for gap in capture.gaps:
        gaps[gap.kind].append({"seq": gap.seq, "time": d.plain(gap.time), "detail": d.text(gap.detail, 300)})
    return {"flows": capture.flows,
            "tls_failures": [{"host": d.plain(f.host), "side": d.plain(f.side), "error": d.plain(f.error),
                              "count": f.count} for f in capture.tls_failures],
            "tls_failure_count": sum(f.count for f in capture.tls_failures),
            "other": dict(sorted(gaps.items())), "other_counts": dict(capture.gap_counts),
            "gap_kinds": GAP_KINDS,
            # what nothing was recorded of is listed once, not as a heading each
            "nothing_of": (["tls"] if not capture.tls_failures else []) + [k for k in GAP_KINDS if not gaps.get(k)],
            "capture_counted": dict(capture.counted),
            "hooks_installed": hooks.installed,
            "hooks_not_installed": [{"api": d.plain(g.api), "pid": d.plain(g.pid), "reason": d.text(g.reason, 300)}
                                    for g in hooks.not_installed],
            "hook_problems": [{"seq": p.seq, "time": d.plain(p.time), "pid": d.plain(p.pid), "kind": p.kind,
                               "detail": d.text(p.detail, 500)} for p in hooks.problems],
            "hook_overflow": hooks.overflow}
