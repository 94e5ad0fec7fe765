"""The one world-file reader (auditor/world.py): hostile input, bounded and strictly typed, every error naming the
file and the field; a test world is loopback-only, an override table for analysis may name real addresses."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from auditor.analyze.destinations import Destinations
from auditor.analyze.recipients import Recipients
from auditor.errors import InputError
from auditor.reference.assets import default_world
from auditor.world import MAX_BYTES, MAX_DEPTH, MAX_ENTRIES, Addresses, Entity, IpView, World, load_world, parse_world

GOOD = json.loads(default_world().read_text(encoding="utf-8"))
SOURCE = Path("w.json")


def parse(doc: object, addresses: Addresses = Addresses.LOOPBACK) -> World:
    return parse_world(json.dumps(doc).encode(), SOURCE, addresses)


def error(raw: bytes, addresses: Addresses = Addresses.LOOPBACK) -> str:
    """The whole message, checked to start with the file's name."""
    with pytest.raises(InputError) as caught:
        parse_world(raw, SOURCE, addresses)
    assert caught.value.source == "w.json"
    assert str(caught.value).startswith("w.json: ")
    return caught.value.problem


def mutated(change) -> dict:  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(GOOD)
    change(doc)
    return doc


def test_the_shipped_world_parses_in_both_modes():
    world = load_world(default_world())
    assert world.addresses() == ["127.0.0.11", "127.0.0.21", "127.0.0.22", "127.0.0.31", "127.0.0.41", "127.0.0.51"]
    assert world.hosts_at("127.0.0.21") == ["ib.snssdk.com", "log.snssdk.com", "mon.snssdk.com"]
    assert world.ips["127.0.0.31"] == IpView("IE", "US", 16509, "Amazon.com, Inc.")
    assert world.entities["snssdk.com"] == Entity("Beijing Douyin Information Service Co., Ltd.", "ByteDance Ltd.",
                                                  "CN", False, False)
    assert world.entities["example-reference.eu"].parent is None
    assert (len(world.hosts), len(world.ips), len(world.entities)) == (9, 6, 7)
    assert world.path == default_world() and world.description.startswith("Test world of the auditor reference app")
    assert world.sha256 == "ff089dec73d33252c0de30a4cfdb1363bccb94cb5bdec63c7c3068d43ae2c331"
    assert load_world(default_world(), Addresses.ANY) == world


# Files every one of the three former readers (reference, capture, analysis) accepted: they still load.
EMPTY = {"format": "auditor-world/1", "hosts": {}, "ips": {}, "entities": {}}
ONE_US_NETWORK = {      # tests/analysis/test_time.py's world: a parent named, DPF-certified, no description
    "format": "auditor-world/1", "hosts": {"ads.us-adnet.example": "127.0.0.41"},
    "ips": {"127.0.0.41": {"country_physical": "US", "country_registered": "US", "asn": 64501,
                           "operator": "US Hosting Inc."}},
    "entities": {"us-adnet.example": {"entity": "US Adnet Inc.", "parent": "US Adnet Holdings", "country": "US",
                                      "dpf_certified": True}}}
AN_UNUSED_ADDRESS = mutated(lambda d: d["ips"].update({"127.0.0.99": d["ips"]["127.0.0.11"]}))


@pytest.mark.parametrize("doc, counts", [(GOOD, (9, 6, 7)), (EMPTY, (0, 0, 0)), (ONE_US_NETWORK, (1, 1, 1)),
                                         (AN_UNUSED_ADDRESS, (9, 7, 7))])
@pytest.mark.parametrize("addresses", list(Addresses))
def test_files_every_former_reader_accepted_still_load(doc, counts, addresses):  # type: ignore[no-untyped-def]
    world = parse(doc, addresses)
    assert (len(world.hosts), len(world.ips), len(world.entities)) == counts


@pytest.mark.parametrize("change, problem", [
    (lambda d: d.update(format="auditor-world/2"), 'format: must be "auditor-world/1", not "auditor-world/2"'),
    (lambda d: d.update(format=1), 'format: must be "auditor-world/1", not 1'),
    (lambda d: d.update(extra=1), 'the document: unknown key "extra"'),
    (lambda d: d.pop("ips"), "the document: missing ips"),
    (lambda d: [d.pop("hosts"), d.pop("entities")], "the document: missing entities, hosts"),
    (lambda d: d.update(description=None), "description: must be a string of at most 2000 characters"),
    (lambda d: d.update(description="x" * 2001), "description: must be a string of at most 2000 characters"),
    (lambda d: d.update(hosts=[]), "hosts: must be an object"),
    (lambda d: d["hosts"].update({"Bad_Host": "127.0.0.11"}), 'hosts: "Bad_Host" is not a lower-case DNS name'),
    (lambda d: d["hosts"].update({"API.example.com": "127.0.0.11"}),
     'hosts: "API.example.com" is not a lower-case DNS name'),
    (lambda d: d["hosts"].update({"api.example.com.": "127.0.0.11"}),
     'hosts: "api.example.com." is not a lower-case DNS name'),
    (lambda d: d["hosts"].update({"log.snssdk.com": 2130706433}), 'hosts["log.snssdk.com"]: 2130706433 is not an '
                                                                  "IPv4 address"),
    (lambda d: d["hosts"].update({"log.snssdk.com": "8.8.8.8"}),
     'hosts["log.snssdk.com"]: 8.8.8.8 is outside 127.0.0.0/8: a test world stays on this machine'),
    (lambda d: d["hosts"].update({"new.example.com": "127.0.0.99"}),
     'hosts["new.example.com"]: 127.0.0.99 has no entry in ips'),
    (lambda d: d["ips"].update({"::1": d["ips"]["127.0.0.11"]}), 'ips: "::1" is not an IPv4 address'),
    (lambda d: d["ips"].update({"127.0.0.61": "DE"}), 'ips["127.0.0.61"]: must be an object'),
    (lambda d: d["ips"]["127.0.0.21"].pop("asn"), 'ips["127.0.0.21"]: missing asn'),
    (lambda d: d["ips"]["127.0.0.21"].update(city="Beijing"), 'ips["127.0.0.21"]: unknown key "city"'),
    (lambda d: d["entities"].update({"Snssdk.com": d["entities"]["snssdk.com"]}),
     'entities: "Snssdk.com" is not a lower-case DNS name'),
    (lambda d: d["entities"]["snssdk.com"].pop("country"), 'entities["snssdk.com"]: missing country'),
    (lambda d: d["entities"]["snssdk.com"].update(dpf="yes"), 'entities["snssdk.com"]: unknown key "dpf"'),
])
def test_each_check_names_the_place(change, problem):  # type: ignore[no-untyped-def]
    assert error(json.dumps(mutated(change)).encode()) == problem


COUNTRY = "must be an ISO 3166-1 alpha-2 code in capitals, not "
TEXT = "must be a string of 1 to 300 characters"
ASN = "must be an integer in 0..4294967295, not "


@pytest.mark.parametrize("where, value, problem", [
    ('ips["127.0.0.21"].country_physical', "China", COUNTRY + '"China"'),
    ('ips["127.0.0.21"].country_registered', "cn", COUNTRY + '"cn"'),
    ('ips["127.0.0.21"].asn', True, ASN + "true"),
    ('ips["127.0.0.21"].asn', -1, ASN + "-1"),
    ('ips["127.0.0.21"].asn', 4294967296, ASN + "4294967296"),
    ('ips["127.0.0.21"].asn', 4134.0, ASN + "4134.0"),
    ('ips["127.0.0.21"].asn', "4134", ASN + '"4134"'),
    ('ips["127.0.0.21"].operator', 5, TEXT),
    ('ips["127.0.0.21"].operator', ["x"], TEXT),
    ('ips["127.0.0.21"].operator', "", TEXT),
    ('entities["snssdk.com"].dpf_certified', "no", "must be true, false or null"),
    ('entities["snssdk.com"].first_party', "yes", "must be true or false"),
    ('entities["snssdk.com"].first_party', None, "must be true or false"),
    ('entities["snssdk.com"].entity', "x" * 301, TEXT),
    ('entities["snssdk.com"].entity', "", TEXT),
    ('entities["snssdk.com"].parent', False, TEXT),
    ('entities["snssdk.com"].country', None, COUNTRY + "null"),
    ('entities["snssdk.com"].country', "de", COUNTRY + '"de"'),
])
def test_each_field_check_names_the_file_and_the_field(where, value, problem):  # type: ignore[no-untyped-def]
    table, rest = where.split("[", 1)
    key, name = rest.split("].")
    doc = copy.deepcopy(GOOD)
    doc[table][json.loads(key)][name] = value
    assert error(json.dumps(doc).encode()) == f"{where}: {problem}"


def test_a_key_in_a_message_is_quoted_and_cut():
    doc = mutated(lambda d: d["hosts"].update({"ö" * 100: "127.0.0.11"}))
    escaped = "\\u00f6" * 80
    assert error(json.dumps(doc).encode()) == f'hosts: "{escaped}..." is not a lower-case DNS name'


def test_an_override_table_may_name_real_addresses_only_when_the_consumer_says_so():
    table = mutated(lambda d: d["ips"].update({"2001:DB8::1": d["ips"]["127.0.0.11"],
                                               "192.0.2.7": d["ips"]["127.0.0.21"]}))
    world = parse(table, Addresses.ANY)
    assert sorted(world.ips)[-2:] == ["192.0.2.7", "2001:db8::1"]       # canonical form, as analysis looks up
    assert error(json.dumps(table).encode()) == 'ips: "2001:DB8::1" is not an IPv4 address'
    for ips, problem in [(["2001:db8::1", "2001:DB8::1"], 'ips: "2001:DB8::1" is the address of an earlier key'),
                         (["fe80::1%eth0"], 'ips: "fe80::1%eth0" is not an IP address'),
                         (["example.com"], 'ips: "example.com" is not an IP address')]:
        doc = {**EMPTY, "ips": {ip: GOOD["ips"]["127.0.0.11"] for ip in ips}}
        assert error(json.dumps(doc).encode(), Addresses.ANY) == problem
    real_host = {**EMPTY, "hosts": {"api.example.com": "192.0.2.7"}, "ips": {"192.0.2.7": GOOD["ips"]["127.0.0.11"]}}
    assert parse(real_host, Addresses.ANY).hosts == {"api.example.com": "192.0.2.7"}
    assert error(json.dumps(real_host).encode()) == \
        'hosts["api.example.com"]: 192.0.2.7 is outside 127.0.0.0/8: a test world stays on this machine'


def test_the_override_keys_analysis_reads_keep_working():
    table = mutated(lambda d: d["entities"]["example-reference.eu"].update(first_party=True))
    table["entities"]["kumo-analytics.jp"]["dpf_certified"] = None
    table["ips"]["192.0.2.7"] = {"country_physical": "NL", "country_registered": "US", "asn": 64511,
                                 "operator": "Override Networks"}
    world = parse(table, Addresses.ANY)
    recipients = Recipients(world)
    first = recipients.lookup("API.example-reference.eu.")
    assert (first.entity, first.parent, first.entity_country, first.source, first.first_party) == (
        "Example Reference B.V.", "Example Reference B.V.", "NL", "world-overrides", True)
    byte = recipients.lookup("log.snssdk.com")
    assert (byte.entity, byte.parent, byte.dpf_certified, byte.first_party) == (
        "Beijing Douyin Information Service Co., Ltd.", "ByteDance Ltd.", False, False)
    assert recipients.lookup("cfg.kumo-analytics.jp").dpf_certified is None
    destination = Destinations(world).lookup("192.0.2.7")
    assert (destination.country_physical, destination.country_registered, destination.asn, destination.operator,
            destination.sources) == ("NL", "US", 64511, "Override Networks", ("world-overrides",))
    assert Destinations(World()).lookup("127.0.0.21").sources == ()     # no table: a loopback address stays unknown


def test_size_encoding_and_json_itself(tmp_path):
    assert error(b" " * (MAX_BYTES + 1)) == f"world file larger than {MAX_BYTES} bytes"
    assert error(b"\xff{}") == "not UTF-8 (invalid start byte at byte 0)"
    assert error(json.dumps(GOOD).encode("utf-16")) == "not UTF-8 (invalid start byte at byte 0)"
    assert error(b'{"format": ').startswith("not valid JSON (Expecting value: line 1 column 12")
    assert error(json.dumps(GOOD).replace("24940", "NaN").encode()) == "NaN is not a JSON value"
    assert error(json.dumps(GOOD).replace("24940", "-Infinity").encode()) == "-Infinity is not a JSON value"
    assert error(json.dumps(GOOD).replace("24940", "1" * 5000).encode()) == \
        "integer 11111111111111111111... has more than 10 digits"
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (MAX_BYTES + 1))
    with pytest.raises(InputError) as caught:
        load_world(big)
    assert str(caught.value) == f"{big}: world file larger than {MAX_BYTES} bytes"
    with pytest.raises(InputError) as caught:
        load_world(tmp_path / "absent.json")
    assert caught.value.problem.startswith("cannot read the world file (No such file or directory")


def test_deep_nesting_is_refused_before_parsing():
    deep = b'{"format": "auditor-world/1", "description": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert error(deep) == f"nested deeper than {MAX_DEPTH} levels (at character 52)"
    brackets_in_strings = mutated(lambda d: d.update(description='[{"\\"' * 300))
    assert parse(brackets_in_strings).description == '[{"\\"' * 300
    misplaced = mutated(lambda d: d["ips"]["127.0.0.21"].update(operator=[[["x"]]]))
    assert error(json.dumps(misplaced).encode()) == \
        'ips["127.0.0.21"].operator: must be a string of 1 to 300 characters'


def test_duplicate_keys_are_refused_naming_the_object():
    raw = default_world().read_bytes()
    assert error(raw.replace(b'"hosts": {', b'"hosts": {"log.snssdk.com": "127.0.0.11",', 1)) == \
        'hosts: duplicate key "log.snssdk.com"'
    assert error(raw.replace(b'"asn": 4134,', b'"asn": 4134, "asn": 4135,', 1)) == \
        'ips["127.0.0.21"]: duplicate key "asn"'
    assert error(raw.replace(b'{\n  "format"', b'{"format": "x",\n  "format"', 1)) == \
        'the document: duplicate key "format"'


@pytest.mark.parametrize("table", ["hosts", "ips", "entities"])
def test_each_table_holds_at_most_the_limit(table):  # type: ignore[no-untyped-def]
    entries = {"hosts": lambda n: (f"h{n}.example.com", "127.0.0.11"),
               "ips": lambda n: (f"127.1.{n // 256}.{n % 256}", GOOD["ips"]["127.0.0.11"]),
               "entities": lambda n: (f"e{n}.example.com", GOOD["entities"]["snssdk.com"])}[table]
    doc = copy.deepcopy(GOOD)
    doc[table].update(entries(n) for n in range(MAX_ENTRIES - len(doc[table])))
    assert len(getattr(parse(doc), table)) == MAX_ENTRIES
    doc[table].update([entries(MAX_ENTRIES)])
    assert error(json.dumps(doc).encode()) == f"{table}: more than {MAX_ENTRIES} entries"
