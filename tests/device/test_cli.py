"""The fake server answers Debian's real adb CLI; `auditor device setup/restore` work from the command line."""

from __future__ import annotations

import json
import os
import subprocess

from click.testing import CliRunner

from auditor.cli import cli
from auditor.device.journal import journal_path


def adb(server, *args, stdin: bytes | None = None):
    env = dict(os.environ, ANDROID_ADB_SERVER_PORT=str(server.port))
    return subprocess.run(["adb", *args], env=env, capture_output=True, timeout=30, input=stdin)


def test_real_adb_cli_against_scripted_phones(adb_env, scripted, tmp_path):
    magisk, plain = scripted.android11_rooted_magisk(), scripted.android14_rooted_kernelsu()
    server = adb_env(magisk, plain)
    devices = adb(server, "devices")
    assert devices.returncode == 0
    assert devices.stdout.decode().splitlines()[1:3] == ["emulator-5554\tdevice", "38281FDH2000AB\tdevice"]
    model = adb(server, "-s", plain.serial, "shell", "getprop", "ro.product.model")
    assert (model.returncode, model.stdout) == (0, b"Pixel 7\n")
    dns = adb(server, "-s", plain.serial, "shell", "settings", "get", "global", "private_dns_mode")
    assert dns.stdout == b"hostname\n"
    # the exit code travels through shell v2
    denied = adb(server, "-s", plain.serial, "shell", "ls", "/data/misc/user/0/cacerts-added")
    assert denied.returncode == 1 and b"Permission denied" in denied.stderr
    (tmp_path / "note.txt").write_bytes(b"hello phone")
    pushed = adb(server, "-s", magisk.serial, "push", str(tmp_path / "note.txt"), "/sdcard/Download/note.txt")
    assert pushed.returncode == 0, pushed.stderr
    assert magisk.read("/sdcard/Download/note.txt") == b"hello phone"
    pulled = adb(server, "-s", magisk.serial, "pull", "/sdcard/Download/note.txt", str(tmp_path / "back.txt"))
    assert pulled.returncode == 0, pulled.stderr
    assert (tmp_path / "back.txt").read_bytes() == b"hello phone"
    missing = adb(server, "-s", "NOSUCH", "shell", "id")
    assert missing.returncode == 1 and b"device 'NOSUCH' not found" in missing.stderr


def test_setup_and_restore_commands(adb_env, scripted, ca_file, tmp_path):
    fake = scripted.android11_rooted_magisk()
    adb_env(fake)
    before = fake.snapshot()
    runner = CliRunner()
    setup = runner.invoke(cli, ["device", "setup", "--serial", fake.serial, "--proxy", "10.0.2.2:8080",
                                "--ca", str(ca_file), "--json"])
    assert setup.exit_code == 0, setup.output
    data = json.loads(setup.output)
    assert [c["setting"] for c in data["changes"]] == ["settings global http_proxy", "user CA store",
                                                       "system CA store (tmpfs overlay)", "frida-server process"]
    assert data["journal"] == str(journal_path(fake.serial))
    assert fake.settings["global"]["http_proxy"] == "10.0.2.2:8080"
    restored = runner.invoke(cli, ["device", "restore", "--serial", fake.serial])
    assert restored.exit_code == 0, restored.output
    assert restored.output.splitlines()[0].startswith("frida-server process: restored (stopped frida-server pid ")
    assert fake.snapshot() == before
    again = runner.invoke(cli, ["device", "restore", "--serial", fake.serial])
    assert again.output.strip() == "nothing to restore"


def test_setup_usage_errors(adb_env, scripted, tmp_path):
    fake = scripted.android11_plain()
    adb_env(fake)
    runner = CliRunner()
    both = runner.invoke(cli, ["device", "setup", "--serial", fake.serial, "--no-frida"])
    assert both.exit_code == 2
    assert both.output.strip() == "error: setup: give exactly one of --proxy HOST:PORT or --wireguard CONF"
    bad = runner.invoke(cli, ["device", "setup", "--serial", fake.serial, "--proxy", "localhost;reboot:80"])
    assert bad.exit_code == 2 and bad.output.strip() == (
        "error: localhost;reboot:80: not HOST:PORT (a host name or IP address, and a port 1-65535)")
    conf = tmp_path / "wg.conf"
    conf.write_text("[Interface]\nPrivateKey = x\n[Peer]\nEndpoint = 10.0.2.2:51820\n")
    wg = runner.invoke(cli, ["device", "setup", "--serial", fake.serial, "--wireguard", str(conf), "--no-frida"])
    assert wg.exit_code == 0, wg.output
    assert fake.read("/sdcard/Download/auditor-wireguard.conf") == conf.read_bytes()
    assert "note: import /sdcard/Download/auditor-wireguard.conf in the WireGuard app" in wg.output
    assert runner.invoke(cli, ["device", "restore", "--serial", fake.serial]).exit_code == 0
    assert fake.read("/sdcard/Download/auditor-wireguard.conf") is None


def test_device_list(adb_env, scripted):
    ready, offline = scripted.android11_rooted_magisk(), scripted.android16_plain()
    offline.online = False
    adb_env(ready, offline)
    result = CliRunner().invoke(cli, ["device", "list", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output) == [{"serial": "emulator-5554", "state": "device"},
                                         {"serial": "PIXEL9PLAIN", "state": "offline"}]
    text = CliRunner().invoke(cli, ["device", "list"])
    assert text.output == "emulator-5554\tdevice\nPIXEL9PLAIN\toffline\n"
