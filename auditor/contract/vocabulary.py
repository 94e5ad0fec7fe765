"""The closed vocabularies of findings and verdicts. A value outside them is a contract error, not a new
kind of finding that a template or a rule silently ignores."""

from __future__ import annotations

from enum import StrEnum


class FindingType(StrEnum):
    # from hook events (the app's own calls, with the Java stack naming the code)
    CLIPBOARD_READ = "clipboard_read"
    LOCATION_ACCESS = "location_access"
    BIOMETRIC_CAPTURE = "biometric_capture"
    BIOMETRIC_AUTH = "biometric_auth"
    IDENTIFIER_ACCESS = "identifier_access"
    SCRIPT_INJECTED = "script_injected"             # a script the app injected into a page of a web view
    CONTACTS_ACCESS = "contacts_access"             # the address book read (contacts provider)
    CAMERA_ACCESS = "camera_access"                 # a camera opened (the start, not the frames)
    SCREEN_CAPTURE = "screen_capture"               # a screen capture asked for or started (MediaProjection)
    # from the traffic
    TRACKER_CONTACTED = "tracker_contacted"
    RECIPIENT_CONTACTED = "recipient_contacted"      # any recipient other than the first party, data or not
    PERSONAL_DATA_TRANSMITTED = "personal_data_transmitted"
    CLIPBOARD_TRANSMITTED = "clipboard_transmitted"
    BIOMETRIC_TRANSMITTED = "biometric_transmitted"
    CLEARTEXT_PERSONAL_DATA = "cleartext_personal_data"
    DESTINATION_OUTSIDE_EEA = "destination_outside_eea"   # a fact about the server, not a legal transfer
    THIRD_COUNTRY_TRANSFER = "third_country_transfer"     # the recipient entity is established outside the EEA
    # from the APK
    SDK_EMBEDDED = "sdk_embedded"
    # what the app declares (auditor case declare) against what the traffic shows
    UNDECLARED_COLLECTION = "undeclared_collection"   # a data type sent that the Data safety form does not list
    UNDECLARED_SHARING = "undeclared_sharing"         # a data type sent to a third party, not listed as shared
    UNDECLARED_RECIPIENT = "undeclared_recipient"     # a third party receiving personal data the policy never names
    UNDECLARED_COUNTRY = "undeclared_country"         # a recipient's country the policy never names
    # the audit's UI step: the consent dialog as shown, and the consent state the app stored
    CONSENT_DARK_PATTERN = "consent_dark_pattern"     # the dialog's design, as auditor/audit/consent_dialog.py names it
    CONSENT_STATE_CONTRARY = "consent_state_contrary"  # the stored consent state says the opposite of the choice
    # auditor compare: a row of a comparison of runs (auditor/compare), its exhibits from each case
    RUNS_COMPARED = "runs_compared"


# Findings that say personal data left the device in a request.
PERSONAL_DATA_TYPES = frozenset({FindingType.PERSONAL_DATA_TRANSMITTED, FindingType.CLIPBOARD_TRANSMITTED,
                                 FindingType.BIOMETRIC_TRANSMITTED, FindingType.CLEARTEXT_PERSONAL_DATA,
                                 FindingType.THIRD_COUNTRY_TRANSFER})


# Findings comparing what the app declares with what it did: about the declaration, not the consent state.
DECLARATION_TYPES = frozenset({FindingType.UNDECLARED_COLLECTION, FindingType.UNDECLARED_SHARING,
                               FindingType.UNDECLARED_RECIPIENT, FindingType.UNDECLARED_COUNTRY})


class DataCategory(StrEnum):
    CLIPBOARD = "clipboard"
    LOCATION = "location"            # precise: at least 4 decimals (or the precision the device was given)
    APPROXIMATE_LOCATION = "approximate_location"   # fewer decimals: still personal data, lower severity
    OTHER_LOCATION = "other_location"   # coordinates under location keys that are not the planted location
    BIOMETRIC = "biometric"
    CAMERA = "camera"                # what a camera sees: the user, their surroundings, documents
    SCREEN_CONTENT = "screen_content"   # whatever the screen shows while it is captured
    DEVICE_IDENTIFIER = "device_identifier"
    ADVERTISING_ID = "advertising_id"
    ANDROID_ID = "android_id"
    IMEI = "imei"
    DEVICE_SERIAL = "device_serial"
    DEVICE_NAME = "device_name"
    PHONE = "phone"
    EMAIL = "email"
    CONTACT = "contact"
    USER_ID = "user_id"              # an ID an SDK or the app gives the user (Branch identity_id)
    SESSION_ID = "session_id"
    IP_ADDRESS = "ip_address"        # an IP address in the payload (not the connection's own)
    DEVICE_ATTRIBUTE = "device_attribute"   # model, OS version, carrier, screen …: fingerprints, lower severity
    PLANTED = "planted"              # a planted value of a kind analysis has no category for


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


SEVERITY_ORDER = tuple(Severity)


class ReviewStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class TransferOutcome(StrEnum):
    """The Chapter V outcome, decided from the recipient layer (its entity's establishment) alone."""
    EEA = "eea"                                  # recipient established in the EEA: no transfer by this disclosure
    ADEQUATE = "adequate"                        # an adequacy decision covers the recipient on the date
    NOT_COVERED = "adequacy_not_covering_recipient"   # a decision for certified organisations; this one is not
    UNKNOWN = "unknown"                          # not established (recipient entity or its certification)
    THIRD_COUNTRY_NO_ADEQUACY = "third_country_no_adequacy"


class Certification(StrEnum):
    """A recipient's status under a decision that covers only certified organisations (the DPF), from a
    dated participant record."""
    COVERED = "covered"
    NOT_COVERED = "not_covered"
    NOT_ESTABLISHED = "not_established"


class RecipientRole(StrEnum):
    """The recipient's relation to the app's controller. "third party" in the sense of GDPR Art. 4(10) only
    where a sourced role says so; a processor or joint controller is not a third party."""
    FIRST_PARTY = "first_party"                  # the app's controller (publisher) itself
    PROCESSOR = "processor"
    JOINT_CONTROLLER = "joint_controller"
    THIRD_PARTY = "third_party"                  # an independent controller
    OTHER_RECIPIENT = "other_recipient"          # someone else whose role is not known


class ConsentTiming(StrEnum):
    """When something happened relative to the operator's consent mark, the clock uncertainty allowed for."""
    BEFORE = "before"
    AT = "at_consent"                            # within the uncertainty of the mark: neither before nor after
    AFTER = "after"
    NO_MARK = "no_mark"                          # no consent was recorded in the case


class DarkPattern(StrEnum):
    """A consent dialog's design, decided from the screen (docs/consent.md)."""
    NO_REFUSE_FIRST_LAYER = "no_refuse_on_first_layer"
    ACCEPT_EMPHASISED = "accept_emphasised"
    REFUSAL_NOT_RESPECTED = "refusal_not_respected"        # decided by auditor compare, from the traffic


class ConsentChoiceMade(StrEnum):
    """The first consent choice recorded in the case (an operator's mark or auditor's tap)."""
    ACCEPTED = "accepted"
    REFUSED = "refused"
    NONE = "none"


class ComparedSection(StrEnum):
    """What a comparison row says (auditor/compare/compare.py)."""
    BEFORE_CHOICE = "before_choice"
    AFTER_REFUSAL = "after_refusal"
    REFUSAL_NO_DIFFERENCE = "refusal_no_difference"
    YOUNG_AS_ADULT = "young_as_adult"


class ActorBasis(StrEnum):
    """How the code behind a finding was established."""
    STACK = "stack"                  # analysis attributed the Java stack of the hook event itself
    CONNECTION = "connection"        # the stack of the socket hook event that opened the flow's connection
    RECORDED = "recorded"            # a case from before 2026-12: the actor the capture recorded, no stack kept
    STATIC_SCAN = "static_scan"      # the APK scan names the SDK; no runtime code location


class ValueSource(StrEnum):
    PLANTED = "planted"              # planted by the auditor (clipboard canary, spoofed location)
    DEVICE = "device"                # the test device's own identifier, from its attestation
    OBSERVED = "observed"            # a value the hooks saw the app read (face measurements)
    RECOGNISED = "recognised"        # recognised by field name and format (rule named in `rule`)


class ReportFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"
    JSON = "json"
    CSV = "csv"
