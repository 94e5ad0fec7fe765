"""Rulesets: YAML files checked against a fixed schema before any rule is used. Never executed as code.

A ruleset is data: a header and a list of rules whose `condition` is a small tree of all / any / not and
field comparisons. Loading is bounded (file size, rule count, nesting, string length), refuses YAML
anchors and aliases (they multiply content), unknown keys, unknown operators, unknown finding fields and
strings that look like code, and names the file and the place of the problem.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

from auditor.contract.schemas import rule_fields
from auditor.contract.verdicts import Citation, CitationKind
from auditor.contract.vocabulary import Severity
from auditor.errors import InputError
from auditor.inputs import mapping_problem, read_bounded

FORMAT = "auditor-ruleset/1"
MAX_FILE_BYTES = 512 << 10
MAX_RULES = 200
MAX_DEPTH = 8
MAX_NODES = 200
MAX_STRING = 4000
MAX_LIST = 100
SEVERITIES = tuple(s.value for s in Severity)
RULE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{2,80}$")
VERSION = re.compile(r"^[0-9]+(\.[0-9]+){0,3}$")
# Finding fields a condition may read: derived from the findings contract, plus case context.
FIELDS = rule_fields()
COMPARISONS = ("equals", "not_equals", "in", "not_in", "gt", "gte", "lt", "lte", "exists")
CODE_LIKE = re.compile(r"(__\w+__|\blambda\b|\beval\s*\(|\bexec\s*\(|\bimport\s+\w|\bos\.system|\bsubprocess\b|"
                       r"\$\{|\{\{|<script|!!python)", re.IGNORECASE)
HEADER_KEYS = {"format", "name", "version", "description", "rules"}
RULE_KEYS = {"id", "version", "title", "reasoning", "source", "citations", "condition", "severity",
             "evidence_required"}
RULE_REQUIRED = RULE_KEYS
# A citation is typed data (auditor/contract/verdicts.py Citation): each kind has its keys, the required first.
CITATION_COMMON = {"kind", "text", "verified", "verified_against", "checked", "note"}
CITATION_KEYS = {
    CitationKind.ARTICLE: ({"instrument", "article"}, {"paragraph", "point"}),
    CitationKind.RECITAL: ({"instrument", "recital"}, set()),
    CitationKind.CASE: ({"court", "number", "name", "date", "ecli"}, {"paras"}),
    CitationKind.GUIDELINE: ({"body", "document", "number", "title"}, {"date", "paras"}),
    CitationKind.DECISION: ({"body", "title", "date"}, {"article", "paragraph"}),
}
INSTRUMENTS = ("gdpr", "eprivacy", "tw", "uavg")       # each has a name per language in the report catalogue
COURTS = ("cjeu",)
BODIES = ("edpb", "wp29", "commission", "dpc", "ap")
DOCUMENTS = ("guidelines", "opinion", "recommendations")
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
ECLI = re.compile(r"^ECLI:[A-Z]{2}:[A-Z0-9]{1,7}:[0-9]{4}:[0-9A-Za-z.]{1,25}$")
LANGS = {"en", "nl"}
PLAIN_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq")}
MAX_YAML_DEPTH = 40         # collections open at once; a condition at MAX_DEPTH needs about 20
MAX_DIGITS = 30             # an integer longer than this is no count, version or threshold


class _Strict:
    """A SafeLoader refusing what it would otherwise take silently: a key given twice (the last would win) and
    integers of thousands of digits (Python refuses to convert them, with a ValueError, not a YAML error)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise yaml.constructor.ConstructorError(None, None, "a mapping key must be a plain value",
                                                        key_node.start_mark)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {str(key)[:60]!r}",
                                                        key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)  # type: ignore[misc]

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        digits = sum(char.isdigit() for char in node.value)
        if digits > MAX_DIGITS:
            raise yaml.constructor.ConstructorError(None, None, f"an integer of {digits} digits (at most "
                                                    f"{MAX_DIGITS})", node.start_mark)
        return super().construct_yaml_int(node)  # type: ignore[misc]


class _StrictLoader(_Strict, yaml.SafeLoader):
    pass


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _StrictLoader.construct_yaml_int)
# libyaml's parser where PyYAML was built with it: a tenth of the pure-Python parser's time
_FAST_LOADERS: tuple[type, type] | None = None
if hasattr(yaml, "CSafeLoader"):
    class _StrictCLoader(_Strict, yaml.CSafeLoader):  # type: ignore[misc]
        pass
    _StrictCLoader.add_constructor("tag:yaml.org,2002:int", _StrictCLoader.construct_yaml_int)
    _FAST_LOADERS = (yaml.CSafeLoader, _StrictCLoader)

T = TypeVar("T")


def _parsed(work: Callable[[type, type], T]) -> T:
    """work(event loader, strict loader) with libyaml's loaders, where there are; on a YAML error again with
    the pure-Python ones, so an error is worded (and placed) as they word it."""
    if _FAST_LOADERS is not None:
        try:
            return work(*_FAST_LOADERS)
        except yaml.YAMLError:
            pass
    return work(yaml.SafeLoader, _StrictLoader)


@dataclass(frozen=True)
class Rule:
    id: str
    version: str
    title: dict[str, str]
    reasoning: dict[str, str]
    source: str
    citations: tuple[Citation, ...]
    condition: dict[str, Any]
    severity: str
    evidence_required: list[str]
    evidence_required_nl: list[str]


@dataclass(frozen=True)
class Ruleset:
    path: Path
    name: str
    version: str
    description: str
    sha256: str
    rules: list[Rule]

    def identity(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version, "sha256": self.sha256}


class _Check:
    def __init__(self, path: Path):
        self.path = path
        self.nodes = 0

    def fail(self, where: str, problem: str) -> InputError:
        return InputError(self.path, f"{where}: {problem}")

    def string(self, value: object, where: str, pattern: re.Pattern[str] | None = None) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, "must be a non-empty string")
        if len(value) > MAX_STRING:
            raise self.fail(where, f"string longer than {MAX_STRING} characters")
        if CODE_LIKE.search(value):
            raise self.fail(where, f"looks like code ({CODE_LIKE.search(value).group(0)!r}); rulesets are data")
        if pattern is not None and not pattern.match(value):
            raise self.fail(where, f"{value[:80]!r} does not match {pattern.pattern}")
        return value

    def keys(self, value: object, allowed: set[str], required: set[str], where: str) -> dict[str, Any]:
        problem = mapping_problem(value, allowed, required)
        if problem:
            raise self.fail(where, problem)
        return value  # type: ignore[return-value]  (a mapping: mapping_problem said so)

    def version(self, value: object, where: str) -> str:
        if not isinstance(value, str):      # unquoted, 1.10 is the number 1.1: the version would be wrong
            raise self.fail(where, f"must be a quoted string (\"{value}\"), not a {type(value).__name__}: "
                                   "YAML reads an unquoted 1.10 as the number 1.1")
        return self.string(value, where, VERSION)

    def bilingual(self, value: object, where: str) -> dict[str, str]:
        mapping = self.keys(value, LANGS, LANGS, where)
        return {lang: self.string(mapping[lang], f"{where}.{lang}") for lang in sorted(LANGS)}

    def scalar(self, value: object, where: str) -> object:
        if isinstance(value, bool) or value is None or isinstance(value, int | float):
            return value
        return self.string(value, where)

    def condition(self, value: object, where: str, depth: int = 0) -> dict[str, Any]:
        self.nodes += 1
        if depth > MAX_DEPTH:
            raise self.fail(where, f"condition nested deeper than {MAX_DEPTH}")
        if self.nodes > MAX_NODES:
            raise self.fail(where, f"condition has more than {MAX_NODES} nodes")
        if not isinstance(value, dict) or len(value) == 0:
            raise self.fail(where, "a condition must be a mapping")
        if set(value) <= {"all", "any"} and len(value) == 1:
            op = next(iter(value))
            items = value[op]
            if not isinstance(items, list) or not 0 < len(items) <= MAX_LIST:
                raise self.fail(f"{where}.{op}", f"must be a list of 1 to {MAX_LIST} conditions")
            return {op: [self.condition(item, f"{where}.{op}[{i}]", depth + 1) for i, item in enumerate(items)]}
        if set(value) == {"not"}:
            return {"not": self.condition(value["not"], f"{where}.not", depth + 1)}
        ops = [k for k in value if k != "field"]
        if "field" not in value or len(ops) != 1 or ops[0] not in COMPARISONS:
            raise self.fail(where, "a comparison is {field: NAME, OP: VALUE} with OP one of "
                            f"{', '.join(COMPARISONS)}; or all / any / not (got keys "
                            f"{', '.join(repr(str(k)[:30]) for k in list(value)[:5])})")
        name = value["field"]
        if not isinstance(name, str):
            raise self.fail(f"{where}.field", f"must be a field name, not a {type(name).__name__}")
        if name not in FIELDS:
            raise self.fail(f"{where}.field", f"unknown finding field {str(name)[:60]!r}")
        op = ops[0]
        operand = value[op]
        if op in ("in", "not_in"):
            if not isinstance(operand, list) or not 0 < len(operand) <= MAX_LIST:
                raise self.fail(f"{where}.{op}", f"must be a list of 1 to {MAX_LIST} values")
            operand = [self.scalar(v, f"{where}.{op}[{i}]") for i, v in enumerate(operand)]
        elif op in ("gt", "gte", "lt", "lte"):
            if isinstance(operand, bool) or not isinstance(operand, int | float | str):
                raise self.fail(f"{where}.{op}", "must be a number or a string")
            operand = self.scalar(operand, f"{where}.{op}")
        elif op == "exists":
            if not isinstance(operand, bool):
                raise self.fail(f"{where}.exists", "must be true or false")
        else:
            operand = self.scalar(operand, f"{where}.{op}")
        return {"field": name, op: operand}


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """The parser's problem and where, in one line."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{problem[:200]}" + (f" at line {mark.line + 1}" if mark is not None else "")


def _evidence(check: _Check, value: object, where: str) -> dict[str, list[str]]:
    """The evidence a rule requires, as {en: [..], nl: [..]} (or one list, then the same in both)."""
    lists = check.keys(value, LANGS, LANGS, where) if isinstance(value, dict) else {"en": value, "nl": value}
    out = {}
    for lang in sorted(LANGS):
        items = lists[lang]
        if not isinstance(items, list) or not 0 < len(items) <= MAX_LIST:
            raise check.fail(f"{where}.{lang}" if isinstance(value, dict) else where,
                             f"must be a list of 1 to {MAX_LIST} items")
        out[lang] = [check.string(e, f"{where}[{i}]") for i, e in enumerate(items)]
    return out


def _citation(check: _Check, value: object, where: str) -> Citation:
    """One typed citation: its kind's keys, closed vocabularies for instruments, courts and bodies, ISO dates,
    an ECLI that looks like one, and a statement whether it was checked against the primary text."""
    kind_name = value.get("kind") if isinstance(value, dict) else None
    if kind_name not in {k.value for k in CitationKind}:
        raise check.fail(f"{where}.kind", f"must be one of {', '.join(k.value for k in CitationKind)}")
    kind = CitationKind(kind_name)
    required, optional = CITATION_KEYS[kind]
    entry = check.keys(value, CITATION_COMMON | required | optional, {"kind", "verified"} | required, where)
    if not isinstance(entry["verified"], bool):
        raise check.fail(f"{where}.verified", "must be true or false (checked against the primary text?)")
    if entry["verified"] and "verified_against" not in entry:
        raise check.fail(f"{where}.verified_against", "a verified citation names the text it was checked against")
    if entry["verified"] and "checked" not in entry:
        raise check.fail(f"{where}.checked", "a verified citation gives the date it was checked (YYYY-MM-DD)")
    if not entry["verified"] and "note" not in entry:
        raise check.fail(f"{where}.note", "a citation not verified says what could not be found")
    fields: dict[str, Any] = {"kind": kind, "verified": entry["verified"]}
    for key in sorted(set(entry) - {"kind", "verified"}):
        if key in ("title", "text", "note", "verified_against") and isinstance(entry[key], dict):
            both = check.bilingual(entry[key], f"{where}.{key}")
            fields[key], fields[f"{key}_nl"] = both["en"], both["nl"]
        else:
            fields[key] = check.string(str(entry[key]), f"{where}.{key}")
    for key, allowed in (("instrument", INSTRUMENTS), ("court", COURTS), ("body", BODIES), ("document", DOCUMENTS)):
        if key in fields and fields[key] not in allowed:
            raise check.fail(f"{where}.{key}", f"{fields[key][:40]!r} is not one of {', '.join(allowed)}")
    for key in ("date", "checked"):
        if key in fields and not ISO_DATE.match(fields[key]):
            raise check.fail(f"{where}.{key}", "must be an ISO date (YYYY-MM-DD)")
    if "ecli" in fields and not ECLI.match(fields["ecli"]):
        raise check.fail(f"{where}.ecli", f"{fields['ecli'][:60]!r} is not an ECLI")
    return Citation(**fields)


def _reject_aliases(text: str, check: _Check) -> None:
    """One pass over the parser's events, before anything is built: no anchors, aliases or tags, and no
    nesting beyond MAX_YAML_DEPTH (building a 100,000-deep document took minutes, then a RecursionError)."""
    try:
        _parsed(lambda events, _: _check_events(yaml.parse(text, Loader=events), check))
    except yaml.YAMLError as exc:
        raise check.fail("yaml", f"not valid YAML ({_yaml_problem(exc)})") from None


def _check_events(events: Iterable[yaml.Event], check: _Check) -> None:
    depth = 0
    for event in events:
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise check.fail("yaml", "anchors and aliases are not allowed")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                mark = event.start_mark
                raise check.fail("yaml", f"nested deeper than {MAX_YAML_DEPTH} levels (line {mark.line + 1})")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if isinstance(event, (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)) and \
                event.tag and event.tag not in PLAIN_TAGS:
            raise check.fail("yaml", f"tag {event.tag[:60]!r} is not allowed")


def load_ruleset(path: Path) -> Ruleset:
    path = Path(path)
    check = _Check(path)
    raw = read_bounded(path, MAX_FILE_BYTES, "ruleset")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise check.fail("file", "not UTF-8 text") from None
    _reject_aliases(text, check)
    try:
        data = _parsed(lambda _, strict: yaml.load(text, Loader=strict))  # noqa: S506 (SafeLoaders: plain types)
    except yaml.YAMLError as exc:
        raise check.fail("yaml", f"not valid YAML ({_yaml_problem(exc)})") from None
    header = check.keys(data, HEADER_KEYS, HEADER_KEYS, "ruleset")
    if header["format"] != FORMAT:
        raise check.fail("format", f"must be {FORMAT}")
    rules_in = header["rules"]
    if not isinstance(rules_in, list) or not 0 < len(rules_in) <= MAX_RULES:
        raise check.fail("rules", f"must be a list of 1 to {MAX_RULES} rules")
    rules: list[Rule] = []
    seen: set[str] = set()
    for position, item in enumerate(rules_in):
        where = f"rules[{position}]"
        mapping = check.keys(item, RULE_KEYS, RULE_REQUIRED, where)
        rule_id = check.string(mapping["id"], f"{where}.id", RULE_ID)
        if rule_id in seen:
            raise check.fail(f"{where}.id", f"duplicate rule id {rule_id!r}")
        seen.add(rule_id)
        where = f"rule {rule_id}"
        citations = mapping["citations"]
        if not isinstance(citations, list) or not 0 < len(citations) <= MAX_LIST:
            raise check.fail(f"{where}.citations", f"must be a list of 1 to {MAX_LIST} citations")
        cited = tuple(_citation(check, citation, f"{where}.citations[{index}]")
                      for index, citation in enumerate(citations))
        evidence = _evidence(check, mapping["evidence_required"], f"{where}.evidence_required")
        severity = mapping["severity"]
        if severity not in SEVERITIES:
            raise check.fail(f"{where}.severity", f"must be one of {', '.join(SEVERITIES)}")
        check.nodes = 0
        rules.append(Rule(
            rule_id, check.version(mapping["version"], f"{where}.version"),
            check.bilingual(mapping["title"], f"{where}.title"),
            check.bilingual(mapping["reasoning"], f"{where}.reasoning"),
            check.string(mapping["source"], f"{where}.source"), cited,
            check.condition(mapping["condition"], f"{where}.condition"), severity,
            evidence["en"], evidence["nl"]))
    return Ruleset(path, check.string(header["name"], "name", RULE_ID),
                   check.version(header["version"], "version"),
                   check.string(header["description"], "description"), hashlib.sha256(raw).hexdigest(), rules)


def ruleset_files(directory: Path) -> list[Path]:
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(directory, "not a directory of rulesets")
    files = sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    if not files:
        raise InputError(directory, "contains no .yaml ruleset")
    return files


def load_rulesets(directory: Path) -> list[Ruleset]:
    rulesets = [load_ruleset(path) for path in ruleset_files(directory)]
    names = [r.name for r in rulesets]
    duplicate = sorted({n for n in names if names.count(n) > 1})
    if duplicate:
        raise InputError(directory, f"ruleset name {duplicate[0]!r} used by more than one file")
    return rulesets


def default_rules_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "rulesets"
