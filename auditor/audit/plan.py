"""What one audit is asked to do: the phone, the app, and how the rooms are set up for it.

Two parts exist for tests only, where no phone runs the app: a stand-in program spawned under the hooks in
place of the package (the JVM reference app on the local Frida device), and a loopback test world the
capture resolves host names to (as `auditor capture --world/--world-port`); `auditor demo` uses the world
too, with its simulated phone. Both leave their mark in the case (the instrumentation section names the
device and the argv; the capture session names the world), so such a case can never pass for a real audit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.audit.components import Interception
from auditor.audit.consent_dialog import Choice
from auditor.audit.persona import Entry, Persona
from auditor.capture.pcap import DEFAULT_INTERFACE
from auditor.capture.proxy import DEFAULT_CONFDIR, CaptureMode
from auditor.errors import InputError
from auditor.instrument.devices import DeviceChoice
from auditor.instrument.planting import Plants, clipboard_canary
from auditor.instrument.tls import TlsOptions


@dataclass(frozen=True)
class LoopbackWorld:
    """TESTS AND DEMO ONLY: the capture resolves every host name to the test world's loopback servers, which all listen
    on `port`, and checks their certificate chains against `upstream_ca`."""

    world: Path
    port: int
    upstream_ca: Path | None = None


@dataclass(frozen=True)
class StandIn:
    """TEST ONLY: a program spawned under the hooks instead of the package, on a Frida device without Android.
    `argv` is built once the capture is listening, from its Interception (proxy port, CA), so the stand-in's
    traffic goes through the capture as the phone's would (None in a passive audit: it goes to its servers).
    With stdio "pipe" the test reads the program's output (the Frida device's "output" signal) and answers it
    (`device.input`), as a user taps the screen."""

    argv: Callable[[Interception | None], Sequence[str]]
    stdio: str = "pipe"


@dataclass(frozen=True)
class PassiveWire:
    """--passive: no proxy; dumpcap records the device's traffic as it is, on `interface` (the host the phone's
    traffic passes, e.g. its Wi-Fi access point), so the servers' genuine certificate chains are kept. Only the
    app's own keys (--keylog) open it."""

    interface: str = DEFAULT_INTERFACE
    capture_filter: str = ""                # libpcap syntax; "" records everything on the interface


def fresh_canaries() -> Plants:
    """A new, unguessable clipboard canary per audit: its later transmission can only come from this run."""
    return Plants(clipboard=clipboard_canary("auto"))


@dataclass(frozen=True)
class AuditPlan:
    serial: str | None                      # the adb phone's; None when the phone is simulated (auditor demo)
    package: str
    case_dir: Path
    apk: Path | None = None
    persona: str | None = None
    persona_entry: Entry | None = None      # how the persona reaches the app's age gate; None: it is not entered
    consent: Choice | None = None           # what is done with the consent dialog; None: it is not looked for
    ui_wait: float = 30.0                   # seconds to wait for each expected screen (age gate, dialog)
    controller: dict[str, Any] | None = None     # the app's controller for case.json (case new --controller)
    scenario: str | dict[str, str] | None = None   # None: "live audit of PACKAGE"; {"en", "nl"}: the demo's
    duration: float | None = None           # seconds; None: until 'q' or Ctrl-C
    until_app_ends: bool = False            # the observation also ends when the app ends by itself
    proxy_mode: str = CaptureMode.REGULAR   # regular | wireguard
    proxy_host: str | None = None           # the host as the phone sees it; None: adb reverse to 127.0.0.1
    tunnel_wait: float = 300.0              # wireguard mode: seconds to wait for traffic through the tunnel
    frida_server: Path | None = None
    operator: str | None = None
    seal: bool = True
    command_line: list[str] | None = None
    plants: Plants = field(default_factory=fresh_canaries)
    tls: TlsOptions = field(default_factory=TlsOptions)     # --unpin, --keylog: the app's native TLS library
    capture_confdir: str = DEFAULT_CONFDIR  # mitmproxy's configuration directory (its CA)
    passive: PassiveWire | None = None      # None: the proxy captures; else only the packets, no interception
    # None: the phone itself, over USB (the Frida device whose id is the adb serial)
    frida_device: DeviceChoice | None = None
    stand_in: StandIn | None = None         # TEST ONLY
    world: LoopbackWorld | None = None      # TESTS AND DEMO ONLY

    def __post_init__(self) -> None:
        if self.persona_entry is not None and self.persona not in set(Persona):
            raise InputError("--persona-entry", f"needs a persona to enter ({', '.join(Persona)}), "
                                                f"not {self.persona!r}")
        if self.passive is not None:
            self._check_passive()
        if self.proxy_mode == CaptureMode.WIREGUARD and not self.proxy_host:
            raise InputError("--proxy-host", "wireguard mode needs the host's address as the phone reaches it "
                                             "(adb reverse cannot carry the tunnel's UDP)")

    def _check_passive(self) -> None:
        if self.proxy_mode != CaptureMode.REGULAR or self.proxy_host:
            raise InputError("--passive", "runs no proxy: it excludes --proxy-mode wireguard and --proxy-host")
        if self.tls.unpin:
            raise InputError("--passive", "leaves the app's TLS to its real servers: --unpin (a change to the app "
                                          "only the proxy needs) is refused")
        if not self.tls.keylog:
            raise InputError("--passive", "needs the app's own TLS keys (--keylog) to open what it records")
