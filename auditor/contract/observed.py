"""analysis/observed.json: what the method saw and could not see, decided once by analysis from the ledger,
so the report lays it out without reading raw events for it — planted values, operator marks, hook coverage,
capture gaps and counters, the hooked processes, and every hook call with the code analysis attributed it to.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from auditor.contract.document import Bilingual, Record
from auditor.contract.findings import Actor, PlantedValue

OBSERVED_FORMAT = "auditor-observed/1"
MAX_ROWS = 5000             # rows per table; the rest are counted (the ledger has them all)


class AtEvent(Record):
    """A row that states one ledger event: its sequence number and time (the event's own, else the ledger's)."""
    seq: int = Field(ge=1)
    time: str


class PlantedSetting(Record):
    """A value configured to be planted (case.json `planted`, hook.planted phase configured)."""
    what: str
    value: str
    seq: int | None = Field(default=None, ge=1)


class PlantedReturn(AtEvent):
    """A planted value the hooks handed to the app, and the code that asked for it."""
    api: str
    planted: PlantedValue
    actor: Actor | None = None


class Mark(AtEvent):
    """An operator's mark (a note, consent accepted or refused) as the ledger holds it."""
    kind: str
    text: str | None = None


class CaptureSession(Record):
    started: str | None = None
    stopped: str | None = None
    mode: str | None = None
    flows: int | None = None
    ca_cert_sha256: str | None = None


class HookedProcess(AtEvent):
    """A process the hooks were put into (spawned or attached)."""
    pid: int | None = None
    event: str
    frida: str | None = None
    agent_sha256: str | None = None


class HookCall(AtEvent):
    """One hook event as the annex lists it, with the code analysis attributed it to."""
    api: str
    category: str
    thread: str | None = None
    result: str | None = None
    actor: Actor | None = None


class HookGap(Record):
    """An API whose calls the hooks could not see in one process."""
    api: str
    pid: int | None = None
    reason: str


class HookProblem(AtEvent):
    """An agent error, a rejected hook message or a session that ended: what the hooks may have missed."""
    pid: int | None = None
    kind: str                            # error | malformed | detached
    detail: str


class TlsFailure(Record):
    host: str
    side: str
    error: str
    count: int = Field(ge=1)


class CaptureGap(AtEvent):
    """A capture completeness event other than a TLS failure (QUIC blocked, non-HTTP, DNS, malformed, aborted)."""
    kind: str
    detail: str


class HookCoverage(Record):
    installed: int = Field(ge=0)         # (api, process) pairs whose hook was installed
    not_installed: tuple[HookGap, ...] = ()
    problems: tuple[HookProblem, ...] = ()
    overflow: int = Field(default=0, ge=0)   # events the agent dropped because its queue was full


class CaptureCompleteness(Record):
    flows: int = Field(ge=0)
    tls_failures: tuple[TlsFailure, ...] = ()
    gaps: tuple[CaptureGap, ...] = ()
    gap_counts: dict[str, int] = {}
    counted: dict[str, int] = {}         # counters the capture kept instead of events (case.json sessions)


class PacketCapture(AtEvent):
    """The second witness a capture session kept (--pcap): its packets and the proxy's TLS key log; or a
    passive capture's packets (--passive: no proxy, no proxy key log)."""
    passive: bool = False
    proxy_pid: int | None = None
    interface: str
    capture_filter: str
    pcap_sha256: str | None = None       # None: dumpcap left no file
    keylog_sha256: str | None = None     # None: the proxy logged no TLS secrets
    keylog_lines: int = Field(default=0, ge=0)


class WitnessSession(Record):
    """One session's flows set against its packets (witness/witness.json, docs/witness.md)."""
    proxy_pid: int | None = None
    both: int = Field(ge=0)
    proxy_only: int = Field(ge=0)
    wire_only: int = Field(ge=0)
    tls_streams: int = Field(ge=0)
    undecrypted_tls_streams: int = Field(ge=0)


class WitnessMismatch(Record):
    """A request seen on one side only."""
    seen: str                            # proxy_only | wire_only
    method: str
    host: str
    path: str
    proxy_seq: int | None = Field(default=None, ge=1)
    wire_frame: int | None = Field(default=None, ge=1)


class PassiveWitness(Record):
    """What one passive capture's packets showed, opened with the app's own keys (docs/witness.md)."""
    pcap_seq: int = Field(ge=1)
    requests: int = Field(ge=0)
    tls_streams: int = Field(ge=0)
    undecrypted_tls_streams: int = Field(ge=0)   # known unknown: no request seen inside
    chainless_tls_streams: int = Field(ge=0)     # known unknown: no server chain readable
    quic_connections: int = Field(default=0, ge=0)
    undecrypted_quic_connections: int = Field(default=0, ge=0)  # known unknown: no HTTP/3 request read


class ServerCertificate(Record):
    sha256: str                          # of the DER as the server sent it
    subject: str                         # RFC 4514
    issuer: str


class ServerChain(Record):
    """A certificate chain a server sent the app on a passive capture (no proxy: the genuine one)."""
    pcap_seq: int = Field(ge=1)
    server: str                          # address:port
    sni: str | None = None
    transport: Literal["tcp", "quic"] = "tcp"     # TLS on TCP, or QUIC's handshake
    certificates: tuple[ServerCertificate, ...] = ()


class PassiveImport(AtEvent):
    """One passive capture read by `auditor import passive` (import.passive): its requests became flows."""
    pcap_seq: int = Field(ge=1)
    tshark: str
    requests: int = Field(ge=0)
    flows_added: int = Field(ge=0)
    requests_by_protocol: dict[str, int] = {}    # http/1.1, h2, h3
    tls_streams: int = Field(ge=0)
    undecrypted_tls_streams: int = Field(ge=0)
    quic_connections: int = Field(ge=0)
    undecrypted_quic_connections: int = Field(ge=0)     # known unknown: no HTTP/3 request read


class WireWitness(Record):
    """`auditor witness`'s result as analysis found it in witness/witness.json (named by its hash)."""
    outcome: str                         # consistent | mismatch
    witness_sha256: str
    tshark: str
    unwitnessed_flows: int = Field(ge=0)
    sessions: tuple[WitnessSession, ...] = ()
    mismatches: tuple[WitnessMismatch, ...] = ()
    passive: tuple[PassiveWitness, ...] = ()
    server_chains: tuple[ServerChain, ...] = ()


class TlsBypass(AtEvent):
    """A change the instrumentation made to the app's TLS (--unpin) or a key source it used (--keylog): a hook
    installed, one not found (a known unknown: that library's traffic is neither unpinned nor keyed), or a
    verification the bypass overturned, with the host and the error the app's library gave."""
    pid: int | None = None
    kind: str                            # bypass | keylog
    phase: str                           # installed | not_found | fired
    library: str | None = None
    function: str | None = None
    located: str | None = None           # pattern | signature: found by its code or its shape; None: by its name
    host: str | None = None
    detail: str | None = None


class PersonaEntered(AtEvent):
    """The persona established at the app's age gate (device.persona_entered)."""
    persona: str
    age: int
    birthdate: str
    value: str                           # what was typed
    entry: str                           # scripted | operator
    shown_in_field: bool
    gate_closed: bool
    screenshot_sha256: str | None = None  # the filled-in age gate


class ConsentControl(Record):
    role: str                            # accept | refuse | settings
    label: str
    language: str


class ConsentDialogSeen(AtEvent):
    """A consent dialog found on the screen (device.consent_dialog), or its absence (found false)."""
    layer: int = Field(ge=1)
    found: bool
    controls: tuple[ConsentControl, ...] = ()
    keywords: tuple[str, ...] = ()
    dark_patterns: tuple[str, ...] = ()
    in_webview: bool = False             # web content inside an android.webkit.WebView
    screenshot_sha256: str | None = None


class ConsentChoice(AtEvent):
    """The choice auditor made on the dialog (device.consent_accepted / device.consent_refused)."""
    choice: str                          # accepted | refused
    label: str
    layer: int = Field(ge=1)


class ConsentStateRead(AtEvent):
    """The consent state the app stored (device.consent_state): its IAB keys, or why they stayed unknown."""
    when: str
    how: str | Bilingual                 # Bilingual where the tool wrote it for the report (the demo)
    keys: dict[str, str] | None = None
    ump: dict[str, str] | None = None    # Google UMP's own file (__GOOGLE_FUNDING_CHOICE_SDK_INTERNAL__), where read


class ConsentUi(Record):
    """The audit's UI step (docs/consent.md): persona, dialogs, the choice and the stored state."""
    persona: PersonaEntered | None = None
    dialogs: tuple[ConsentDialogSeen, ...] = ()
    choices: tuple[ConsentChoice, ...] = ()
    states: tuple[ConsentStateRead, ...] = ()


class Observed(Record):
    format: str = Field(default=OBSERVED_FORMAT, pattern=r"^auditor-observed/1$")
    planted: tuple[PlantedSetting, ...] = ()
    planted_returned: tuple[PlantedReturn, ...] = ()
    test_values: tuple[str, ...] = ()    # the test's own values (planted, the device's identifiers): not redacted
    marks: tuple[Mark, ...] = ()
    capture_sessions: tuple[CaptureSession, ...] = ()
    hooked_processes: tuple[HookedProcess, ...] = ()
    hook_calls: tuple[HookCall, ...] = ()
    hook_calls_omitted: int = Field(default=0, ge=0)
    hooks: HookCoverage
    capture: CaptureCompleteness
    packet_captures: tuple[PacketCapture, ...] = ()
    witness: WireWitness | None = None   # None: `auditor witness` was not run on the case
    passive_imports: tuple[PassiveImport, ...] = ()
    tls_bypasses: tuple[TlsBypass, ...] = ()
    tls_keys_logged: int = Field(default=0, ge=0)     # secret lines the app's TLS library handed over (--keylog)
    consent_ui: ConsentUi | None = None  # None: the audit had no UI step (no --persona-entry / --consent)
