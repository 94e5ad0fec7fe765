"""The report's assets exist once, in the package, and the en and nl catalogues are complete and used."""

from __future__ import annotations

import re
import string
from pathlib import Path

from auditor.contract.vocabulary import DataCategory, FindingType, ReviewStatus, Severity, TransferOutcome, ValueSource
from auditor.report import assets

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "auditor" / "report" / "assets"
# Words that are the same in Dutch and English (loanwords, codes): checked one by one, not a blanket pass.
SAME_IN_BOTH = {"cover.app": "App", "method.persona": "Persona", "method.scenario": "Scenario",
                "unknowns.host": "Host", "method.tls_host": "host", "annex.status": "Status", "annex.thread": "Thread",
                "glossary.sdk.term": "SDK", "diff.before": "In A", "diff.after": "In B",
                # citation patterns and names that are the same in both languages
                "cite.decision": "{body}, {title}, {date}", "cite.date": "{day} {month} {year}",
                "cite.body.edpb": "EDPB", "cover.status": "Status", "law.instrument": "Instrument"}


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_templates_stylesheet_and_catalogues_are_stored_once() -> None:
    tracked = [p.relative_to(REPO).as_posix() for p in REPO.rglob("*")
               if p.suffix in (".j2", ".css") or (p.suffix == ".json" and p.parent.name == "i18n")]
    installed = {".venv", "node_modules", ".android-sdk"}       # what install steps put into the tree
    tracked = [p for p in tracked if not installed & set(p.split("/"))]
    assert all(p.startswith("auditor/report/assets/") for p in tracked), tracked
    assert len(_files(SHIPPED)) == len([p for p in tracked if p.startswith("auditor/report/assets/")])


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_catalogues_have_the_same_keys_placeholders_and_real_translations() -> None:
    en, nl = assets.catalogue("en"), assets.catalogue("nl")
    assert set(en) == set(nl)
    assert len(en) > 200
    for key in en:
        assert en[key].strip() and nl[key].strip(), key
        assert _fields(en[key]) == _fields(nl[key]), key
        if en[key] == nl[key]:
            assert SAME_IN_BOTH.get(key) == en[key], f"{key} is not translated"


def test_every_key_the_templates_use_exists() -> None:
    en = assets.catalogue("en")
    used: set[str] = set()
    for template in (SHIPPED / "templates").rglob("*.j2"):
        text = template.read_text("utf-8")
        used |= set(re.findall(r'(?<![\w.])t\("([a-z_.]*[a-z_])"\s*[,)]', text))   # t("key") and t("key", …)
        used |= set(re.findall(r'"(unknowns\.limit_[a-z_]+)"', text))   # keys listed, then looked up
    assert used and not used - set(en), sorted(used - set(en))
    # families chosen at run time: every value the model can produce has its text
    families = {"severity.": [s.value for s in Severity], "status.": [s.value for s in ReviewStatus],
                "side.": ["client", "server"], "diff.": ["added", "removed"],
                "diff.kind.": ["recipients", "data_categories", "sdks", "permissions", "api_calls", "verdicts"],
                "unknowns.": ["quic_blocked", "non_http", "dns", "malformed", "aborted"],
                "type.": [t.value for t in FindingType], "category.": [c.value for c in DataCategory],
                "outcome.": [o.value for o in TransferOutcome],
                "tool.": ["name", "version", "git_commit", "python", "platform"],
                "view.": ["country_physical", "country_registered", "entity_country"],
                "source.": [s.value for s in ValueSource],
                "mark.": ["operator.note", "operator.consent_accepted", "operator.consent_refused"],
                "tls.kind.": ["bypass", "keylog"], "tls.phase.": ["installed", "not_found", "fired"],
                "tls.located.": ["pattern", "signature"]}       # instrument/messages.py accepts these
    for prefix, values in families.items():
        for value in values:
            assert prefix + value in en, prefix + value
    for term in assets.GLOSSARY:
        assert f"glossary.{term}.term" in en and f"glossary.{term}.text" in en


def test_dutch_report_has_no_english_section_text(reports: dict[str, Path]) -> None:
    html = (reports["nl"] / "report.html").read_text("utf-8")
    en, nl = assets.catalogue("en"), assets.catalogue("nl")
    for key, english in en.items():
        if english != nl[key] and len(english) > 12 and not _fields(english):
            assert english not in html, key
