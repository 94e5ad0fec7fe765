"""When an event happened relative to the operator's consent mark, allowing for the clocks.

Marks and flows carry the host's clock; hook events carry the device's, corrected here by the clock offset
the attestation measured (device minus host). The comparison allows the offset's uncertainty (half the
round trip of the measurement plus the device clock's resolution): an event within it of a mark is "at
consent", neither before nor after. Without a measured offset nothing is corrected and the uncertainty is
zero, which the summary states.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from auditor.contract.findings import ConsentClock
from auditor.contract.vocabulary import ConsentTiming


@dataclass(frozen=True)
class Clock:
    offset: float | None           # device minus host, seconds
    uncertainty: float             # seconds
    source: str
    marks: tuple[datetime, ...]    # consent accepted, host clock

    @classmethod
    def from_case(cls, device: Any, marks: list[tuple[datetime, int]]) -> Clock:
        fields = device.get("fields") if isinstance(device, dict) else None
        entry = fields.get("clock_offset") if isinstance(fields, dict) else None
        value = entry.get("value") if isinstance(entry, dict) else None
        times = tuple(sorted(mark for mark, _ in marks))
        if isinstance(value, dict) and isinstance(value.get("seconds"), int | float):
            round_trip = value.get("round_trip_seconds")
            resolution = value.get("resolution_seconds")
            margin = (round_trip / 2 if isinstance(round_trip, int | float) else 0.0) + (
                resolution if isinstance(resolution, int | float) else 0.0)
            return cls(float(value["seconds"]), round(margin, 6),
                       "device clock offset from the attestation (case.json device.fields.clock_offset): "
                       "applied to hook events; uncertainty = half the measurement's round trip + resolution",
                       times)
        return cls(None, 0.0, "no device clock offset recorded: times compared as recorded, no margin", times)

    def timing(self, when: datetime | None, device_clock: bool) -> ConsentTiming | None:
        """None: a mark exists but the event's time is unknown."""
        if not self.marks:
            return ConsentTiming.NO_MARK
        if when is None:
            return None
        if device_clock and self.offset is not None:
            when = when - timedelta(seconds=self.offset)
        margin = timedelta(seconds=self.uncertainty)
        first = self.marks[0]
        if when < first - margin:
            return ConsentTiming.BEFORE
        if when <= first + margin:
            return ConsentTiming.AT
        return ConsentTiming.AFTER

    def record(self) -> ConsentClock:
        return ConsentClock(offset_seconds=self.offset, uncertainty_seconds=self.uncertainty, source=self.source)


def before(timing: ConsentTiming | None) -> bool:
    """The finding's before_consent: no mark at all counts as before (nothing shows consent was given)."""
    return timing in (ConsentTiming.BEFORE, ConsentTiming.NO_MARK)
