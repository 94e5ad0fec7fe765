"""The real ReportHAR capture: identifiers recognised without planted values, recipients and countries named."""

import collections
import hashlib
import json

from auditor.analyze.run import analyze
from auditor.contract.files import ANALYSIS_FILES
from tests.analysis.conftest import load

AAID = "1209d0b9-b959-42e6-b921-aa5d9d08c1af"


def summary(finding: dict) -> tuple:
    r, d = finding["recipient"], finding["destination"]
    return (finding["type"], finding["data_category"], r["host"], r["entity"], r["entity_country"], d["ip"],
            d["country_physical"], d["country_registered"], d["asn"], (finding.get("transfer") or {}).get("outcome"),
            finding["before_consent"], finding["confidence"], finding["evidence"]["occurrences"])


HOSTS = {"graph.facebook.com": ("Facebook", "US", "157.240.20.15", "AU", "US", 32934),
         "api2.branch.io": ("Branch", "US", "108.138.17.9", "DE", "US", 16509),
         "notify.bugsnag.com": ("Bugsnag", "US", "35.186.205.6", "US", "US", 396982),
         "sessions.bugsnag.com": ("Bugsnag", "US", "35.190.88.7", "US", "US", 396982)}
# (data category, host, occurrences): each is a personal_data_transmitted and a third_country_transfer finding.
# Before the recognition ruleset only the first three rows were found (Bugsnag not at all); the rest are its
# endpoint rules and field-name families (TrackHAR reports the same transmissions: bench/peer_trackhar.py).
TRANSMITTED = [
    ("advertising_id", "graph.facebook.com", 4), ("advertising_id", "api2.branch.io", 3),
    ("device_identifier", "api2.branch.io", 3),
    ("device_identifier", "graph.facebook.com", 3),        # anon_id
    ("device_identifier", "notify.bugsnag.com", 1), ("device_identifier", "sessions.bugsnag.com", 1),
    ("user_id", "api2.branch.io", 3),                      # identity_id
    ("user_id", "notify.bugsnag.com", 1), ("user_id", "sessions.bugsnag.com", 1),
    ("session_id", "api2.branch.io", 1), ("session_id", "notify.bugsnag.com", 1),
    ("session_id", "sessions.bugsnag.com", 1),
    ("ip_address", "api2.branch.io", 3),                   # local_ip
    ("device_attribute", "graph.facebook.com", 9), ("device_attribute", "api2.branch.io", 3),
    ("device_attribute", "notify.bugsnag.com", 1), ("device_attribute", "sessions.bugsnag.com", 1),
]


def test_exact_findings(analysed_har):
    findings = load(analysed_har, "findings")
    branch = ("Branch Metrics, Inc.", "US", "108.138.17.9", "DE", "US", 16509)
    meta = ("Meta Platforms Ireland Ltd", "IE", "157.240.20.15", "AU", "US", 32934)
    notify = ("Bugsnag Inc.", "US", "35.186.205.6", "US", "US", 396982)
    sessions = ("Bugsnag Inc.", "US", "35.190.88.7", "US", "US", 396982)
    cdn = ("Branch Metrics, Inc.", "US", "108.138.17.81", "DE", "US", 16509)

    def sent(category: str, host: str, who: tuple, count: int) -> tuple:
        return ("personal_data_transmitted", category, host, *who, None, True, "medium", count)
    assert sorted(summary(f) for f in findings) == sorted([
        # Meta's EEA entity receives EEA users' data: no transfer by this disclosure; its Australian GeoIP is
        # an edge address (AS32934 in cdn-networks) and establishes no location
        ("recipient_contacted", None, "graph.facebook.com", *meta, None, True, "high", 9),
        ("tracker_contacted", None, "graph.facebook.com", *meta, None, True, "low", 9),
        sent("advertising_id", "graph.facebook.com", meta, 4), sent("device_identifier", "graph.facebook.com", meta, 3),
        sent("device_attribute", "graph.facebook.com", meta, 9),
        # Branch Metrics, Inc. (US) on 2023-04-07: after Privacy Shield, before the DPF
        ("recipient_contacted", None, "api2.branch.io", *branch, None, True, "high", 3),
        ("tracker_contacted", None, "api2.branch.io", *branch, None, True, "low", 3),
        sent("advertising_id", "api2.branch.io", branch, 3), sent("device_identifier", "api2.branch.io", branch, 3),
        sent("device_attribute", "api2.branch.io", branch, 3), sent("ip_address", "api2.branch.io", branch, 3),
        sent("user_id", "api2.branch.io", branch, 3), sent("session_id", "api2.branch.io", branch, 1),
        ("third_country_transfer", None, "api2.branch.io", *branch, "third_country_no_adequacy", True, "medium", 3),
        ("recipient_contacted", None, "cdn.branch.io", *cdn, None, True, "high", 2),
        ("tracker_contacted", None, "cdn.branch.io", *cdn, None, True, "low", 2),
        # Bugsnag: device, user and session IDs (recognition ruleset, endpoint rules) to a US company
        *[item for host, who in (("notify.bugsnag.com", notify), ("sessions.bugsnag.com", sessions)) for item in (
            ("recipient_contacted", None, host, *who, None, True, "high", 1),
            sent("device_identifier", host, who, 1), sent("device_attribute", host, who, 1),
            sent("user_id", host, who, 1), sent("session_id", host, who, 1),
            ("third_country_transfer", None, host, *who, "third_country_no_adequacy", True, "medium", 1))],
    ])
    for finding in findings:
        assert finding["recipient"]["source"] == "recipients"
        assert finding["destination"]["operator"] in ("Facebook, Inc.", "Amazon.com, Inc.", "Google LLC")
        assert finding["recipient"]["third_party"] is False     # a processor or joint controller, stated
    located = {f["recipient"]["host"]: (f["destination"]["location_established"], f["destination"]["location_source"])
               for f in findings}
    assert located == {"graph.facebook.com": (False, "dbip-country"), "api2.branch.io": (True, "dbip-country"),
                       "cdn.branch.io": (True, "dbip-country"), "notify.bugsnag.com": (False, "dbip-country"),
                       "sessions.bugsnag.com": (False, "dbip-country")}
    assert load(analysed_har, "findings", document=True)["summary"] == {
        "exchanges": 16, "exchanges_with_personal_data": 14, "exchanges_before_consent": 14,
        "exchanges_at_consent": 0, "recipients": 3, "third_parties": 0,
        "data_categories": ["advertising_id", "device_attribute", "device_identifier", "ip_address", "session_id",
                            "user_id"],
        "consent_clock": {"offset_seconds": None, "uncertainty_seconds": 0.0,
                          "source": "no device clock offset recorded: times compared as recorded, no margin"}}


def test_advertising_id_evidence_points_into_the_message(analysed_har):
    findings = [f for f in load(analysed_har, "findings") if f["type"] == "personal_data_transmitted"
                and f["data_category"] == "advertising_id"]
    values = [(f["recipient"]["host"], v["location"], v["value"], f"{v['source']}:{v['rule']}")
              for f in findings for e in f["evidence"]["shown"] for v in e["values"]]
    # one exchange is one piece of evidence listing all its values, the endpoint rules' beside the generic ones
    assert collections.Counter(v[3] for v in values) == {
        "recognised:branch": 50, "recognised:facebook-graph-activities": 47, "recognised:advertising-id-by-key": 3,
        "recognised:device-attribute-by-key": 3, "recognised:session-id-by-key": 1}
    places = {v for v in values if v[2] == AAID}
    assert places == {
        ("graph.facebook.com", "query.advertiser_id", AAID, "recognised:facebook-graph-activities"),
        ("graph.facebook.com", "body.advertiser_id", AAID, "recognised:facebook-graph-activities"),
        ("api2.branch.io", "body.google_advertising_id", AAID, "recognised:advertising-id-by-key"),
        ("api2.branch.io", "body.advertising_ids.aaid", AAID, "recognised:branch"),
    }
    seqs = sorted(e["ledger_seq"] for f in findings for e in f["evidence"]["shown"])
    assert seqs == [7, 9, 10, 11, 13, 14, 16]
    transfer = next(f for f in load(analysed_har, "findings") if f["type"] == "third_country_transfer")["transfer"]
    assert transfer["date"] == "2023-04-07" and transfer["instrument"] is None
    assert transfer["law"] == {"en": "Regulation (EU) 2016/679, Chapter V (Art. 44-50)",
                               "nl": "Verordening (EU) 2016/679 (AVG), hoofdstuk V (art. 44-50)"}


def test_verdicts_and_inputs(analysed_har):
    verdicts = load(analysed_har, "verdicts")
    assert [(v["rule_id"], v["severity"], len(v["findings"])) for v in verdicts] == [
        # device attributes to Branch, Bugsnag (two hosts) and Meta with no consent mark (4, lower severity);
        # identifiers: advertising and device IDs to Meta, Branch and Bugsnag (6); online identifiers: Bugsnag's
        # user and session IDs on both hosts, Branch's identity, session and the IP in its body (7);
        # transfers: one per exchange to a US company before the DPF, Branch and the two Bugsnag hosts (3)
        ("device-attributes-before-consent", "low", 4), ("identifiers-before-consent", "high", 6),
        ("online-identifiers-to-other-party", "medium", 7), ("third-country-transfer-without-adequacy", "high", 3)]
    identifiers = verdicts[1]
    assert identifiers["ruleset"]["name"] == "gdpr" and set(identifiers["title"]) == {"en", "nl"}
    assert {c["article"] for c in identifiers["citations"] if c["kind"] == "article"} == {"6", "7", "5", "11.7a"}
    assert [(c["number"], c["ecli"]) for c in identifiers["citations"] if c["kind"] == "case"] == [
        ("C-673/17", "ECLI:EU:C:2019:801")]      # case law as a typed citation, not an "article"
    inputs = json.loads((analysed_har / "analysis" / "inputs.json").read_text())
    assert [d["name"] for d in inputs["datasets"]] == [
        "asn-ipv4", "cdn-networks", "dbip-country", "eu-transfers", "exodus-trackers", "geo-whois-asn-country",
        "public-suffix-list", "recipients", "recognition-rules"]
    assert inputs["case"]["ledger_head"]["seq"] == 17 and inputs["flows_analysed"] == 16
    assert inputs["case"]["ledger_head"]["intact"] is True


def test_damaged_ledger_is_said(tmp_path):
    from tests.analysis.builders import har_case
    case = har_case(tmp_path / "case")
    with open(case.ledger_path, "ab") as handle:
        handle.write(b'{"seq": 18, "torn')
    analyze(case.root)
    head = json.loads((case.root / "analysis" / "inputs.json").read_text())["case"]["ledger_head"]
    assert head["seq"] == 17 and head["intact"] is False


def test_two_runs_are_byte_identical(analysed_har):
    def digests() -> dict:
        return {name: hashlib.sha256((analysed_har / "analysis" / name).read_bytes()).hexdigest()
                for name in ANALYSIS_FILES}
    first = digests()
    analyze(analysed_har)
    assert digests() == first


def test_analysis_opens_no_socket(analysed_har, monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("analysis tried to open a network connection")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    before = (analysed_har / "analysis" / "findings.json").read_bytes()
    analyze(analysed_har)
    assert (analysed_har / "analysis" / "findings.json").read_bytes() == before


def test_cli(analysed_har, tmp_path):
    from click.testing import CliRunner

    from auditor.cli import cli
    result = CliRunner().invoke(cli, ["analyze", str(analysed_har), "--json"])
    assert result.exit_code == 0
    assert {k: v for k, v in json.loads(result.output).items() if k != "output"} == {
        "flows": 16, "findings": 28, "verdicts": 4}
    missing = CliRunner().invoke(cli, ["analyze", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and missing.stderr == f"error: {tmp_path / 'nope'}: no such case directory\n"
    bad_world = tmp_path / "w.json"
    bad_world.write_text(json.dumps({"format": "auditor-world/1", "hosts": {}, "entities": {}, "ips": {"1.2.3.4": {
        "country_physical": "USA", "country_registered": "US", "asn": 64500, "operator": "x"}}}))
    refused = CliRunner().invoke(cli, ["analyze", str(analysed_har), "--world", str(bad_world)])
    assert refused.exit_code == 2 and refused.stderr == f'error: {bad_world}: ips["1.2.3.4"].country_physical: ' \
        'must be an ISO 3166-1 alpha-2 code in capitals, not "USA"\n'


def test_user_mmdb_replaces_the_physical_view(tmp_path):
    from auditor.datasets.registry import verified_path
    from tests.analysis.builders import har_case
    case = har_case(tmp_path / "case")
    user_mmdb = tmp_path / "mine.mmdb"
    user_mmdb.write_bytes(verified_path("geo-whois-asn-country").read_bytes())
    analyze(case.root, mmdb=user_mmdb)
    findings = json.loads((case.root / "analysis" / "findings.json").read_text())["findings"]
    assert {(f["destination"]["ip"], f["destination"]["country_physical"], f["destination"]["location_source"])
            for f in findings} == {("157.240.20.15", "US", "user-mmdb"), ("108.138.17.9", "US", "user-mmdb"),
                                   ("108.138.17.81", "US", "user-mmdb"), ("35.186.205.6", "US", "user-mmdb"),
                                   ("35.190.88.7", "US", "user-mmdb")}
    names = [d["name"] for d in json.loads((case.root / "analysis" / "inputs.json").read_text())["datasets"]]
    assert "dbip-country" not in names and "user-mmdb" in names
