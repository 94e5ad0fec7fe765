"""The disclosure copy masks the tester's secrets and third parties' personal data in every format, keeps
the planted evidence visible, and names the sealed original it derives from."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.case.canonical import sha256_file

from .casefactory import (
    ADVERTISING_ID,
    BEARER,
    CLIPBOARD,
    EMAIL,
    SECRET_TOKEN,
    SESSION_COOKIE,
    THIRD_PARTY_EMAIL,
    BuiltCase,
)
from .helpers import pdf_text

SECRETS = (SECRET_TOKEN, SESSION_COOKIE, "Zx81kq0Pmm2", BEARER.split()[1], "hunter2-tester", THIRD_PARTY_EMAIL)


def _outputs(directory: Path) -> dict[str, str]:
    texts = {name: (directory / name).read_text("utf-8")
             for name in ("report.html", "annex.html", "report.json", "report.csv")}
    texts["report.pdf"] = pdf_text(directory / "report.pdf")
    return texts


def test_secrets_and_third_party_data_are_masked_everywhere(reports: dict[str, Path]) -> None:
    for name, text in _outputs(reports["redacted"]).items():
        for secret in SECRETS:
            assert secret not in text, (name, secret)
    # the unredacted report does contain them (its annex bundle prints every header): the test is about the
    # masking, not absent data
    original = (reports["en"] / "annex.html").read_text("utf-8")
    assert all(secret in original for secret in (SECRET_TOKEN, "Zx81kq0Pmm2", THIRD_PARTY_EMAIL))


def test_planted_evidence_stays_visible(reports: dict[str, Path]) -> None:
    html = (reports["redacted"] / "report.html").read_text("utf-8")
    assert CLIPBOARD in html and EMAIL in html and f'<mark><bdi class="v">{ADVERTISING_ID}</bdi></mark>' in html


def test_redacted_copy_names_its_sealed_original(reports: dict[str, Path], sealed_case: BuiltCase) -> None:
    seal_sha = sha256_file(sealed_case.root / "seal.json")[0]
    data = json.loads((reports["redacted"] / "report.json").read_text("utf-8"))
    assert data["redaction"]["derived_from_seal_sha256"] == seal_sha
    # distinct values: the cookie and authorization headers; token= in the URL and the password in the body;
    # the third party's e-mail in the body
    assert data["redaction"]["masked"] == {"email": 1, "secret_header": 2, "secret_value": 2}
    assert f"derives from the sealed original with seal SHA-256 {seal_sha}" in \
        (reports["redacted"] / "report.html").read_text("utf-8")
    manifest = json.loads((reports["redacted"] / "report-manifest.json").read_text("utf-8"))
    assert manifest["payload"]["redacted"] is True and manifest["payload"]["seal_sha256"] == seal_sha
