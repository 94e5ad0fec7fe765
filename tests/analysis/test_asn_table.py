"""The ASN table bisected over its CSV lines gives what parsing every row would: at each range's first and
last address, just past it, before the first range and at the top of the address space."""

from __future__ import annotations

import csv
import gzip
import random
import socket
from bisect import bisect_right
from collections.abc import Callable

import pytest

from auditor.analyze.destinations import AsnTable
from auditor.datasets.registry import verified_path

Row = tuple[int, int, int, str]


def reference(name: str, family: int) -> tuple[list[Row], Callable[[int], tuple[int, str] | None]]:
    """Every row of the table parsed, and an address's (ASN, organisation) by them."""
    def number(text: str) -> int:
        return int.from_bytes(socket.inet_pton(family, text), "big")
    with gzip.open(verified_path(name), "rt", encoding="utf-8", newline="") as handle:
        rows = [(number(start), number(end), int(asn), org) for start, end, asn, org in csv.reader(handle)]
    starts = [row[0] for row in rows]

    def parsed(address: int) -> tuple[int, str] | None:
        position = bisect_right(starts, address) - 1
        return (rows[position][2], rows[position][3]) if position >= 0 and address <= rows[position][1] else None
    return rows, parsed


TABLES = [("asn-ipv4", socket.AF_INET, 32), ("asn-ipv6", socket.AF_INET6, 128)]


@pytest.mark.parametrize(("name", "family", "bits"), TABLES)
def test_the_bisected_lines_agree_with_every_row_parsed(name, family, bits):
    rows, parsed = reference(name, family)
    sample = rows[::997]
    probes = [0, 2 ** bits - 1] + [a for start, end, _, _ in sample for a in (start, end, end + 1, start - 1)]
    table = AsnTable(name)
    assert [table.get(a) for a in probes] == [parsed(a) for a in probes]
    assert sum(table.get(a) is not None for a in probes) >= len(sample) * 2      # the ranges' own ends match
    address = socket.inet_pton(family, "1.0.0.1" if bits == 32 else "2001::1")
    assert table.get(int.from_bytes(address, "big")) == \
        ((13335, "Cloudflare, Inc.") if bits == 32 else (6939, "Hurricane Electric LLC"))


@pytest.mark.parametrize(("name", "family", "bits"), TABLES)
def test_a_table_decompressed_only_as_far_as_its_lookups_need_answers_alike(name, family, bits):
    # AsnTable inflates the file as far as the highest address asked: each fresh table is asked a few
    # addresses in random order (higher and lower ones) and must answer as the whole table does
    (rows, parsed), chance = reference(name, family), random.Random(5)
    for _ in range(20):
        table = AsnTable(name)
        starts = [rows[chance.randrange(len(rows))][0] for _ in range(3)]
        probes = [chance.getrandbits(bits) for _ in range(3)] + starts + [s - 1 for s in starts]
        chance.shuffle(probes)
        assert [table.get(a) for a in probes] == [parsed(a) for a in probes]
    low = AsnTable(name)
    assert low.get(rows[0][0]) == parsed(rows[0][0]) and not low.complete   # a prefix only
