"""The recording proxy with its second witness (packets on loopback, its key log), as a `capture` fixture that
conftests import in place of the capture tests' own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from auditor.capture.proxy import Capture


@pytest.fixture
def capture(case, confdir, world, pki, upstream) -> Iterator[Capture]:
    running = Capture(case.root, confdir=str(confdir), world=world, upstream_trusted_ca=pki[0].cert_pem,
                      pcap_interface="lo").start()
    yield running
    if running.process is not None and running.process.returncode is None:
        running.stop()
