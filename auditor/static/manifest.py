"""The binary AndroidManifest.xml and the signing certificates of one APK.

androguard's AXML parser reads the manifest from bytes the container already bounded; androguard's APK
class is used only for the v2/v3 signing block (skip_analysis: it never decompresses an entry itself), and
v1 certificates come from the META-INF PKCS#7 files read through the container.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from asn1crypto import cms, x509
from loguru import logger

from auditor.errors import InputError
from auditor.static.axml_bounds import check_manifest_bounds
from auditor.static.container import ApkFile

logger.disable("androguard")          # androguard logs every parsing step at DEBUG

ANDROID_NS = "{http://schemas.android.com/apk/res/android}"
COMPONENT_TAGS = ("activity", "activity-alias", "service", "receiver", "provider")

# protectionLevel="dangerous" in AOSP frameworks/base core/res/AndroidManifest.xml (Android 14)
DANGEROUS_PERMISSIONS = frozenset("android.permission." + p for p in """
READ_CALENDAR WRITE_CALENDAR CAMERA READ_CONTACTS WRITE_CONTACTS GET_ACCOUNTS ACCESS_FINE_LOCATION
ACCESS_COARSE_LOCATION ACCESS_BACKGROUND_LOCATION RECORD_AUDIO READ_PHONE_STATE READ_PHONE_NUMBERS CALL_PHONE
ANSWER_PHONE_CALLS READ_CALL_LOG WRITE_CALL_LOG ADD_VOICEMAIL USE_SIP PROCESS_OUTGOING_CALLS BODY_SENSORS
BODY_SENSORS_BACKGROUND SEND_SMS RECEIVE_SMS READ_SMS RECEIVE_WAP_PUSH RECEIVE_MMS READ_EXTERNAL_STORAGE
WRITE_EXTERNAL_STORAGE ACCESS_MEDIA_LOCATION ACTIVITY_RECOGNITION BLUETOOTH_SCAN BLUETOOTH_CONNECT
BLUETOOTH_ADVERTISE UWB_RANGING NEARBY_WIFI_DEVICES POST_NOTIFICATIONS READ_MEDIA_IMAGES READ_MEDIA_VIDEO
READ_MEDIA_AUDIO READ_MEDIA_VISUAL_USER_SELECTED""".split())


@dataclass
class Manifest:
    package: str
    version_code: int | None
    version_name: str | None
    min_sdk: int | None
    target_sdk: int | None
    split: str | None
    permissions: list[str]
    components: list[dict[str, object]]
    main_activity: str | None = None
    application_class: str | None = None


@dataclass
class Certificate:
    sha256: str
    subject: str
    issuer: str
    organisation: str | None = None     # the subject's O= (the signer's own statement, never verified)
    schemes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"sha256": self.sha256, "subject": self.subject, "issuer": self.issuer,
                "organisation": self.organisation, "schemes": self.schemes}


def _int(value: str | None) -> int | None:
    try:
        return int(value, 0) if value is not None else None
    except ValueError:
        return None


def _class_name(package: str, name: str) -> str:
    if name.startswith("."):
        return package + name
    return name if "." in name else f"{package}.{name}"


def _local(tag: object) -> str:
    """An element's name without its namespace ("" for comments and processing instructions)."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _exported(elem, tag: str, target_sdk: int | None) -> tuple[bool, str]:
    explicit = elem.get(ANDROID_NS + "exported")
    if explicit is not None:
        return explicit.lower() == "true", "android:exported"
    if tag == "provider":
        return (target_sdk or 1) < 17, "provider default before API 17"
    if elem.find("intent-filter") is not None:
        return True, "intent-filter without android:exported"
    return False, "default"


def parse_manifest(apk: ApkFile) -> Manifest:
    from androguard.core.axml import AXMLPrinter

    label = f"{apk.label}!AndroidManifest.xml"
    raw = apk.read("AndroidManifest.xml")
    check_manifest_bounds(raw, label)
    try:
        printer = AXMLPrinter(raw)
        root = printer.get_xml_obj() if printer.is_valid() else None
    except Exception as exc:   # the parser raises many kinds on hostile bytes; the message names it
        raise InputError(label, f"malformed binary manifest: {type(exc).__name__}: {exc}") from None
    if root is None or root.tag != "manifest":
        raise InputError(label, "malformed binary manifest: no <manifest> element could be read")
    package = root.get("package") or ""
    if not package:
        raise InputError(label, "malformed binary manifest: <manifest> has no package attribute")
    uses_sdk = root.find("uses-sdk")
    min_sdk = _int(uses_sdk.get(ANDROID_NS + "minSdkVersion")) if uses_sdk is not None else None
    target_sdk = _int(uses_sdk.get(ANDROID_NS + "targetSdkVersion")) if uses_sdk is not None else None
    # Android's parser matches element names without their namespace: <android:uses-permission> counts
    permissions = sorted({e.get(ANDROID_NS + "name") for e in root.iter()
                          if _local(e.tag) in ("uses-permission", "uses-permission-sdk-23")
                          and e.get(ANDROID_NS + "name")})
    components: list[dict[str, object]] = []
    main_activity = None
    application = root.find("application")
    for elem in application if application is not None else []:
        tag = _local(elem.tag)
        if tag not in COMPONENT_TAGS or not elem.get(ANDROID_NS + "name"):
            continue
        name = _class_name(package, elem.get(ANDROID_NS + "name"))
        exported, reason = _exported(elem, tag, target_sdk)
        actions = sorted({a.get(ANDROID_NS + "name") for a in elem.iter("action") if a.get(ANDROID_NS + "name")})
        if main_activity is None and "android.intent.action.MAIN" in actions and any(
                c.get(ANDROID_NS + "name") == "android.intent.category.LAUNCHER" for c in elem.iter("category")):
            main_activity = name
        components.append({"type": tag, "name": name, "exported": exported, "exported_because": reason,
                           "permission": elem.get(ANDROID_NS + "permission"), "actions": actions})
    app_name = application.get(ANDROID_NS + "name") if application is not None else None
    return Manifest(package, _int(root.get(ANDROID_NS + "versionCode")), root.get(ANDROID_NS + "versionName"),
                    min_sdk, target_sdk, root.get("split"), permissions, components, main_activity,
                    _class_name(package, app_name) if app_name else None)


def _describe(cert: x509.Certificate) -> tuple[str, str, str | None]:
    organisation = cert.subject.native.get("organization_name")
    if isinstance(organisation, list):          # several O= attributes: kept in their order
        organisation = ", ".join(str(o) for o in organisation)
    text = str(organisation)[:300] if organisation else ""
    return cert.subject.human_friendly, cert.issuer.human_friendly, text or None


def _v1_certificates(apk: ApkFile) -> list[bytes]:
    ders = []
    for name in sorted(apk.names()):
        upper = name.upper()
        if upper.startswith("META-INF/") and upper.endswith((".RSA", ".DSA", ".EC")) and name.count("/") == 1:
            try:
                signed = cms.ContentInfo.load(apk.read(name))["content"]
                ders.extend(c.chosen.dump() for c in signed["certificates"] if c.name == "certificate")
            except (ValueError, TypeError, KeyError) as exc:
                raise InputError(f"{apk.label}!{name}", f"malformed v1 signature block: {exc}") from None
    return ders


def signing_certificates(apk: ApkFile) -> list[Certificate]:
    """Certificates of every signing scheme present, one entry per distinct certificate."""
    from androguard.core.apk import APK

    by_scheme: list[tuple[str, list[bytes]]] = [("v1", _v1_certificates(apk))]
    try:
        signed = APK(apk.data, raw=True, skip_analysis=True)
        by_scheme.append(("v2", signed.get_certificates_der_v2() if signed.is_signed_v2() else []))
        by_scheme.append(("v3", signed.get_certificates_der_v3() if signed.is_signed_v3() else []))
    except Exception as exc:   # androguard raises bare exceptions on a damaged signing block
        raise InputError(apk.label, f"malformed APK signing block: {type(exc).__name__}: {exc}") from None
    found: dict[str, Certificate] = {}
    for scheme, ders in by_scheme:
        for der in ders:
            digest = hashlib.sha256(der).hexdigest()
            if digest not in found:
                try:
                    subject, issuer, organisation = _describe(x509.Certificate.load(der))
                except ValueError:
                    subject, issuer, organisation = "(unparseable certificate)", "(unparseable certificate)", None
                found[digest] = Certificate(digest, subject, issuer, organisation)
            if scheme not in found[digest].schemes:
                found[digest].schemes.append(scheme)
    return list(found.values())


def permission_view(permissions: list[str]) -> list[str]:
    return sorted(p for p in permissions if p in DANGEROUS_PERMISSIONS)
