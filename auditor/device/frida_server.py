"""frida-server on the phone: is it there, which version and ABI, is it running, does it match the host.

A frida client and server of different versions fail with "unable to communicate with remote
frida-server", so the audit compares the server's `--version` with the host's frida package exactly.
The ABI comes from the binary's ELF header (class and e_machine), read with `od` rather than pulling a
50 MB file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import frida

from auditor.device.adb import Phone

DEFAULT_PATHS = ("/data/local/tmp/frida-server", "/data/local/tmp/auditor-frida-server")
# ELF e_machine values → Android ABI names
ELF_MACHINES = {0x28: "armeabi-v7a", 0xB7: "arm64-v8a", 0x03: "x86", 0x3E: "x86_64"}


@dataclass
class FridaServer:
    path: str | None
    version: str | None
    abi: str | None
    pids: list[int]
    host_version: str
    how: str

    @property
    def matches_host(self) -> bool | None:
        return None if self.version is None else self.version == self.host_version

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "matches_host": self.matches_host, "running": bool(self.pids)}


def host_version() -> str:
    return str(frida.__version__)


def elf_abi(header_hex: str) -> str | None:
    try:
        header = bytes(int(part, 16) for part in header_hex.split())
    except ValueError:
        return None
    if len(header) < 20 or header[:4] != b"\x7fELF":
        return None
    return ELF_MACHINES.get(int.from_bytes(header[18:20], "little"))


def running_pids(phone: Phone) -> list[int]:
    result = phone.run(["pidof", "frida-server"])
    pids = [int(p) for p in result.stdout.split() if p.isdigit()] if result.ok else []
    alt = phone.run(["pidof", "auditor-frida-server"])
    pids += [int(p) for p in alt.stdout.split() if p.isdigit()] if alt.ok else []
    return sorted(pids)


def probe(phone: Phone, paths: tuple[str, ...] = DEFAULT_PATHS) -> FridaServer:
    pids = running_pids(phone)
    for path in paths:
        header = phone.run(["od", "-A", "n", "-t", "x1", "-N", "20", path])
        if not header.ok:
            continue
        version = phone.run([path, "--version"])
        text = version.stdout.strip()
        return FridaServer(path, text if version.ok and text else None, elf_abi(header.stdout), pids,
                           host_version(), f"'{path} --version'; ELF header via 'od'; 'pidof frida-server'")
    return FridaServer(None, None, None, pids, host_version(),
                       f"none of {', '.join(paths)} readable; 'pidof frida-server'")
