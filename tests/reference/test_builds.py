"""Both builds of the reference app are reproducible, and both call the same platform API from the same
sources; the platform stand-ins keep Android's real signatures (checked against android.jar API 23)."""

from __future__ import annotations

import hashlib
import re
import subprocess
import zipfile
from pathlib import Path

from auditor.reference.assets import reference_jar

from .apk_facts import APK
from .conftest import ROOT, tool

JDK = Path("/usr/lib/jvm/java-17-openjdk-amd64/bin")
ANDROID_JAR = ROOT / "reference/.android-sdk/usr/share/java/com.android.android-23.jar"
PLATFORM_PREFIXES = ("android/", "com/google/android/gms/", "org/json/")
# Members the stand-ins declare that API 23's android.jar lacks, each with the API level that added it.
NEWER_THAN_API_23 = {
    "android.os.Build.getSerial()Ljava/lang/String;",  # 26
    "android.telephony.TelephonyManager.getImei()Ljava/lang/String;",  # 26
    "android.telephony.TelephonyManager.getImei(I)Ljava/lang/String;",  # 26
    "android.location.LocationManager.getCurrentLocation(Ljava/lang/String;Landroid/os/CancellationSignal;"
    "Ljava/util/concurrent/Executor;Ljava/util/function/Consumer;)V",  # 30
    "android.location.LocationManager.addNmeaListener(Landroid/location/OnNmeaMessageListener;)Z",  # 24
    'android.provider.Settings$Global.DEVICE_NAME="device_name":Ljava/lang/String;',  # 25
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_apk_rebuild_is_byte_identical(tmp_path):
    rebuilt = tmp_path / "rebuilt.apk"
    subprocess.run(["bash", str(ROOT / "reference/build-apk.sh"), str(rebuilt)], check=True,
                   capture_output=True, timeout=120)
    assert sha256(rebuilt) == sha256(APK)
    verify = subprocess.run([tool("apksigner"), "verify", "--verbose", str(APK)], capture_output=True,
                            text=True, check=True, timeout=60).stdout
    for scheme in ("v1 scheme (JAR signing)", "v2 scheme (APK Signature Scheme v2)",
                   "v3 scheme (APK Signature Scheme v3)"):
        assert f"Verified using {scheme}: true" in verify


def test_jar_rebuild_is_byte_identical(tmp_path):
    rebuilt = tmp_path / "rebuilt.jar"
    subprocess.run(["bash", str(ROOT / "reference/build-jvm.sh"), str(rebuilt)], check=True,
                   capture_output=True, timeout=120)
    assert sha256(rebuilt) == sha256(reference_jar())


def _jar_platform_calls() -> set[str]:
    """Platform methods the app and SDK classes of the jar invoke, from javap's constant-pool comments."""
    with zipfile.ZipFile(reference_jar()) as jar:
        app_classes = [n[:-6].replace("/", ".") for n in jar.namelist()
                       if n.startswith(("com/example/", "com/bytedance/", "com/appsflyer/")) and n.endswith(".class")]
    listing = subprocess.run([str(JDK / "javap"), "-c", "-p", "-cp", str(reference_jar()), *app_classes],
                             capture_output=True, text=True, check=True, timeout=120).stdout
    calls = set()
    for owner, name, descriptor in re.findall(r"// (?:Interface)?Method ([\w/$]+)\.([\w<>$\"]+):(\S+)", listing):
        if owner.startswith(PLATFORM_PREFIXES):
            calls.add(f"L{owner};->{name.strip(chr(34))}{descriptor}")
    return calls


def _dex_platform_calls() -> set[str]:
    from loguru import logger

    logger.remove()
    from androguard.misc import AnalyzeAPK

    _apk, _dex, analysis = AnalyzeAPK(str(APK))
    calls = set()
    for method in analysis.get_methods():
        callee = method.get_method()
        if method.is_external() and callee.get_class_name()[1:].startswith(PLATFORM_PREFIXES):
            calls.add(f"{callee.get_class_name()}->{callee.get_name()}{callee.get_descriptor().replace(' ', '')}")
    return calls


def test_apk_and_jar_call_the_same_platform_api():
    dex_calls = _dex_platform_calls()
    assert len(dex_calls) > 60
    assert dex_calls == _jar_platform_calls()


def _members(classpath: Path, classes: list[str]) -> dict[str, set[str]]:
    """class -> its public and protected members via `javap -s -constants`: "name(descriptor)" for methods
    and constructors (<init>), "NAME=value:descriptor" for fields (the value only for constants)."""
    out = subprocess.run([str(JDK / "javap"), "-protected", "-s", "-constants", "-cp", str(classpath), *classes],
                         capture_output=True, text=True, timeout=120).stdout
    members: dict[str, set[str]] = {}
    current = pending = None
    for line in out.splitlines():
        if header := re.match(r"^(?:public |protected )?(?:abstract |final |static )*(?:class|interface|enum) "
                              r"([\w.$]+)", line):
            current = header.group(1)
            members[current] = set()
        elif method := re.match(r"^\s+.*?([\w$]+)\(.*\)(?: throws [\w.$, ]+)?;$", line):
            name = method.group(1)
            pending = "<init>" if name == current.rsplit(".", 1)[-1] else name
        elif field := re.match(r"^\s+[\w. <>?,\[\]$]*?([\w$]+)( = .*)?;$", line):
            pending = field.group(1) + "=" + (field.group(2) or " ")[3:] + ":"
        elif current and pending and (descriptor := re.match(r"^\s+descriptor: (.*)$", line)):
            members[current].add(pending + descriptor.group(1))
            pending = None
    return members


def test_platform_stand_ins_keep_android_signatures():
    with zipfile.ZipFile(reference_jar()) as jar:
        stand_ins = sorted(n[:-6].replace("/", ".") for n in jar.namelist()
                           if n.startswith("android/") and n.endswith(".class") and "$$" not in n)
    with zipfile.ZipFile(ANDROID_JAR) as real:
        in_api_23 = [c for c in stand_ins if c.replace(".", "/") + ".class" in real.namelist()]
    assert len(in_api_23) >= 45, in_api_23
    ours, android = _members(reference_jar(), in_api_23), _members(ANDROID_JAR, in_api_23)
    assert set(ours) == set(android) == set(in_api_23)
    not_in_android = {f"{cls}.{member}" for cls in in_api_23 for member in ours[cls] - android[cls]}
    assert not_in_android == NEWER_THAN_API_23
