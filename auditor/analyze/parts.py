"""A message's personal-data hits computed part by part: the URL, the headers, the request body, the
WebSocket messages. A header set or body the decode memo holds recurs with the same fields and segments, so
its hits are computed once per (part, the recognition rules that apply: Recogniser.scope) and reused; the parts'
locations are disjoint (url/query, header/cookie, body, websocket), so joining the parts' hits gives exactly the
hits of the whole message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from auditor.analyze.decode import Decoded, MemoKey
from auditor.analyze.personal import Formats, Hit, KnownValues, complete_locations, format_hits, formats
from auditor.analyze.recognition import Recogniser


class Mark(NamedTuple):
    """A position in a message being decoded: how many segments and fields it had (a tuple: four a message)."""
    segments: int
    fields: int


@dataclass(frozen=True)
class PartHits:
    known: list[Hit]            # known values (locations paired across the whole message)
    formats: Formats            # coordinates and e-mail addresses by format
    recognised: list[Hit]       # the recognition ruleset's hits


class PartResults:
    def __init__(self) -> None:
        self.memo: dict[tuple[MemoKey, tuple[int, ...]], PartHits] = {}

    def hits(self, known: KnownValues, recogniser: Recogniser, host: str, url_path: str, decoded: Decoded,
             parts: list[tuple[Mark, MemoKey | None]]) -> list[Hit]:
        """The message's hits. parts: where each part starts, in order (the last runs to the message's end),
        with its memo key (None: not kept)."""
        ends = [mark for mark, _ in parts[1:]] + [Mark(len(decoded.segments), len(decoded.fields))]
        scope = recogniser.scope(host, url_path)
        found = []
        for (start, key), end in zip(parts, ends, strict=True):
            if start == end:
                continue
            done = self.memo.get((key, scope)) if key is not None else None
            if done is None:
                part = Decoded(decoded.segments[start.segments:end.segments], decoded.fields[start.fields:end.fields])
                done = PartHits(known.search_part(part), formats(part), recogniser.recognise_in(part, scope))
                if key is not None:
                    self.memo[(key, scope)] = done
            found.append(done)
        known_hits = [h for part in found for h in part.known]
        shaped = [part.formats for part in found if part.formats.latitude or part.formats.longitude
                  or part.formats.emails]      # format_hits takes the first of each, so empty ones add nothing
        located = known.classify_locations(complete_locations(known_hits) + format_hits(shaped)) \
            if known_hits or shaped else []
        return located + [hit for part in found for hit in part.recognised]
