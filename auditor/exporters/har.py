"""`auditor export har`: the case's captured flows as HAR 1.2, for people and other tools.

Built from CASE/flows.mitm with mitmproxy's own HAR writer (serverIPAddress from the connected peer,
timings from the connection and message timestamps). HAR is a lossy view — bodies are decoded text, the
client address and SNI are dropped — so the case's stream file and ledger stay the evidence; a body the
capture streamed to the artifact store is named in the entry's `_auditor_body_sha256` instead of inlined.
Same case, same bytes out.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mitmproxy import http
from mitmproxy import io as mitm_io
from mitmproxy.addons.savehar import SaveHar

from auditor.capture.addons.bodies import META_KEY
from auditor.case.bundle import Case
from auditor.case.layout import FLOWS_FILE
from auditor.errors import InputError


def read_case_flows(case: Case) -> list[http.HTTPFlow]:
    path = case.root / FLOWS_FILE
    if not path.exists():
        return []
    flows: list[http.HTTPFlow] = []
    with open(path, "rb") as handle:
        try:
            for flow in mitm_io.FlowReader(handle).stream():
                if isinstance(flow, http.HTTPFlow):
                    flows.append(flow)
        except Exception as exc:    # the format has no checksum: any decoding error means damage
            raise InputError(path, f"unreadable after {len(flows)} flows ({type(exc).__name__}: {exc})") from None
    return flows


def case_to_har(case: Case) -> dict[str, Any]:
    flows = read_case_flows(case)
    har = SaveHar().make_har(flows)
    for flow, entry in zip(flows, har["log"]["entries"], strict=True):
        for side, facts in flow.metadata.get(META_KEY, {}).items():
            if facts.get("spilled"):
                entry[side]["_auditor_body_sha256"] = facts["body_sha256"]
    har["log"]["comment"] = f"exported by auditor from case {case.id}"
    return har


def export_har(case_dir: Path, output: Path) -> int:
    har = case_to_har(Case.open(case_dir))
    output.write_text(json.dumps(har, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(har["log"]["entries"])
