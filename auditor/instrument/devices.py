"""Which device the agent goes to: a USB phone, a remote frida-server (host:port), or this machine; and the
check that the host's Frida matches the Frida running on the device."""

from __future__ import annotations

import re
from dataclasses import dataclass

import frida

from auditor.errors import InputError

_ADDRESS = re.compile(r"^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$")


@dataclass(frozen=True)
class DeviceChoice:
    kind: str                 # "usb", "remote", "local" or "id"
    address: str | None = None

    def describe(self) -> str:
        return self.kind if self.address is None else f"{self.kind} {self.address}"


def parse_remote(address: str) -> str:
    match = _ADDRESS.match(address)
    if match is None or not 0 < int(match.group(2)) < 65536:
        raise InputError(f"--remote {address}", "expected HOST:PORT (e.g. 127.0.0.1:27042)")
    return address


def open_device(choice: DeviceChoice, timeout: float = 5.0) -> frida.core.Device:
    """The Frida device, reachable; raises InputError naming the device and what to do."""
    manager = frida.get_device_manager()
    if choice.kind == "local":
        return frida.get_local_device()
    if choice.kind == "usb":
        try:
            return manager.get_device_matching(lambda d: d.type == "usb", timeout=timeout)
        except frida.InvalidArgumentError:
            raise InputError("usb device", f"no USB device found within {timeout:g} s: connect the phone, enable "
                             "USB debugging, and start frida-server on it") from None
    if choice.kind == "id":
        try:
            return manager.get_device(choice.address, timeout=timeout)
        except frida.InvalidArgumentError:
            raise InputError(f"device {choice.address}", f"not found within {timeout:g} s") from None
    device = manager.add_remote_device(parse_remote(choice.address or ""))
    probe(device, f"remote device {choice.address}")
    return device


def probe(device: frida.core.Device, label: str) -> None:
    """Talk to the device once, so an absent server or a protocol mismatch is reported before anything else."""
    try:
        device.enumerate_processes(scope="minimal")
    except frida.ServerNotRunningError:
        raise InputError(label, "no frida-server answers there: start frida-server (or check host and port)") \
            from None
    except frida.ProtocolError as exc:
        raise InputError(label, f"frida-server speaks another protocol ({exc}): install frida-server "
                         f"{frida.__version__} to match the host's frida {frida.__version__}") from None
    except frida.TransportError as exc:
        raise InputError(label, f"connection failed: {exc}") from None


def check_versions(host: str, device: str, label: str) -> None:
    """Evidence from a mismatched Frida pair is not trusted: the versions must be identical."""
    if host != device:
        raise InputError(label, f"Frida version mismatch: host frida {host}, device runs Frida {device}; install "
                         f"frida-server {host} on the device (or frida=={device} on the host)")
