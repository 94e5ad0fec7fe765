"""The cover: the case, the app, the device and the seal, as case.json and seal.json record them."""

from __future__ import annotations

from typing import Any

from auditor.case.seal import Verification
from auditor.readable import readable
from auditor.report.display import Display
from auditor.shapes import as_dict, as_list

DEVICE_KEYS = {"fields", "format", "serial", "simulated", "warnings", "collected_started", "collected_ended"}


def case_section(d: Display, info: dict[str, Any]) -> dict[str, Any]:
    tool = as_dict(info.get("tool"))
    ended = info.get("ended")  # a time (capture, demo) or, after a live audit, {time, reason, …}
    ended_info = as_dict(ended)
    return {"case_id": d.plain(info.get("case_id")), "created": d.plain(info.get("created")),
            "ended": d.plain(ended_info.get("time") if ended_info else ended),
            "ended_reason": d.plain(ended_info.get("reason")),
            "cleanup_problems": [d.text(p, 500) for p in as_list(ended_info.get("cleanup_problems"))],
            "parts_not_run": [d.text(p, 300) for p in as_list(ended_info.get("parts_not_run"))],
            "operator": d.plain(as_dict(info.get("operator")).get("name")),
            "persona": d.plain(readable(info.get("persona"))), "scenario": d.text(info.get("scenario"), 500),
            "tool": {k: d.plain(tool.get(k)) for k in ("name", "version", "git_commit", "python", "platform")}}


def app_section(d: Display, app: dict[str, Any]) -> dict[str, Any]:
    """case.json `app` (docs/events.md, static): identity of the app, digests as lists of strings."""
    code = app.get("version_code")
    return {"package": d.plain(app.get("package")), "version_name": d.plain(app.get("version_name")),
            "version_code": d.plain(code) if code is not None else "",
            "apk_sha256": [d.plain(x) for x in as_list(app.get("apk_sha256"))],
            "signing_cert_sha256": [d.plain(x) for x in as_list(app.get("signing_cert_sha256"))],
            "permissions": len(as_list(app.get("permissions")))}


def device_section(d: Display, device: dict[str, Any]) -> dict[str, Any]:
    """case.json `device`: the attestation record (docs/events.md, device), one row per field; a simulated
    phone writes the same shape with a simulated-device format and a `simulated` note."""
    fields = []
    for name, fact in sorted(as_dict(device.get("fields")).items()):
        fact = as_dict(fact)
        known = fact.get("known") is True
        fields.append({"name": d.plain(name), "known": known,
                       "value": d.text(readable(fact.get("value")) if known else "", 600),
                       "how": d.text(fact.get("how"), 300), "note": d.text(fact.get("note"), 500)})
    formats = d.plain(device.get("format"))
    simulated = device.get("simulated")
    if simulated is None and formats.startswith("auditor-simulated-device"):
        simulated = formats
    return {"present": bool(device), "format": formats, "serial": d.plain(device.get("serial")),
            "simulated": d.text(simulated, 500) if simulated else None,
            "collected_started": d.plain(device.get("collected_started")),
            "collected_ended": d.plain(device.get("collected_ended")),
            "fields": fields,
            "warnings": [d.text(readable(w), 500) for w in as_list(device.get("warnings"))],
            "other": [{"key": d.plain(k), "value": d.text(readable(v), 600)}
                      for k, v in sorted(device.items()) if k not in DEVICE_KEYS]}


def seal_section(d: Display, seal: dict[str, Any] | None, seal_sha256: str | None) -> dict[str, Any]:
    """seal.json as the cover states it; an unsealed case has every field, empty, so templates need no guard."""
    if seal is None:
        return {"sealed": False, "seal_sha256": None, "sealed_at": "", "signer": "", "timestamp": None, "files": 0,
                "ledger_head_seq": None, "ledger_head_hash": ""}
    payload = as_dict(seal.get("payload"))
    stamp = as_dict(seal.get("timestamp"))
    ledger = as_dict(payload.get("ledger"))
    return {"sealed": True, "seal_sha256": seal_sha256, "sealed_at": d.plain(payload.get("sealed_at")),
            "signer": d.plain(as_dict(payload.get("signer")).get("fingerprint")),
            "timestamp": {"gen_time": d.plain(stamp.get("gen_time")),
                          "tsa_subject": d.plain(stamp.get("tsa_subject"))} if stamp else None,
            "files": len(as_dict(payload.get("files"))),
            "ledger_head_seq": ledger.get("head_seq"), "ledger_head_hash": d.plain(ledger.get("head_hash"))}


def verification_section(d: Display, verification: Verification) -> dict[str, Any]:
    return {"ok": verification.ok, "sealed": verification.sealed,
            "problems": [d.plain(str(p)) for p in verification.problems[:50]],
            "notices": [d.plain(n) for n in verification.notices[:50]]}
