"""--unpin and a WebView's TLS error on a real JVM: an app whose WebViewClient cancels the load on a certificate
it does not trust (the reference app's android.webkit stand-ins, loading through the capture's proxy) gets no
page; under --unpin the handler proceeds instead of the app's onReceivedSslError, on record with the page's
host and the Java stack, and the page is fetched through the proxy (hooks/src/unpinjava.ts)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from auditor.case.events import Kind
from auditor.reference.assets import reference_jar
from auditor.reference.launcher import JAVA17
from tests.attribution.conftest import compile_java
from tests.capture.conftest import HOST, events, wait_for_event
from tests.unpin.conftest import AUDITOR
from tests.unpin.test_java_unpin import LAYER

MAIN = "com.example.webpin.Main"
CLIENT = "com.example.webpin.Main$1.onReceivedSslError"


@pytest.fixture(scope="session")
def webview_client(tmp_path_factory) -> str:
    return compile_java(tmp_path_factory.mktemp("webview-classes"), Path(__file__).with_name("webview"),
                        (reference_jar(),))


def run(case_root: Path, classpath: str, capture, url: str, *options: str) -> subprocess.CompletedProcess:
    proxy_ip, proxy_port = capture.listen_address
    argv = [str(JAVA17), f"-Dhttps.proxyHost={proxy_ip}", f"-Dhttps.proxyPort={proxy_port}", "-cp", classpath,
            MAIN, url]
    return subprocess.run([str(AUDITOR), "instrument", str(case_root), "--json", "--app-package", "com.example.webpin",
                           *options, "--", *argv], capture_output=True, text=True, timeout=120)


def test_a_webview_ssl_error_the_app_cancels_proceeds_under_unpin_on_record(capture, case, upstream, webview_client):
    url = f"https://{HOST}:{upstream.address[1]}/web"
    refused = run(case.root, webview_client, capture, url)
    assert refused.returncode == 0, refused.stderr
    assert "cancelled " + url in refused.stdout
    assert f"E/WebView: GET {url} cancelled: javax.net.ssl.SSLHandshakeException: PKIX path building failed" in \
        refused.stderr

    done = run(case.root, webview_client, capture, url, "--unpin")
    assert done.returncode == 0, done.stderr
    assert "cancelled" not in done.stdout and f"D/WebView: GET {url} -> 404" in done.stderr
    [flow] = wait_for_event(case, Kind.PROXY_FLOW)
    assert (flow["body"]["request"]["host"], flow["body"]["request"]["path"]) == (HOST, "/web")
    bypasses = [e["body"] for e in events(case, Kind.HOOK_TLS_BYPASS) if e["body"]["library"] == "java"]
    # the platform's own client (its default cancels), the app's, and the stand-in engine's acceptance of the
    # certificate once the load proceeds (an X509TrustManager that never refuses)
    assert [b["function"] for b in bypasses if b["phase"] == "installed"] == [
        LAYER, "android.webkit.WebViewClient.onReceivedSslError", CLIENT, "android.webkit.WebView$1.checkServerTrusted"]
    [fired] = [b for b in bypasses if b["phase"] == "fired"]
    assert (fired["function"], fired["host"]) == (CLIENT, HOST)
    assert fired["error"] == f"SSL error 3 for {url}: proceeded, the app's onReceivedSslError not run"
    assert fired["stack"][0] == CLIENT + "(Native Method)"
    assert any(frame.startswith("android.webkit.WebView.fetch(WebView.java:") for frame in fired["stack"])
    assert any(frame.startswith("com.example.webpin.Main.main(Main.java:") for frame in fired["stack"])
