"""What a Dutch report may not contain, collected from where auditor keeps its texts rather than listed by hand:
every English sentence of the report catalogue, of the rulesets and the recognition ruleset (every {en, nl}
mapping in their YAML), of the Bilingual texts the auditor package holds (analysis, datasets, demo constants),
and of the {en, nl} texts a case records (case.json, the ledger, analysis/*.json). A sentence is searched as its
runs of at least four words between placeholders; a run that the Dutch counterpart also contains (a name, a
command, a file path) is the same in both languages and is not searched.

What else a case records in one language only (an operator's words, a form's terms, a document's title, a
quoted policy) is collected too (`recorded_english`), so that a test states exactly which of it a Dutch report
shows and why."""

from __future__ import annotations

import html
import importlib
import json
import pkgutil
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

import auditor
from auditor.analyze.recognition import RULESET
from auditor.contract.document import Bilingual
from auditor.report.assets import catalogue

from .helpers import pdf_text

REPO = Path(__file__).resolve().parents[2]
MIN_WORDS = 4
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
# a word English has and Dutch does not (so a one-language string is taken for English)
ENGLISH_WORD = re.compile(r"\b(the|and|was|with|from|which|this|not|by|for|are|no|to|an|or|only|sent|read|seen|"
                          r"none|unknown|set|given|has|its|on|under|through)\b", re.IGNORECASE)
# ledger events whose bodies are captured traffic or hook data (quoted evidence), not text auditor wrote
EVIDENCE_SOURCES = ("proxy", "hook", "import")


def fragments(pairs: Iterable[tuple[str, str]]) -> set[str]:
    out = set()
    for en, nl in pairs:
        for part in PLACEHOLDER.split(en):
            part = " ".join(part.split()).strip(" .,:;()—-")
            if len(part.split()) >= MIN_WORDS and part not in " ".join(nl.split()):
                out.add(part)
    return out


def _pairs(value: Any, depth: int = 0) -> Iterator[tuple[str, str]]:
    """Every {en, nl} text in a structure (a Bilingual, or its JSON/YAML form), at any depth."""
    if depth > 40:
        return
    if isinstance(value, Bilingual):
        yield value.en, value.nl
    elif isinstance(value, dict):
        if set(value) >= {"en", "nl"} and isinstance(value["en"], str) and isinstance(value["nl"], str):
            yield value["en"], value["nl"]
        for key, dutch in _dutch_siblings(value):
            yield from zip(_strings(value[key]), _strings(dutch), strict=False)
        for item in value.values():
            yield from _pairs(item, depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _pairs(item, depth + 1)


def _dutch_siblings(value: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """A field beside its Dutch twin (a citation's text and text_nl, a verdict's evidence_required and
    evidence_required_nl)."""
    for key, dutch in value.items():
        if isinstance(key, str) and key.endswith("_nl") and key[:-3] in value and dutch is not None:
            yield key[:-3], dutch


def _strings(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)] \
        if isinstance(value, list | tuple) else []


def catalogue_pairs() -> Iterator[tuple[str, str]]:
    en, nl = catalogue("en"), catalogue("nl")
    return ((en[key], nl[key]) for key in sorted(en))


def ruleset_pairs() -> Iterator[tuple[str, str]]:
    for path in [RULESET, *sorted((REPO / "rulesets").glob("*.yaml"))]:
        yield from _pairs(yaml.safe_load(path.read_text("utf-8")))


def package_pairs() -> Iterator[tuple[str, str]]:
    """The Bilingual texts auditor's modules hold as constants (transfer notes, the demo's device provenance…)."""
    for info in pkgutil.walk_packages(auditor.__path__, "auditor."):
        if info.name.endswith(".__main__"):     # running it is the CLI
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if not name.startswith("__"):
                yield from _pairs(value)


def _documents(case: Path) -> Iterator[Any]:
    yield json.loads((case / "case.json").read_text("utf-8"))
    for path in sorted((case / "analysis").glob("*.json")):
        yield json.loads(path.read_text("utf-8"))
    for line in (case / "ledger.jsonl").read_text("utf-8").splitlines():
        record = json.loads(line)
        if record["source"] not in EVIDENCE_SOURCES:
            yield record.get("body")


def case_pairs(case: Path) -> Iterator[tuple[str, str]]:
    for document in _documents(case):
        yield from _pairs(document)


def english_sentences(case: Path) -> dict[str, set[str]]:
    """Per source, the English runs a Dutch report of this case must not show."""
    return {"catalogue": fragments(catalogue_pairs()), "rulesets": fragments(ruleset_pairs()),
            "package": fragments(package_pairs()), "case": fragments(case_pairs(case))}


def recorded_english(case: Path) -> set[str]:
    """Strings the case records in one language only that read as English (three words or more, one of them an
    English function word): outside any {en, nl} text, whitespace collapsed."""
    out: set[str] = set()

    def walk(value: Any, depth: int = 0) -> None:
        if depth > 40:
            return
        if isinstance(value, str):
            text = " ".join(value.split())
            if len(text.split()) >= 3 and ENGLISH_WORD.search(text):
                out.add(text)
        elif isinstance(value, dict) and not set(value) >= {"en", "nl"}:
            twins = {name for key, _ in _dutch_siblings(value) for name in (key, f"{key}_nl")}
            for key, item in value.items():
                if key not in twins:
                    walk(item, depth + 1)
        elif isinstance(value, list):
            for item in value:
                walk(item, depth + 1)

    for document in _documents(case):
        walk(document)
    return out


def html_text(page: str) -> str:
    """The text a reader sees (the body, tags dropped, entities decoded, whitespace collapsed)."""
    body = page.split("<body", 1)[1]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def report_texts(directory: Path) -> dict[str, str]:
    """report.html, the annex bundle and the PDF's text (pypdf), each whitespace-collapsed."""
    texts = {name: html_text((directory / name).read_text("utf-8")) for name in ("report.html", "annex.html")}
    texts["report.pdf"] = " ".join(pdf_text(directory / "report.pdf").split())
    return texts


def english_in(texts: dict[str, str], sentences: dict[str, set[str]]) -> list[tuple[str, str, str]]:
    """(file, source, run) for every English run found."""
    return sorted((name, source, run) for name, text in texts.items() for source, runs in sentences.items()
                  for run in runs if run in text)
