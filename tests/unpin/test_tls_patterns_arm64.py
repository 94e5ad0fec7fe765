"""The arm64 TLS patterns (hooks/src/tlspattern.ts) tested on real arm64 code: Debian's arm64 android-libboringssl
(tests/unpin/fetch-arm64-boringssl.sh, run by install.sh --test) is laid out in memory by the agent's TEST ONLY
export searchTlsPatternsForTest inside a small local process, searched with the arm64 patterns, and what is found
must be what the library's exports say. The x86-64 library is searched the same way, so the export itself is
checked against the search already tested on the loaded library (test_tls_patterns.py). What is not tested here:
the hooks firing on arm64 code (no arm64 Frida on this x86-64 machine; docs/tls-patterns.md)."""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from pathlib import Path

import frida
import pytest

from auditor.instrument.agent import agent_source
from tests.unpin.conftest import BORINGSSL
from tests.unpin.test_tls_patterns import code, exports

ARM64_LIBSSL = Path(__file__).with_name(".arm64") / "usr/lib/aarch64-linux-gnu/android/libssl.so.0"
X64_LIBSSL = BORINGSSL / "libssl.so.0"
EXPORTED = ["SSL_CTX_set_custom_verify", "SSL_set_custom_verify", "SSL_CTX_set_keylog_callback"]
SEARCHED = ["SSL_CTX_set_custom_verify", "SSL_set_custom_verify", "ssl_log_secret"]     # what can miss


@pytest.fixture(scope="module")
def agent() -> Iterator[frida.core.ScriptExportsSync]:
    """The agent loaded (not started) into /bin/sleep: only its test export is called."""
    assert ARM64_LIBSSL.exists(), "the arm64 library is fetched by tests/unpin/fetch-arm64-boringssl.sh"
    device = frida.get_local_device()
    pid = device.spawn(["/bin/sleep", "600"])
    try:
        script = device.attach(pid).create_script(agent_source())
        script.load()
        yield script.exports_sync
    finally:
        device.kill(pid)


def arm64_accessor_offset(library: Path, address: int) -> int:
    """The field an arm64 accessor returns: its code is `ldr x0, [x0, #offset]; ret` (imm12, scaled by 8)."""
    load, ret = struct.unpack("<2I", code(library, address, 8))
    assert (load & 0xFFC003FF, ret) == (0xF9400000, 0xD65F03C0), f"{address:#x}: {load:#010x} {ret:#010x}"
    return (load >> 10 & 0xFFF) * 8


def x64_accessor_offset(library: Path, address: int) -> int:
    """The field an x86-64 accessor returns: `mov rax, [rdi + offset]; ret` (8- or 32-bit displacement)."""
    head = code(library, address, 8)
    if head[:3] == bytes([0x48, 0x8B, 0x47]) and head[4] == 0xC3:
        return head[3]
    assert head[:3] == bytes([0x48, 0x8B, 0x87]) and head[7] == 0xC3, f"{address:#x}: {head.hex()}"
    return int.from_bytes(head[3:7], "little")


@pytest.mark.parametrize("library, arch, accessor_offset", [(ARM64_LIBSSL, "arm64", arm64_accessor_offset),
                                                            (X64_LIBSSL, "x64", x64_accessor_offset)])
def test_the_search_finds_in_boringssl_s_bytes_what_its_exports_say(agent, library: Path, arch: str,
                                                                    accessor_offset: Callable[[Path, int], int]):
    truth = exports(library)
    report = agent.search_tls_patterns_for_test(str(library), arch)
    assert report["misses"] == {}
    found = report["found"]
    assert {name: found[name] for name in EXPORTED} == {name: hex(truth[name]) for name in EXPORTED}
    assert int(found["ssl_log_secret"], 16) not in truth.values()      # internal: no export names it
    # the offsets read from ssl_log_secret's first test are the ones the exported accessors read
    assert report["ctxOffset"] == accessor_offset(library, truth["SSL_get_SSL_CTX"])
    assert report["callbackOffset"] == accessor_offset(library, truth["SSL_CTX_get_keylog_callback"])


@pytest.mark.parametrize("library, arch", [(X64_LIBSSL, "arm64"), (ARM64_LIBSSL, "x64")])
def test_the_other_architecture_s_patterns_find_nothing(agent, library: Path, arch: str):
    assert agent.search_tls_patterns_for_test(str(library), arch) == {
        "found": {}, "misses": {name: "pattern did not match in libssl.so.0" for name in SEARCHED},
        "ctxOffset": None, "callbackOffset": None}
