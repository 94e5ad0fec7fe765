"""Network endpoints written into the APK: URLs in dex string data, resources and text assets.

URLs are found in the raw bytes (dex strings are NUL-terminated MUTF-8; resource string pools are UTF-8 or
UTF-16LE), so no string table has to be decoded. Only what is written literally is found: URLs built at run
time or fetched from a server are not, and a found URL says nothing about whether it is ever contacted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import numpy as np

from auditor.static.classes import MethodKey, Program
from auditor.static.dex import Dex

_URL8 = re.compile(rb"https?://[A-Za-z0-9.\-_~:/?#\[\]@!$&'()*+,;=%]{3,2048}")
_URL16 = re.compile(rb"h\0t\0t\0p\0(?:s\0)?:\0/\0/\0(?:[\x21-\x7e]\0){3,2048}")
XML_NAMESPACE_HOSTS = frozenset({"schemas.android.com", "www.w3.org", "schema.org", "ns.adobe.com", "xmlpull.org",
                                 "schemas.xmlsoap.org", "www.apache.org", "apache.org"})
TEXT_SUFFIXES = (".xml", ".json", ".txt", ".properties", ".html", ".js", ".cfg", ".conf", ".yaml", ".yml")
MAX_TEXT_ENTRY = 4 * 1024**2      # larger assets are not scanned for URLs (and are listed as not scanned)


MAX_LOADERS_LISTED = 10


@dataclass
class Endpoint:
    url: str
    host: str
    sources: set[str] = field(default_factory=set)
    loaded_by: list[dict[str, object]] = field(default_factory=list)   # code that loads the string

    def as_dict(self) -> dict[str, object]:
        return {"url": self.url, "host": self.host, "sources": sorted(self.sources),
                "loaded_by": self.loaded_by[:MAX_LOADERS_LISTED], "loaded_by_total": len(self.loaded_by)}


def _clean(raw: str) -> str | None:
    url = raw.rstrip(".,;:)'\"]")
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return None
    if not host or "." not in host or host in XML_NAMESPACE_HOSTS:
        return None
    return url


class EndpointCollector:
    def __init__(self) -> None:
        self.found: dict[str, Endpoint] = {}

    def scan(self, source: str, data: bytes) -> None:
        texts = [m.group().decode("ascii", "replace") for m in _URL8.finditer(data)]
        texts += [m.group().decode("utf-16-le", "replace") for m in _URL16.finditer(data)]
        for text in texts:
            url = _clean(text)
            if url is not None:
                endpoint = self.found.setdefault(url, Endpoint(url, (urlsplit(url).hostname or "").lower()))
                endpoint.sources.add(source)

    def add_loader(self, url: str, loader: dict[str, object]) -> None:
        endpoint = self.found.get(url)
        if endpoint is not None and loader not in endpoint.loaded_by:
            endpoint.loaded_by.append(loader)
            endpoint.loaded_by.sort(key=lambda item: (str(item["caller"]), str(item["method"])))

    def as_list(self) -> list[dict[str, object]]:
        return [self.found[url].as_dict() for url in sorted(self.found)]


def url_loaders(dex: Dex, program: Program) -> dict[str, list[MethodKey]]:
    """URL -> the methods whose const-string loads the dex string that contains it."""
    starts = np.sort(dex.string_offsets.astype(np.int64))
    loaders: dict[str, list[MethodKey]] = {}
    for match in _URL8.finditer(dex.data):
        url = _clean(match.group().decode("ascii", "replace"))
        if url is None:
            continue
        pos = int(np.searchsorted(starts, match.start(), "right")) - 1
        if pos < 0:
            continue
        idx = dex.find_string(dex.string_at(int(starts[pos])))
        if idx is None or url not in dex.string(idx):
            continue        # the bytes were not inside a string of the string table
        sites = program.confirmed_sites(dex, dex.const_string_candidates(idx))
        loaders.setdefault(url, []).extend(caller for caller, _m, _o in sites)
    return loaders


def is_text_resource(name: str) -> bool:
    return name == "resources.arsc" or name.startswith(("res/", "assets/")) and name.endswith(TEXT_SUFFIXES)
