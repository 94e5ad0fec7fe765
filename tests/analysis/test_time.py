"""The law in force on the capture date decides the transfer outcome."""

import json
from datetime import date

import pytest

from auditor.analyze.dpf import Status
from auditor.analyze.run import analyze
from auditor.analyze.transfers import Exporter, country_law, transfer
from auditor.case.bundle import Case
from auditor.contract.document import Bilingual
from auditor.contract.vocabulary import Certification
from tests.analysis.builders import add_flow
from tests.analysis.conftest import load

WORLD = {
    "format": "auditor-world/1", "description": "one US ad network",
    "hosts": {"ads.us-adnet.example": "127.0.0.41"},
    "ips": {"127.0.0.41": {"country_physical": "US", "country_registered": "US", "asn": 64501,
                           "operator": "US Hosting Inc."}},
    "entities": {"us-adnet.example": {"entity": "US Adnet Inc.", "parent": "US Adnet Holdings", "country": "US",
                                      "dpf_certified": True}},
}


@pytest.fixture(scope="module")
def dated_case(tmp_path_factory):
    root = tmp_path_factory.mktemp("time") / "case"
    case = Case.create(root, operator="test")
    case.set_section("device", {"attestation": {"advertising_id": "5f0e1c9a-7b7d-4c3e-9d2b-8a6f4e3d2c1b"}})
    body = json.dumps({"gaid": "5f0e1c9a-7b7d-4c3e-9d2b-8a6f4e3d2c1b"}).encode()
    with case.ledger(fsync_interval=0) as ledger:
        for day in ("2021-06-01", "2024-06-01"):
            add_flow(case, ledger, "https://ads.us-adnet.example/v1/track", body, server_ip="127.0.0.41",
                     start=f"{day}T10:00:00.000000Z", headers=[["Content-Type", "application/json"]])
    world = root.parent / "world.json"
    world.write_text(json.dumps(WORLD))
    analyze(root, world=world)
    return root


def test_same_us_flow_two_dates_two_outcomes(dated_case):
    transfers = sorted((f["transfer"]["date"], f["transfer"]["outcome"], (f["transfer"]["instrument"] or {}).get("en"))
                       for f in load(dated_case, "findings") if f["type"] == "third_country_transfer")
    assert transfers == [("2021-06-01", "third_country_no_adequacy", None),
                         ("2024-06-01", "adequate", "Commission Implementing Decision (EU) 2023/1795")]
    sent = [f for f in load(dated_case, "findings") if f["type"] == "personal_data_transmitted"]
    assert [(f["time"][:10], f["transfer_outcome"], f["evidence"]["occurrences"], f["data_category"])
            for f in sent] == [("2021-06-01", "third_country_no_adequacy", 1, "advertising_id"),
                               ("2024-06-01", "adequate", 1, "advertising_id")]
    verdicts = load(dated_case, "verdicts")
    third = next(v for v in verdicts if v["rule_id"] == "third-country-transfer-without-adequacy")
    assert len(third["findings"]) == 1
    inputs = json.loads((dated_case / "analysis" / "inputs.json").read_text())
    assert "world-overrides" in [d["name"] for d in inputs["datasets"]]


EXPORTER = Exporter("Example Reference B.V.", "test")


def status(certification):
    return Status(certification, "participant record: test", "2026-11-30")


def test_2024_flow_is_covered_by_the_dpf_only_when_certified():
    day = date(2024, 6, 1)
    certified = transfer(day, EXPORTER, "US Adnet Inc.", "US", status(Certification.COVERED))
    assert certified.outcome == "adequate"
    assert certified.instrument is not None and (certified.instrument.en, certified.instrument.nl) == (
        "Commission Implementing Decision (EU) 2023/1795", "Uitvoeringsbesluit (EU) 2023/1795 van de Commissie")
    assert certified.certification.status == "covered"
    assert transfer(day, EXPORTER, "US Adnet Inc.", "US", status(Certification.NOT_ESTABLISHED)).outcome == "unknown"
    assert transfer(day, EXPORTER, "US Adnet Inc.", "US", status(Certification.NOT_COVERED)).outcome == \
        "adequacy_not_covering_recipient"
    assert transfer(date(2021, 6, 1), EXPORTER, "US Adnet Inc.", "US", status(Certification.COVERED)).outcome == \
        "third_country_no_adequacy"
    assert transfer(date(2019, 6, 1), EXPORTER, "US Adnet Inc.", "US", status(Certification.COVERED)).instrument == \
        Bilingual(en="Commission Implementing Decision (EU) 2016/1250",
                  nl="Uitvoeringsbesluit (EU) 2016/1250 van de Commissie")


@pytest.mark.parametrize("country, day, expected", [
    ("GB", date(2020, 6, 1), "eea"), ("GB", date(2021, 3, 1), "adequate"), ("GB", date(2021, 7, 1), "adequate"),
    ("HR", date(2013, 6, 30), "third_country_no_adequacy"), ("HR", date(2013, 7, 1), "eea"),
    ("CH", date(2024, 1, 1), "adequate"), ("JP", date(2018, 12, 31), "third_country_no_adequacy"),
    ("JP", date(2019, 1, 23), "adequate"), ("BR", date(2026, 1, 25), "third_country_no_adequacy"),
    ("BR", date(2026, 1, 26), "adequate"), ("NO", date(2024, 1, 1), "eea"), ("CN", date(2024, 1, 1),
                                                                            "third_country_no_adequacy"),
])
def test_law_table_by_date(country, day, expected):
    assert country_law(country, day).outcome == expected


def test_outcome_rests_on_the_recipient_entity_alone():
    moved = transfer(date(2024, 6, 1), EXPORTER, "Some Company Ltd", "IE", status(Certification.NOT_ESTABLISHED))
    assert (moved.outcome, moved.chapter_v, moved.exporter) == ("eea", False, "Example Reference B.V.")
    unknown = transfer(date(2024, 6, 1), EXPORTER, None, None, status(Certification.NOT_ESTABLISHED))
    assert (unknown.outcome, unknown.chapter_v) == ("unknown", None)
    assert unknown.note.en.startswith("the legal entity receiving the data and its establishment are not established")
    assert unknown.note.nl.startswith("de rechtspersoon die de gegevens ontvangt en haar vestiging blijken niet")
