"""Templates, stylesheet and message catalogues, stored once, inside the package (auditor/report/assets/), so
they ship in a wheel and are what auditor reads: templates/report.html.j2 includes one template per section
(templates/sections/), i18n/{en,nl}.json hold every string."""

from __future__ import annotations

import json
import re
from functools import cache
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from auditor.contract.verdicts import Citation
from auditor.errors import InputError
from auditor.inputs import read_bounded
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


MAX_HOUSE_FILE = 1 << 20
# A firm's templates get the same escaping as ours: no way to switch it off or to mark captured text safe.
UNESCAPING = re.compile(r"\|\s*safe\b|\{%-?\s*autoescape|\bMarkup\b", re.IGNORECASE)
# A firm's stylesheet may not make the report fetch anything (fonts, images, other sheets).
FETCHING_CSS = re.compile(r"url\s*\(|@import|image-set\s*\(", re.IGNORECASE)


def _house_file(template_dir: Path, relative: str) -> str | None:
    """A firm's override (--template-dir), read bounded; None when the firm has none."""
    path = template_dir / relative
    if not path.exists():
        return None
    if path.is_symlink() or not path.is_file():
        raise InputError(path, "a house-style file must be a regular file, not a link or a directory")
    return read_bounded(path, MAX_HOUSE_FILE, "house-style file").decode("utf-8", "replace")


def stylesheet(template_dir: Path | None = None) -> str:
    """The report's stylesheet: the firm's report.css when its --template-dir has one."""
    house = _house_file(template_dir, "report.css") if template_dir else None
    if house is None:
        return (_root() / "static" / "report.css").read_text("utf-8")
    found = FETCHING_CSS.search(house)
    if found:
        raise InputError(template_dir / "report.css", f"the stylesheet must not fetch anything ({found.group(0)!r})")
    return house


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


def by_value(locations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Value rows that differ only in where the value was found, as one row listing every place (in order):
    the main report's exhibits show each value once with all its locations, in half the lines."""
    rows: dict[str, dict[str, Any]] = {}
    for loc in locations:
        key = json.dumps([loc[k] for k in ("what", "source_kind", "source_rule", "read_at_seq", "form", "value",
                                           "reasoning")], sort_keys=True, default=str)
        rows.setdefault(key, loc | {"wheres": []})["wheres"].append(loc["where"])
    return list(rows.values())


def by_statement(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An exhibit's findings that state the same thing with the same confidence for different data, as one
    line naming every data category (in order): "Personal data transmitted (advertising identifier, IMEI)"."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for f in findings:
        row = rows.setdefault((f["type"], f["confidence"]), {"type": f["type"], "confidence": f["confidence"],
                                                             "categories": []})
        if f["data_category"] and f["data_category"] not in row["categories"]:
            row["categories"].append(f["data_category"])
    return list(rows.values())


@jinja2.pass_context
def citation(context: Any, row: dict[str, Any]) -> str:
    """A model citation row in the report's language (auditor/report/citations.py)."""
    fields = {k: v for k, v in row.items() if k not in ("text", "source")}   # source: its S-number in Part II
    return cite(Citation.model_validate(fields, strict=False), context["t"], context["lang"], context["keys"],
                Display(None))


def environment(template_dir: Path | None = None) -> jinja2.Environment:
    """Autoescaping, strict templates: ours, or where a firm's --template-dir has a file of the same name,
    the firm's (checked by _load_template). Ours are compiled once per process (the main report and the annex
    share most of them); a firm's are read afresh each time, as its files may change between reports."""
    return _our_environment() if template_dir is None else _environment(template_dir)


@cache
def _our_environment() -> jinja2.Environment:
    # Compiling our templates costs about 0.2 s per process; Jinja keeps the compiled code in the user's own
    # private cache folder (made 0700, its owner checked) keyed by each template's source checksum, so a
    # changed template is compiled afresh. A firm's templates are never cached.
    return _environment(None, jinja2.FileSystemBytecodeCache())


def _environment(template_dir: Path | None, bytecode_cache: jinja2.BytecodeCache | None = None) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FunctionLoader(lambda name: _load_template(name, template_dir)),
                             autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             bytecode_cache=bytecode_cache)
    env.filters["v"] = shown_value
    env.filters["segments"] = segments
    env.filters["cite"] = citation
    env.filters["by_value"] = by_value
    env.filters["by_statement"] = by_statement
    return env


SECTION_DIR = "sections"


def _load_template(name: str, template_dir: Path | None = None) -> str:
    """A template by name: a file in templates/, or in its sections/ folder — nothing else; the firm's file
    of that name first, refused if it could switch escaping off."""
    folder, _, leaf = name.rpartition("/")
    if folder not in ("", SECTION_DIR) or "/" in leaf or not leaf.endswith(".j2") or leaf.startswith("."):
        raise jinja2.TemplateNotFound(name)
    house = _house_file(template_dir, name) if template_dir else None
    if house is not None:
        found = UNESCAPING.search(house)
        if found:
            raise InputError(template_dir / name, f"a house-style template may not bypass escaping "
                                                  f"({found.group(0)!r})")
        return house
    path = _root() / "templates" / folder / leaf if folder else _root() / "templates" / leaf
    if not path.is_file():
        raise jinja2.TemplateNotFound(name)
    return path.read_text("utf-8")


FETCHING_TAGS = frozenset({"script", "link", "img", "iframe", "object", "embed", "base", "form", "video", "audio",
                           "source", "meta"})


class _SelfContained(HTMLParser):
    """The first construct in rendered HTML that runs code or fetches something, if any."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problem: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.problem:
            return
        if tag in FETCHING_TAGS and not (tag == "meta" and dict(attrs).keys() == {"charset"}):
            self.problem = f"<{tag}>"
        for name, value in attrs:
            if name.startswith("on") or (name in ("src", "href", "action", "srcset", "data")
                                         and not (value or "").startswith("#")) \
                    or (name == "style" and FETCHING_CSS.search(value or "")):
                self.problem = self.problem or f"<{tag} {name}=...>"


class SelfContainedCheck:
    """A report made with a firm's templates holds no script and fetches nothing, like ours: fed the rendered
    HTML piece by piece, close() refuses if any piece had such a construct."""

    def __init__(self, template_dir: Path):
        self.template_dir, self._parser = template_dir, _SelfContained()

    def feed(self, html: str) -> None:
        self._parser.feed(html)

    def close(self) -> None:
        self._parser.close()
        if self._parser.problem:
            raise InputError(self.template_dir,
                             f"the house style's report is not self-contained: it has {self._parser.problem}")


def check_self_contained(html: str, template_dir: Path) -> None:
    check = SelfContainedCheck(template_dir)
    check.feed(html)
    check.close()
