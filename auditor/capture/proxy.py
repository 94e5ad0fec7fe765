"""A capture session: the proxy as a subprocess recording into a case, with start() and stop().

One process per capture (mitmproxy keeps its master in module globals, and a separate process can be
SIGKILLed without taking the caller along). The proxy process (auditor.capture.master: mitmproxy with
auditor's addons) appends flows to flows.journal and writes its own known-unknown events. An
idle-priority child (auditor.capture.ingest) turns the journal into flows.mitm, artifacts and `proxy.flow`
events. This side records the CA certificate, the session in case.json, and `proxy.stopped` with how the
process ended and its log (the only place mitmproxy names some rejections).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from auditor.capture.addons import bodies
from auditor.capture.addons.lifecycle import ca_path
from auditor.capture.ingest import IngestProcess, StreamIngester
from auditor.capture.pcap import KEYLOG_ENV, PacketCapture
from auditor.capture.processes import end_process
from auditor.case.bundle import Case
from auditor.case.events import KNOWN_UNKNOWN_KINDS, Kind
from auditor.case.layout import JOURNAL_FILE
from auditor.case.ledger import utc_now
from auditor.case.ledger_check import read_records
from auditor.errors import InputError


class CaptureMode(StrEnum):
    """How the phone's traffic reaches the proxy (docs/capture.md)."""
    REGULAR = "regular"          # an explicit HTTP proxy set on the phone
    WIREGUARD = "wireguard"      # a WireGuard tunnel from the phone to the proxy
    SOCKS5 = "socks5"


MODES = tuple(mode.value for mode in CaptureMode)
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
INGEST_TIMEOUT = 3600.0     # a backlog after heavy load is ingested before the session is closed
DEFAULT_CONFDIR = "~/.mitmproxy"       # mitmproxy's own default, so an existing CA keeps working


@dataclass
class Capture:
    case_dir: Path
    mode: str = CaptureMode.REGULAR
    listen_host: str = "127.0.0.1"
    listen_port: int = 0
    confdir: str = DEFAULT_CONFDIR
    world: Path | None = None
    world_port: int = 0                         # the world's servers all listen on this port (0: as requested)
    upstream_trusted_ca: Path | None = None     # verify upstream chains against this CA too (test CAs)
    body_cap: int = bodies.DEFAULT_CAP
    extra_options: dict[str, str] = field(default_factory=dict)
    pcap_interface: str | None = None           # --pcap: also record the packets on this interface
    process: subprocess.Popen | None = field(default=None, init=False)
    started: dict[str, Any] = field(default_factory=dict, init=False)
    _workdir: Path | None = field(default=None, init=False)
    _started_at: str = field(default="", init=False)
    _ingester: IngestProcess | None = field(default=None, init=False)
    _packets: PacketCapture | None = field(default=None, init=False)

    @property
    def ca_path(self) -> Path:
        return ca_path(self.confdir)

    @property
    def listen_address(self) -> tuple[str, int]:
        address = self.started["listening"][0]["addresses"][0]
        return address[0], address[1]

    def command(self, listen_file: Path) -> list[str]:
        options = {
            "confdir": os.path.expanduser(self.confdir),
            "ssl_insecure": "true",        # never refuse a flow over the upstream certificate: record it
            "http3": "false",              # QUIC is blocked so apps fall back to TCP; attempts are counted
            "termlog_verbosity": "info",
            "auditor_case": str(self.case_dir.resolve()),
            "auditor_listen_file": str(listen_file),
            "auditor_exit_with_parent": "true",
            "auditor_body_cap": str(self.body_cap),
            **({"auditor_world": str(Path(self.world).resolve())} if self.world else {}),
            **({"auditor_world_port": str(self.world_port)} if self.world and self.world_port else {}),
            **({"ssl_verify_upstream_trusted_ca": self.trusted_ca_file} if self.trusted_ca_file else {}),
            **self.extra_options,
        }
        args = [sys.executable, "-m", "auditor.capture.master", "--mode", self.mode,
                "--listen-host", self.listen_host, "--listen-port", str(self.listen_port)]
        for name, value in options.items():
            args += ["--set", f"{name}={value}"]
        return args

    def start(self) -> Capture:
        if self.mode not in MODES:
            raise InputError(self.mode, f"unknown capture mode; use one of {', '.join(MODES)}")
        case = Case.open(self.case_dir)
        self.catch_up()
        self._workdir = Path(tempfile.mkdtemp(prefix="auditor-capture-"))
        listen_file = self._workdir / "listening.json"
        self._log = open(self._workdir / "proxy.log", "wb")
        self._started_at = utc_now()
        environment = dict(os.environ)
        if self.pcap_interface is not None:
            self._packets = PacketCapture(self._workdir, self.pcap_interface)
            environment[KEYLOG_ENV] = str(self._packets.keylog_path)
        self.process = subprocess.Popen(self.command(listen_file), stdout=self._log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.PIPE, start_new_session=True, env=environment)
        deadline = time.monotonic() + START_TIMEOUT
        while not listen_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self._abandon()
                log = (self._workdir / "proxy.log").read_text(errors="replace")[-2000:]
                raise InputError("proxy", f"the proxy did not start: {log.strip() or 'no output'}")
            time.sleep(0.02)
        self.started = json.loads(listen_file.read_text())
        if self._packets is not None:
            try:
                self._packets.start(f"port {self.listen_address[1]}")
            except InputError:
                self._abandon()
                raise
        self._ingester = IngestProcess(self.case_dir, self.trusted_ca_file)
        ca_bytes = self.ca_path.read_bytes()
        ca_digest = case.artifacts.put_bytes(ca_bytes)
        self._set_session(case, {"started": self._started_at, "mode": self.mode,
                                 "listening": self.started["listening"], "ca_cert_sha256": ca_digest,
                                 "ca_cert_file": str(self.ca_path), "world": str(self.world) if self.world else None,
                                 "body_cap": self.body_cap, "pid": self.process.pid})
        return self

    @property
    def trusted_ca_file(self) -> str:
        """The extra CA the ingester verifies upstream chains against ("" for certifi's roots only)."""
        return str(Path(self.upstream_trusted_ca).resolve()) if self.upstream_trusted_ca else ""

    def catch_up(self) -> int:
        """Ingest what a crashed session left in the journal (before a new proxy appends); returns how many
        flows. Refuses while another proxy holds the journal."""
        ingester = StreamIngester(Case.open(self.case_dir), self.trusted_ca_file)
        caught_up = ingester.finish(writer_wait=0)
        ingester.close()
        if not caught_up:
            raise InputError(str(self.case_dir), "another proxy is recording into this case (it holds "
                                                 f"{JOURNAL_FILE}): one capture at a time per case")
        return ingester.flows

    def _abandon(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._close_pipe()
        self._log.close()

    def _close_pipe(self) -> None:
        if self.process is not None and self.process.stdin is not None:
            self.process.stdin.close()

    def kill(self) -> None:
        """SIGKILL the proxy (what a crash looks like); stop() still records how it ended."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def stop(self) -> dict[str, Any]:
        """SIGTERM (mitmproxy runs its done hooks), SIGKILL after STOP_TIMEOUT; record proxy.stopped."""
        assert self.process is not None and self._workdir is not None
        end_process(self.process, signal.SIGTERM, STOP_TIMEOUT)
        self._close_pipe()
        self._log.close()
        case = Case.open(self.case_dir)
        if self._packets is not None:
            self._packets.stop(case, self.process.pid)
        log_digest, _ = case.artifacts.put_file(self._workdir / "proxy.log")
        returncode = self.process.returncode
        assert self._ingester is not None
        ingest_status = self._ingester.finish(INGEST_TIMEOUT)    # all the proxy appended, however it exited
        summary = self.summary(case)
        body = {"returncode": returncode, "clean": returncode == 0,
                "signal": signal.Signals(-returncode).name if returncode < 0 else None,
                "log_sha256": log_digest, "ingest_status": ingest_status, **summary}
        with case.ledger(fsync_interval=0) as ledger:
            ledger.append("proxy", Kind.PROXY_STOPPED, body, artifact=log_digest)
        self._set_session(case, {"stopped": utc_now(), "returncode": returncode, **summary})
        shutil.rmtree(self._workdir, ignore_errors=True)
        return body

    def summary(self, case: Case) -> dict[str, Any]:
        """Flows and known unknowns of this session, counted from the ledger (what the report will cite)."""
        counts: Counter[str] = Counter()
        pinned_hosts: Counter[str] = Counter()
        in_session = False
        pid = self.process.pid if self.process else None
        for record in read_records(case.ledger_path):
            kind = record.get("kind")
            if kind == Kind.PROXY_STARTED:
                in_session = record["body"].get("pid") == pid
            elif in_session and isinstance(kind, str) and kind.startswith("proxy."):
                counts[kind] += 1
                if kind == Kind.PROXY_TLS_FAILED and record["body"].get("side") == "client":
                    pinned_hosts[record["body"].get("sni") or record["body"]["server"]["ip"]] += 1
        return {"flows": counts[Kind.PROXY_FLOW],
                "known_unknowns": {kind.value: counts[kind] for kind in Kind if kind in KNOWN_UNKNOWN_KINDS},
                "client_tls_failures_by_host": dict(sorted(pinned_hosts.items()))}

    def _set_session(self, case: Case, values: dict[str, Any]) -> None:
        """case.json `capture`: one entry per session, keyed by its start time, newest last."""
        section = dict(case.info.get("capture") or {})
        sessions = list(section.get("sessions", []))
        if sessions and sessions[-1].get("started") == self._started_at:
            sessions[-1] = {**sessions[-1], **values}
        else:
            sessions.append(values)
        section.update(sessions=sessions, ca_cert_sha256=sessions[-1].get("ca_cert_sha256"))
        case.set_section("capture", section)

    def __enter__(self) -> Capture:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
