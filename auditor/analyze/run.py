"""`auditor analyze`: a case in, analysis/findings.json, verdicts.json, observed.json and inputs.json out
(the contract documents of auditor/contract; their schemas are in docs/).

Never touches the network or a device; same inputs give byte-identical files (everything sorted, ids
derived from content, no wall-clock time in the outputs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from auditor.analyze import recognition
from auditor.analyze.attribution import EXODUS_DATASET
from auditor.analyze.biometrics import face_measurements
from auditor.analyze.consent import Clock
from auditor.analyze.consent_findings import contrary_state_findings, dark_pattern_findings, first_choice
from auditor.analyze.declared import declared_findings, latest
from auditor.analyze.decode import BodyMemo, Decoder, MemoKey
from auditor.analyze.destinations import Destinations
from auditor.analyze.dpf import Participants, load_participants
from auditor.analyze.findings import (
    FindingSet,
    Tally,
    flow_findings,
    hook_findings,
    injection_findings,
    iso,
    sdk_findings,
    user_paste,
)
from auditor.analyze.observations import Context, app_package, parse_time, read_context
from auditor.analyze.observed import observe
from auditor.analyze.parts import Mark, PartResults
from auditor.analyze.personal import KnownValues
from auditor.analyze.plaintext import Plaintexts, recovered_evidence
from auditor.analyze.recipients import Controller, KnownRecipient, Recipients, Signer, psl_provenance
from auditor.analyze.transfers import Exporter, country_law, transfer
from auditor.analyze.webviews import injections
from auditor.case.bundle import Case
from auditor.case.canonical import sha256_file
from auditor.case.confine import writable_dir
from auditor.case.events import Kind
from auditor.case.layout import ANALYSIS_DIR, CASE_FILE, SEAL_FILE
from auditor.collector import paused
from auditor.contract.document import Bilingual, write_documents
from auditor.contract.files import FINDINGS_FILE, INPUTS_FILE, OBSERVED_FILE, VERDICTS_FILE
from auditor.contract.findings import Destination, Finding, Findings, Recipient, Transfer
from auditor.contract.inputs import CaseReference, DatasetUsed, Inputs, LedgerHead
from auditor.contract.verdicts import RulesetIdentity, Verdicts
from auditor.contract.vocabulary import TransferOutcome
from auditor.datasets.registry import provenance
from auditor.rules.evaluate import evaluate
from auditor.rules.schema import Ruleset, default_rules_dir, load_rulesets
from auditor.shapes import as_dict
from auditor.world import Addresses, World, load_world

MAX_BODY = 32 << 20
MAX_HEADERS = 500
USER_SUPPLIED = Bilingual(en="user-supplied", nl="door de gebruiker aangeleverd")


@dataclass(frozen=True)
class Result:
    findings: int
    verdicts: int
    flows: int
    out_dir: Path


def child_persona(persona: object) -> bool:
    if isinstance(persona, dict):
        age = persona.get("age")
        return bool(persona.get("child")) or (isinstance(age, int) and not isinstance(age, bool) and age < 16) \
            or str(persona.get("category", "")).lower() == "child"
    return isinstance(persona, str) and "child" in persona.lower()


def _headers(request: dict[str, Any]) -> list[tuple[str, str]]:
    """The request's header pairs; anything not shaped as the contract says is skipped."""
    pairs = request.get("headers")
    if not isinstance(pairs, list):
        return []
    return [(pair[0], pair[1]) for pair in pairs[:MAX_HEADERS]
            if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str) and isinstance(pair[1], str)]


def _request_body(case: Case, request: dict[str, Any], pairs: list[tuple[str, str]], decoder: Decoder,
                  memo: BodyMemo) -> MemoKey | None:
    """The request body decoded into the message; its memo key when the memo holds it. pairs: its headers."""
    digest = request.get("body_sha256")
    if not isinstance(digest, str) or not digest:
        return None
    headers = {name.lower(): value for name, value in pairs}
    encodings = headers.get("content-encoding", "").split(",")
    content = memo.body_content(digest, headers.get("content-type", ""), encodings, "body",
                                headers.get("grpc-encoding", ""))
    # a body already decoded in this run is not read again: its digest names the same bytes
    key = memo.replay(decoder, content)
    if key is None:
        if digest not in case.artifacts:
            decoder.decoded.notes.append(f"request body artifact {digest[:80]!r} is not in the artifact store")
            return None
        try:
            data = case.artifacts.read_bytes(digest, MAX_BODY)
        except ValueError:
            decoder.decoded.notes.append(f"request body larger than {MAX_BODY} bytes not searched")
            return None
        _, key = memo.body(decoder, digest, data, headers.get("content-type", ""), encodings, "body",
                           headers.get("grpc-encoding", ""))
    if request.get("body_complete") is False:
        decoder.decoded.notes.append("request body incomplete in the capture")
    return key


def _websocket_messages(case: Case, flow: dict[str, Any], decoder: Decoder) -> None:
    """The messages the client sent on a WebSocket, analysed like request bodies."""
    messages = as_dict(flow.get("websocket")).get("messages")
    for position, message in enumerate(messages if isinstance(messages, list) else []):
        digest = as_dict(message).get("content_sha256")
        if not message.get("from_client") or not isinstance(digest, str) or digest not in case.artifacts:
            continue
        try:
            decoder.websocket(case.artifacts.read_bytes(digest, MAX_BODY), f"websocket[{position}]")
        except ValueError:
            decoder.decoded.notes.append(f"websocket message {position} larger than {MAX_BODY} bytes not searched")


def _url(request: dict[str, Any]) -> str:
    return f"{request.get('scheme', '')}://{request.get('host', '')}{request.get('path', '')}"[:1 << 16]


def device_values(device: Any) -> dict[str, Any]:
    """The device's own identifiers from case.json `device`: the attestation record's `fields` (each
    {"value", "known", "how"}), or a flat mapping."""
    if not isinstance(device, dict):
        return {}
    fields = device.get("fields")
    if isinstance(fields, dict):
        return {name: entry.get("value") for name, entry in fields.items() if isinstance(entry, dict)}
    return device


@dataclass
class Endpoint:
    """A request's recipient (looked up by host and day) and destination (by server address), as the findings
    show them; the law on an exchange with personal data, once one needs it."""
    recipient: KnownRecipient
    shown: Recipient
    destination: Destination
    law: tuple[Transfer | None, bool] | None = None


class Analysis:
    def __init__(self, case: Case, rulesets: list[Ruleset], overrides: World, mmdb: Path | None,
                 participants: Participants | None = None):
        self.case = case
        self.rulesets = rulesets
        self.overrides = overrides
        self.participants = participants or Participants({})
        self.controller = Controller.from_case(case.info)
        self.exporter = Exporter(self.controller.name, self.controller.source) if self.controller else \
            Exporter(None, "the app's controller was not given for the case (auditor case new --controller)")
        self.recipients = Recipients(overrides, self.controller)
        self.tally = Tally()
        self.destinations = Destinations(overrides, mmdb)
        self.destinations_mmdb = mmdb
        self.findings = FindingSet()
        self.recogniser = recognition.default()
        self.bodies = BodyMemo()
        self.parts = PartResults()
        # the same recipient, endpoint and assessment recur in every exchange: each is looked up and built once
        self.endpoints: dict[tuple[str, date | None, str | None], Endpoint] = {}
        self.transfer = cache(transfer)
        self.flows = 0
        self.law_used = False

    def run(self) -> list[Finding]:
        context = read_context(self.case)
        self.recipients.signers = Signer.from_scans(context.static_scans)
        self.plaintexts = Plaintexts.from_records(self.case, context.crypto)
        self.clock = Clock.from_case(self.case.info.get("device"), context.consent_accepted)
        # a refusal is a mark of its own: what is sent after it was sent although the user said no
        self.refusal = Clock.from_case(self.case.info.get("device"), context.consent_refused) \
            if context.consent_refused else None
        known = KnownValues(context.planted, device_values(self.case.info.get("device")),
                            face_measurements(context.hooks))
        pastes = [row.time for row in context.hooks
                  if row.category == "clipboard" and row.time is not None and user_paste(row)]
        self.first_paste = min(pastes) if pastes else None
        active: dict[str, list[int]] = {}
        for record, key in zip(context.flows, context.flow_index, strict=True):
            self._flow(context, known, record, key.start, active)
        for row in context.hooks:
            hook_findings(self.findings, row, self.clock.timing(row.time, device_clock=True))
            sdk = row.actor.sdk if row.actor is not None else None
            if sdk:
                active.setdefault(sdk.lower(), []).append(row.seq)
        for injection in injections(context, app_package(self.case.info)):
            host = urlsplit(injection.script.page_url).hostname if injection.script.page_url else None
            injection_findings(self.findings, injection, self.clock.timing(injection.time, device_clock=True),
                               self.recipients.lookup(host).first_party if host else None)
        for scan in context.static_scans:
            sdk_findings(self.findings, scan["scan"], scan["seq"], scan["artifact"], set(active), active)
        self.context = context
        return self.findings.results()

    def _flow(self, context: Context, known: KnownValues, record: dict[str, Any], started: datetime | None,
              active: dict[str, list[int]]) -> None:
        """started: the flow's recorded start (FlowKey.start)."""
        body = record["body"]
        request = as_dict(body.get("request"))
        host = request.get("host") or as_dict(body.get("tls")).get("sni")
        if not isinstance(host, str) or not 0 < len(host) <= 253:
            return
        self.flows += 1
        when = started or parse_time(record["t_wall"])
        decoder = Decoder(self.plaintexts)
        decoded = decoder.decoded
        decoder.url(_url(request), self.bodies)
        headers = Mark(len(decoded.segments), len(decoded.fields))
        pairs = _headers(request)
        headers_key = self.bodies.headers(decoder, pairs)
        start = Mark(len(decoded.segments), len(decoded.fields))
        body_key = _request_body(self.case, request, pairs, decoder, self.bodies)
        end = Mark(len(decoded.segments), len(decoded.fields))
        _websocket_messages(self.case, body, decoder)
        hits = self.parts.hits(known, self.recogniser, host, str(request.get("path") or "").partition("?")[0],
                               decoded, [(Mark(0, 0), None), (headers, headers_key), (start, body_key), (end, None)])
        server_ip = as_dict(body.get("server")).get("ip")
        endpoint = self._endpoint(host, when.date() if when else None,
                                  server_ip if isinstance(server_ip, str) else None)
        recipient, destination = endpoint.recipient, endpoint.destination
        if recipient.tracker:
            active.setdefault(recipient.tracker.lower(), []).append(record["seq"])
        moved, outside_eea = None, False
        if hits and when is not None:
            self.law_used = True
            if endpoint.law is None:
                endpoint.law = self._law(when.date(), recipient, destination)
            moved, outside_eea = endpoint.law
        actor = context.flow_actor.get(record["seq"])
        artifact, body_sha256 = record.get("artifact"), request.get("body_sha256")
        timing = self.clock.timing(when, device_clock=False)
        refusal = self.refusal.timing(when, device_clock=False) if self.refusal is not None else None
        shown = endpoint.shown
        self.tally.count(shown, timing, hits)
        flow_findings(self.findings, seq=record["seq"], artifact=artifact if isinstance(artifact, str) else None,
                      when=iso(when), scheme=str(request.get("scheme", "")).lower(),
                      body_sha256=body_sha256 if isinstance(body_sha256, str) else None,
                      actor=actor, recipient=shown, destination=destination, timing=timing, refusal=refusal,
                      hits=hits,
                      transfer=moved, outside_eea=outside_eea,
                      user_paste=self.first_paste is not None and when is not None and self.first_paste <= when,
                      notes=decoder.decoded.notes, recovered=recovered_evidence(decoder.decoded.recovered))

    def _endpoint(self, host: str, day: date | None, server_ip: str | None) -> Endpoint:
        found = self.endpoints.get((host, day, server_ip))
        if found is None:
            recipient = self.recipients.lookup(host, day)
            found = self.endpoints[(host, day, server_ip)] = Endpoint(
                recipient, recipient.as_record(), self.destinations.lookup(server_ip).as_record())
        return found

    def _law(self, day: date, recipient: KnownRecipient, destination: Destination) -> tuple[Transfer | None, bool]:
        """The transfer assessment of an exchange with personal data, and whether its endpoint's established
        location is outside the EEA."""
        outside_eea = bool(destination.location_established and destination.country_physical) and \
            country_law(destination.country_physical, day).outcome != TransferOutcome.EEA  # type: ignore[arg-type]
        if recipient.first_party:
            return None, outside_eea
        status = self.participants.status(recipient.entity, day, recipient.dpf_certified)
        return self.transfer(day, self.exporter, recipient.entity, recipient.entity_country, status), outside_eea

    def inputs(self) -> Inputs:
        seal = self.case.root / SEAL_FILE
        datasets = [DatasetUsed(**psl_provenance()),
                    DatasetUsed(name="recognition-rules", version=self.recogniser.version,
                                sha256=self.recogniser.sha256,
                                licence=Bilingual(en="auditor's own", nl="eigen werk van auditor"),
                                attribution=Bilingual(
                                    en="auditor/recognition/recognition.yaml; endpoint rules learnt from tweasel's "
                                       "TrackHAR adapters (CC0-1.0)",
                                    nl="auditor/recognition/recognition.yaml; regels per eindpunt ontleend aan de "
                                       "TrackHAR-adapters van tweasel (CC0-1.0)"))]
        if self.participants.path is not None:
            datasets.append(DatasetUsed(name="dpf-participants", version="user-supplied",
                                        path_name=self.participants.path.name, sha256=self.participants.sha256 or "",
                                        licence=USER_SUPPLIED,
                                        attribution=Bilingual(en="DPF participant records given with --dpf",
                                                              nl="DPF-deelnemersgegevens opgegeven met --dpf")))
        used = self.recipients.used | self.destinations.used | ({"eu-transfers"} if self.law_used else set()) | (
            {EXODUS_DATASET} if self.context.attribution_used else set())
        for name in sorted(used):
            if name == "world-overrides":
                datasets.append(DatasetUsed(name="world-overrides", version="user-supplied",
                                            path_name=Path(self.overrides.path or "").name,
                                            sha256=self.overrides.sha256 or "", licence=USER_SUPPLIED,
                                            attribution=Bilingual(en="override table given with --world",
                                                                  nl="vervangingstabel opgegeven met --world")))
            elif name == "user-mmdb":
                path = Path(self.destinations_mmdb or "")
                datasets.append(DatasetUsed(name="user-mmdb", version="user-supplied", path_name=path.name,
                                            sha256=sha256_file(path)[0], licence=USER_SUPPLIED,
                                            attribution=Bilingual(
                                                en="country database given with --mmdb (physical view)",
                                                nl="landendatabase opgegeven met --mmdb (fysieke zienswijze)")))
            else:
                entry = provenance(name)
                datasets.append(DatasetUsed(**{key: entry[key] for key in ("name", "version", "sha256", "licence",
                                                                           "attribution")},
                                            error_rate=entry.get("error_rate")))
        head = self.context.ledger_head
        return Inputs(
            case=CaseReference(case_id=self.case.id, seal_sha256=sha256_file(seal)[0] if seal.exists() else None,
                               case_json_sha256=sha256_file(self.case.root / CASE_FILE)[0],
                               ledger_head=LedgerHead(seq=head.get("seq", 0), hash=head.get("hash"),
                                                      intact=head["intact"])),
            datasets=tuple(sorted(datasets, key=lambda d: d.name)),
            rulesets=tuple(sorted((RulesetIdentity(**r.identity()) for r in self.rulesets), key=lambda r: r.name)),
            flows_analysed=self.flows)


def analyze(case_dir: Path, rules_dir: Path | None = None, world: Path | None = None,
            mmdb: Path | None = None, dpf: Path | None = None) -> Result:
    with paused():
        return _analyze(Path(case_dir), rules_dir, world, mmdb, dpf)


def _analyze(case_dir: Path, rules_dir: Path | None, world: Path | None, mmdb: Path | None,
             dpf: Path | None) -> Result:
    case = Case.open(case_dir)
    rulesets = load_rulesets(rules_dir or default_rules_dir())
    overrides = load_world(world, Addresses.ANY) if world else World()     # an override table: real addresses
    analysis = Analysis(case, rulesets, overrides, mmdb, load_participants(dpf) if dpf else None)
    findings = analysis.run()
    records = analysis.context.method_records
    findings += declared_findings(latest(records.get(Kind.CASE_DECLARED, [])), findings)
    choice, choice_seq = first_choice(analysis.context.consent_accepted, analysis.context.consent_refused)
    findings += dark_pattern_findings(records) + contrary_state_findings(records, choice, choice_seq)
    case_context = {"child_persona": child_persona(case.info.get("persona")),
                    "consent_recorded": bool(analysis.context.consent_accepted), "consent_choice": str(choice)}
    verdicts = evaluate(rulesets, findings, case_context)
    out = writable_dir(case.root, ANALYSIS_DIR)
    summary = analysis.tally.summary(analysis.clock.record())
    write_documents({out / FINDINGS_FILE: Findings(summary=summary, findings=tuple(findings)),
                     out / VERDICTS_FILE: Verdicts(verdicts=tuple(verdicts)),
                     out / OBSERVED_FILE: observe(analysis.context, analysis.flows),
                     out / INPUTS_FILE: analysis.inputs()})
    return Result(len(findings), len(verdicts), analysis.flows, out)
