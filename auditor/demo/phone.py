"""The simulated phone: the audit's Phone when no phone exists, for `auditor demo`.

The app is the reference app's JVM program (built from the same Java sources as the reference APK), spawned
on this machine's Frida device; its Android stand-ins read the phone's identity from a device-state file;
its host names resolve (its own hosts file, and the capture's loopback world) to TLS servers on 127.0.0.0/8
standing in for the world's hosts. Its display (auditor/demo/screen.py) shows the app's age gate and consent
dialog as a phone's UI hierarchy and screenshots, and turns taps into the app's answers. What only a real
phone has — installed APKs to pull, settings to change and restore, a screen to record, a second attestation
to compare — is not applicable, and says why.
"""

from __future__ import annotations

import threading
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.audit.components import AppTarget, Interception, NotApplicable, PhoneScreen
from auditor.audit.plan import LoopbackWorld
from auditor.case.bundle import Case
from auditor.case.ledger import Ledger
from auditor.demo.screen import SimulatedScreen
from auditor.device.attestation import fact
from auditor.errors import InputError
from auditor.instrument.devices import DeviceChoice, open_device
from auditor.reference.assets import default_world
from auditor.reference.launcher import jvm_launch, write_device_state, write_hosts_file
from auditor.reference.upstream import UpstreamServers
from auditor.world import load_world

FRIDA_DEVICE = DeviceChoice("local")
AWAIT = "AUDITOR-AWAIT "
CONSENT_PROMPT = AWAIT + "consent"
# what the demo records in case.json for the report, in both its languages ({"en", "nl"}: report/display.py)
HOW_SET = {"en": "set by auditor demo in the simulated phone's device state",
           "nl": "door auditor demo ingesteld in de toestand van het gesimuleerde toestel"}
SIMULATED = {"en": "the reference app's JVM stand-ins for Android (no phone); identifiers set by the demo",
             "nl": "de JVM-vervangers van Android van de referentie-app (geen telefoon); identificatoren door de demo "
                   "ingesteld"}
# the identity's names as the reference app's device state spells them
STATE_KEYS = {"phone_number": "line1_number", "account": "accounts"}
NO_INSTALLED_APP = "the simulated phone has no installed package to pull; the APK is given as the audit's --apk"
NO_SETTINGS = ("nothing on a device to change: the reference app is started with the capture as its HTTPS proxy "
               "and its CA trusted (its argv is in the instrumentation section)")
NOTHING_CHANGED = "nothing on a device was changed"
NO_SCREEN = ("the simulated phone records no video: the reference app is a JVM program on this machine, its "
             "display drawn by auditor demo (UI dumps and screenshots are in the case)")
NO_REATTESTATION = "the simulated phone's identity is set by auditor demo: there is no device to read again"


@dataclass
class Screen:
    """The app's stdout as Frida relays it (on Frida's own thread, where no Frida call may be made: it would
    wait on itself): the lines, the consent dialog's prompt signalled to whoever answers it, and the prompt
    the app waits on (`waiting`: "birthdate", "consent" or None), until it is answered."""

    pid: int = 0
    lines: list[str] = field(default_factory=list)
    consent_prompted: threading.Event = field(default_factory=threading.Event)
    waiting: str | None = None
    _partial: str = ""

    def on_output(self, pid: int, fd: int, data: bytes | None) -> None:
        # the one process on this Frida device spawned with piped stdio is the app
        if fd != 1 or not data:
            return
        self.pid = pid
        self._partial += data.decode("utf-8", errors="replace")
        *lines, self._partial = self._partial.split("\n")
        for line in lines:
            self.lines.append(line)
            if line.startswith(AWAIT):
                self.waiting = line[len(AWAIT):].strip()
            if line.startswith(CONSENT_PROMPT):
                self.consent_prompted.set()


class SimulatedPhone:
    """A context manager: the upstream servers run while it is open; `scratch` holds its files."""

    def __init__(self, identity: dict[str, str], scratch: Path, consent_timeout: float):
        self.identity = identity
        self.scratch = scratch
        self.consent_timeout = consent_timeout
        self.world_file = default_world()
        self.world = load_world(self.world_file)
        self.screen = Screen()
        # what the phone's display shows of the app, over "adb" (uiautomator dump, screencap, input)
        self.display = SimulatedScreen(lambda: self.screen.waiting, self.answer)
        self.servers: UpstreamServers | None = None
        self._frida = open_device(FRIDA_DEVICE)
        self._exit = ExitStack()

    def __enter__(self) -> SimulatedPhone:
        self.servers = self._exit.enter_context(UpstreamServers(self.world, self.scratch / "upstream"))
        self._frida.on("output", self.screen.on_output)
        self._exit.callback(self._frida.off, "output", self.screen.on_output)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._exit.close()

    @property
    def loopback_world(self) -> LoopbackWorld:
        assert self.servers is not None, "the world's servers run while the phone is open"
        return LoopbackWorld(self.world_file, self.servers.port, self.servers.ca_pem)

    def answer(self, text: str) -> None:
        """Type into the app (the reference app reads its dialogs' answers from stdin)."""
        self.screen.waiting = None
        self._frida.input(self.screen.pid, text.encode("utf-8") + b"\n")

    # -- the Phone interface -------------------------------------------------------------------------
    def attest(self, case: Case, ledger: Ledger) -> list[str]:
        case.set_section("device", {
            "format": "auditor-simulated-device/1", "serial": None,
            "simulated": SIMULATED,
            "fields": {name: fact(value, HOW_SET) for name, value in sorted(self.identity.items())}}, ledger)
        return []

    def reattest(self, ledger: Ledger) -> None:
        raise NotApplicable(NO_REATTESTATION)

    def pull_apks(self, package: str, case: Case, ledger: Ledger) -> list[Path]:
        raise NotApplicable(NO_INSTALLED_APP)

    def prepare(self, package: str, interception: Interception | None, frida: bool, case: Case,
                ledger: Ledger) -> list[str]:
        raise NotApplicable(NO_SETTINGS)

    def restore(self, case: Case, ledger: Ledger) -> None:
        raise NotApplicable(NOTHING_CHANGED)

    def start_recording(self, case: Case, ledger: Ledger) -> None:
        raise NotApplicable(NO_SCREEN)

    def stop_recording(self, case: Case, ledger: Ledger) -> None:
        raise NotApplicable(NO_SCREEN)

    def ui(self, case: Case, ledger: Ledger) -> PhoneScreen:
        return self.display

    def app_target(self, package: str, interception: Interception | None) -> AppTarget:
        if interception is None or interception.proxy_port is None:
            raise InputError("simulated phone", "the reference app needs the capture's proxy to send through")
        state = {STATE_KEYS.get(key, key): value for key, value in self.identity.items()}
        state["accounts"] += ":com.google"
        launch = jvm_launch(hosts_file=write_hosts_file(self.world, self.scratch / "hosts"),
                            proxy=("127.0.0.1", interception.proxy_port), ca_pem=interception.ca_certificate,
                            consent="stdin", consent_timeout=int(self.consent_timeout), age_gate=True,
                            device_state=write_device_state(state, self.scratch / "device-state.properties"))
        return AppTarget(FRIDA_DEVICE, tuple(launch.argv), stdio="pipe")
