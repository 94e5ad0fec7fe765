"""Plaintext recovered from the app's own encryption, joined to the request that carried the ciphertext.

A `hook.crypto` event (instrument/operations.py) keeps an encryption's input and output as artifacts. When a
request body, at any decoding layer (after base64 or hex), holds that output, the input is the body's
plaintext: the decoder (decode.py) peels it as one more layer, named `<plaintext@seqN>` after the crypto
event, so planted and device values inside it are found like any others, and the finding's evidence names
the operation (`RecoveredPlaintext`).

The join is by content only, as PiRogue joins decrypted bodies to its HAR: the ciphertext contains, or is
contained in, the message bytes; of several candidates the closest in size wins, and one whose size differs
by more than half is no match. No time window is used: the bytes themselves are the link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.case.bundle import Case
from auditor.contract.findings import RecoveredPlaintext

MIN_CIPHERTEXT = 16             # one AES block: shorter outputs match by chance
MAX_SIZE_DIFFERENCE = 0.5       # of the larger of ciphertext and message bytes
MAX_SIDE = 1 << 20              # bytes read of one side's artifact
HEX_RUN = re.compile(r"^(?:[0-9a-fA-F]{2}){16,}$")
ENCRYPTING = frozenset({"encrypt", "wrap"})


@dataclass(frozen=True)
class Operation:
    """One recorded encryption: its ledger seq, what did it, and both sides' bytes."""
    seq: int
    api: str
    algorithm: str | None
    key_sha256: str | None
    plaintext_sha256: str
    ciphertext_sha256: str
    plaintext: bytes
    ciphertext: bytes

    def evidence(self) -> RecoveredPlaintext:
        return RecoveredPlaintext(ledger_seq=self.seq, api=self.api, algorithm=self.algorithm,
                                  key_sha256=self.key_sha256, plaintext_sha256=self.plaintext_sha256,
                                  ciphertext_sha256=self.ciphertext_sha256)


def _side(case: Case, side: object) -> tuple[str, bytes] | None:
    if not isinstance(side, dict) or not side.get("stored") or not isinstance(side.get("sha256"), str):
        return None
    digest = side["sha256"]
    if digest not in case.artifacts:
        return None
    try:
        return digest, case.artifacts.read_bytes(digest, MAX_SIDE)
    except ValueError:
        return None


class Plaintexts:
    """The case's recorded encryptions, looked up by the ciphertext a message carries."""

    def __init__(self, operations: list[Operation]):
        self.operations = operations

    @classmethod
    def from_records(cls, case: Case, records: list[dict[str, object]]) -> Plaintexts:
        """From the case's hook.crypto records: the encryptions whose both sides were stored."""
        operations = []
        for record in records:
            body = record["body"]
            if not isinstance(body, dict) or body.get("opmode") not in ENCRYPTING:
                continue
            plain, cipher = _side(case, body.get("input")), _side(case, body.get("output"))
            if plain is None or cipher is None or len(cipher[1]) < MIN_CIPHERTEXT:
                continue
            algorithm = body.get("algorithm")
            key = body.get("key_sha256")
            operations.append(Operation(int(str(record["seq"])), str(body.get("api")),
                                        algorithm if isinstance(algorithm, str) else None,
                                        key if isinstance(key, str) else None,
                                        plain[0], cipher[0], plain[1], cipher[1]))
        return cls(operations)

    def find(self, data: bytes) -> Operation | None:
        """The encryption whose output these bytes hold (or are part of), closest in size; None if none."""
        if len(data) < MIN_CIPHERTEXT or not self.operations:
            return None
        best: Operation | None = None
        for operation in self.operations:
            cipher = operation.ciphertext
            if not (cipher in data if len(cipher) <= len(data) else data in cipher):
                continue
            difference = abs(len(cipher) - len(data))
            if difference > MAX_SIZE_DIFFERENCE * max(len(cipher), len(data)):
                continue
            if best is None or difference < abs(len(best.ciphertext) - len(data)):
                best = operation
        return best

    def find_hex(self, text: str) -> Operation | None:
        """As find, for a message layer written as hex digits."""
        return self.find(bytes.fromhex(text)) if self.operations and HEX_RUN.match(text) else None


def recovered_evidence(operations: list[Operation]) -> tuple[RecoveredPlaintext, ...]:
    """The encryptions a message's layers came from, once each, in ledger order."""
    if not operations:
        return ()
    return tuple(op.evidence() for op in sorted({op.seq: op for op in operations}.values(), key=lambda o: o.seq))
