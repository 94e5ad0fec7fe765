"""A tee for a streamed body: forwards each chunk unchanged and keeps a copy, in memory up to a cap and in a
streaming artifact writer beyond it. (Separate from the bodies addon: mitmproxy loads addon scripts outside
the import system, where dataclasses cannot be defined.)"""

from __future__ import annotations

from dataclasses import dataclass, field

from mitmproxy import http

from auditor.case.artifacts import ArtifactWriter
from auditor.capture.addons.sink import CaseSink


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
        elif len(self.kept) + len(chunk) <= self.cap or self.sink is None:
            self.kept += chunk if self.sink is not None else chunk[: max(0, self.cap - len(self.kept))]
        else:
            self.spill = self.sink.case.artifacts.writer(sync=False)
            self.spill.write(bytes(self.kept))
            self.spill.write(chunk)
            self.kept = bytearray()
        return chunk

    def finish(self, message: http.Message, complete: bool) -> dict[str, object]:
        """Put a small body back on the message; name a spilled one. Returns the body's facts."""
        facts: dict[str, object] = {"body_size": self.size, "body_complete": complete, "spilled": False}
        if self.spill is not None:
            digest = self.spill.close()
            assert self.sink is not None
            self.sink.note_artifact(digest)
            facts.update(body_sha256=digest, spilled=True)
        else:
            message.raw_content = bytes(self.kept)
        return facts
