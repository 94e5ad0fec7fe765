"""The ledger's event kinds, defined once: every kind auditor writes, and the groups its readers need.

A kind is `<source>.<what>`; docs/events.md describes each body. The ledger refuses a kind that is not
listed here, so a new kind is added here (and documented there) before anything can write it.
"""

from __future__ import annotations

import enum


class Kind(enum.StrEnum):
    # case: auditor/case
    CASE_CREATED = "case.created"                 # Case.create: the case's first line
    CASE_UPDATED = "case.updated"                 # Case.set_section: case.json rewritten (its new SHA-256)
    CASE_SEALING = "case.sealing"                 # seal_case: the line the seal's ledger head covers
    CASE_SEALING_FAILED = "case.sealing_failed"   # seal_case: no seal was written after that line (why)
    CASE_REPAIRED = "case.repaired"               # case repair: a torn last line cut off, kept as an artifact
    CASE_AUDIT_STEP = "case.audit_step"           # auditor audit: a step of the run started / ended
    CASE_PLANTED = "case.planted"                 # auditor case plant: values planted on the device elsewhere
    CASE_DECLARED = "case.declared"               # auditor case declare: the app's Data safety form and policy

    # operator: auditor mark, the audit's keyboard, the demo
    OPERATOR_NOTE = "operator.note"
    OPERATOR_CONSENT_ACCEPTED = "operator.consent_accepted"
    OPERATOR_CONSENT_REFUSED = "operator.consent_refused"

    # proxy: auditor capture (the mitmproxy addons, the ingester, the session)
    PROXY_STARTED = "proxy.started"               # capture/addons/lifecycle.py: the proxy listens
    PROXY_WORLD = "proxy.world"                   # capture/addons/world_resolver.py: TEST ONLY world in use
    PROXY_FLOW = "proxy.flow"                     # capture/ingest.py: one HTTP exchange or WebSocket
    PROXY_STREAM_TORN = "proxy.stream_torn"       # capture/ingest.py: flows.mitm ended in a torn record
    PROXY_STOPPED = "proxy.stopped"               # capture/proxy.py: the session ended (how, its log)
    PROXY_PCAP = "proxy.pcap"                     # capture/pcap.py: the session's packets (pcapng), --pcap
    PROXY_KEYLOG = "proxy.keylog"                 # capture/pcap.py: the proxy's TLS secrets (NSS key log)
    # passive: auditor capture --passive (capture/passive.py): packets with no proxy in the path
    PASSIVE_PCAP = "passive.pcap"                 # the device's own traffic (pcapng), for the app's own keys
    # known unknowns (capture/addons/completeness.py), in the order capture summaries list them
    PROXY_TLS_FAILED = "proxy.tls_failed"
    PROXY_QUIC_BLOCKED = "proxy.quic_blocked"
    PROXY_NON_HTTP = "proxy.non_http"
    PROXY_DNS = "proxy.dns"
    PROXY_MALFORMED = "proxy.malformed"
    PROXY_ABORTED = "proxy.aborted"

    # hook: auditor instrument (instrument/session.py; the configured plants from instrument/run.py)
    HOOK_EVENT = "hook.event"                     # one privacy-relevant API call
    HOOK_STATUS = "hook.status"                   # a hook installed or not (coverage)
    HOOK_PLANTED = "hook.planted"                 # a planted value configured / returned to the app
    HOOK_ERROR = "hook.error"                     # the agent or one hook failed
    HOOK_SESSION = "hook.session"                 # attach, hooks ready, exit, detach of one process
    HOOK_MALFORMED = "hook.malformed"             # an agent message that failed validation
    HOOK_COVERAGE = "hook.coverage"               # per process at its end: what was watched
    HOOK_TLS_BYPASS = "hook.tls_bypass"           # --unpin: a TLS bypass installed, not found, or fired (host, stack)
    HOOK_TLS_KEY = "hook.tls_key"                 # --keylog: one secret line from the app's TLS library
    HOOK_KEYLOG = "hook.keylog"                   # --keylog: the instrumentation's secret lines as an NSS key log
    HOOK_CRYPTO = "hook.crypto"                   # one cipher / MAC / deflate operation: its bytes as artifacts
    HOOK_WEBVIEW = "hook.webview"                 # a script injected into a web view, an interface exposed, a load

    # device: auditor device / audit (auditor/device)
    DEVICE_ATTESTATION = "device.attestation"     # device/session.py: what the phone is
    DEVICE_DUMP = "device.dump"                   # device/session.py: one raw command output behind it
    DEVICE_REATTESTATION = "device.reattestation" # auditor audit: attested again at the end, differences
    DEVICE_CHANGE = "device.change"               # device/setup.py: one journaled change to the phone
    DEVICE_RESTORE = "device.restore"             # device/setup.py: one change undone (or not)
    DEVICE_APK = "device.apk"                     # device/recording.py: an APK pulled off the phone
    DEVICE_SCREENRECORD = "device.screenrecord"   # device/recording.py, restore: a screen recording stored
    DEVICE_UI_DUMP = "device.ui_dump"             # device/ui.py: the screen's UI hierarchy (uiautomator dump)
    DEVICE_SCREENSHOT = "device.screenshot"       # device/ui.py: a screenshot (screencap -p)
    DEVICE_INPUT = "device.input"                 # device/ui.py: a tap or text auditor gave the phone
    DEVICE_PERSONA_ENTERED = "device.persona_entered"  # audit/consent_flow.py: the persona typed at the age gate
    DEVICE_CONSENT_DIALOG = "device.consent_dialog"    # audit/consent_flow.py: a dialog found (or not), classified
    DEVICE_CONSENT_ACCEPTED = "device.consent_accepted"  # audit/consent_flow.py: auditor tapped accept
    DEVICE_CONSENT_REFUSED = "device.consent_refused"    # audit/consent_flow.py: auditor tapped refuse
    DEVICE_CONSENT_STATE = "device.consent_state"      # audit/consent_flow.py: the app's stored IAB consent keys

    # static: auditor apk scan --case (static/store.py)
    STATIC_APK = "static.apk"
    STATIC_SCAN = "static.scan"
    STATIC_SCAN_FAILED = "static.scan_failed"

    # import: auditor import har (importers/har.py), auditor import passive (importers/passive.py)
    IMPORT_HAR = "import.har"                     # the imported file: hash, creator, warnings
    IMPORT_FLOW = "import.flow"                   # one HAR entry or passive request, with the body of a proxy.flow
    IMPORT_PASSIVE = "import.passive"             # importers/passive.py: one passive capture read with the app's keys

    # review: auditor review (report/review.py), also after sealing
    REVIEW_STATUS = "review.status"


# One HTTP exchange, captured or imported (same body).
FLOW_KINDS = frozenset({Kind.PROXY_FLOW, Kind.IMPORT_FLOW})
# Capture completeness, the "known unknowns": what the proxy saw but could not record as a flow.
KNOWN_UNKNOWN_KINDS = frozenset({Kind.PROXY_TLS_FAILED, Kind.PROXY_QUIC_BLOCKED, Kind.PROXY_NON_HTTP,
                                 Kind.PROXY_DNS, Kind.PROXY_MALFORMED, Kind.PROXY_ABORTED})
# The TLS evidence beside the flows: the second witness a capture keeps (--pcap: packets, the proxy's key
# log), what --unpin / --keylog did to and took from the app's TLS, and the passive captures read into flows.
TLS_EVIDENCE_KINDS = frozenset({Kind.PROXY_PCAP, Kind.PROXY_KEYLOG, Kind.PASSIVE_PCAP, Kind.HOOK_TLS_BYPASS,
                                Kind.HOOK_TLS_KEY, Kind.IMPORT_PASSIVE})
# The user's answer to the app's consent question: marked by the operator, or auditor's tap on the dialog.
CONSENT_ACCEPTED_KINDS = frozenset({Kind.OPERATOR_CONSENT_ACCEPTED, Kind.DEVICE_CONSENT_ACCEPTED})
CONSENT_KINDS = frozenset({*CONSENT_ACCEPTED_KINDS, Kind.OPERATOR_CONSENT_REFUSED, Kind.DEVICE_CONSENT_REFUSED})
# Every operator mark.
OPERATOR_MARKS = frozenset({Kind.OPERATOR_NOTE, Kind.OPERATOR_CONSENT_ACCEPTED, Kind.OPERATOR_CONSENT_REFUSED})
# The audit's UI step (audit/consent_flow.py): persona, dialogs, auditor's choice, the stored consent state.
UI_STEP_KINDS = frozenset({Kind.DEVICE_PERSONA_ENTERED, Kind.DEVICE_CONSENT_DIALOG, Kind.DEVICE_CONSENT_ACCEPTED,
                           Kind.DEVICE_CONSENT_REFUSED, Kind.DEVICE_CONSENT_STATE})
