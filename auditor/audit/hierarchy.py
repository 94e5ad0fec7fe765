"""The screen's UI hierarchy as `uiautomator dump` writes it, parsed into typed nodes.

The XML comes from the device under audit, so it is untrusted (auditor/device/untrusted_xml.py). What is
kept is what consent and age-gate detection read: text, content description, resource id, class,
clickable / focused / checked, and the bounds in screen pixels.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass

from auditor.device.untrusted_xml import parse_device_xml
from auditor.errors import InputError

MAX_DUMP_BYTES = 4 << 20
WEBVIEW_CLASS = "android.webkit.WebView"
_BOUNDS = re.compile(r"^\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]$")


@dataclass(frozen=True)
class Bounds:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def area(self) -> int:
        return max(0, self.right - self.left) * max(0, self.bottom - self.top)

    @property
    def centre(self) -> tuple[int, int]:
        return (self.left + self.right) // 2, (self.top + self.bottom) // 2

    def contains(self, other: Bounds) -> bool:
        return (self.left <= other.left and self.top <= other.top and other.right <= self.right
                and other.bottom <= self.bottom)


@dataclass(frozen=True)
class Node:
    index: int                      # document order, 0 = the first node
    depth: int
    text: str
    content_desc: str
    resource_id: str
    cls: str
    package: str
    clickable: bool
    focused: bool
    bounds: Bounds
    parent: int | None = None       # the enclosing node's index; None at the top

    @property
    def label(self) -> str:
        """What a user reads (or a screen reader says) for this node."""
        return " ".join(part for part in (self.text.strip(), self.content_desc.strip()) if part)

    @property
    def editable(self) -> bool:
        return self.cls.endswith("EditText")


@dataclass(frozen=True)
class Hierarchy:
    nodes: tuple[Node, ...]
    rotation: int

    @property
    def screen(self) -> Bounds:
        """The largest node's bounds: the screen (or the app's window)."""
        return max((n.bounds for n in self.nodes), key=lambda b: b.area, default=Bounds(0, 0, 0, 0))

    def within(self, box: Bounds) -> Iterator[Node]:
        return (n for n in self.nodes if box.contains(n.bounds))

    def text(self) -> str:
        return " ".join(n.label for n in self.nodes if n.label)

    def in_webview(self, node: Node) -> bool:
        """The node is web content: an android.webkit.WebView encloses it."""
        at = node.parent
        while at is not None:
            if self.nodes[at].cls == WEBVIEW_CLASS:
                return True
            at = self.nodes[at].parent
        return False


def parse_hierarchy(data: bytes, source: str) -> Hierarchy:
    """Parse a uiautomator dump; InputError naming `source` when it is too large, declares a document type
    or is not a uiautomator hierarchy."""
    root = parse_device_xml(data, source, "UI dump", MAX_DUMP_BYTES, "hierarchy")
    nodes: list[Node] = []

    def walk(element: ET.Element, depth: int, parent: int | None) -> None:
        for child in element:
            if child.tag != "node":
                continue
            index = len(nodes)
            nodes.append(_node(child, index, depth, parent, source))
            walk(child, depth + 1, index)

    walk(root, 0, None)
    try:
        rotation = int(root.get("rotation", "0"))
    except ValueError:
        raise InputError(source, f"UI dump's rotation is not a number: {root.get('rotation')!r}") from None
    return Hierarchy(tuple(nodes), rotation)


def _node(element: ET.Element, index: int, depth: int, parent: int | None, source: str) -> Node:
    match = _BOUNDS.match(element.get("bounds", ""))
    if match is None:
        raise InputError(source, f"UI dump node {index} has no bounds like [l,t][r,b]: {element.get('bounds')!r}")
    return Node(index=index, depth=depth, text=element.get("text", ""),
                content_desc=element.get("content-desc", ""), resource_id=element.get("resource-id", ""),
                cls=element.get("class", ""), package=element.get("package", ""),
                clickable=element.get("clickable") == "true", focused=element.get("focused") == "true",
                bounds=Bounds(*(int(v) for v in match.groups())), parent=parent)
