"""The pattern search (hooks/src/tlspattern.ts) tested where the truth is known: with the agent's symbol lookup
disabled (the TEST ONLY --tls-patterns-only, on record), it must find in Debian's libboringssl the very
functions its exports name, and read from the key-log function's code the structure offsets its exported
accessors use. Then it does the job by pattern alone: the pinned BoringSSL client is unpinned through the
proxy and its own keys open the wire. Where the patterns cannot match (statically linked OpenSSL), each miss is
a ledger event and a known unknown: tests/unpin/test_native_tls.py."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from auditor.case.events import Kind
from tests.capture.conftest import HOST, UPSTREAM_IP, events, wait_for_event
from tests.unpin.conftest import BORINGSSL, SOURCE, source_line, spki_pin, witnessed
from tests.unpin.test_native_tls import instrument

LIBSSL = BORINGSSL / "libssl.so.0"


def exports(library: Path) -> dict[str, int]:
    """The library's exported functions and their addresses, as its dynamic symbol table gives them."""
    listing = subprocess.run(["nm", "-D", "--defined-only", str(library)], capture_output=True, text=True,
                             check=True).stdout
    return {name: int(address, 16) for address, kind, name in (line.split() for line in listing.splitlines())
            if kind == "T"}


def code(library: Path, address: int, size: int) -> bytes:
    """`size` bytes of the library at a virtual address, read through its program headers."""
    headers = subprocess.run(["readelf", "-lW", str(library)], capture_output=True, text=True, check=True).stdout
    for fields in (line.split() for line in headers.splitlines()):
        if fields and fields[0] == "LOAD":
            offset, virtual, size_in_file = int(fields[1], 16), int(fields[2], 16), int(fields[4], 16)
            if virtual <= address < virtual + size_in_file:
                with library.open("rb") as elf:
                    elf.seek(offset + address - virtual)
                    return elf.read(size)
    raise AssertionError(f"{address:#x} is not in a LOAD segment of {library}")


def test_patterns_alone_find_boringssl_s_exported_functions_and_do_the_job(capture, case, pki, upstream,
                                                                           boring_client):
    ca, cert, _ = pki
    proxy_ip, proxy_port = capture.listen_address
    done = instrument(case.root, "--unpin", "--keylog", "--tls-patterns-only", "--", str(boring_client),
                      UPSTREAM_IP, str(upstream.address[1]), HOST, str(ca.cert_pem), spki_pin(cert),
                      "/hello", proxy_ip, str(proxy_port))
    assert done.returncode == 0, done.stderr
    assert "HTTP/1.1 200 X" in done.stdout
    # On record: the test-only option in the case, and in the ledger the lookup it disabled.
    assert json.loads((case.root / "case.json").read_text())["instrumentation"]["tlsPatternsOnly"] is True
    disabled = "symbol lookup disabled (TEST ONLY: --tls-patterns-only); functions are located by pattern"
    truth = exports(LIBSSL)
    bypasses = [e["body"] for e in events(case, Kind.HOOK_TLS_BYPASS)]
    assert [(b["phase"], b["library"], b["function"], b.get("located"), b.get("offset"), b["error"])
            for b in bypasses[:3]] == [
        ("not_found", None, "X509_verify_cert", None, None, disabled),
        ("installed", "libssl.so.0", "SSL_CTX_set_custom_verify", "pattern", hex(truth["SSL_CTX_set_custom_verify"]),
         None),
        ("installed", "libssl.so.0", "SSL_set_custom_verify", "pattern", hex(truth["SSL_set_custom_verify"]), None)]
    # The pattern-found setter's hook overturned the pin. No SSL_get_servername to ask: the host is the one the
    # connection's own ClientHello named, and the stack that of the handshake call that sent it, in main.
    [fired] = bypasses[3:]
    assert (fired["phase"], fired["function"], fired["host"], fired["host_from"], fired["error"]) == (
        "fired", "SSL_CTX_set_custom_verify", HOST, "client_hello",
        "the app's verify callback returned ssl_verify_invalid (alert 42)")
    handshake = f"pinned_client!main {SOURCE}:{source_line('SSL_connect(ssl)')}:"
    assert handshake in " ".join(fired["stack"])

    keys = [e["body"] for e in events(case, Kind.HOOK_TLS_KEY)]
    assert (keys[0]["phase"], keys[0]["error"]) == ("not_found", disabled)
    site = keys[1]
    assert (site["phase"], site["library"], site["function"], site["located"]) == (
        "installed", "libssl.so.0", "ssl_log_secret", "pattern")
    # ssl_log_secret has no export; the setter it leads to has, and the two offsets read from its code are the
    # ones the exported accessors use: SSL_get_SSL_CTX (mov rax, [rdi+ctx]; ret) and
    # SSL_CTX_get_keylog_callback (mov rax, [rdi+callback]; ret).
    assert site["setter_offset"] == hex(truth["SSL_CTX_set_keylog_callback"])
    assert code(LIBSSL, truth["SSL_get_SSL_CTX"], 5) == bytes([0x48, 0x8B, 0x47, site["ctx_offset"], 0xC3])
    assert code(LIBSSL, truth["SSL_CTX_get_keylog_callback"], 8) == (
        bytes([0x48, 0x8B, 0x87]) + site["callback_offset"].to_bytes(4, "little") + bytes([0xC3]))
    assert int(site["offset"], 16) not in truth.values()
    logged = keys[2:]
    assert sorted(k["line"].split()[0] for k in logged) == [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "EXPORTER_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"]
    assert all((k["phase"], k["library"], k["host"], k["host_from"]) == ("logged", "libssl.so.0", HOST, "client_hello")
               and handshake in " ".join(k["stack"]) for k in logged)
    # The keys so taken open the wire: the flow the proxy recorded is there.
    [flow] = wait_for_event(case, Kind.PROXY_FLOW)
    assert flow["body"]["request"]["path"] == "/hello"
    witnessed(case, capture, "/hello")
