"""Start the reference app's JVM program: the exact argv and environment, so that a caller can run it as a
plain subprocess or spawn it under Frida (which needs the same argv, an absolute java path and its own stdio).

Protocol of the program (stdout lines; see reference/README.md): AUDITOR-REFERENCE, AUDITOR-PHASE launch,
AUDITOR-PHASE paste, AUDITOR-AWAIT consent (answer "consent" or "decline" on stdin), AUDITOR-PHASE
consent|decline, AUDITOR-PHASE login, AUDITOR-DONE, then exit status 0.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import InputError
from auditor.reference.assets import reference_jar
from auditor.world import World

JAVA17 = Path("/usr/lib/jvm/java-17-openjdk-amd64/bin/java")
DEVICE_STATE_KEYS = frozenset({
    "clipboard.text", "location.latitude", "location.longitude", "location.accuracy", "android_id",
    "advertising_id", "limit_ad_tracking", "imei", "serial", "subscriber_id", "line1_number", "sim_serial",
    "network_operator_name", "wifi.ssid", "wifi.bssid", "accounts", "installed_packages", "biometric.result",
    "face.count", "face.midpoint_x", "face.midpoint_y", "face.eyes_distance", "device_name", "bluetooth_name",
    "contacts"})
CONSENT_MODES = ("stdin", "auto", "decline-auto")
_JAVA_VERSION = re.compile(rb'version "(\d+)[.\d]*')


@dataclass(frozen=True)
class JvmLaunch:
    argv: list[str]
    env: dict[str, str]


def java_major_version(java: Path) -> int:
    """The feature version of a java binary (frida-java-bridge needs 17: HotSpot >= 20 lacks its symbols)."""
    try:
        done = subprocess.run([str(java), "-version"], capture_output=True, timeout=30, check=False)
    except OSError as exc:
        raise InputError(java, f"cannot run java: {exc.strerror or exc}") from None
    match = _JAVA_VERSION.search(done.stderr)
    if not match:
        raise InputError(java, "java -version printed no version")
    return int(match.group(1))


def write_hosts_file(world: World, path: Path) -> Path:
    """A hosts file for the JVM's own resolver (jdk.net.hosts.file): names outside it do not resolve at all,
    so even a run without the proxy never sends a DNS query off the machine."""
    path.write_text("".join(f"{addr} {host}\n" for host, addr in sorted(world.hosts.items())), encoding="ascii")
    return path


def write_device_state(values: dict[str, str], path: Path) -> Path:
    """Plant values on the simulated phone (clipboard text, location, IDs...): a properties file."""
    unknown = sorted(set(values) - DEVICE_STATE_KEYS)
    if unknown:
        raise InputError("device state", f"unknown key {unknown[0]!r}")
    lines = [f"{key}={_escape(str(value))}\n" for key, value in sorted(values.items())]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def jvm_launch(*, hosts_file: Path, proxy: tuple[str, int] | None = None, ca_pem: Path | None = None,
               device_state: Path | None = None, consent: str = "stdin", consent_timeout: int = 120,
               age_gate: bool = False, java: Path = JAVA17, jar: Path | None = None) -> JvmLaunch:
    """argv and environment of one run; `proxy` is an HTTP proxy (mitmproxy regular mode) for all HTTPS;
    `age_gate`: the app asks for a birthdate first (AUDITOR-AWAIT birthdate, answered on stdin)."""
    if consent not in CONSENT_MODES:
        raise InputError("consent", f"must be one of {', '.join(CONSENT_MODES)}")
    argv = [str(java), f"-Djdk.net.hosts.file={hosts_file}"]
    if proxy is not None:
        host, port = proxy
        argv += [f"-Dhttps.proxyHost={host}", f"-Dhttps.proxyPort={port}",
                 f"-Dhttp.proxyHost={host}", f"-Dhttp.proxyPort={port}"]
    argv += ["-jar", str(jar or reference_jar()), "--consent", consent, "--consent-timeout", str(consent_timeout)]
    if ca_pem is not None:
        argv += ["--ca", str(ca_pem)]
    if device_state is not None:
        argv += ["--device-state", str(device_state)]
    if age_gate:
        argv += ["--age-gate", "stdin"]
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TZ": "UTC"}
    return JvmLaunch(argv, env)


def start(launch: JvmLaunch) -> subprocess.Popen[str]:
    """Run it as a subprocess with pipes (stdin for the consent answer)."""
    return subprocess.Popen(launch.argv, env=launch.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, bufsize=1)


def _escape(value: str) -> str:
    """java.util.Properties escaping: backslash, line breaks, a leading space, and non-Latin-1 as \\uXXXX."""
    out = []
    for i, char in enumerate(value):
        if char in "\\\n\r\t=:#!" or (char == " " and i == 0):
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, "\\" + char))
        elif ord(char) > 0x7e:
            out.append("".join(f"\\u{unit:04x}" for unit in _utf16(char)))
        else:
            out.append(char)
    return "".join(out)


def _utf16(char: str) -> list[int]:
    data = char.encode("utf-16-be")
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]
