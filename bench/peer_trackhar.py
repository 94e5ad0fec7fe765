"""Peer benchmark: TrackHAR (tweasel's npm `trackhar`, CC0) and auditor on the same HAR, compared as
(host, data type, value) transmissions: each one's count, both, only TrackHAR, only auditor.

TrackHAR runs in node (bench/trackhar/run-trackhar.mjs; `npm install` in bench/trackhar first). auditor
imports the HAR into a fresh case and runs analysis's own decoding and recognition on every flow, with no
planted values (what a researcher has for another tool's capture); every value is counted, not only the
evidence a finding shows. TrackHAR's properties are mapped onto auditor's data categories; those with no
personal-data category (app ID and name, SDK version, times, page names) are listed apart, not compared.
A value is distinctive when, as text, it has at least 5 characters and is not a boolean.

    .venv/bin/python bench/peer_trackhar.py [HAR ...]

bench/peer_sdk_endpoints.har holds four requests built in the shapes of tests/analysis/test_endpoint_rules.py
(Mintegral setting and analytics, a Crashlytics report in the transport batch, an app-measurement protobuf
batch as base64), for the SDKs the shared capture does not contain.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = [ROOT / "tests" / "capture" / "data" / "reporthar-android-first-run.har"]
IDENTIFIERS = {"advertising_id", "android_id", "device_identifier", "user_id", "session_id", "ip_address", "imei"}
# TrackHAR property -> auditor data category (device_identifier also matches an android_id finding)
CATEGORY = {
    "advertisingId": "advertising_id", "hashedAdvertisingId": "advertising_id", "deviceId": "device_identifier",
    "installationId": "device_identifier", "otherIdentifiers": "device_identifier",
    "developerScopedId": "device_identifier", "macAddress": "device_identifier", "userId": "user_id",
    "sessionId": "session_id", "localIp": "ip_address", "publicIp": "ip_address", "latitude": "location",
    "longitude": "location", "pushNotificationToken": "device_identifier",
    **dict.fromkeys(["model", "manufacturer", "osName", "osVersion", "appVersion", "carrier", "timezone", "language",
                     "country", "screenWidth", "screenHeight", "diskTotal", "diskFree", "diskUsed", "ramTotal",
                     "ramFree", "ramUsed", "batteryLevel", "isCharging", "isRooted", "isEmulator", "architecture",
                     "networkConnectionType", "orientation", "deviceName", "userAgent"], "device_attribute"),
}


def text(value: object) -> str:
    if isinstance(value, list):
        value = ",".join(map(str, value))
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        value = int(value)                  # JSON 1.0 (Python) and 1 (JavaScript) are the same number
    return str(value).strip().lower()


def distinctive(value: str) -> bool:
    return len(value) >= 5 and value not in ("true", "false")


def trackhar(har: Path) -> tuple[set[tuple[str, str, str]], Counter[str]]:
    done = subprocess.run(["node", str(ROOT / "bench" / "trackhar" / "run-trackhar.mjs"), str(har)],
                          capture_output=True, text=True, check=True, timeout=600)
    found, unmapped = set(), Counter()
    for line in done.stdout.splitlines():
        item = json.loads(line)
        category = CATEGORY.get(item["property"])
        if category is None:
            unmapped[item["property"]] += 1
        else:
            found.add((item["host"], category, text(item["value"])))
    return found, unmapped


def auditor(har: Path) -> set[tuple[str, str, str]]:
    from auditor.analyze import recognition
    from auditor.analyze.decode import BodyMemo, Decoder
    from auditor.analyze.personal import recognise
    from auditor.analyze.run import _headers, _request_body, _url, _websocket_messages
    from auditor.case.bundle import Case
    from auditor.case.events import FLOW_KINDS
    from auditor.case.ledger_check import read_records
    from auditor.importers.har import import_har

    recogniser = recognition.default()
    found = set()
    with tempfile.TemporaryDirectory() as directory:
        import_har(har, Path(directory) / "case")
        case = Case.open(Path(directory) / "case")
        for record in read_records(case.ledger_path):
            if record["kind"] not in FLOW_KINDS:
                continue
            request = record["body"]["request"]
            decoder = Decoder()
            decoder.url(_url(request))
            pairs = _headers(request)
            for name, value in pairs:
                decoder.header(name, value)
            _request_body(case, request, pairs, decoder, BodyMemo())
            _websocket_messages(case, record["body"], decoder)
            for hit in recognise(decoder.decoded) + recogniser.recognise(decoder.decoded, request["host"]):
                value = hit.value[:-2] if hit.value.endswith(".0") and hit.value[:-2].isdigit() else hit.value
                found.add((request["host"], "device_identifier" if hit.category == "android_id" else hit.category,
                           text(value)))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("hars", nargs="*", type=Path, default=DEFAULT)
    args = parser.parse_args()
    for har in args.hars:
        theirs, unmapped = trackhar(har)
        ours = auditor(har)
        both, only_theirs, only_ours = theirs & ours, theirs - ours, ours - theirs
        print(f"== {har.name}")
        print(f"TrackHAR {len(theirs)} transmissions (+{sum(unmapped.values())} of properties that are not personal "
              f"data categories: {dict(unmapped.most_common())}); auditor {len(ours)}; both {len(both)}; "
              f"only TrackHAR {len(only_theirs)}; only auditor {len(only_ours)}")
        keep = [t for t in theirs if distinctive(t[2])]
        print(f"distinctive TrackHAR transmissions found by auditor: {len([t for t in keep if t in ours])} "
              f"of {len(keep)} ({100 * len([t for t in keep if t in ours]) / max(1, len(keep)):.0f} %)")
        ids = {t for t in theirs if t[1] in IDENTIFIERS}
        print(f"identifiers: auditor has {len(ids & ours)} of TrackHAR's {len(ids)}")
        for title, rows in (("only TrackHAR", only_theirs), ("only auditor", only_ours)):
            print(f"-- {title}")
            for host, category, value in sorted(rows):
                print(f"   {host:28} {category:18} {value[:70]}")


if __name__ == "__main__":
    main()
