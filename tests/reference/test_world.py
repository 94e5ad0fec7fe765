"""World files are hostile input: bounded, strictly typed, loopback-only, with errors naming file and place."""

from __future__ import annotations

import copy
import json

import pytest

from auditor.errors import InputError
from auditor.reference.assets import default_world
from auditor.reference.world import MAX_BYTES, load_world, parse_world

GOOD = json.loads(default_world().read_text(encoding="utf-8"))


def test_default_world_maps_every_host_to_a_described_address(world):
    assert world.addresses() == ["127.0.0.11", "127.0.0.21", "127.0.0.22", "127.0.0.31", "127.0.0.41", "127.0.0.51"]
    assert world.hosts_at("127.0.0.21") == ["log.snssdk.com", "mon.snssdk.com"]
    assert {a: world.ips[a].country_physical for a in world.addresses()} == {
        "127.0.0.11": "DE", "127.0.0.21": "CN", "127.0.0.22": "US", "127.0.0.31": "IE", "127.0.0.41": "JP",
        "127.0.0.51": "US"}
    assert world.ips["127.0.0.31"].country_registered == "US"
    assert world.entities["snssdk.com"].country == "CN"
    assert world.entities["brightpixel-ads.com"].dpf_certified is False


def error(doc: object) -> str:
    with pytest.raises(InputError) as caught:
        parse_world(json.dumps(doc).encode(), source="w.json")
    assert caught.value.source == "w.json"
    return caught.value.problem


def mutated(change) -> dict:  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(GOOD)
    change(doc)
    return doc


def test_addresses_must_stay_on_loopback():
    assert error(mutated(lambda d: d["hosts"].update({"log.snssdk.com": "8.8.8.8"}))) == \
        "hosts['log.snssdk.com']: 8.8.8.8 is outside 127.0.0.0/8: a test world stays on this machine"
    assert error(mutated(lambda d: d["ips"].update({"::1": d["ips"]["127.0.0.11"]}))) == \
        "ips: '::1' is not an IPv4 address"


@pytest.mark.parametrize("change, problem", [
    (lambda d: d.update(format="auditor-world/2"), "format must be 'auditor-world/1', got 'auditor-world/2'"),
    (lambda d: d.update(extra=1), "the document: unknown key 'extra'"),
    (lambda d: d.pop("ips"), "the document: missing ips"),
    (lambda d: d["hosts"].update({"Bad_Host": "127.0.0.11"}), "hosts: 'Bad_Host' is not a lower-case DNS name"),
    (lambda d: d["hosts"].update({"new.example.com": "127.0.0.99"}),
     "hosts['new.example.com'] points to 127.0.0.99, which has no entry in ips"),
    (lambda d: d["ips"]["127.0.0.21"].update(country_physical="China"),
     "ips['127.0.0.21'].country_physical: must be an ISO 3166-1 alpha-2 code in capitals"),
    (lambda d: d["ips"]["127.0.0.21"].update(asn=True), "ips['127.0.0.21'].asn: must be an integer in 0..4294967295"),
    (lambda d: d["ips"]["127.0.0.21"].update(asn=-1), "ips['127.0.0.21'].asn: must be an integer in 0..4294967295"),
    (lambda d: d["entities"]["snssdk.com"].update(dpf_certified="no"),
     "entities['snssdk.com'].dpf_certified: must be true or false"),
    (lambda d: d["entities"]["snssdk.com"].update(entity="x" * 301),
     "entities['snssdk.com'].entity: must be a string of at most 300 characters"),
])
def test_bad_fields_are_named(change, problem):  # type: ignore[no-untyped-def]
    assert error(mutated(change)) == problem


def test_size_encoding_and_duplicates(tmp_path):
    with pytest.raises(InputError, match=f"larger than {MAX_BYTES} bytes"):
        parse_world(b" " * (MAX_BYTES + 1), source="big.json")
    with pytest.raises(InputError, match="not UTF-8 JSON"):
        parse_world(b"\xff{}", source="bin.json")
    duplicated = default_world().read_bytes().replace(b'"hosts": {', b'"hosts": {"log.snssdk.com": "127.0.0.11",', 1)
    with pytest.raises(InputError, match="duplicate key 'log.snssdk.com'"):
        parse_world(duplicated, source="dup.json")
    with pytest.raises(InputError) as caught:
        load_world(tmp_path / "absent.json")
    assert caught.value.problem.startswith("cannot read the world file")
