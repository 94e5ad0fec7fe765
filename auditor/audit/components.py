"""What `auditor audit` needs from the other rooms, as three small interfaces.

The orchestration only knows these; `load()` builds them from the capture, instrument and static rooms.
A room that is not installed is reported by name instead of being silently skipped: an audit without
capture or hooks would produce a case that looks complete and is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from auditor.case.bundle import Case
from auditor.errors import InputError


@dataclass(frozen=True)
class Interception:
    """How the phone reaches the running capture."""

    ca_certificate: Path                  # the CA the phone must trust
    proxy_port: int | None = None         # regular mode: the proxy's port on the host
    wireguard_config: Path | None = None  # wireguard mode: the client configuration to hand over


class LiveCapture(Protocol):
    """The capture room's proxy, recording into the case."""

    def start(self) -> Interception: ...
    def stop(self) -> None: ...


class AppInstrumentation(Protocol):
    """The instrument room: spawn the app under the hooks with canaries planted; stop unhooks and detaches."""

    def start(self, package: str) -> None: ...
    def stop(self) -> None: ...


class ApkScanner(Protocol):
    """The static room: inventory the APK files (all splits) into the case."""

    def scan(self, case: Case, apks: list[Path]) -> None: ...


@dataclass
class Components:
    capture: LiveCapture | None
    instrumentation: AppInstrumentation | None
    scanner: ApkScanner | None

    def missing(self) -> list[str]:
        return [name for name, part in (("capture (auditor.capture)", self.capture),
                                        ("instrumentation (auditor.instrument)", self.instrumentation),
                                        ("static scan (auditor.static)", self.scanner)) if part is None]


def require_complete(components: Components) -> Components:
    missing = components.missing()
    if missing:
        raise InputError("auditor audit", "this installation lacks " + ", ".join(missing) +
                         "; a live audit needs all three")
    return components


def load(case_dir: Path, proxy_mode: str, listen_host: str) -> Components:
    """The rooms' implementations, where this installation has them."""
    try:
        from auditor.capture.proxy import Capture
    except ImportError:
        capture = None
    else:
        capture = _ProxyCapture(Capture(case_dir=case_dir, mode=proxy_mode, listen_host=listen_host))
    # The instrument and static rooms' adapters are added here when those rooms are merged.
    return Components(capture=capture, instrumentation=None, scanner=None)


@dataclass
class _ProxyCapture:
    """The capture room's mitmdump session as a LiveCapture."""

    capture: Any

    def start(self) -> Interception:
        self.capture.start()
        _host, port = self.capture.listen_address
        if self.capture.mode == "regular":
            return Interception(ca_certificate=Path(self.capture.ca_path), proxy_port=port)
        raise InputError("--proxy-mode", f"{self.capture.mode} is not wired into 'auditor audit' yet")

    def stop(self) -> None:
        self.capture.stop()
