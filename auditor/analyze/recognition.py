"""Recognition as data: the declarative ruleset of auditor/recognition/recognition.yaml, checked and
applied to a decoded message's fields.

- families: a field whose normalised name (camelCase, kebab-case and header prefixes folded to snake_case:
  advertisingId, X-Advertising-Id and advertising-id are all advertising_id) is in the family and whose
  value has the family's format is that data type, wherever it appears;
- endpoints: for requests to the named hosts (or, for a protocol an SDK speaks to any host, to the given URL
  paths), fields at the given paths (list indices as *, the context
  (body, query, header, a WebSocket message) and decoding layers left out) are the given data type.
Each hit names its rule, which carries its reasoning and source. The ruleset's version and SHA-256 go into
inputs.json as a dataset used (run.py), so a verdict can be traced to the exact rules that recognised it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from auditor.analyze.decode import Decoded
from auditor.analyze.personal import MAX_VALUE_SHOWN, ZERO_UUID, Hit, luhn
from auditor.contract.document import Bilingual
from auditor.contract.vocabulary import DataCategory
from auditor.errors import InputError

RULESET = Path(__file__).resolve().parent.parent / "recognition" / "recognition.yaml"
FORMAT = "auditor-recognition/1"
MAX_RULESET = 1 << 20
NAME = re.compile(r"^[a-z0-9_]{1,64}$")
CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
INDEX = re.compile(r"\[[0-9]+\]")
LAYER = re.compile(r"<[^<>]*>")


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")      # lax: YAML lists become tuples


class Reasoning(Strict):
    """Why a rule takes a field for personal data, in both report languages (both required)."""
    en: str = Field(min_length=10)
    nl: str = Field(min_length=10)

    def text(self) -> Bilingual:
        return Bilingual(en=self.en, nl=self.nl)


class Family(Strict):
    id: str = Field(pattern=r"^[a-z0-9-]{1,64}$")
    data_type: DataCategory
    names: tuple[str, ...] = Field(min_length=1)
    format: str
    luhn: bool = False
    reasoning: Reasoning
    source: str = Field(min_length=3)

    @field_validator("names")
    @classmethod
    def normalised(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        bad = [name for name in names if not NAME.match(name) or normalise(name) != name]
        if bad:
            raise ValueError(f"names must be written normalised (snake_case): {bad[:5]}")
        return names


class EndpointField(Strict):
    paths: tuple[str, ...] = Field(min_length=1)
    data_type: DataCategory
    format: str
    reasoning: Reasoning


class Endpoint(Strict):
    id: str = Field(pattern=r"^[a-z0-9-]{1,64}$")
    hosts: tuple[str, ...] = ()
    # URL paths (regular expressions, matched from the path's start) of a protocol an SDK speaks to any host,
    # e.g. Sentry's envelope endpoint on a self-hosted relay under the app's own domain
    url_paths: tuple[str, ...] = ()
    source: str = Field(min_length=3)
    fields: tuple[EndpointField, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def addressed(self) -> Endpoint:
        if not self.hosts and not self.url_paths:
            raise ValueError("an endpoint needs hosts or url_paths")
        for text in self.url_paths:
            try:
                re.compile(text)
            except re.error as exc:
                raise ValueError(f"url_paths: {text!r} is not a regular expression ({exc})") from None
        return self


class RecognitionRuleset(Strict):
    format: str = Field(pattern=rf"^{re.escape(FORMAT)}$")
    version: str = Field(min_length=1, max_length=32)
    formats: dict[str, str]
    families: tuple[Family, ...]
    endpoints: tuple[Endpoint, ...]


@lru_cache(maxsize=1 << 16)       # field names and locations repeat across a capture's messages
def normalise(name: str) -> str:
    """advertisingId, Advertising-Id, X-Advertising-Id, x_advertising_id -> advertising_id."""
    snake = CAMEL.sub("_", name.strip()).replace("-", "_").lower()
    return snake[2:] if snake.startswith("x_") else snake


@lru_cache(maxsize=1 << 16)
def field_paths(location: str) -> tuple[str, str]:
    """body<gzip>.events[0].device.id -> (events.0.device.id, events.*.device.id): what endpoint paths are
    written against, with the index as given and as *."""
    plain = LAYER.sub("", location)
    concrete = INDEX.sub(lambda match: "." + match.group(0)[1:-1], plain).partition(".")[2]
    return concrete, INDEX.sub(".*", plain).partition(".")[2]


@dataclass(frozen=True)
class Rule:
    """One compiled rule: what a hit names."""
    id: str
    data_type: str
    pattern: re.Pattern[str]
    reasoning: Bilingual
    source: str
    luhn: bool = False


class Recogniser:
    def __init__(self, ruleset: RecognitionRuleset, sha256: str):
        self.version, self.sha256 = ruleset.version, sha256
        patterns = {name: re.compile(text) for name, text in ruleset.formats.items()}
        self.by_name: dict[str, Rule] = {}
        for family in ruleset.families:
            rule = Rule(family.id, family.data_type.value, patterns[family.format], family.reasoning.text(),
                        family.source, family.luhn)
            for name in family.names:
                self.by_name.setdefault(name, rule)
        self.endpoints: list[tuple[tuple[str, ...], re.Pattern[str] | None, dict[str, Rule]]] = []
        for endpoint in ruleset.endpoints:
            paths = {}
            for item in endpoint.fields:
                rule = Rule(endpoint.id, item.data_type.value, patterns[item.format], item.reasoning.text(),
                            endpoint.source)
                paths.update(dict.fromkeys(item.paths, rule))
            url_paths = re.compile("|".join(f"(?:{text})" for text in endpoint.url_paths)) if endpoint.url_paths \
                else None
            self.endpoints.append((endpoint.hosts, url_paths, paths))

    @lru_cache(maxsize=1024)        # noqa: B019 (one recogniser per ruleset file, kept for the process)
    def _by_host(self, host: str) -> tuple[int, ...]:
        host = host.lower().rstrip(".")
        return tuple(i for i, (hosts, _, _) in enumerate(self.endpoints)
                     if any(host == suffix or host.endswith(f".{suffix}") for suffix in hosts))

    @lru_cache(maxsize=4096)        # noqa: B019 (a capture's requests go to a few hosts and paths)
    def scope(self, host: str, url_path: str) -> tuple[int, ...]:
        """The endpoints whose rules apply to a request: by host, or by a protocol's URL path. What a message's
        hits depend on besides its fields, so a small key for the caches (not the path itself: URLs differ)."""
        by_path = tuple(i for i, (_, url_paths, _) in enumerate(self.endpoints)
                        if url_paths is not None and url_paths.match(url_path))
        by_host = self._by_host(host)
        return tuple(sorted(set(by_host) | set(by_path))) if by_path else by_host

    @lru_cache(maxsize=1024)        # noqa: B019
    def _paths(self, scope: tuple[int, ...]) -> dict[str, Rule]:
        out: dict[str, Rule] = {}
        for index in scope:
            out.update(self.endpoints[index][2])
        return out

    @lru_cache(maxsize=1 << 17)     # noqa: B019 (fields repeat across messages: one decision per field)
    def _rule(self, scope: tuple[int, ...], location: str, key: str, value: str) -> tuple[Rule, str] | None:
        """The rule that makes this field personal data, and the name it goes by; None if none does."""
        if not value or value.lower() in ("null", "none") or value == ZERO_UUID:
            return None
        paths = self._paths(scope)
        rule, what = None, normalise(key.rsplit(".", 1)[-1])
        if paths:
            concrete, starred = field_paths(location)
            rule = paths.get(concrete) or paths.get(starred)
            what = concrete if rule else what
        rule = rule or self.by_name.get(what)
        if rule is None or not rule.pattern.match(value) or (rule.luhn and not luhn(value)):
            return None
        return rule, what

    def recognise(self, decoded: Decoded, host: str, url_path: str = "") -> list[Hit]:
        """url_path: the request's path without its query."""
        return self.recognise_in(decoded, self.scope(host, url_path))

    def recognise_in(self, decoded: Decoded, scope: tuple[int, ...]) -> list[Hit]:
        hits: dict[tuple[str, str], Hit] = {}
        for location, key, value in decoded.fields:
            value = value.strip()
            found = self._rule(scope, location, key, value)
            if found is not None:
                rule, what = found
                hits.setdefault((rule.id, location), Hit(rule.data_type, what, "raw", location,
                                                         value[:MAX_VALUE_SHOWN], f"recognised:{rule.id}",
                                                         reasoning=rule.reasoning))
        return list(hits.values())


def load(path: Path = RULESET) -> Recogniser:
    """The ruleset, refused with the file and the problem named when it does not hold to its schema."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read ({exc.strerror})") from None
    if len(raw) > MAX_RULESET:
        raise InputError(path, f"larger than {MAX_RULESET} bytes")
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)      # libyaml where PyYAML was built with it
        for event in yaml.parse(raw, Loader=loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise InputError(path, "anchors and aliases are not allowed")
        data = yaml.load(raw, Loader=loader)  # noqa: S506 (a safe loader)
        ruleset = RecognitionRuleset.model_validate(data)
    except yaml.YAMLError as exc:
        raise InputError(path, f"not valid YAML ({str(exc).splitlines()[0][:200]})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(path, f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    used = {rule.format for rule in ruleset.families} | {item.format for endpoint in ruleset.endpoints
                                                         for item in endpoint.fields}
    unknown = sorted(used - set(ruleset.formats))
    if unknown:
        raise InputError(path, f"formats used but not defined: {unknown}")
    for name, text in ruleset.formats.items():
        try:
            re.compile(text)
        except re.error as exc:
            raise InputError(path, f"formats.{name}: not a regular expression ({exc})") from None
    return Recogniser(ruleset, hashlib.sha256(raw).hexdigest())


@cache
def default() -> Recogniser:
    return load()
