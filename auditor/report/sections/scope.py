"""Part I's opening: the expert, the questions posed, and the scope and limits of what was observed — one app
version, on one date, on a simulated or a real device — as case.json records them."""

from __future__ import annotations

from typing import Any

from auditor.report.display import Display

# What network capture and Java hooks cannot observe; each has a catalogue text "scope.limit.<key>".
LIMITS = ("pinning", "quic", "encrypted_dns", "proxy_bypass", "native", "instrumentation_detection",
          "remote_access", "server_side", "configuration")


def expert_section(d: Display, info: dict[str, Any]) -> dict[str, Any]:
    expert = info.get("expert") if isinstance(info.get("expert"), dict) else {}
    questions = info.get("questions") if isinstance(info.get("questions"), list) else []
    return {"named": bool(expert.get("name")), "name": d.plain(expert.get("name")),
            "qualifications": d.text(expert.get("qualifications"), 4000),
            "independence": d.text(expert.get("independence"), 4000),
            "questions": [d.text(q, 4000) for q in questions if isinstance(q, str)][:50]}


def scope_section(case: dict[str, Any], app: dict[str, Any], device: dict[str, Any],
                  capture: list[dict[str, Any]], flow_times: list[str], imported: bool) -> dict[str, Any]:
    """The scope: the sections already built for the cover and the method, restated as limits. The period is
    the capture's, or the exchanges' own times (an imported capture), or the case's."""
    starts = [c["started"] for c in capture if c.get("started")] + flow_times
    stops = [c["stopped"] for c in capture if c.get("stopped")] + flow_times
    started = min(starts, default=case["created"])
    stopped = max(stops, default=case["ended"] or "")
    return {"device": "simulated" if device["simulated"] else ("imported" if imported else
                                                               ("real" if device["present"] else "none")),
            "package": app["package"], "version_name": app["version_name"], "version_code": app["version_code"],
            "date": (started or "")[:10], "started": started, "stopped": stopped,
            "limits": list(LIMITS)}
