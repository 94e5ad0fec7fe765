"""The done-when table of issue #14: attribution of recipients and Chapter V outcomes that survive
cross-examination, each row with its exact outcome."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from auditor.analyze.destinations import Destinations, normalise_ip
from auditor.analyze.dpf import load_participants
from auditor.analyze.recipients import Controller, Recipients, Signer
from auditor.analyze.run import analyze
from auditor.analyze.signatures import Signatures
from auditor.case.bundle import Case
from auditor.case.ledger_check import read_records
from auditor.contract.vocabulary import Certification, ConsentTiming, RecipientRole
from auditor.errors import InputError
from auditor.reference.assets import reference_apk
from auditor.static.store import store_apk_scan
from auditor.world import World
from tests.analysis.builders import add_flow
from tests.analysis.conftest import load

AAID = "5f0e1c9a-7b7d-4c3e-9d2b-8a6f4e3d2c1b"
BODY = json.dumps({"gaid": AAID}).encode()
HEADERS = [["Content-Type", "application/json"]]


def world(path: Path, entities: dict, ips: dict | None = None) -> Path:
    hosts = {}
    for n, name in enumerate(sorted(entities)):
        hosts[f"api.{name}"] = f"127.0.0.{n + 10}"
    ips = ips or {address: {"country_physical": "DE", "country_registered": "DE", "asn": 64500,
                            "operator": "Test Hosting"} for address in hosts.values()}
    path.write_text(json.dumps({"format": "auditor-world/1", "hosts": hosts, "ips": ips, "entities": entities}))
    return path


def one_flow(root: Path, url: str, overrides: Path | None = None, **create: object) -> Path:
    """A case with one 2024-06-01 request carrying the device's advertising ID, analysed."""
    case = Case.create(root, operator="test", **create)
    case.set_section("device", {"attestation": {"advertising_id": AAID}})
    with case.ledger(fsync_interval=0) as ledger:
        add_flow(case, ledger, url, BODY, server_ip="127.0.0.10", start="2024-06-01T10:00:00.000000Z",
                 headers=HEADERS)
    analyze(case.root, world=overrides)
    return case.root


# --- the recipient layer --------------------------------------------------------------------------------------

def test_an_eea_entity_with_a_chinese_parent_is_no_transfer(tmp_path: Path) -> None:
    overrides = world(tmp_path / "w.json", {"example-video.eu": {
        "entity": "Example Video Ireland Ltd", "parent": "Example Video (Beijing) Co., Ltd.", "country": "IE",
        "dpf_certified": None}})
    findings = load(one_flow(tmp_path / "case", "https://api.example-video.eu/t", overrides), "findings")
    assert sorted(f["type"] for f in findings) == ["personal_data_transmitted", "recipient_contacted"]
    sent = next(f for f in findings if f["type"] == "personal_data_transmitted")
    assert (sent["recipient"]["entity"], sent["recipient"]["parent"], sent["recipient"]["entity_country"],
            sent["transfer_outcome"]) == ("Example Video Ireland Ltd", "Example Video (Beijing) Co., Ltd.", "IE", "eea")
    assert [(s["step"], s["source"]) for s in sent["recipient"]["steps"]] == [
        ("entity", "world-overrides"), ("parent", "world-overrides")]


def test_tiktok_domains_name_the_eea_entity_of_the_day() -> None:
    recipients = Recipients(World())
    after = recipients.lookup("api16-normal-no1a.tiktokv.eu", date(2024, 6, 1))
    assert (after.service, after.entity, after.entity_country, after.parent) == (
        "TikTok", "TikTok Technology Limited", "IE", "ByteDance Ltd.")
    assert [s.step for s in after.steps] == ["service", "entity", "parent"]
    # each step's source in both report languages, the dataset named first
    assert all(s.source.en.startswith("recipients: ") and s.source.nl.startswith("recipients: ")
               for s in after.steps)
    assert after.steps[2].source.nl == ("recipients: Rechtbank Amsterdam ECLI:NL:RBAMS:2022:6488 (ByteDance Ltd., "
                                        "Kaaimaneilanden, gedaagde)")
    before = recipients.lookup("log.byteoversea.com", date(2020, 6, 1))
    assert (before.entity, before.entity_country) == ("TikTok Inc.", "US")
    for host in ("ttwstatic.com", "p16.ibytedtos.com", "v.tiktokcdn-eu.com", "sf.byteoversea.com"):
        assert recipients.lookup(host, date(2024, 6, 1)).entity == "TikTok Technology Limited", host
    appsflyer = recipients.lookup("sdk.appsflyersdk.com", date(2024, 6, 1))
    assert (appsflyer.entity, appsflyer.entity_country, appsflyer.role) == (
        "AppsFlyer Ltd.", "IL", RecipientRole.OTHER_RECIPIENT)
    assert appsflyer.as_record().third_party is None        # no sourced role: "other recipient"
    assert recipients.used == {"recipients"}


def test_the_first_party_is_never_a_third_party(tmp_path: Path) -> None:
    root = one_flow(tmp_path / "case", "https://api.example-reference.eu/v1/open",
                    controller={"name": "Example Reference B.V.", "source": "Play Store listing, 2026-12-01",
                                "domains": ["example-reference.eu"]})
    findings = load(root, "findings")
    assert [f["type"] for f in findings] == ["personal_data_transmitted"]      # no recipient_contacted
    recipient = findings[0]["recipient"]
    assert (recipient["role"], recipient["third_party"], recipient["entity"]) == (
        "first_party", False, "Example Reference B.V.")
    assert recipient["steps"] == [{"step": "first_party", "value": "Example Reference B.V.",
                                   "source": "case.json controller: Play Store listing, 2026-12-01"}]
    assert load(root, "verdicts") == []
    summary = load(root, "findings", document=True)["summary"]
    assert (summary["exchanges"], summary["recipients"], summary["third_parties"]) == (1, 0, 0)


def test_the_signing_identity_corroborates_the_first_party_and_never_decides(tmp_path: Path) -> None:
    """The reference APK scanned into the case: its certificate names "auditor tests", not the declared
    controller — recorded as a step of the first party, which the declared controller decides."""
    case = Case.create(tmp_path / "case", operator="test", controller={
        "name": "Example Reference B.V.", "source": "Play Store listing, 2026-12-01",
        "domains": ["example-reference.eu"]})
    store_apk_scan(case, reference_apk())
    case.set_section("device", {"attestation": {"advertising_id": AAID}})
    with case.ledger(fsync_interval=0) as ledger:
        add_flow(case, ledger, "https://api.example-reference.eu/v1/open", BODY, server_ip="127.0.0.10",
                 start="2024-06-01T10:00:00.000000Z", headers=HEADERS)
    analyze(case.root)
    [sent] = [f for f in load(case.root, "findings") if f["type"] == "personal_data_transmitted"]
    scan_seq = next(r["seq"] for r in read_records(case.ledger_path) if r["kind"] == "static.scan")
    assert sent["recipient"]["role"] == "first_party"
    assert sent["recipient"]["steps"][-1] == {
        "step": "signing_identity_other", "value": "auditor tests",
        "source": f"static.scan #{scan_seq}, SHA-256 3fdddc854846dfafd25c6a704d4919d820eef936bf710cfd83bcd393edb2c222"}
    # a certificate naming the controller says so; one naming Google (Play App Signing) makes no Google host
    # the first party, with or without a declared controller
    controller = Controller("Example Reference B.V.", "test")
    own = Signer("ab" * 32, "example reference b.v.", 4)
    assert (own.step(controller).step, own.step(controller).source) == (
        "signing_identity_names_controller", f"static.scan #4, SHA-256 {'ab' * 32}")
    google = (Signer("cd" * 32, "Google Inc.", 4),)
    for declared in (controller, None):
        recipients = Recipients(World(), declared, signers=google)
        assert recipients.lookup("www.googleapis.com", date(2024, 6, 1)).role == RecipientRole.OTHER_RECIPIENT
    assert Signer.from_scans([{"seq": 9, "scan": {"certificates": [
        {"sha256": "ef" * 32, "organisation": None}, {"sha256": "01" * 32, "organisation": 7}, "junk",
        {"sha256": "23" * 32}]}}]) == (Signer("01" * 32, None, 9), Signer("ef" * 32, None, 9))


def test_a_controller_without_a_name_is_refused() -> None:
    with pytest.raises(InputError, match="case.json controller: must be an object with a non-empty name"):
        Controller.from_case({"controller": {"name": " "}})


# --- the DPF: covered, not covered, not established, before and after 2023-07-10 ------------------------------

US = {"certified.example": "Certified Inc.", "lapsed.example": "Lapsed Inc.", "unlisted.example": "Unlisted Inc."}


@pytest.fixture(scope="module")
def dpf_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("dpf")
    overrides = world(base / "w.json", {domain: {"entity": name, "parent": None, "country": "US",
                                                 "dpf_certified": None} for domain, name in US.items()})
    records = base / "dpf.json"
    records.write_text(json.dumps({"format": "auditor-dpf/1", "records": [
        {"entity": "Certified Inc.", "active": [{"from": "2023-07-10"}], "checked": "2026-11-30",
         "source": "participant-detail record, screenshot exhibit 4"},
        {"entity": "Lapsed Inc.", "active": [{"from": "2023-07-10", "until": "2023-07-10"}],
         "checked": "2026-11-30", "source": "participant-detail record (INACTIVE-LAPSE), exhibit 5"}]}))
    case = Case.create(base / "case", operator="test")
    case.set_section("device", {"attestation": {"advertising_id": AAID}})
    with case.ledger(fsync_interval=0) as ledger:
        for n, domain in enumerate(sorted(US)):
            for day in ("2023-07-09", "2023-07-11"):
                add_flow(case, ledger, f"https://api.{domain}/t", BODY, server_ip=f"127.0.0.{n + 10}",
                         start=f"{day}T10:00:00.000000Z", headers=HEADERS, flow_id=f"{domain}-{day}")
    analyze(case.root, world=overrides, dpf=records)
    return case.root


def test_us_recipients_by_certification_and_date(dpf_case: Path) -> None:
    rows = sorted((f["recipient"]["entity"], f["transfer"]["date"], f["transfer"]["outcome"],
                   (f["transfer"]["instrument"] or {}).get("en"), (f["transfer"]["certification"] or {}).get("status"))
                  for f in load(dpf_case, "findings") if f["type"] == "third_country_transfer")
    assert rows == [
        ("Certified Inc.", "2023-07-09", "third_country_no_adequacy", None, None),
        ("Certified Inc.", "2023-07-11", "adequate", "Commission Implementing Decision (EU) 2023/1795", "covered"),
        ("Lapsed Inc.", "2023-07-09", "third_country_no_adequacy", None, None),
        ("Lapsed Inc.", "2023-07-11", "adequacy_not_covering_recipient",
         "Commission Implementing Decision (EU) 2023/1795", "not_covered"),
        ("Unlisted Inc.", "2023-07-09", "third_country_no_adequacy", None, None),
        ("Unlisted Inc.", "2023-07-11", "unknown", "Commission Implementing Decision (EU) 2023/1795",
         "not_established"),
    ]
    certified = next(f["transfer"] for f in load(dpf_case, "findings") if f["type"] == "third_country_transfer"
                     and f["transfer"]["outcome"] == "adequate")
    assert certified["certification"] == {
        "instrument": {"en": "Commission Implementing Decision (EU) 2023/1795",
                       "nl": "Uitvoeringsbesluit (EU) 2023/1795 van de Commissie"}, "status": "covered",
        "record_source": "participant record: participant-detail record, screenshot exhibit 4",
        "record_date": "2026-11-30"}
    texts = json.dumps(load(dpf_case, "findings"))
    assert "no adequacy decision" not in json.dumps([f for f in load(dpf_case, "findings")
                                                     if "2023-07-11" in (f.get("time") or "")])
    assert "third_country_no_adequacy" in texts
    verdicts = {v["rule_id"]: len(v["findings"]) for v in load(dpf_case, "verdicts")}
    assert (verdicts["third-country-transfer-without-adequacy"], verdicts["third-country-transfer-undetermined"]) \
        == (3, 2)
    inputs = json.loads((dpf_case / "analysis" / "inputs.json").read_text())
    assert "dpf-participants" in [d["name"] for d in inputs["datasets"]]


def test_a_participant_record_says_nothing_after_it_was_read(tmp_path: Path) -> None:
    records = tmp_path / "dpf.json"
    records.write_text(json.dumps({"format": "auditor-dpf/1", "records": [
        {"entity": "Certified Inc.", "active": [{"from": "2023-07-10"}], "checked": "2024-01-01", "source": "x"}]}))
    participants = load_participants(records)
    assert [participants.status("Certified Inc.", day, None).status for day in (
        date(2023, 7, 9), date(2023, 12, 31), date(2024, 1, 2))] == [
        Certification.NOT_COVERED, Certification.COVERED, Certification.NOT_ESTABLISHED]
    records.write_text(json.dumps({"format": "auditor-dpf/1", "records": [
        {"entity": "X", "active": [{"from": "10 July"}], "checked": "2024-01-01", "source": "x"}]}))
    with pytest.raises(InputError, match=r"records\[0\]\.active\[0\]\.from must be a date YYYY-MM-DD"):
        load_participants(records)


# --- the endpoint layer --------------------------------------------------------------------------------------

def test_an_anycast_address_geolocated_far_away_establishes_no_location() -> None:
    overrides = World(ips={})
    destinations = Destinations(overrides)
    # 157.240.20.15: a Meta edge address DB-IP places in Australia (the ReportHAR capture)
    edge = destinations.lookup("157.240.20.15").as_record()
    assert (edge.country_physical, edge.location_source, edge.location_established, edge.asn) == (
        "AU", "dbip-country", False, 32934)
    assert edge.location_note.startswith("AS32934 (Facebook, Inc.) is a cdn network: the same address is served from "
                                         "many countries, so no location can be established from it")
    assert "cdn-networks" in destinations.used


def test_an_irish_server_of_an_israeli_company_in_a_us_registered_block(tmp_path: Path) -> None:
    overrides = world(tmp_path / "w.json", {"appsflyer.com": {"entity": "AppsFlyer Ltd.", "parent": None,
                                                              "country": "IL", "dpf_certified": None}},
                      {"127.0.0.10": {"country_physical": "IE", "country_registered": "US", "asn": 16509,
                                      "operator": "Amazon.com, Inc."}})
    root = one_flow(tmp_path / "case", "https://api.appsflyer.com/t", overrides)
    moved = next(f for f in load(root, "findings") if f["type"] == "third_country_transfer")
    assert (moved["transfer"]["outcome"], moved["transfer"]["instrument"], moved["destination"]["country_physical"],
            moved["destination"]["country_registered"]) == (
        "adequate", {"en": "Commission Decision 2011/61/EU", "nl": "Besluit 2011/61/EU van de Commissie"}, "IE", "US")
    assert [f["type"] for f in load(root, "findings")].count("destination_outside_eea") == 0
    assert [v["rule_id"] for v in load(root, "verdicts")] == ["identifiers-before-consent"]


@pytest.mark.parametrize("text, expected", [
    ("::ffff:108.138.17.9", "108.138.17.9"),
    ("[2a03:2880:f10d:83:face:b00c:0:25de]", "2a03:2880:f10d:83:face:b00c:0:25de"),
    ("[::ffff:157.240.20.15]:443", "157.240.20.15"), ("fe80::1%eth0", "fe80::1"), ("not-an-ip", None), ("", None)])
def test_addresses_are_normalised_before_lookups(text: str, expected: str | None) -> None:
    assert normalise_ip(text) == expected


def test_an_ipv4_mapped_address_keeps_its_country_and_asn() -> None:
    located = Destinations(World()).lookup("::ffff:108.138.17.9")
    assert (located.ip, located.country_physical, located.country_registered, located.asn) == (
        "108.138.17.9", "DE", "US", 16509)


# --- Exodus signatures --------------------------------------------------------------------------------------

def test_exodus_signatures_whole_subdomain_tolerant_most_specific() -> None:
    from auditor.analyze.recipients import registrable_domain
    signatures = Signatures(registrable_domain)
    found = {host: (m.tracker, m.confidence.value) if (m := signatures.match(host)) else None for host in (
        "api.branch.io", "api2.branch.io", "graph.facebook.com", "www.google.com", "x.vungle.com",
        "launches.appsflyer.com", "notify.bugsnag.com")}
    assert found == {"api.branch.io": ("Branch", "high"), "api2.branch.io": ("Branch", "low"),
                     "graph.facebook.com": ("Facebook", "low"), "www.google.com": ("Google Ads", "low"),
                     "x.vungle.com": ("Vungle", "low"), "launches.appsflyer.com": ("AppsFlyer", "low"),
                     "notify.bugsnag.com": None}
    names = {a.tracker for alts in signatures.by_domain.values() for a in alts}
    assert {"Vungle", "Unity3d Ads", "Inmobi", "Startapp", "Mintegral", "Supersonic Ads", "AutoNavi / Amap"} <= names


# --- clipboard by intent, consent timing ---------------------------------------------------------------------

def test_a_flow_5_ms_before_the_consent_mark_with_200_ms_uncertainty_is_at_consent(tmp_path: Path) -> None:
    case = Case.create(tmp_path / "case", operator="test")
    case.set_section("device", {"attestation": {"advertising_id": AAID},
                                "fields": {"clock_offset": {"value": {"seconds": 0.0, "round_trip_seconds": 0.4,
                                                                      "resolution_seconds": 0.0},
                                                            "known": True, "how": "test"}}})
    with case.ledger(fsync_interval=0) as ledger:
        mark = ledger.append("operator", "operator.consent_accepted", {"text": "accepted"})
        at = datetime.fromisoformat(mark["t_wall"].replace("Z", "+00:00")).astimezone(UTC)
        for name, delta in (("at", -0.005), ("before", -1.0), ("after", 1.0)):
            add_flow(case, ledger, f"https://{name}.adnet.example/t", BODY, server_ip="127.0.0.10",
                     start=(at + timedelta(seconds=delta)).isoformat().replace("+00:00", "Z"), headers=HEADERS,
                     flow_id=name)
    analyze(case.root)
    timing = {f["recipient"]["host"]: (f["consent_timing"], f["before_consent"]) for f in load(case.root, "findings")
              if f["type"] == "personal_data_transmitted"}
    assert timing == {"at.adnet.example": (ConsentTiming.AT.value, False),
                      "before.adnet.example": ("before", True), "after.adnet.example": ("after", False)}
    summary = load(case.root, "findings", document=True)["summary"]
    assert (summary["exchanges_before_consent"], summary["exchanges_at_consent"]) == (1, 1)
    assert summary["consent_clock"]["uncertainty_seconds"] == 0.2
    rules = {v["rule_id"]: len(v["findings"]) for v in load(case.root, "verdicts")}
    assert rules == {"identifiers-before-consent": 1}
