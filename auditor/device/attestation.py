"""The attestation record: exactly what the device was when the audit ran, and how each fact was learned.

Every field is `{"value", "known", "how"}` (plus `"note"` where the value needs context). A value that
cannot be learned is `known: false, value: null` — never a guess. `warnings` lists conditions that limit
what the audit can see (encrypted DNS, a Frida version mismatch, a large clock offset, ...).
"""

from __future__ import annotations

import time
from typing import Any

from auditor.case.ledger import utc_now
from auditor.device import frida_server
from auditor.device.adb import Phone

RECORD_FORMAT = "auditor-device-attestation/1"
APEX_CACERTS = "/apex/com.android.conscrypt/cacerts"
SYSTEM_CACERTS = "/system/etc/security/cacerts"
USER_CACERTS = "/data/misc/user/0/cacerts-added"
CLOCK_WARN_SECONDS = 2.0
MAX_TEXT = 512            # a device property longer than this is kept truncated, and says so
MAX_STORE_FILES = 2000
PROPS = {
    "model": "ro.product.model",
    "manufacturer": "ro.product.manufacturer",
    "brand": "ro.product.brand",
    "device": "ro.product.device",
    "android_version": "ro.build.version.release",
    "build_fingerprint": "ro.build.fingerprint",
    "build_type": "ro.build.type",
    "security_patch": "ro.build.version.security_patch",
    "abi": "ro.product.cpu.abi",
    "abi_list": "ro.product.cpu.abilist",
    "time_zone": "persist.sys.timezone",
    "sim_country": "gsm.sim.operator.iso-country",
    "dns_server": "net.dns1",
}


def fact(value: Any, how: str | dict[str, str], note: str | None = None) -> dict[str, Any]:
    """`how` in English, or {"en", "nl"} where the tool wrote it for the report (auditor demo)."""
    if isinstance(value, str) and len(value) > MAX_TEXT:
        note = f"truncated from {len(value)} characters"
        value = value[:MAX_TEXT]
    known = value is not None
    entry = {"value": value, "known": known, "how": how}
    if note:
        entry["note"] = note
    return entry


def _setting(phone: Phone, namespace: str, key: str) -> dict[str, Any]:
    how = f"settings get {namespace} {key}"
    result = phone.run(["settings", "get", namespace, key])
    if not result.ok:
        return fact(None, how, f"command failed: {result.stderr.strip()}")
    text = result.stdout.strip()
    # `settings get` prints "null" for a setting that was never written: that is a known "unset"
    return fact("unset" if text == "null" else text, how)


def _cert_store(phone: Phone, path: str, root: bool, namespace_pid: int | None = None) -> dict[str, Any]:
    argv = ["ls", "-1", path]
    if namespace_pid is not None:
        argv = ["nsenter", f"--mount=/proc/{namespace_pid}/ns/mnt", "--", *argv]
    result = phone.run_root(argv) if root else phone.run(argv)
    how = ("as root: " if root else "") + " ".join(argv)
    if not result.ok:
        return fact(None, how, result.stderr.strip() or f"exit code {result.returncode}")
    names = sorted(line.strip()[:MAX_TEXT] for line in result.stdout.splitlines() if line.strip())
    listed = {"count": len(names), "files": names[:MAX_STORE_FILES]}
    return fact(listed, how, f"only the first {MAX_STORE_FILES} names kept" if len(names) > MAX_STORE_FILES else None)


def _clock_offset(phone: Phone) -> dict[str, Any]:
    """Device time minus the midpoint of the host's time around the call; 1 s resolution where the device's
    date lacks %N (older toybox prints it literally)."""
    for fmt, resolution in (("+%s.%N", 1e-9), ("+%s", 1.0)):
        before = time.time()
        result = phone.run(["date", fmt])
        after = time.time()
        try:
            device_time = float(result.stdout.strip())
        except ValueError:
            continue
        offset = device_time - (before + after) / 2
        return fact({"seconds": round(offset, 3), "round_trip_seconds": round(after - before, 3),
                     "resolution_seconds": resolution},
                    f"host time around 'date {fmt}' on the device (midpoint of the round trip)")
    return fact(None, "date +%s.%N and date +%s on the device", "no numeric time from the device's date")


def _root(phone: Phone) -> dict[str, Any]:
    access = phone.root()
    return fact({"rooted": access.available, "kind": access.kind}, access.how)


def attest(phone: Phone) -> dict[str, Any]:
    """Collect the record. Read-only: nothing on the device changes."""
    started = utc_now()
    fields: dict[str, Any] = {}
    for name, prop in PROPS.items():
        result = phone.run(["getprop", prop])
        value = result.stdout.strip() if result.ok else ""
        fields[name] = fact(value or None, f"getprop {prop}",
                            None if value else "property empty or absent")
    sdk_text = phone.run(["getprop", "ro.build.version.sdk"]).stdout.strip()
    sdk = int(sdk_text) if sdk_text.isdigit() else None
    fields["sdk_level"] = fact(sdk, "getprop ro.build.version.sdk")
    locale = phone.run(["getprop", "persist.sys.locale"]).stdout.strip()
    fields["locale"] = (fact(locale, "getprop persist.sys.locale") if locale else
                        fact(phone.run(["getprop", "ro.product.locale"]).stdout.strip() or None,
                             "getprop ro.product.locale (persist.sys.locale empty)"))
    fields["root"] = _root(phone)
    rooted = phone.root().available
    selinux = phone.run(["getenforce"])
    fields["selinux"] = fact(selinux.stdout.strip() or None if selinux.ok else None, "getenforce")
    fields["android_id"] = _setting(phone, "secure", "android_id")
    fields["global_proxy"] = _setting(phone, "global", "http_proxy")
    fields["private_dns_mode"] = _setting(phone, "global", "private_dns_mode")
    fields["private_dns_specifier"] = _setting(phone, "global", "private_dns_specifier")
    fields["clock_offset"] = _clock_offset(phone)
    fields["ca_user_store"] = _cert_store(phone, USER_CACERTS, root=rooted)
    if not rooted and not fields["ca_user_store"]["known"]:
        fields["ca_user_store"]["note"] = "the user CA store is readable only as root"
    fields["ca_system_store"] = _cert_store(phone, SYSTEM_CACERTS, root=False)
    fields["ca_apex_store"] = _apex_stores(phone, sdk, rooted)
    fields["frida_server"] = fact(frida_server.probe(phone).to_json(),
                                  "od, --version and pidof on the device; host frida package version")
    record = {"format": RECORD_FORMAT, "serial": phone.serial, "collected_started": started,
              "collected_ended": utc_now(), "fields": fields}
    record["warnings"] = warnings(fields)
    return record


def _apex_stores(phone: Phone, sdk: int | None, rooted: bool) -> dict[str, Any]:
    if sdk is None:
        return fact(None, "depends on the SDK level, which is unknown")
    if sdk < 34:
        return fact("not present", "SDK level below 34", "Android < 14 has no APEX CA store")
    seen = {"shell_namespace": _cert_store(phone, APEX_CACERTS, root=False)}
    if rooted:
        # apps fork from zygote: what they trust is what zygote's mount namespace shows
        for name in ("zygote64", "zygote"):
            pids = phone.run(["pidof", name])
            if pids.ok and pids.stdout.split():
                seen[f"{name}_namespace"] = _cert_store(phone, APEX_CACERTS, True, int(pids.stdout.split()[0]))
    return fact(seen, f"ls -1 {APEX_CACERTS} (and inside zygote's mount namespace when rooted)")


def warnings(fields: dict[str, Any]) -> list[str]:
    found = []
    mode = fields["private_dns_mode"]
    if not mode["known"]:
        found.append("private DNS mode unknown: encrypted DNS may hide host names from the audit")
    elif mode["value"] != "off":
        shown = "unset (Android's default: automatic/opportunistic)" if mode["value"] == "unset" else mode["value"]
        found.append(f"private DNS is {shown}: DNS-over-TLS hides host name look-ups from the audit; "
                     "'auditor device setup' turns it off")
    proxy = fields["global_proxy"]
    if proxy["known"] and proxy["value"] not in ("unset", ":0", ""):
        found.append(f"a global proxy is already set ({proxy['value']})")
    clock = fields["clock_offset"]
    if clock["known"] and abs(clock["value"]["seconds"]) > CLOCK_WARN_SECONDS:
        found.append(f"device clock differs from the host by {clock['value']['seconds']} s")
    elif not clock["known"]:
        found.append("device clock offset unknown")
    frida = fields["frida_server"]["value"]
    if frida["path"] is None:
        found.append("no frida-server found on the device")
    elif frida["matches_host"] is False:
        found.append(f"frida-server {frida['version']} does not match the host's frida {frida['host_version']}")
    abi = fields["abi"]["value"]
    if frida["abi"] and abi and frida["abi"] != abi:
        found.append(f"frida-server is built for {frida['abi']} but the device's primary ABI is {abi}")
    if fields["selinux"]["value"] == "Permissive":
        found.append("SELinux is permissive: the device does not behave like a user's phone")
    if not fields["root"]["value"]["rooted"]:
        found.append("device not rooted: no system CA, no frida-server start; pinned or system-trusting apps "
                     "may refuse the interception")
    return found


# What set-up changes and restore must put back: compared between the attestations before and after.
RESTORED_FIELDS = ("global_proxy", "private_dns_mode", "private_dns_specifier", "ca_user_store", "ca_system_store",
                   "ca_apex_store")


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Fields that set-up touches whose values differ between two attestations of the same device."""
    found = []
    for name in RESTORED_FIELDS:
        old, new = before["fields"][name], after["fields"][name]
        if (old["known"], old["value"]) != (new["known"], new["value"]):
            found.append(f"{name}: {old['value']!r} before, {new['value']!r} after")
    old_pids = set(before["fields"]["frida_server"]["value"]["pids"])
    new_pids = set(after["fields"]["frida_server"]["value"]["pids"])
    if new_pids - old_pids:
        found.append(f"frida_server: pids {sorted(new_pids - old_pids)} running that were not before")
    return found
