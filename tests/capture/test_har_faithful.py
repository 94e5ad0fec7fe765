"""HAR import keeps every byte: a real capture through mitmdump, exported by mitmproxy's own HAR export,
imported with each body byte for byte; crafted HARs for the forms other tools write; bad entries refused
with the file, entry and problem named, and nothing left behind."""

from __future__ import annotations

import base64
import gzip
import json
import subprocess
import threading
from collections.abc import Iterator
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.case.artifacts import ArtifactWriter
from auditor.case.bundle import Case
from auditor.case.layout import SEAL_FILE
from auditor.cli import cli
from auditor.errors import InputError
from auditor.importers.har import import_har
from tests.capture.conftest import events
from tests.capture.mitmdump import MITMDUMP, Mitmdump

# (path, content-type, content-encoding, body): a binary body, JSON that is not UTF-8 (mitmproxy writes it with
# lone surrogates), text in a declared latin-1 charset, a form post, a gzip-coded body, and text without charset.
BODIES = [
    ("/binary", "application/octet-stream", None, bytes(range(255, -1, -1)) * 2),
    ("/json", "application/json", None, b'{"id":"\x8b\xff\xfe","n":1}'),
    ("/latin", "text/plain; charset=iso-8859-1", None, "caf\u00e9 cr\u00e8me".encode("latin-1")),
    ("/form", "application/x-www-form-urlencoded", None, b"a=1&b=%C3%A9&c=x+y"),
    ("/gzip", "application/json", "gzip", gzip.compress(b'{"gz":"\xc3\xa9"}', mtime=0)),
    ("/nocharset", "text/plain", None, b"caf\xe9 " * 40),
]


class Echo(BaseHTTPRequestHandler):
    """Answers a POST with its own body and content type (so both directions carry the same bytes)."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", self.headers["Content-Type"])
        if self.headers.get("Content-Encoding"):
            self.send_header("Content-Encoding", self.headers["Content-Encoding"])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def echo() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def body_of(case: Case, digest: str | None) -> bytes:
    return case.artifacts.read_bytes(digest, 1 << 20) if digest else b""


def test_a_har_from_mitmproxys_own_export_round_trips_every_body_byte_for_byte(echo, confdir, tmp_path):
    flows, har = tmp_path / "flows", tmp_path / "out.har"
    proxy = Mitmdump.start(confdir, "-w", str(flows))
    port = echo.server_address[1]
    try:
        conn = HTTPConnection(*proxy.address, timeout=30)
        for path, content_type, coding, body in BODIES:
            headers = {"Content-Type": content_type, **({"Content-Encoding": coding} if coding else {})}
            conn.request("POST", f"http://127.0.0.1:{port}{path}", body=body, headers=headers)
            response = conn.getresponse()
            assert (response.status, response.read()) == (200, body)
        conn.close()
    finally:
        assert proxy.stop() == 0
    subprocess.run([MITMDUMP, "-n", "-q", "-r", str(flows), "--set", f"confdir={confdir}",
                    "--set", f"hardump={har}"], check=True, timeout=60, capture_output=True)
    exported = json.loads(har.read_text("utf-8"))["log"]
    assert exported["creator"]["name"] == "mitmproxy"
    texts = [e["request"]["postData"]["text"] for e in exported["entries"]]
    assert "\udc8b\udcff\udcfe" in texts[1] and texts[0][:3] == "\xff\xfe\xfd"    # the forms that used to break

    case_dir = tmp_path / "new-case"                   # does not exist: the import creates it
    result = CliRunner().invoke(cli, ["import", "har", str(har), "--case", str(case_dir), "--json"])
    assert result.exit_code == 0, result.output
    case = Case.open(case_dir)
    imported = [e["body"] for e in events(case, "import.flow")]
    assert [i["request"]["path"] for i in imported] == [path for path, *_ in BODIES]
    # HAR bodies are the decoded content: the gzip body comes back as what it compressed.
    expected = [gzip.decompress(body) if coding else body for _, _, coding, body in BODIES]
    assert [body_of(case, i["request"]["body_sha256"]) for i in imported] == expected
    assert [body_of(case, i["response"]["body_sha256"]) for i in imported] == expected
    assert [i["har"]["request_body"] for i in imported] == [
        {"restored": "text", "codec": "latin-1"}, {"restored": "surrogate-escaped", "codec": "utf-8"},
        {"restored": "text", "codec": "iso-8859-1"}, {"restored": "text", "codec": "latin-1"},
        {"restored": "text", "codec": "utf8"}, {"restored": "text", "codec": "latin-1"}]
    assert [i["har"]["response_body"]["restored"] for i in imported] == [
        "base64", "surrogate-escaped", "text", "text", "text", "text"]
    assert {i["server"]["ip"] for i in imported} == {"127.0.0.1"}


def entry(**changes: object) -> dict:
    base = {"startedDateTime": "2026-01-01T10:00:00.000Z", "time": 5, "serverIPAddress": "203.0.113.9",
            "request": {"method": "POST", "url": "https://a.example/x", "httpVersion": "HTTP/1.1", "headers": []},
            "response": {"status": 200, "httpVersion": "HTTP/1.1", "headers": [], "content": {"text": "ok"}}}
    return {**base, **changes}


def write_har(path: Path, entries: list, creator: str = "other-tool", **extra: object) -> Path:
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": creator, "version": "1"},
                                        "entries": entries, **extra}}), "utf-8")
    return path


def test_base64_post_data_params_websocket_messages_host_header_and_app_identity(tmp_path):
    deflated = base64.b64encode(b"\x78\x9c\x01\x00\x00\xff\xff\x00\x00\x00\x01").decode()
    entries = [
        entry(request={"method": "POST", "url": "https://a.example/b64", "headers": [],
                       "postData": {"mimeType": "application/octet-stream", "text": deflated,
                                    "encoding": "base64"}}),
        entry(request={"method": "POST", "url": "https://a.example/form", "headers": [],
                       "postData": {"mimeType": "application/x-www-form-urlencoded",
                                    "params": [{"name": "adid", "value": "a b&c"}, {"name": "x", "value": "1"}]}}),
        entry(request={"method": "GET", "url": "https://198.51.100.7:8443/ws",
                       "headers": [{"name": "Host", "value": "events.example:8443"},
                                   {"name": "X-Raw", "value": "a\udc8bb"}]},
              serverIPAddress="", _resourceType="websocket",
              _webSocketMessages=[{"type": "send", "time": 1767261600.5, "opcode": 1, "data": '{"id":"é"}'},
                                  {"type": "receive", "time": 1767261601.0, "opcode": 2, "data": "AAEC"}]),
    ]
    tweasel = {"apps": [{"id": "tld.sample.app", "version": "1.2.3", "versionCode": "314159", "name": "Sample"}],
               "startDate": "2026-01-01T09:00:00Z", "endDate": "2026-01-01T11:00:00Z"}
    har = write_har(tmp_path / "crafted.har", entries, _tweasel=tweasel)
    case = Case.create(tmp_path / "case")
    result = import_har(har, case.root)
    assert result.warnings == []
    b64, form, ws = (e["body"] for e in events(case, "import.flow"))
    assert body_of(case, b64["request"]["body_sha256"]) == base64.b64decode(deflated)
    assert body_of(case, form["request"]["body_sha256"]) == b"adid=a+b%26c&x=1"
    assert form["har"]["request_body"] == {"restored": "postData.params", "codec": "application/x-www-form-urlencoded"}
    assert (ws["type"], ws["request"]["host"], ws["har"]["url_host"], ws["server"]) == \
        ("websocket", "events.example", "198.51.100.7", {"ip": "198.51.100.7", "port": 8443})
    assert ws["request"]["headers"][1] == ["X-Raw", "a\\udc8bb"]        # a ledger line is UTF-8
    assert [(m["from_client"], m["time"], m["opcode"], body_of(case, m["content_sha256"]))
            for m in ws["websocket"]["messages"]] == [
        (True, "2026-01-01T10:00:00.500000Z", 1, '{"id":"é"}'.encode()),
        (False, "2026-01-01T10:00:01.000000Z", 2, b"\x00\x01\x02")]
    app = Case.open(case.root).info["app"]
    assert app == {"package": "tld.sample.app", "version_name": "1.2.3", "version_code": "314159",
                   "name": "Sample", "source": {"kind": "har", "file": "crafted.har",
                                                "file_sha256": result.file_sha256,
                                                "stated_in": "log._tweasel.apps[0]"}}


def artifact_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "artifacts").rglob("*") if p.is_file())


@pytest.mark.parametrize(("bad", "problem"), [
    (entry(request={"method": "GET", "url": "http://[::1", "headers": []}),
     "entry 1: request.url 'http://[::1': Invalid IPv6 URL"),
    (entry(time=float("nan")), "entry 1: time nan: not a finite number of milliseconds"),
    (entry(time=-3), "entry 1: time -3: negative"),
    (entry(startedDateTime="9999-12-31T23:59:59.000Z", time=86_400_000),
     "entry 1: startedDateTime 9999-12-31T23:59:59.000000Z plus time 86400000.0 ms overflows"),
    (entry(startedDateTime="9999-12-31T23:59:59-05:00"),
     "entry 1: date '9999-12-31T23:59:59-05:00' overflows when converted to UTC"),
    (entry(response={"status": 200, "content": {"text": "!!", "encoding": "base64"}}),
     "entry 1: response.content: encoding is base64 but the text is not base64"),
    ("not an entry", "entry 1: not an object"),
])
def test_a_bad_entry_is_refused_naming_file_entry_and_problem_and_nothing_is_written(tmp_path, bad, problem):
    har = write_har(tmp_path / "bad.har", [entry(), bad])
    case = Case.create(tmp_path / "case")
    before = artifact_files(case.root)
    result = CliRunner().invoke(cli, ["import", "har", str(har), "--case", str(case.root)])
    assert result.exit_code == 2
    assert f"{har}: {problem}" in result.output
    assert artifact_files(case.root) == before and events(case, "import.flow") == []
    fresh = tmp_path / "fresh"
    with pytest.raises(InputError):
        import_har(har, fresh)
    assert not fresh.exists()                          # a refused import creates no case either


def test_a_window_ending_before_it_starts_is_refused(tmp_path):
    har = write_har(tmp_path / "w.har", [entry()],
                    _tweasel={"startDate": "2026-01-02T00:00:00Z", "endDate": "2026-01-01T00:00:00Z"})
    with pytest.raises(InputError) as caught:
        import_har(har, tmp_path / "case")
    assert caught.value.problem == ("log._tweasel: the stated window ends (2026-01-01T00:00:00.000000Z) "
                                    "before it starts (2026-01-02T00:00:00.000000Z)")


def test_a_sealed_case_is_refused_before_any_artifact_is_written(tmp_path):
    case = Case.create(tmp_path / "case")
    (case.root / SEAL_FILE).write_text("{}")               # what `case.sealed` looks at
    before = artifact_files(case.root)
    with pytest.raises(InputError) as caught:
        import_har(write_har(tmp_path / "ok.har", [entry(), entry(time=7)]), case.root)
    assert caught.value.problem == "the case is sealed; evidence can no longer be added"
    assert artifact_files(case.root) == before


@pytest.mark.parametrize("failing", ["auditor.case.artifacts.ArtifactWriter.close",
                                     "auditor.case.ledger.Ledger.__init__"])
def test_a_failing_write_removes_every_artifact_the_import_added(tmp_path, monkeypatch, failing):
    case = Case.create(tmp_path / "case")
    before = artifact_files(case.root)
    real = ArtifactWriter.close
    calls = []

    def broken(self: object, *args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 2 or "Ledger" in failing:       # the second artifact, or the ledger itself
            raise OSError(28, "No space left on device")
        return real(self)

    monkeypatch.setattr(failing, broken)
    with pytest.raises(OSError):
        import_har(write_har(tmp_path / "ok.har", [entry(), entry(time=7)]), case.root)
    assert calls and artifact_files(case.root) == before
