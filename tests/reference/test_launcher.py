"""The launcher's argv/env contract (what the hooks room spawns under Frida) and the planted device state."""

from __future__ import annotations

import re
import subprocess

import pytest

from auditor.errors import InputError
from auditor.reference import launcher
from auditor.reference.assets import reference_jar

from .conftest import ROOT


def test_argv_is_explicit_java_17_with_proxy_ca_and_hosts_file(tmp_path, world):
    hosts = launcher.write_hosts_file(world, tmp_path / "hosts")
    assert hosts.read_text().splitlines()[0] == "127.0.0.11 api.example-reference.eu"
    launch = launcher.jvm_launch(hosts_file=hosts, proxy=("127.0.0.1", 8080), ca_pem=tmp_path / "ca.pem",
                                 consent="auto")
    assert launch.argv == [
        "/usr/lib/jvm/java-17-openjdk-amd64/bin/java", f"-Djdk.net.hosts.file={hosts}",
        "-Dhttps.proxyHost=127.0.0.1", "-Dhttps.proxyPort=8080", "-Dhttp.proxyHost=127.0.0.1",
        "-Dhttp.proxyPort=8080", "-jar", str(reference_jar()), "--consent", "auto", "--consent-timeout", "120",
        "--ca", str(tmp_path / "ca.pem")]
    assert launch.env == {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TZ": "UTC"}
    assert launcher.java_major_version(launcher.JAVA17) == 17
    with pytest.raises(InputError):
        launcher.jvm_launch(hosts_file=hosts, consent="maybe")


def test_device_state_keys_match_the_java_side(tmp_path):
    source = (ROOT / "reference/platform/org/auditor/reference/device/DeviceState.java").read_text()
    declared = source.split("KEYS = new HashSet<String>(Arrays.asList(")[1].split("));")[0]
    assert set(re.findall(r'"([\w.]+)"', declared)) == launcher.DEVICE_STATE_KEYS
    with pytest.raises(InputError, match="unknown key 'imsi'"):
        launcher.write_device_state({"imsi": "1"}, tmp_path / "x.properties")


def test_planted_text_survives_properties_escaping(tmp_path, world):
    text = "a=b: #1 \\ line\nnext — 日本 🙂"
    state = launcher.write_device_state({"clipboard.text": text, "android_id": " lead"}, tmp_path / "s.properties")
    probe = tmp_path / "Probe.java"
    probe.write_text(
        "import org.auditor.reference.device.DeviceState;\n"
        "public class Probe { public static void main(String[] a) throws Exception {\n"
        "  DeviceState.load(java.nio.file.Paths.get(a[0]));\n"
        "  System.out.write((DeviceState.current().clipboardText + '|' + DeviceState.current().androidId)"
        ".getBytes(\"UTF-8\")); System.out.flush(); } }\n")
    java = str(launcher.JAVA17)
    out = subprocess.run([java, "-cp", str(reference_jar()), str(probe), str(state)], capture_output=True,
                         timeout=60, check=True).stdout
    assert out.decode("utf-8") == text + "| lead"


def test_bad_device_state_file_is_refused_before_the_app_starts(tmp_path, world):
    bad = tmp_path / "bad.properties"
    bad.write_text("imsi=1\n")
    launch = launcher.jvm_launch(hosts_file=launcher.write_hosts_file(world, tmp_path / "h"), device_state=bad,
                                 consent="auto")
    done = subprocess.run(launch.argv, env=launch.env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stdout == f"AUDITOR-ERROR {bad}: unknown device state key imsi\n"


def test_an_app_crash_still_ends_the_jvm(tmp_path, world):
    # Android's org.json refuses NaN; the login upload then throws, as the real app would crash.
    state = launcher.write_device_state({"face.midpoint_x": "NaN"}, tmp_path / "nan.properties")
    launch = launcher.jvm_launch(hosts_file=launcher.write_hosts_file(world, tmp_path / "h"), device_state=state,
                                 consent="decline-auto")
    done = subprocess.run(launch.argv, env=launch.env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 4
    assert done.stdout.splitlines()[-2:] == [
        "AUDITOR-PHASE login",
        "AUDITOR-ERROR the app crashed: java.lang.IllegalStateException: org.json.JSONException: "
        "Forbidden numeric value: NaN"]
