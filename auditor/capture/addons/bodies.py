"""Keep every body, whole or partial, without ever holding a big one in memory.

mitmproxy buffers bodies whole and drops a request body the client aborted. This addon streams requests,
and responses of unknown or large size (see responseheaders), through a tee: bytes go on to the peer
unchanged while a copy is kept in memory up to `auditor_body_cap`; past that the copy spills to a streaming
artifact writer, so a 200 MB body costs at most the cap. When a message ends, a body under the cap is put
back on the flow (the stream file and the recorder then see a normal flow); a spilled one is named by its
artifact digest in flow.metadata. On an error the partial bytes are kept the same way, marked incomplete.

Load it before the recorder (`-s bodies.py -s recorder.py`): the recorder reads what this leaves behind.
mitmproxy logs a "Streaming request to …" line for each streamed message; since this addon streams every
request, those lines say nothing about the traffic and are dropped from the log (formatting and writing one
per request cost about 5 % of the proxy's throughput).
"""

from __future__ import annotations

import logging

from mitmproxy import ctx, http

from auditor.capture.addons.body_tee import BodyTee
from auditor.capture.addons.sink import add_case_option, case_sink

CAP_OPTION = "auditor_body_cap"
DEFAULT_CAP = 8 << 20
META_KEY = "auditor.bodies"     # flow.metadata[META_KEY] = {"request": BodyFacts, "response": BodyFacts}


PROXY_LOGGER = "mitmproxy.proxy.server"


def _not_a_streaming_notice(record: logging.LogRecord) -> bool:
    return not (isinstance(record.msg, str) and record.msg.startswith(("Streaming request to ",
                                                                       "Streaming response from ")))


class BodyCapture:
    def __init__(self) -> None:
        self._tees: dict[tuple[str, str], BodyTee] = {}

    def load(self, loader) -> None:
        add_case_option(loader)
        logging.getLogger(PROXY_LOGGER).addFilter(_not_a_streaming_notice)
        loader.add_option(CAP_OPTION, int, DEFAULT_CAP,
                          "bodies larger than this many bytes are streamed to the case's artifact store "
                          "instead of being held in memory")

    def done(self) -> None:
        logging.getLogger(PROXY_LOGGER).removeFilter(_not_a_streaming_notice)

    def _tee(self, flow: http.HTTPFlow, side: str, message: http.Message) -> None:
        tee = BodyTee(ctx.options.auditor_body_cap, case_sink())
        self._tees[(flow.id, side)] = tee
        message.stream = tee

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        self._tee(flow, "request", flow.request)

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        # A streamed response reaches the client before the response hook records it. That is safe when the
        # client only knows the response is complete from a signal mitmproxy sends after the hook (the h1
        # last-chunk, h2 END_STREAM): so stream bodies of unknown length, and bodies over the cap, which
        # must not be held in memory. A declared length under the cap is buffered by mitmproxy and recorded
        # before the client sees a byte of it.
        response = flow.response
        assert response is not None
        if response.status_code == 101:           # a protocol switch carries no body to tee
            return
        declared = response.headers.get("content-length", "")
        if not declared.isdigit() or int(declared) > ctx.options.auditor_body_cap:
            self._tee(flow, "response", response)

    def _finish(self, flow: http.HTTPFlow, side: str, message: http.Message | None, complete: bool) -> None:
        tee = self._tees.pop((flow.id, side), None)
        if tee is None or message is None or not tee.used:
            return                                 # mitmproxy consumed the body itself (no streaming)
        flow.metadata.setdefault(META_KEY, {})[side] = tee.finish(message, complete)

    def request(self, flow: http.HTTPFlow) -> None:
        self._finish(flow, "request", flow.request, True)

    def response(self, flow: http.HTTPFlow) -> None:
        self._finish(flow, "response", flow.response, True)

    def error(self, flow: http.HTTPFlow) -> None:
        self._finish(flow, "request", flow.request, False)
        self._finish(flow, "response", flow.response, False)


addons = [BodyCapture()]
