"""XML the device under audit wrote (a UI dump, a SharedPreferences file), parsed as untrusted input: its
size bounded, and a document type declaration — the only way to declare, and so to expand, entities —
refused before the standard library's parser sees it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from auditor.errors import InputError


def parse_device_xml(data: bytes, source: str, what: str, limit: int, root_tag: str) -> ET.Element:
    """The root element; InputError naming `source` and `what` when the file is larger than `limit`, declares
    a document type or entities, is not well-formed, or its root is not `root_tag`."""
    if len(data) > limit:
        raise InputError(source, f"{what} of {len(data)} bytes is larger than the {limit}-byte limit")
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise InputError(source, f"{what} declares a document type or entities; the device never writes one")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise InputError(source, f"{what} is not well-formed XML: {exc}") from None
    if root.tag != root_tag:
        raise InputError(source, f"{what}'s root element is <{root.tag}>, not <{root_tag}>")
    return root
