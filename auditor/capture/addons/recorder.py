"""Record every finished HTTP exchange and WebSocket connection into the case as it happens.

Per flow, in this order: its bodies (raw, as on the wire) into the artifact store; the flow serialised as
mitmproxy's own stream format, appended to CASE/flows.mitm with one write and also kept as an artifact;
then a `proxy.flow` ledger event carrying that record's SHA-256, its offset in flows.mitm and the facts of
docs/events.md. All of it happens inside the hook, before mitmproxy hands the response to the client, so a
SIGKILL of the proxy cannot lose a flow the client saw complete. flows.mitm re-reads with `mitmdump -nr`.
"""

from __future__ import annotations

from typing import Any

from mitmproxy import ctx, http
from mitmproxy.io import tnetstring

from auditor.capture.addons import flowfacts
from auditor.capture.addons.bodies import META_KEY
from auditor.capture.addons.sink import STREAM_FILE, CaseSink, add_case_option, case_sink

RECORDED_KEY = "auditor.recorded"


def _body(sink: CaseSink, message: http.Message | None, kept: dict[str, Any] | None) -> dict[str, Any]:
    """Body facts for one side: from the tee when it spilled to an artifact, else from the message."""
    if kept is not None and kept.get("spilled"):
        return {"body_sha256": kept["body_sha256"], "body_size": kept["body_size"],
                "body_complete": kept["body_complete"]}
    raw = message.raw_content if message is not None else None
    complete = kept["body_complete"] if kept is not None else raw is not None
    if not raw:
        return {"body_sha256": None, "body_size": 0, "body_complete": complete}
    return {"body_sha256": sink.put(raw), "body_size": len(raw), "body_complete": complete}


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
        kept = flow.metadata.get(META_KEY, {})
        body: dict[str, Any] = flowfacts.connection_facts(flow, ctx.options.ssl_verify_upstream_trusted_ca or "")
        body.update(
            type="websocket" if flow.websocket is not None else "http",
            request=flowfacts.request_facts(flow.request, _body(sink, flow.request, kept.get("request"))),
            response=flowfacts.response_facts(
                flow.response, _body(sink, flow.response, kept.get("response"))),
            timestamps=flowfacts.timestamps(flow),
            error=flow.error.msg if flow.error else None,
        )
        if flow.websocket is not None:
            body["websocket"] = {"messages": [
                {"from_client": message.from_client, "type": "text" if message.is_text else "binary",
                 "sha256": sink.put(message.content) if message.content else None,
                 "size": len(message.content), "time": flowfacts.iso(message.timestamp)}
                for message in flow.websocket.messages
            ], "close_code": flow.websocket.close_code}
        record = tnetstring.dumps(flow.get_state())
        digest = sink.put(record)
        offset, length = sink.append_stream(record)
        body["stream"] = {"file": STREAM_FILE, "offset": offset, "length": length}
        sink.event("proxy.flow", body, artifact=digest)


addons = [Recorder()]
