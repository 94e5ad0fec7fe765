"""The ASN table bisected over its CSV lines gives what parsing every row would: at each range's first and
last address, just past it, before the first range and at the top of the address space."""

from __future__ import annotations

import csv
import gzip
import socket
from bisect import bisect_right

import pytest

from auditor.analyze.destinations import AsnTable
from auditor.datasets.registry import verified_path


@pytest.mark.parametrize(("name", "family", "bits"), [("asn-ipv4", socket.AF_INET, 32),
                                                      ("asn-ipv6", socket.AF_INET6, 128)])
def test_the_bisected_lines_agree_with_every_row_parsed(name, family, bits):
    def number(text: str) -> int:
        return int.from_bytes(socket.inet_pton(family, text), "big")
    with gzip.open(verified_path(name), "rt", encoding="utf-8", newline="") as handle:
        rows = [(number(start), number(end), int(asn), org) for start, end, asn, org in csv.reader(handle)]
    starts = [row[0] for row in rows]

    def parsed(address: int) -> tuple[int, str] | None:
        position = bisect_right(starts, address) - 1
        return (rows[position][2], rows[position][3]) if position >= 0 and address <= rows[position][1] else None
    sample = rows[::997]
    probes = [0, 2 ** bits - 1] + [a for start, end, _, _ in sample for a in (start, end, end + 1, start - 1)]
    table = AsnTable(name)
    assert [table.get(a) for a in probes] == [parsed(a) for a in probes]
    assert sum(table.get(a) is not None for a in probes) >= len(sample) * 2      # the ranges' own ends match
    assert table.get(number("1.0.0.1" if bits == 32 else "2001::1")) == \
        ((13335, "Cloudflare, Inc.") if bits == 32 else (6939, "Hurricane Electric LLC"))
