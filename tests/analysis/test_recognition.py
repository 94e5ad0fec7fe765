"""The recognition ruleset: loaded and checked like the GDPR rulesets, names normalised across spellings,
endpoint paths per SDK host, and decoys that are not personal data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from auditor.analyze.decode import Decoder
from auditor.analyze.recognition import RULESET, default, field_paths, load, normalise
from auditor.errors import InputError

AAID = "3f9c2b1e-8d4a-4e6f-9b0c-1d2e3f4a5b6c"


def hits(body: dict, host: str = "collector.example", headers: dict | None = None) -> list[tuple[str, str, str, str]]:
    decoder = Decoder()
    for name, value in (headers or {}).items():
        decoder.header(name, value)
    decoder.body(json.dumps(body).encode(), "application/json", [], "body")
    return sorted((h.category, h.location, h.value, h.source) for h in default().recognise(decoder.decoded, host))


@pytest.mark.parametrize(("name", "normalised"), [
    ("advertisingId", "advertising_id"), ("X-Advertising-Id", "advertising_id"), ("advertising-id", "advertising_id"),
    ("x_advertising_id", "advertising_id"), ("google_aid", "google_aid"), ("deviceID", "device_id")])
def test_names_are_normalised_across_spellings(name, normalised):
    assert normalise(name) == normalised


def test_field_paths_with_the_index_as_given_and_as_star():
    assert field_paths("body<gzip>.events[0].device.id") == ("events.0.device.id", "events.*.device.id")
    assert field_paths("body.extinfo[5]") == ("extinfo.5", "extinfo.*")


def test_families_find_identifiers_in_every_spelling_and_place():
    found = hits({"device": {"ifa": AAID}, "advertisingId": AAID, "user": {"userId": "7d5a6fd0d53a566b9a"}},
                 headers={"X-Advertising-Id": AAID})
    assert found == [
        ("advertising_id", "body.advertisingId", AAID, "recognised:advertising-id-by-key"),
        ("advertising_id", "body.device.ifa", AAID, "recognised:advertising-id-by-key"),
        ("advertising_id", "header.x-advertising-id", AAID, "recognised:advertising-id-by-key"),
        ("user_id", "body.user.userId", "7d5a6fd0d53a566b9a", "recognised:user-id-by-key")]


def test_endpoint_rules_apply_only_to_their_hosts():
    body = {"events": [{"device": {"id": AAID, "model": "Pixel 7"}, "user": {"id": "u-1234567890abcdef"}}]}
    assert hits(body, "notify.bugsnag.com") == [
        ("device_attribute", "body.events[0].device.model", "Pixel 7", "recognised:bugsnag-notify"),
        ("device_identifier", "body.events[0].device.id", AAID, "recognised:bugsnag-notify"),
        ("user_id", "body.events[0].user.id", "u-1234567890abcdef", "recognised:bugsnag-notify")]
    assert hits(body, "example.org") == []          # "id" and "model" alone say nothing elsewhere


@pytest.mark.parametrize("decoy", [
    {"advertising_id": "00000000-0000-0000-0000-000000000000"},      # opted out
    {"advertising_id": "not-a-uuid"}, {"imei": "490154203237519"},   # Luhn fails
    {"session_id": "42"}, {"local_ip": "not.an.ip.address"}, {"model": "gpt-4"},
])
def test_decoys_are_not_recognised(decoy):
    assert hits(decoy) == []


def test_the_shipped_ruleset_is_versioned_and_hashed():
    recogniser = load(RULESET)
    assert recogniser.version == "2026.12.3" and len(recogniser.sha256) == 64 and len(recogniser.endpoints) == 18


@pytest.mark.parametrize(("change", "problem"), [
    (lambda s: s.replace("data_type: advertising_id", "data_type: adverts", 1),
     "families.0.data_type: Input should be"),
    (lambda s: s.replace("format: uuid", "format: nope", 1), "formats used but not defined: ['nope']"),
    (lambda s: s.replace("names: [advertiser_id,", "names: [advertiserId,", 1),
     "names must be written normalised (snake_case)"),
    (lambda s: s.replace("version: \"2026.12.3\"", "version: &v \"2026.12.3\"", 1),
     "anchors and aliases are not allowed"),
    # every reasoning in both report languages: a family's and an endpoint field's Dutch text is required
    (lambda s: s.replace("      nl: >-\n        De advertentie-ID van Google", "      xx: >-\n        x", 1),
     "families.0.reasoning.nl: Field required"),
    (lambda s: s.replace("reasoning: {en: \"Bugsnag's device.id", "reasoning: {xx: \"Bugsnag's device.id", 1),
     "endpoints.0.fields.0.reasoning.en: Field required"),
    (lambda s: re.sub(r"reasoning:\n      en: >-\n(        .*\n)+      nl: >-\n(        .*\n)+",
                      "reasoning: An English text only, as before 2026.12.3.\n", s, count=1),
     "families.0.reasoning: Input should be a valid dictionary"),
    (lambda s: s.replace("format: auditor-recognition/1", "format: auditor-recognition/2", 1), "format: String"),
    (lambda s: s.replace("    hosts: [sentry.io, ingest.sentry.io]\n", "", 1).replace(
        "    url_paths: ['/api/[0-9]{1,20}/(envelope|store)/?$']\n", "", 1), "an endpoint needs hosts or url_paths"),
    (lambda s: s.replace("url_paths: ['/api/[0-9]{1,20}/", "url_paths: ['/api/[0-9", 1),
     "is not a regular expression"),
])
def test_a_bad_ruleset_is_refused_naming_the_problem(tmp_path: Path, change, problem):
    bad = tmp_path / "recognition.yaml"
    bad.write_text(change(RULESET.read_text("utf-8")), "utf-8")
    with pytest.raises(InputError) as caught:
        load(bad)
    assert caught.value.source == str(bad) and problem in caught.value.problem


def test_adjust_and_vungle_endpoint_rules():
    adjust = hits({"gps_adid": AAID, "android_uuid": "5b2e7f0c-4d1a-4c3e-9f8b-2a6d1e0c9b7a", "device_name": "Pixel 7"},
                  "app.adjust.com")
    assert [(c, where) for c, where, _, _ in adjust] == [
        ("advertising_id", "body.gps_adid"), ("device_attribute", "body.device_name"),
        ("device_identifier", "body.android_uuid")]
    vungle = hits({"device": {"ifa": AAID, "osv": "14"}}, "api.vungle.com")
    assert [(c, where, source) for c, where, _, source in vungle] == [
        ("advertising_id", "body.device.ifa", "recognised:vungle"),
        ("device_attribute", "body.device.osv", "recognised:vungle")]


# A Sentry envelope: newline-delimited JSON (envelope header, item header, event), here as the reference app's
# Sentry stand-in sends it to a self-hosted relay on the app's own domain.
ENVELOPE = (b'{"event_id":"9f1c","dsn":"https:\\/\\/3f1c2a9e@api.example-reference.eu\\/4501"}\n{"type":"event"}\n'
            b'{"event_id":"9f1c","contexts":{"device":{"model":"SM-G991B"},"os":{"version":"29"}},'
            b'"user":{"id":"5b2e7f0c-4d1a-4c3e-9f8b-2a6d1e0c9b7a"}}\n')


def envelope_hits(body: bytes, host: str, path: str) -> list[tuple[str, str, str]]:
    decoder = Decoder()
    decoder.body(body, "application/x-sentry-envelope", [], "body")
    return sorted((h.category, h.location, h.value) for h in default().recognise(decoder.decoded, host, path))


def test_a_sentry_envelope_is_read_line_by_line_and_recognised_by_its_protocol_path_on_any_host():
    expected = [("device_attribute", "body<json-line 3>.contexts.device.model", "SM-G991B"),
                ("device_attribute", "body<json-line 3>.contexts.os.version", "29"),
                ("user_id", "body<json-line 3>.user.id", "5b2e7f0c-4d1a-4c3e-9f8b-2a6d1e0c9b7a")]
    assert envelope_hits(ENVELOPE, "api.example-reference.eu", "/api/4501/envelope/") == expected
    assert envelope_hits(ENVELOPE, "o1.ingest.sentry.io", "/anything") == expected       # by host as before
    # decoys: the same body on another path of a non-Sentry host; a body with one line that is not JSON
    assert envelope_hits(ENVELOPE, "api.example-reference.eu", "/v1/paste") == []
    assert envelope_hits(ENVELOPE, "api.example-reference.eu", "/api/4501/envelope/x") == []
    broken = ENVELOPE.replace(b'{"type":"event"}', b'type=event')
    assert envelope_hits(broken, "api.example-reference.eu", "/api/4501/envelope/") == []
