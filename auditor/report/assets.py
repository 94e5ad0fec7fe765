"""Templates, stylesheet and message catalogues, stored once, inside the package (auditor/report/assets/), so
they ship in a wheel and are what auditor reads: templates/report.html.j2 includes one template per section
(templates/sections/), i18n/{en,nl}.json hold every string."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup, escape

from auditor.contract.verdicts import Citation
from auditor.report.citations import cite
from auditor.report.display import Display

LANGUAGES = ("en", "nl")
GLOSSARY = ("ledger", "seal", "artifact", "finding", "verdict", "sdk", "stack", "third_country", "adequacy",
            "views", "consent", "tls", "country_codes")


def _root() -> Any:
    return resources.files("auditor.report") / "assets"


@cache
def catalogue(lang: str) -> dict[str, str]:
    if lang not in LANGUAGES:
        raise ValueError(f"no catalogue for language {lang!r}")
    data = json.loads((_root() / "i18n" / f"{lang}.json").read_text("utf-8"))
    return {str(k): str(v) for k, v in data.items()}


def stylesheet() -> str:
    return (_root() / "static" / "report.css").read_text("utf-8")


def translator(lang: str):  # type: ignore[no-untyped-def]
    """t(key, **params): the catalogue text with {params} filled in; a missing key is a programming error."""
    messages = catalogue(lang)

    def t(key: str, **params: Any) -> str:
        return messages[key].format_map({k: "" if v is None else v for k, v in params.items()})
    return t


@jinja2.pass_context
def shown_value(context: Any, value: Any) -> Markup:
    """A values.shown dict as HTML: isolated from surrounding bidi text, escaped, truncation stated."""
    if not isinstance(value, dict):
        return Markup("<bdi class=\"v\">{}</bdi>").format(escape("" if value is None else str(value)))
    html = Markup("<bdi class=\"v\">{}</bdi>").format(value.get("text", ""))
    t = context["t"]
    notes = []
    if value.get("binary"):
        notes.append(t("value.binary", length=value.get("length")))
    if value.get("truncated"):
        notes.append(t("value.truncated", length=value.get("length")))
    if value.get("sha256"):
        notes.append(f"SHA-256 {value['sha256']}")
    if notes:
        html += Markup(" <span class=\"trunc\">[{}]</span>").format("; ".join(notes))
    return html


def segments(items: list[dict[str, Any]]) -> Markup:
    """values.excerpt segments as HTML, the matched value in <mark>."""
    out = Markup()
    for item in items:
        text = escape(item.get("text", ""))
        out += Markup("<mark>{}</mark>").format(text) if item.get("mark") else text
    return out


@jinja2.pass_context
def citation(context: Any, row: dict[str, Any]) -> str:
    """A model citation row in the report's language (auditor/report/citations.py)."""
    fields = {k: v for k, v in row.items() if k != "text"}
    return cite(Citation.model_validate(fields, strict=False), context["t"], context["lang"], context["keys"],
                Display(None))


def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FunctionLoader(_load_template), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["v"] = shown_value
    env.filters["segments"] = segments
    env.filters["cite"] = citation
    return env


SECTION_DIR = "sections"


def _load_template(name: str) -> str:
    """A shipped template by name: a file in templates/, or in its sections/ folder — nothing else."""
    folder, _, leaf = name.rpartition("/")
    if folder not in ("", SECTION_DIR) or "/" in leaf or not leaf.endswith(".j2") or leaf.startswith("."):
        raise jinja2.TemplateNotFound(name)
    path = _root() / "templates" / folder / leaf if folder else _root() / "templates" / leaf
    if not path.is_file():
        raise jinja2.TemplateNotFound(name)
    return path.read_text("utf-8")
