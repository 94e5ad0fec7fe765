"""`auditor reference world|serve|run`: output, exit codes, one-line errors."""

from __future__ import annotations

import json
import signal
import socket
import ssl
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from auditor.cli import cli

AUDITOR = str(Path(sys.executable).with_name("auditor"))


def test_world_lists_hosts_and_rejects_a_bad_file(tmp_path):
    result = CliRunner().invoke(cli, ["reference", "world", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.output)["hosts"]
    assert [(r["host"], r["address"], r["country_physical"]) for r in rows][:3] == [
        ("api.example-reference.eu", "127.0.0.11", "DE"), ("shop.example-merchant.de", "127.0.0.11", "DE"),
        ("ib.snssdk.com", "127.0.0.21", "CN")]
    bad = tmp_path / "w.json"
    bad.write_text('{"format": "auditor-world/1", "hosts": {}, "ips": {}}')
    result = CliRunner().invoke(cli, ["reference", "world", "--world", str(bad)])
    assert result.exit_code == 2
    assert result.output == f"error: {bad}: the document: missing entities\n"


def test_run_prints_argv_and_checks_the_proxy():
    result = CliRunner().invoke(cli, ["reference", "run", "--print-argv", "--proxy", "127.0.0.1:9"])
    assert result.exit_code == 0
    argv = json.loads(result.output)["argv"]
    assert argv[0] == "/usr/lib/jvm/java-17-openjdk-amd64/bin/java" and "-Dhttps.proxyPort=9" in argv
    hosts = Path(argv[1].split("=", 1)[1])
    assert "127.0.0.21 log.snssdk.com" in hosts.read_text().splitlines()
    result = CliRunner().invoke(cli, ["reference", "run", "--proxy", "127.0.0.1"])
    assert (result.exit_code, result.output) == (2, "error: --proxy: expected HOST:PORT, got '127.0.0.1'\n")


def test_serve_until_sigterm(tmp_path):
    log = tmp_path / "log.jsonl"
    process = subprocess.Popen([AUDITOR, "reference", "serve", "--json", "--dir", str(tmp_path / "ca"),
                                "--log", str(log)], stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("}"):
                break
        served = json.loads("".join(lines))
        context = ssl.create_default_context(cafile=served["ca_pem"])
        with socket.create_connection(("127.0.0.41", served["port"]), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname="cfg.kumo-analytics.jp") as tls:
                tls.sendall(b"GET /x HTTP/1.1\r\nHost: cfg.kumo-analytics.jp\r\nConnection: close\r\n\r\n")
                assert tls.recv(100).startswith(b"HTTP/1.1 200 OK")
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert json.loads(log.read_text())["target"] == "/x"
