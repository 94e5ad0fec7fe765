"""A passive capture (`auditor capture --passive`): dumpcap records the device's traffic with no proxy in the path,
so the app talks to its real servers and the packets hold the certificate chains those servers really sent
(through the proxy, the app receives mitmproxy's forged leaf instead). The app's own TLS secrets
(`auditor instrument --keylog`) open that traffic; `auditor witness` reads it (docs/witness.md). This module
records; it never interprets.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.capture.pcap import DEFAULT_INTERFACE, PacketCapture
from auditor.case.bundle import Case
from auditor.case.events import Kind


@dataclass
class PassiveCapture:
    case_dir: Path
    interface: str = DEFAULT_INTERFACE
    capture_filter: str = ""                    # libpcap syntax; "" records everything on the interface
    _packets: PacketCapture | None = field(default=None, init=False)

    def start(self) -> PassiveCapture:
        Case.open(self.case_dir)                # a missing or broken case is refused before dumpcap starts
        self._packets = PacketCapture(Path(tempfile.mkdtemp(prefix="auditor-passive-")), self.interface)
        try:
            self._packets.start(self.capture_filter)
        except BaseException:
            shutil.rmtree(self._packets.workdir, ignore_errors=True)
            raise
        return self

    def running(self) -> bool:
        return self._packets is not None and self._packets.process is not None and self._packets.process.poll() is None

    def stop(self) -> dict[str, Any]:
        """Stop dumpcap and store the pcapng with its `passive.pcap` event; returns that event's body."""
        assert self._packets is not None
        case = Case.open(self.case_dir)
        body, digest = self._packets.stop_and_store(case)
        with case.ledger(fsync_interval=0) as ledger:
            ledger.append("passive", Kind.PASSIVE_PCAP, body, artifact=digest)
        shutil.rmtree(self._packets.workdir, ignore_errors=True)
        return {**body, "pcap_sha256": digest}
