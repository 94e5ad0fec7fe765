"""Record every finished HTTP exchange and WebSocket connection into the case as it happens.

Per flow, the addon does one thing on the proxy's hot path: append the flow's state (what mitmproxy's own
stream writer serialises) to CASE/flows.journal with one write, inside the hook, before mitmproxy hands the
response to the client — so a SIGKILL of the proxy cannot lose a flow the client saw complete. Everything
else — the record in mitmproxy's format in flows.mitm (re-readable with `mitmdump -nr`), bodies into the
artifact store, the `proxy.flow` ledger event with the facts of docs/events.md (`describe_flow`) — is done by
auditor.capture.ingest, which follows the journal from the capturing process, off the proxy's CPU.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mitmproxy import http

from auditor.capture import journal
from auditor.capture.addons import flowfacts
from auditor.capture.addons.bodies import META_KEY
from auditor.capture.addons.sink import add_case_option, case_sink

RECORDED_KEY = "auditor.recorded"


PutArtifact = Callable[[bytes], str]      # stores bytes as an artifact, returns their SHA-256


def _body(put: PutArtifact, message: http.Message | None, kept: dict[str, Any] | None) -> dict[str, Any]:
    """Body facts for one side: from the tee when it spilled to an artifact, else from the message."""
    if kept is not None and kept.get("spilled"):
        return {"body_sha256": kept["body_sha256"], "body_size": kept["body_size"],
                "body_complete": kept["body_complete"]}
    raw = message.raw_content if message is not None else None
    complete = kept["body_complete"] if kept is not None else raw is not None
    if not raw:
        return {"body_sha256": None, "body_size": 0, "body_complete": complete}
    return {"body_sha256": put(raw), "body_size": len(raw), "body_complete": complete}


def describe_flow(flow: http.HTTPFlow, trusted_ca_file: str, put: PutArtifact) -> dict[str, Any]:
    """The `proxy.flow` body for a finished flow (without its stream position); bodies go through `put`."""
    kept = flow.metadata.get(META_KEY, {})
    body: dict[str, Any] = flowfacts.connection_facts(flow, trusted_ca_file)
    body.update(
        type="websocket" if flow.websocket is not None else "http",
        request=flowfacts.request_facts(flow.request, _body(put, flow.request, kept.get("request"))),
        response=flowfacts.response_facts(flow.response, _body(put, flow.response, kept.get("response"))),
        timestamps=flowfacts.timestamps(flow),
        error=flow.error.msg if flow.error else None,
    )
    if flow.websocket is not None:
        body["websocket"] = {"messages": [
            {"from_client": message.from_client, "type": "text" if message.is_text else "binary",
             "sha256": put(message.content) if message.content else None,
             "size": len(message.content), "time": flowfacts.iso(message.timestamp)}
            for message in flow.websocket.messages
        ], "close_code": flow.websocket.close_code}
    return body


class Recorder:
    def load(self, loader) -> None:
        add_case_option(loader)

    def response(self, flow: http.HTTPFlow) -> None:
        if flow.websocket is None:          # a WebSocket is recorded once, when it ends
            self._record(flow)

    def error(self, flow: http.HTTPFlow) -> None:
        if flow.websocket is None:
            self._record(flow)

    def websocket_end(self, flow: http.HTTPFlow) -> None:
        self._record(flow)

    def _record(self, flow: http.HTTPFlow) -> None:
        sink = case_sink()
        if sink is None or flow.metadata.get(RECORDED_KEY):
            return
        flow.metadata[RECORDED_KEY] = True
        sink.append_journal(journal.encode(flow.get_state()))


addons = [Recorder()]
