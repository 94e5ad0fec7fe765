"""A message's personal-data hits computed part by part: the URL and headers, the request body, the
WebSocket messages. A body the decode memo holds recurs with the same fields and segments, so its hits are
computed once per (body, host) and reused; the parts' locations are disjoint (url/query/header/cookie,
body, websocket), so joining the parts' hits gives exactly the hits of the whole message.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.analyze.decode import Decoded, MemoKey
from auditor.analyze.personal import Formats, Hit, KnownValues, complete_locations, format_hits, formats
from auditor.analyze.recognition import Recogniser


@dataclass(frozen=True)
class Mark:
    """A position in a message being decoded: how many segments and fields it had."""
    segments: int
    fields: int


@dataclass(frozen=True)
class PartHits:
    known: list[Hit]            # known values (locations paired across the whole message)
    formats: Formats            # coordinates and e-mail addresses by format
    recognised: list[Hit]       # the recognition ruleset's hits


class PartResults:
    def __init__(self) -> None:
        self.memo: dict[tuple[MemoKey, str], PartHits] = {}

    def hits(self, known: KnownValues, recogniser: Recogniser, host: str, decoded: Decoded, start: Mark,
             end: Mark, body_key: MemoKey | None) -> list[Hit]:
        """The message's hits; [start, end) is the request body, body_key its memo key (None: not kept)."""
        parts = [(Decoded(decoded.segments[:start.segments], decoded.fields[:start.fields]), None),
                 (Decoded(decoded.segments[start.segments:end.segments], decoded.fields[start.fields:end.fields]),
                  body_key),
                 (Decoded(decoded.segments[end.segments:], decoded.fields[end.fields:]), None)]
        found = []
        for part, key in parts:
            if not part.segments and not part.fields:
                continue
            done = self.memo.get((key, host)) if key is not None else None
            if done is None:
                done = PartHits(known.search_part(part), formats(part), recogniser.recognise(part, host))
                if key is not None:
                    self.memo[(key, host)] = done
            found.append(done)
        return known.classify_locations(complete_locations([h for part in found for h in part.known])
                                        + format_hits([part.formats for part in found])) \
            + [hit for part in found for hit in part.recognised]
