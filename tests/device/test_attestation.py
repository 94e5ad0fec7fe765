"""The attestation record, field by field, on scripted phones; unknowns stay unknown."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from auditor.case.bundle import Case
from auditor.case.ledger_check import read_records
from auditor.cli import cli
from auditor.device.adb import Phone
from auditor.device.attestation import attest


def values(record):
    return {name: entry["value"] if entry["known"] else "UNKNOWN" for name, entry in record["fields"].items()}


def test_android14_kernelsu_record(adb_env, scripted):
    fake = scripted.android14_rooted_kernelsu()
    adb_env(fake)
    before = fake.snapshot()
    record = attest(Phone.connect(fake.serial))
    got = values(record)
    assert fake.snapshot() == before                 # attestation changes nothing
    assert not any(root and not cmd.startswith(("ls", "nsenter", "id")) for cmd, root in fake.commands)
    assert {k: got[k] for k in ("model", "manufacturer", "android_version", "sdk_level", "security_patch", "abi",
                                "selinux", "locale", "time_zone", "sim_country", "android_id", "global_proxy",
                                "private_dns_mode", "private_dns_specifier", "dns_server", "root")} == {
        "model": "Pixel 7", "manufacturer": "Google", "android_version": "14", "sdk_level": 34,
        "security_patch": "2024-05-05", "abi": "arm64-v8a", "selinux": "Enforcing", "locale": "de-DE",
        "time_zone": "Europe/Amsterdam", "sim_country": "nl", "android_id": "9774d56d682e549c",
        "global_proxy": "10.0.0.2:3128", "private_dns_mode": "hostname", "private_dns_specifier": "dns.example.net",
        "dns_server": "UNKNOWN", "root": {"rooted": True, "kind": "kernelsu"}}
    assert got["build_fingerprint"] == "google/pixel_7/dev:14/AP34A.20240505/1234567:userdebug/test-keys"
    assert abs(got["clock_offset"]["seconds"] - (-7.5)) < 0.5
    assert got["clock_offset"]["resolution_seconds"] == 1e-9
    assert got["ca_user_store"] == {"count": 0, "files": []}
    assert got["ca_system_store"]["count"] == 4
    apex = got["ca_apex_store"]
    assert set(apex) == {"shell_namespace", "zygote64_namespace"}
    assert apex["zygote64_namespace"]["value"]["files"] == ["5ed36f99.0", "a94d09e5.0", "c2c1704e.0", "d6325660.0",
                                                            "fb5fa911.0"]
    assert got["frida_server"] == {
        "path": "/data/local/tmp/frida-server", "version": "17.26.0", "abi": "arm64-v8a", "pids": [],
        "host_version": "17.26.0", "matches_host": True, "running": False,
        "how": "'/data/local/tmp/frida-server --version'; ELF header via 'od'; 'pidof frida-server'"}
    assert record["warnings"] == [
        "private DNS is hostname: DNS-over-TLS hides host name look-ups from the audit; "
        "'auditor device setup' turns it off",
        "a global proxy is already set (10.0.0.2:3128)",
        f"device clock differs from the host by {got['clock_offset']['seconds']} s"]
    assert record["fields"]["model"]["how"] == "getprop ro.product.model"


def test_unrooted_android11_reports_unknowns(adb_env, scripted):
    fake = scripted.android11_plain()
    del fake.props["gsm.sim.operator.iso-country"]
    fake.date_nanoseconds = False
    fake.clock_offset = 30.0
    adb_env(fake)
    record = attest(Phone.connect(fake.serial))
    got = values(record)
    assert got["root"] == {"rooted": False, "kind": None}
    assert got["ca_user_store"] == "UNKNOWN"
    assert record["fields"]["ca_user_store"]["note"] == "the user CA store is readable only as root"
    assert got["sim_country"] == "UNKNOWN"
    clock = record["fields"]["clock_offset"]
    assert clock["how"] == "host time around 'date +%s' on the device (midpoint of the round trip)"
    assert clock["value"]["resolution_seconds"] == 1.0 and 28.9 < clock["value"]["seconds"] < 31.1
    assert got["ca_apex_store"] == "not present"
    assert got["private_dns_mode"] == "unset" and got["global_proxy"] == "unset"
    assert got["locale"] == "nl-NL" and got["manufacturer"] == "samsung"
    assert got["frida_server"]["path"] is None and got["frida_server"]["matches_host"] is None
    assert "no frida-server found on the device" in record["warnings"]
    assert record["warnings"][0].startswith("private DNS is unset (Android's default: automatic/opportunistic)")


def test_android16_aosp_su_and_frida_mismatch(adb_env, scripted):
    fake = scripted.android16_rooted_aosp()
    fake.selinux = "Permissive"
    adb_env(fake)
    record = attest(Phone.connect(fake.serial))
    got = values(record)
    assert got["root"] == {"rooted": True, "kind": "aosp-su"}
    assert record["fields"]["root"]["how"] == "'su 0 id' (AOSP userdebug su) reports uid 0"
    assert got["ca_user_store"] == {"count": 0, "files": []}
    assert "frida-server 16.5.9 does not match the host's frida 17.26.0" in record["warnings"]
    assert "SELinux is permissive: the device does not behave like a user's phone" in record["warnings"]


def test_check_command_records_into_case(adb_env, scripted, tmp_path):
    fake = scripted.android11_rooted_magisk()
    adb_env(fake)
    case = Case.create(tmp_path / "case")
    result = CliRunner().invoke(cli, ["device", "check", "--serial", fake.serial, "--case", str(case.root), "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["fields"]["root"]["value"] == {"rooted": True, "kind": "magisk"}
    assert printed["fields"]["ca_user_store"]["value"] == {"count": 1, "files": ["aaaaaaaa.0"]}
    assert Case.open(case.root).info["device"] == printed
    events = [r for r in read_records(case.ledger_path) if r["kind"] == "device.attestation"]
    assert len(events) == 1 and events[0]["body"] == printed
    dumps = printed["raw_dumps"]
    assert sorted(dumps) == ["getprop", "packages", "settings global", "settings secure", "settings system"]
    assert case.artifacts.read_bytes(dumps["settings global"]["sha256"], 1000) == b"private_dns_mode=off\n"
    assert case.artifacts.read_bytes(dumps["packages"]["sha256"], 1000) == (
        b"package:/data/app/~~x/com.example.privacyfixture-1/base.apk=com.example.privacyfixture "
        b"versionCode:7 uid:10123\n")
    assert b"[ro.product.model]: [sdk_gphone_x86]" in case.artifacts.read_bytes(dumps["getprop"]["sha256"], 10000)
    text = CliRunner().invoke(cli, ["device", "check", "--serial", fake.serial])
    assert "  model                  sdk_gphone_x86    [getprop ro.product.model]" in text.output


@pytest.mark.parametrize("online, message", [
    (True, "error: device NOSUCH: not attached to the adb server (attached: emulator-5554)"),
    (False, "error: device emulator-5554: is offline, not ready (authorise USB debugging?)"),
])
def test_missing_or_offline_device_is_a_clear_error(adb_env, scripted, online, message):
    fake = scripted.android11_rooted_magisk()
    fake.online = online
    adb_env(fake)
    serial = "NOSUCH" if online else fake.serial
    result = CliRunner().invoke(cli, ["device", "check", "--serial", serial])
    assert result.exit_code == 2
    assert result.output.strip() == message


def test_no_adb_server_is_a_clear_error(adb_env, monkeypatch):
    import socket

    with socket.socket() as probe:                  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(port))
    result = CliRunner().invoke(cli, ["device", "list"])
    assert result.exit_code == 2
    assert result.output.startswith(f"error: adb server 127.0.0.1:{port}: not reachable")


def test_hostile_property_values_are_bounded(adb_env, scripted):
    fake = scripted.android11_plain()
    fake.props["ro.product.model"] = "M" * 5000
    fake.dirs["/system/etc/security/cacerts"] = {f"{i:08x}.0": b"x" for i in range(2500)}
    adb_env(fake)
    record = attest(Phone.connect(fake.serial))
    model = record["fields"]["model"]
    assert model == {"value": "M" * 512, "known": True, "how": "getprop ro.product.model",
                     "note": "truncated from 5000 characters"}
    store = record["fields"]["ca_system_store"]
    assert store["value"]["count"] == 2500 and len(store["value"]["files"]) == 2000
    assert store["note"] == "only the first 2000 names kept"


def test_differences_name_what_was_not_put_back(adb_env, scripted):
    from auditor.device.attestation import differences

    fake = scripted.android14_rooted_kernelsu()
    adb_env(fake)
    before = attest(Phone.connect(fake.serial))
    fake.settings["global"]["private_dns_mode"] = "off"
    fake.dirs["/data/misc/user/0/cacerts-added"]["c8750f0d.0"] = b"left behind"
    fake.spawn("frida-server")
    after = attest(Phone.connect(fake.serial))
    assert differences(before, after) == [
        "private_dns_mode: 'hostname' before, 'off' after",
        "ca_user_store: {'count': 0, 'files': []} before, {'count': 1, 'files': ['c8750f0d.0']} after",
        f"frida_server: pids [{max(fake.processes)}] running that were not before"]
    assert differences(before, before) == []


def test_unrooted_android14_sees_only_its_own_namespace(adb_env, scripted):
    fake = scripted.android14_plain()
    adb_env(fake)
    record = attest(Phone.connect(fake.serial))
    apex = record["fields"]["ca_apex_store"]["value"]
    assert list(apex) == ["shell_namespace"] and apex["shell_namespace"]["value"]["count"] == 5
    assert values(record)["private_dns_specifier"] == "one.one.one.one"
    assert not any(root for _, root in fake.commands)
