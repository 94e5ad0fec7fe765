"""Scripted phones: Android 11, 14 and 16, rooted and not, with their own CA stores and DNS settings."""

from __future__ import annotations

import copy

from phone import APEX_CACERTS, SYSTEM_CACERTS, USER_CACERTS, Phone

# ELF header of an x86_64 / arm64 executable: magic, class 64, little-endian, e_machine at byte 18
ELF_X86_64 = b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x02\x00\x3e\x00" + bytes(44)
ELF_ARM64 = b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x02\x00\xb7\x00" + bytes(44)
SYSTEM_CAS = {f"{h}.0": f"-----BEGIN CERTIFICATE-----\n{h}\n-----END CERTIFICATE-----\n".encode()
              for h in ("5ed36f99", "a94d09e5", "d6325660", "fb5fa911")}
APK_BASE = b"PK\x03\x04 base apk of com.example.privacyfixture"
APK_SPLIT = b"PK\x03\x04 config.arm64_v8a split"


def _props(release: str, sdk: int, model: str, manufacturer: str, abi: str, patch: str, **extra: str) -> dict:
    props = {
        "ro.build.version.release": release, "ro.build.version.sdk": str(sdk), "ro.product.model": model,
        "ro.product.manufacturer": manufacturer, "ro.product.brand": manufacturer.lower(),
        "ro.product.device": model.lower().replace(" ", "_"), "ro.product.name": model.lower().replace(" ", "_"),
        "ro.build.fingerprint": f"{manufacturer.lower()}/{model.lower().replace(' ', '_')}/dev:{release}/"
                                f"AP{sdk}A.{patch.replace('-', '')}/1234567:userdebug/test-keys",
        "ro.build.type": "userdebug", "ro.build.version.security_patch": patch, "ro.product.cpu.abi": abi,
        "ro.product.cpu.abilist": abi, "persist.sys.timezone": "Europe/Amsterdam",
        "gsm.sim.operator.iso-country": "nl", "ro.product.locale": "en-US",
    }
    props.update(extra)
    return props


def _phone(serial: str, props: dict, root_kind: str | None, settings_global: dict, frida: str | None,
           elf: bytes, user_cas: dict | None = None, clock_offset: float = 0.0) -> Phone:
    sdk = int(props["ro.build.version.sdk"])
    dirs = {SYSTEM_CACERTS: dict(SYSTEM_CAS), USER_CACERTS: dict(user_cas or {}), "/data/local/tmp": {},
            "/sdcard/Download": {}, "/data/app/~~x/com.example.privacyfixture-1": {
                "base.apk": APK_BASE, "split_config.arm64_v8a.apk": APK_SPLIT}}
    if sdk >= 34:
        # on Android 14+ the trusted store is the APEX one; /system's copy is stale
        new_ca = b"-----BEGIN CERTIFICATE-----\nnew\n-----END CERTIFICATE-----\n"
        dirs[APEX_CACERTS] = {**SYSTEM_CAS, "c2c1704e.0": new_ca}
    if frida is not None:
        dirs["/data/local/tmp"]["frida-server"] = elf
    phone = Phone(serial=serial, props=props, root_kind=root_kind, frida_version=frida, clock_offset=clock_offset,
                  settings={"global": dict(settings_global),
                            "secure": {"android_id": "9774d56d682e549c"}, "system": {}},
                  dirs=copy.deepcopy(dirs),
                  packages={"com.example.privacyfixture": [
                      "/data/app/~~x/com.example.privacyfixture-1/base.apk",
                      "/data/app/~~x/com.example.privacyfixture-1/split_config.arm64_v8a.apk"]})
    phone.spawn("init")
    phone.spawn("zygote64")
    if "64" not in props["ro.product.cpu.abi"] or sdk < 34:
        phone.spawn("zygote")
    return phone


def android11_rooted_magisk(frida: str = "17.26.0") -> Phone:
    return _phone("emulator-5554", _props("11", 30, "sdk_gphone_x86", "Google", "x86_64", "2021-06-05"),
                  "magisk", {"private_dns_mode": "off"}, frida, ELF_X86_64,
                  user_cas={"aaaaaaaa.0": b"\x30\x82 existing user CA"})


def android11_plain() -> Phone:
    return _phone("R58M11PLAIN", _props("11", 30, "SM-A515F", "samsung", "arm64-v8a", "2022-03-01",
                                        **{"persist.sys.locale": "nl-NL"}),
                  None, {}, None, ELF_ARM64)


def android14_rooted_kernelsu(frida: str = "17.26.0") -> Phone:
    return _phone("38281FDH2000AB", _props("14", 34, "Pixel 7", "Google", "arm64-v8a", "2024-05-05",
                                           **{"persist.sys.locale": "de-DE"}),
                  "kernelsu", {"private_dns_mode": "hostname", "private_dns_specifier": "dns.example.net",
                               "http_proxy": "10.0.0.2:3128"}, frida, ELF_ARM64, clock_offset=-7.5)


def android16_rooted_aosp(frida: str = "16.5.9") -> Phone:
    return _phone("emulator-5556", _props("16", 36, "sdk_gphone64_x86_64", "Google", "x86_64", "2025-09-05"),
                  "aosp", {"private_dns_mode": "opportunistic"}, frida, ELF_X86_64)


def android16_plain() -> Phone:
    return _phone("PIXEL9PLAIN", _props("16", 36, "Pixel 9", "Google", "arm64-v8a", "2025-10-05"),
                  None, {"private_dns_mode": "off"}, "17.26.0", ELF_ARM64)


def android14_plain() -> Phone:
    return _phone("RFCT14PLAIN", _props("14", 34, "SM-S911B", "samsung", "arm64-v8a", "2024-08-01"),
                  None, {"private_dns_mode": "hostname", "private_dns_specifier": "one.one.one.one"}, None, ELF_ARM64)


def install(phone: Phone, package: str, apks: dict[str, bytes]) -> Phone:
    """`package` installed too: its APK files (base first, then splits) in its own /data/app directory."""
    directory = f"/data/app/~~y/{package}-1"
    phone.dirs[directory] = dict(apks)
    phone.packages[package] = [f"{directory}/{name}" for name in apks]
    return phone
