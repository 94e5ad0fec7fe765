"""Set-up changes exactly what it says, and restore returns every setting, file, mount and process."""

from __future__ import annotations

import json

import pytest

from auditor.case.bundle import Case
from auditor.case.ledger_check import read_records
from auditor.device.adb import Phone
from auditor.device.certs import load_ca
from auditor.device.journal import Journal, journal_path
from auditor.device.session import SetupRequest, check_device_name, prepare, restore
from auditor.errors import CheckFailed, InputError

APEX = "/apex/com.android.conscrypt/cacerts"
SYSTEM = "/system/etc/security/cacerts"


def test_android14_kernelsu_full_cycle(adb_env, scripted, ca_file, tmp_path):
    fake = scripted.android14_rooted_kernelsu()
    adb_env(fake)
    before = fake.snapshot()
    zygote = next(pid for pid, name in fake.processes.items() if name == "zygote64")
    ca = load_ca(ca_file.read_bytes(), "ca")
    case = Case.create(tmp_path / "case")
    phone = Phone.connect(fake.serial)
    with case.ledger(fsync_interval=0) as ledger:
        changes = prepare(phone, SetupRequest(proxy="192.0.2.1:8080", ca=ca_file), ledger, case, sdk=34)
    name = ca.file_name()
    su = "su -c "
    # the exact commands, in order (reads included: they are part of what auditor did)
    assert phone.issued == [
        "settings get global http_proxy", "settings put global http_proxy 192.0.2.1:8080",
        "id", "su -v", "su -c id",       # root is probed when first needed
        f"su -c 'cat /data/misc/user/0/cacerts-added/{name}'",
        f"<push {len(ca.der)} bytes to /data/local/tmp/auditor-{name}>",
        su + "'mkdir -p /data/misc/user/0/cacerts-added'",
        su + f"'cp /data/local/tmp/auditor-{name} /data/misc/user/0/cacerts-added/{name}'",
        su + f"'chown system:system /data/misc/user/0/cacerts-added/{name}'",
        su + f"'chmod 644 /data/misc/user/0/cacerts-added/{name}'",
        f"rm -f /data/local/tmp/auditor-{name}",
        f"<push {len(ca.pem)} bytes to /data/local/tmp/auditor-{name}>",
        su + "'mkdir -p /data/local/tmp/auditor-cacerts'",
        su + f"'cp {APEX}/* /data/local/tmp/auditor-cacerts'",
        su + f"'mount -t tmpfs tmpfs {SYSTEM}'",
        su + f"'cp /data/local/tmp/auditor-cacerts/* {SYSTEM}'",
        su + f"'cp /data/local/tmp/auditor-{name} {SYSTEM}/{name}'",
        su + f"'chown root:root {SYSTEM}/*'", su + f"'chmod 644 {SYSTEM}/*'",
        su + f"'chcon u:object_r:system_file:s0 {SYSTEM}/*'",
        su + "'rm -rf /data/local/tmp/auditor-cacerts'", f"rm -f /data/local/tmp/auditor-{name}",
        su + f"'mount --bind {SYSTEM} {APEX}'",
        "pidof zygote", "pidof zygote64",
        su + f"'nsenter --mount=/proc/{zygote}/ns/mnt -- mount --bind {SYSTEM} {APEX}'",
        "settings get global private_dns_mode", "settings put global private_dns_mode off",
        "pidof frida-server", "pidof auditor-frida-server",
        "od -A n -t x1 -N 20 /data/local/tmp/frida-server", "/data/local/tmp/frida-server --version",
        su + "'/data/local/tmp/frida-server -D'", "pidof frida-server", "pidof auditor-frida-server",
    ]
    # what apps see: zygote's namespace holds the APEX store (5 CAs) plus ours
    zygote_view = fake.directory(APEX, namespace=zygote)
    assert sorted(zygote_view) == sorted([*fake.dirs[APEX], name])
    assert zygote_view[name] == ca.pem
    assert fake.directory(USER := "/data/misc/user/0/cacerts-added")[name] == ca.der
    assert fake.settings["global"]["http_proxy"] == "192.0.2.1:8080"
    assert fake.settings["global"]["private_dns_mode"] == "off"
    assert [n for n in fake.processes.values()].count("frida-server") == 1
    assert [(c.setting, c.old, c.new) for c in changes.journal.changes] == [
        ("settings global http_proxy", "10.0.0.2:3128", "192.0.2.1:8080"),
        ("user CA store", None, name),
        ("system CA store (tmpfs overlay)", "device's own store", name),
        ("APEX CA store (init namespace)", "device's own store", name),
        (f"APEX CA store (zygote64 pid {zygote} namespace)", "device's own store", name),
        ("settings global private_dns_mode", "hostname", "off"),
        ("frida-server process", "not running", f"pid {max(fake.processes)}"),
    ]
    assert journal_path(fake.serial).exists()

    frida_pid = next(pid for pid, name in fake.processes.items() if name == "frida-server")
    # restore, in a fresh process's view: only the journal on disk is used
    phone2 = Phone.connect(fake.serial)
    with case.ledger(fsync_interval=0) as ledger:
        done, failed = restore(phone2, ledger)
    assert failed == [] and len(done) == 7
    ns = f"nsenter --mount=/proc/{zygote}/ns/mnt --"
    assert phone2.issued == [
        "pidof frida-server", "id", "su -v", "su -c id", f"su -c 'kill {frida_pid}'",
        "settings put global private_dns_mode hostname", "settings get global private_dns_mode",
        f"su -c '{ns} umount {APEX}'", f"su -c '{ns} ls -1 {APEX}'",
        f"su -c 'umount {APEX}'", f"su -c 'ls -1 {APEX}'",
        f"su -c 'umount {SYSTEM}'", f"su -c 'ls -1 {SYSTEM}'",
        f"su -c 'rm -f /data/misc/user/0/cacerts-added/{name}'", f"su -c 'cat /data/misc/user/0/cacerts-added/{name}'",
        "settings put global http_proxy 10.0.0.2:3128", "settings get global http_proxy"]
    assert fake.snapshot() == before
    assert USER and not journal_path(fake.serial).exists()
    kinds = [r["kind"] for r in read_records(case.ledger_path) if r["source"] == "device"]
    assert kinds == ["device.change"] * 7 + ["device.restore"] * 7
    restores = [r["body"] for r in read_records(case.ledger_path) if r["kind"] == "device.restore"]
    assert restores[0]["setting"] == "frida-server process" and restores[0]["status"] == "restored"
    assert restores[-1]["note"] == "http_proxy back to '10.0.0.2:3128', verified by reading it"


@pytest.mark.parametrize("make, sdk, expected_settings", [
    ("android11_rooted_magisk", 30, ["settings global http_proxy", "user CA store", "system CA store (tmpfs overlay)",
                                     "frida-server process"]),
    ("android16_rooted_aosp", 36, None),
    ("android11_plain", 30, None),
    ("android14_plain", 34, ["settings global http_proxy", "CA certificate for manual installation",
                             "settings global private_dns_mode"]),
    ("android16_plain", 36, None),
])
def test_every_phone_returns_to_its_original_state(adb_env, scripted, ca_file, make, sdk, expected_settings,
                                                     tmp_path):
    fake = getattr(scripted, make)()
    adb_env(fake)
    before = fake.snapshot()
    phone = Phone.connect(fake.serial)
    request = SetupRequest(proxy="127.0.0.1:8080", ca=ca_file, frida=fake.frida_version == "17.26.0" and
                           fake.root_kind is not None)
    changes = prepare(phone, request, None, None, sdk)
    assert fake.snapshot() != before
    if expected_settings:
        assert [c.setting for c in changes.journal.changes] == expected_settings
    if fake.root_kind is None:
        # not rooted: the CA is handed over for a manual install, nothing is written as root
        assert fake.read("/sdcard/Download/auditor-mitmproxy-ca.crt") == load_ca(ca_file.read_bytes(), "").pem
        assert not any(root for _, root in fake.commands if root)
        assert any("Settings" in n for n in changes.notes)
    if fake.root_kind == "aosp":
        assert any(c.startswith("su 0 sh -c ") for c in phone.issued)
        zygote = next(p for p, n in fake.processes.items() if n == "zygote64")
        assert load_ca(ca_file.read_bytes(), "").file_name() in fake.directory(APEX, namespace=zygote)
    done, failed = restore(Phone.connect(fake.serial), None)
    assert failed == []
    assert fake.snapshot() == before
    if fake.root_kind is None:
        assert [c.restore_note for c in done if c.setting.startswith("CA certificate")] == [
            "removed /sdcard/Download/auditor-mitmproxy-ca.crt; if the CA was installed from it, remove it by hand "
            "under Settings → Security → Encryption & credentials → User credentials"]


def test_failed_setup_undoes_what_it_did(adb_env, scripted, ca_file):
    fake = scripted.android16_rooted_aosp()          # its frida-server (16.5.9) does not match the host
    adb_env(fake)
    before = fake.snapshot()
    with pytest.raises(CheckFailed, match="16.5.9 .* does not match the host's frida 17.26.0"):
        prepare(Phone.connect(fake.serial), SetupRequest(proxy="127.0.0.1:8080", ca=ca_file), None, None, 36)
    assert fake.snapshot() == before
    assert not journal_path(fake.serial).exists()


def test_unrestored_journal_blocks_a_second_setup_and_restore_is_repeatable(adb_env, scripted):
    fake = scripted.android11_plain()
    adb_env(fake)
    before = fake.snapshot()
    prepare(Phone.connect(fake.serial), SetupRequest(proxy="127.0.0.1:8080", frida=False), None, None, 30)
    with pytest.raises(InputError, match="unrestored change"):
        prepare(Phone.connect(fake.serial), SetupRequest(proxy="127.0.0.1:9090", frida=False), None, None, 30)
    assert fake.settings["global"]["http_proxy"] == "127.0.0.1:8080"
    restore(Phone.connect(fake.serial), None)
    assert fake.snapshot() == before
    assert restore(Phone.connect(fake.serial), None) == ([], [])


def test_pending_change_from_a_crash_is_undone(adb_env, scripted):
    """A crash between 'pending' and 'applied' (or before the ledger line) still gets undone."""
    fake = scripted.android11_plain()
    adb_env(fake)
    journal = Journal.load(fake.serial)
    journal.begin(None)
    journal.record("settings global http_proxy", None, "127.0.0.1:8080",
                   {"action": "setting", "namespace": "global", "key": "http_proxy", "value": None})
    fake.settings["global"]["http_proxy"] = "127.0.0.1:8080"      # the change happened, then the crash
    done, failed = restore(Phone.connect(fake.serial), None)
    assert [c.status for c in done] == ["restored"] and failed == []
    assert "http_proxy" not in fake.settings["global"]


@pytest.mark.parametrize("undo, problem", [
    ({"action": "setting", "namespace": "secure", "key": "android_id", "value": "x"}, "not one auditor changes"),
    ({"action": "remove_file", "path": "/data/local/tmp/auditor-../../system/bin/sh"}, "not one auditor writes"),
    ({"action": "umount", "target": "/data"}, "not one auditor makes"),
    ({"action": "kill", "pid": 1, "name": "init"}, "names no process"),
    ({"action": "shell", "command": "reboot"}, "unknown undo action"),
])
def test_tampered_journal_is_refused(adb_env, scripted, undo, problem):
    fake = scripted.android11_plain()
    adb_env(fake)
    path = journal_path(fake.serial)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"format": "auditor-device-journal/1", "serial": fake.serial, "started": "t",
                                "case": None, "changes": [{"setting": "x", "old": None, "new": None,
                                                           "undo": undo, "status": "applied"}]}))
    before = fake.snapshot()
    with pytest.raises(InputError, match=problem):
        restore(Phone.connect(fake.serial), None)
    assert fake.snapshot() == before and fake.commands == []


def test_adb_reverse_for_the_proxy_is_removed_on_restore(adb_env, scripted):
    fake = scripted.android16_plain()
    server = adb_env(fake)
    before = fake.snapshot()
    phone = Phone.connect(fake.serial)
    prepare(phone, SetupRequest(proxy="127.0.0.1:8080", reverse_port=8080, frida=False), None, None, 36)
    assert fake.reverses == {"tcp:8080"} and fake.settings["global"]["http_proxy"] == "127.0.0.1:8080"
    assert f"{fake.serial}:reverse:forward:norebind:tcp:8080;tcp:8080" in server.requests
    done, failed = restore(Phone.connect(fake.serial), None)
    assert failed == [] and fake.snapshot() == before
    assert [c.restore_note for c in done] == ["http_proxy back to unset, verified by reading it",
                                              "removed adb reverse tcp:8080"]


def test_restore_that_cannot_be_verified_fails_and_keeps_the_journal(adb_env, scripted, ca_file):
    from phone import Mount

    fake = scripted.android14_rooted_kernelsu()
    adb_env(fake)
    prepare(Phone.connect(fake.serial), SetupRequest(proxy="127.0.0.1:8080", ca=ca_file, frida=False), None, None, 34)
    zygote = next(pid for pid, name in fake.processes.items() if name == "zygote64")
    name = load_ca(ca_file.read_bytes(), "").file_name()
    # another tool stacked its own store (with our CA in it) on top in zygote's namespace
    fake.mounts.append(Mount(zygote, APEX, {name: b"x"}, "tmpfs"))
    done, failed = restore(Phone.connect(fake.serial), None)
    assert [c.setting for c in failed] == [f"APEX CA store (zygote64 pid {zygote} namespace)"]
    assert failed[0].restore_note == (f"{APEX} in pid {zygote}'s namespace still lists {name} after umount")
    assert [c.status for c in Journal.load(fake.serial).outstanding] == ["restore_failed"]
    assert fake.settings["global"]["private_dns_mode"] == "hostname"      # the rest was restored


def test_a_honey_device_name_is_planted_recorded_and_put_back(adb_env, scripted, tmp_path):
    """--plant-device-name: `settings put global device_name` on a phone without root, in the journal like any
    change (the old name restored), declared planted in the case so analysis looks for it, with what adb cannot
    plant without root (accounts, contacts, the Bluetooth name) recorded beside it."""
    fake = scripted.android11_plain()
    fake.settings["global"]["device_name"] = "Pixel 7 van Jan"
    adb_env(fake)
    before = fake.snapshot()
    case = Case.create(tmp_path / "case")
    phone = Phone.connect(fake.serial)
    with case.ledger(fsync_interval=0) as ledger:
        changes = prepare(phone, SetupRequest(proxy="127.0.0.1:8080", frida=False,
                                              device_name="AUDITOR-HONEY-phone-7d2a"), ledger, case, 30)
    assert phone.issued[-2:] == ["settings get global device_name",
                                 "settings put global device_name AUDITOR-HONEY-phone-7d2a"]
    assert fake.settings["global"]["device_name"] == "AUDITOR-HONEY-phone-7d2a"
    assert Case.open(case.root).info["planted"] == [{"what": "device_name", "value": "AUDITOR-HONEY-phone-7d2a"}]
    records = [json.loads(line) for line in case.ledger_path.read_text().splitlines()]
    [planted] = [r["body"] for r in records if r["kind"] == "case.planted"]
    assert planted["declared_by"] == "auditor device setup (settings put global device_name)"
    assert sorted(planted["not_planted_over_adb"]) == ["bluetooth_name", "contact", "email"]
    assert [n.split(":", 2)[1].strip() for n in changes.notes if n.startswith("not planted over adb")] == [
        "email", "contact", "bluetooth_name"]
    undone, failed = restore(Phone.connect(fake.serial), None)
    assert failed == [] and undone[0].setting == "settings global device_name"
    assert fake.snapshot() == before and fake.settings["global"]["device_name"] == "Pixel 7 van Jan"


def test_a_device_name_that_is_no_single_honey_token_is_refused():
    with pytest.raises(InputError, match="--plant-device-name: expected 6 to 64"):
        check_device_name("Pixel 7 van Jan")
