"""A tee for a streamed body: forwards each chunk unchanged and keeps a copy, in memory up to a cap and in a
streaming artifact writer beyond it. (Separate from the bodies addon: mitmproxy loads addon scripts outside
the import system, where dataclasses cannot be defined.)"""

from __future__ import annotations

from dataclasses import dataclass, field

from mitmproxy import http

from auditor.capture.addons.sink import CaseSink
from auditor.case.artifacts import ArtifactWriter


@dataclass
class BodyTee:
    cap: int
    sink: CaseSink | None
    kept: bytearray = field(default_factory=bytearray)
    spill: ArtifactWriter | None = None
    size: int = 0
    used: bool = False

    def __call__(self, chunk: bytes) -> bytes:
        self.used = True
        self.size += len(chunk)
        if self.spill is not None:
            self.spill.write(chunk)
        elif self.size <= self.cap:
            self.kept += chunk
        elif self.sink is not None:
            self.spill = self.sink.case.artifacts.writer(sync=False)
            self.spill.write(bytes(self.kept))
            self.spill.write(chunk)
            self.kept = bytearray()
        else:
            self.kept = bytearray()     # no case to spill into (addon loaded alone): the body is not kept
        return chunk

    def finish(self, message: http.Message, complete: bool) -> dict[str, object]:
        """Put a small body back on the message; name a spilled one. Returns the body's facts."""
        facts: dict[str, object] = {"body_size": self.size, "body_complete": complete, "spilled": False}
        if self.spill is not None:
            digest = self.spill.close()
            assert self.sink is not None
            self.sink.note_artifact(digest)
            facts.update(body_sha256=digest, spilled=True)
        elif self.size <= self.cap:
            message.raw_content = bytes(self.kept)
        # else: over the cap with nowhere to spill; raw_content stays None, as in mitmproxy's own streaming
        return facts
