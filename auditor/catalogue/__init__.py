"""The privacy-API catalogue: privacy_apis.json beside this module, the one list of watched APIs and their
categories. The Frida agent's build imports the same file (hooks/src/catalogue.ts), the static scan reads it
through auditor/static/apis.py, and analysis takes a hook event's finding type from it.

The file is checked when read: an unknown key, a duplicate entry, an unknown category or a category whose
`used_by` is not the union of its APIs' is an InputError naming the file and the entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from auditor.errors import InputError
from auditor.inputs import mapping_problem

DATA_PATH = Path(__file__).resolve().parent / "privacy_apis.json"


class Consumer(StrEnum):
    HOOK = "hook"           # the Frida agent installs a hook
    STATIC = "static"       # the APK scan finds call sites


@dataclass(frozen=True)
class Category:
    id: str
    finding_type: str | None        # what analysis makes of a hook event in this category
    data_category: str | None       # the data category of that finding
    used_by: frozenset[Consumer]
    plumbing: bool                  # its events serve the analysis (e.g. request attribution), not a finding
    note: str | None


@dataclass(frozen=True)
class ArgMatch:
    index: int
    contains: str
    inlined_constant: str | None    # the static final String whose value `contains` is (javac/d8 inline it)


@dataclass(frozen=True)
class RequestOf:
    """Where an HTTP client call's request is (the receiver `this` or an argument position) and the steps, taken
    in turn, that give its absolute URL and its method: a zero-argument method's name, or "field:NAME" for a
    field (Cronet's requests have no getters). `call`: the steps from the receiver to the call object whose
    identity ties an OkHttp call to its request leaving the interceptor chain (empty: the receiver itself)."""
    source: str | int
    url: tuple[str, ...]
    method: tuple[str, ...]
    call: tuple[str, ...] | None = None
    method_default: str | None = None      # the method when the steps give null (Cronet: GET unless it has a body)


@dataclass(frozen=True)
class Api:
    class_name: str                 # dotted, as Java names it
    method: str                     # <init> for a constructor
    category: str
    used_by: frozenset[Consumer]
    via_implementations: bool
    arg_match: ArgMatch | None
    overload: tuple[str, ...] | None
    runtime: str | None = None      # "android" or "jvm": a runtime-internal class that exists only there
    request_of: RequestOf | None = None     # category http_call: how the agent reads the request

    @property
    def name(self) -> str:
        """class.method: the `api` of hook events and call sites."""
        return f"{self.class_name}.{self.method}"


@dataclass(frozen=True)
class Catalogue:
    categories: tuple[Category, ...]
    apis: tuple[Api, ...]

    def categories_used_by(self, consumer: Consumer) -> frozenset[str]:
        return frozenset(c.id for c in self.categories if consumer in c.used_by)

    def apis_used_by(self, consumer: Consumer) -> tuple[Api, ...]:
        return tuple(a for a in self.apis if consumer in a.used_by)

    def finding_types(self) -> dict[str, str]:
        """Hook category -> finding type, for the categories that make findings."""
        return {c.id: c.finding_type for c in self.categories if c.finding_type is not None}

    def data_categories(self) -> dict[str, str]:
        """Finding type -> the data category of that finding (one per finding type, checked when read)."""
        return {c.finding_type: c.data_category for c in self.categories
                if c.finding_type is not None and c.data_category is not None}


_TOP_KEYS = {"description", "categories", "apis"}
_CATEGORY_KEYS = {"id", "finding_type", "data_category", "used_by", "plumbing", "note"}
_API_KEYS = {"class", "method", "category", "used_by", "via_implementations", "arg_match", "overload", "runtime",
             "request_of"}
_REQUEST_OF_KEYS = {"from", "url", "method", "call", "method_default"}
REQUEST_CATEGORIES = ("http_call", "http_chain")     # the categories that read a request object (request_of)
FIELD_STEP = "field:"
RUNTIMES = ("android", "jvm")
_ARG_MATCH_KEYS = {"index", "contains", "inlined_constant"}


class _Reader:
    """Checks one parsed file; every problem names the file and the entry."""

    def __init__(self, source: Path):
        self.source = source

    def fail(self, where: str, problem: str) -> InputError:
        return InputError(self.source, f"{where}: {problem}")

    def obj(self, value: Any, where: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
        problem = mapping_problem(value, allowed, required)
        if problem:
            raise self.fail(where, problem)
        return value

    def text(self, value: Any, where: str, optional: bool = False) -> Any:
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, "must be a non-empty string" + (" or null" if optional else ""))
        return value

    def flag(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, "must be true or false")
        return value

    def consumers(self, value: Any, where: str) -> frozenset[Consumer]:
        known = [c.value for c in Consumer]
        if not isinstance(value, list) or not value or any(v not in known for v in value) \
                or len(set(value)) != len(value):
            raise self.fail(where, f"used_by must list one or more of {', '.join(known)}, each once")
        return frozenset(Consumer(v) for v in value)

    def category(self, raw: Any, index: int) -> Category:
        where = f"categories[{index}]"
        raw = self.obj(raw, where, _CATEGORY_KEYS, {"id", "finding_type", "data_category", "used_by"})
        where = f"{where} ({self.text(raw['id'], where + '.id')})"
        category = Category(raw["id"], self.text(raw["finding_type"], where + ".finding_type", optional=True),
                            self.text(raw["data_category"], where + ".data_category", optional=True),
                            self.consumers(raw["used_by"], where), self.flag(raw.get("plumbing", False), where),
                            self.text(raw.get("note"), where + ".note", optional=True))
        if (category.finding_type is None) != (category.data_category is None):
            raise self.fail(where, "finding_type and data_category are both given or both null")
        if category.finding_type is None:
            # a hooked privacy category must make a finding; the others say why they make none
            if not category.plumbing and Consumer.HOOK in category.used_by:
                raise self.fail(where, "a hooked category needs a finding_type unless it is plumbing")
            if category.note is None:
                raise self.fail(where, "a category without a finding_type needs a note saying why")
        elif category.plumbing:
            raise self.fail(where, "a plumbing category makes no finding: finding_type must be null")
        return category

    def api(self, raw: Any, index: int, categories: set[str]) -> Api:
        where = f"apis[{index}]"
        raw = self.obj(raw, where, _API_KEYS, {"class", "method", "category", "used_by"})
        where = f"{where} ({self.text(raw['class'], where + '.class')}.{self.text(raw['method'], where + '.method')})"
        if not isinstance(raw["category"], str) or raw["category"] not in categories:
            raise self.fail(where, f"unknown category {raw['category']!r}")
        api = Api(raw["class"], raw["method"], raw["category"], self.consumers(raw["used_by"], where),
                  self.flag(raw.get("via_implementations", False), where), self.arg_match(raw.get("arg_match"), where),
                  self.overload(raw.get("overload"), where), raw.get("runtime"),
                  self.request_of(raw.get("request_of"), where))
        if (api.category in REQUEST_CATEGORIES) != (api.request_of is not None):
            raise self.fail(where, f"request_of is needed by, and only by, categories {', '.join(REQUEST_CATEGORIES)}")
        if api.runtime is not None and api.runtime not in RUNTIMES:
            raise self.fail(where, f"runtime must be one of {', '.join(RUNTIMES)}")
        if Consumer.STATIC in api.used_by and api.arg_match is not None and api.arg_match.inlined_constant is None:
            raise self.fail(where, "the static scan sees an argument only as an inlined constant: "
                                   "arg_match needs inlined_constant, or the entry is for the hook only")
        return api

    def arg_match(self, raw: Any, where: str) -> ArgMatch | None:
        if raw is None:
            return None
        raw = self.obj(raw, where + ".arg_match", _ARG_MATCH_KEYS, {"index", "contains"})
        if not isinstance(raw["index"], int) or isinstance(raw["index"], bool) or raw["index"] < 0:
            raise self.fail(where, "arg_match.index must be an argument position (0 or more)")
        return ArgMatch(raw["index"], self.text(raw["contains"], where + ".arg_match.contains"),
                        self.text(raw.get("inlined_constant"), where + ".arg_match.inlined_constant", optional=True))

    def request_of(self, raw: Any, where: str) -> RequestOf | None:
        if raw is None:
            return None
        raw = self.obj(raw, where + ".request_of", _REQUEST_OF_KEYS, {"from", "url", "method"})
        source = raw["from"]
        if source != "this" and (not isinstance(source, int) or isinstance(source, bool) or source < 0):
            raise self.fail(where, 'request_of.from must be "this" or an argument position (0 or more)')
        chains = [self.steps(raw[key], where, key, empty=False) for key in ("url", "method")]
        call = None if raw.get("call") is None else self.steps(raw["call"], where, "call", empty=True)
        default = self.text(raw.get("method_default"), where + ".request_of.method_default", optional=True)
        return RequestOf(source, chains[0], chains[1], call, default)

    def steps(self, chain: Any, where: str, key: str, empty: bool) -> tuple[str, ...]:
        def step(name: Any) -> bool:
            return isinstance(name, str) and name.removeprefix(FIELD_STEP).isidentifier()
        if not isinstance(chain, list) or (not chain and not empty) or not all(step(name) for name in chain):
            raise self.fail(where, f"request_of.{key} must be a {'' if empty else 'non-empty '}list of method "
                                   f"names or {FIELD_STEP}NAME")
        return tuple(chain)

    def overload(self, raw: Any, where: str) -> tuple[str, ...] | None:
        if raw is None:
            return None
        if not isinstance(raw, list):
            raise self.fail(where, "overload must be a list of Java type names")
        return tuple(self.text(t, where + ".overload") for t in raw)

    def catalogue(self, raw: Any) -> Catalogue:
        raw = self.obj(raw, "top level", _TOP_KEYS, _TOP_KEYS)
        if not isinstance(raw["categories"], list) or not isinstance(raw["apis"], list):
            raise self.fail("top level", "categories and apis must be lists")
        if not isinstance(raw["description"], list) or not all(isinstance(d, str) for d in raw["description"]):
            raise self.fail("description", "must be a list of strings")
        categories = tuple(self.category(c, i) for i, c in enumerate(raw["categories"]))
        ids = [c.id for c in categories]
        for i, category_id in enumerate(ids):
            if category_id in ids[:i]:
                raise self.fail(f"categories[{i}] ({category_id})", "duplicate category")
        apis = tuple(self.api(a, i, set(ids)) for i, a in enumerate(raw["apis"]))
        seen: set[tuple[object, ...]] = set()
        for i, api in enumerate(apis):
            key = (api.class_name, api.method, api.overload, api.arg_match)
            # the static scan matches class.method over every overload: one entry per method for it
            static_key = (api.class_name, api.method) if Consumer.STATIC in api.used_by else None
            if key in seen or static_key in seen:
                raise self.fail(f"apis[{i}] ({api.name})", "duplicate entry")
            seen |= {key, static_key} - {None}
        for i, category in enumerate(categories):
            first = next(c for c in categories if c.finding_type == category.finding_type)
            if first.data_category != category.data_category:
                raise self.fail(f"categories[{i}] ({category.id})", f"finding type {category.finding_type} has data "
                                f"category {first.data_category} in {first.id}, not {category.data_category}")
            used = frozenset().union(*(a.used_by for a in apis if a.category == category.id))
            if used != category.used_by:
                raise self.fail(f"categories[{i}] ({category.id})", f"used_by {_names(category.used_by)} is not "
                                f"what its APIs say ({_names(used) or 'no API'})")
        return Catalogue(categories, apis)


def _names(consumers: frozenset[Consumer]) -> str:
    return ", ".join(sorted(c.value for c in consumers))


def load(path: Path = DATA_PATH) -> Catalogue:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(path, f"cannot read the privacy-API catalogue: {exc}") from None
    return _Reader(path).catalogue(raw)


PRIVACY_APIS = load()
