"""--unpin and --keylog on a real BoringSSL process: the client built against Debian's android-libboringssl (a
stripped BoringSSL, as Android and Cronet ship it) pins with SSL_CTX_set_custom_verify. It fails through the
proxy, then succeeds under --unpin with the bypass on record; its own secrets open the loopback wire, and
`auditor witness` finds every recorded flow there."""

from __future__ import annotations

from auditor.case.events import Kind
from tests.capture.conftest import HOST, events, wait_for_event
from tests.unpin.conftest import SOURCE, pin_refuses_the_proxy, source_line, witnessed
from tests.unpin.test_native_tls import instrument


def test_boringssl_custom_verify_pin_fails_through_the_proxy_then_unpin_lets_it_through_on_record(
        capture, case, pki, upstream, boring_client):
    # The custom verifier is the only check: it refuses mitmproxy's certificate by its key.
    argv = pin_refuses_the_proxy(case, capture, pki, upstream, boring_client, "/hello?via=boringssl",
                                 "pin mismatch")
    done = instrument(case.root, "--unpin", "--keylog", "--", *argv)
    assert done.returncode == 0, done.stderr
    assert "HTTP/1.1 200 X" in done.stdout
    [flow] = wait_for_event(case, Kind.PROXY_FLOW)
    assert (flow["body"]["request"]["method"], flow["body"]["request"]["path"]) == ("GET", "/hello?via=boringssl")
    bypasses = [e["body"] for e in events(case, Kind.HOOK_TLS_BYPASS)]
    assert [(b["phase"], b["library"], b["function"]) for b in bypasses] == [
        ("installed", "libcrypto.so.0", "X509_verify_cert"),
        ("installed", "libssl.so.0", "SSL_CTX_set_custom_verify"),
        ("installed", "libssl.so.0", "SSL_set_custom_verify"),
        ("fired", "libssl.so.0", "SSL_CTX_set_custom_verify")]
    fired = bypasses[-1]
    assert fired["host"] == HOST and fired["tls_connection"] is True
    assert fired["error"] == "the app's verify callback returned ssl_verify_invalid (alert 42)"
    assert f"pinned_client!main {SOURCE}:{source_line('SSL_connect(ssl)')}:" in " ".join(fired["stack"])
    keys = [e["body"] for e in events(case, Kind.HOOK_TLS_KEY)]
    assert (keys[0]["phase"], keys[0]["library"]) == ("installed", "libssl.so.0")
    assert sorted(k["line"].split()[0] for k in keys[1:]) == [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "EXPORTER_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"]
    assert all(k["phase"] == "logged" and k["host"] == HOST for k in keys[1:])
    # The second witness: the app's own keys (and the proxy's) open the loopback pcapng; every flow is there.
    session = witnessed(case, capture, "/hello?via=boringssl")
    # Two TLS connections reached the proxy: the refused one (no request inside) and the unpinned one.
    assert (session["tls_streams"], session["undecrypted_tls_streams"]) == (2, 1)
