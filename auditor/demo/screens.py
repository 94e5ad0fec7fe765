"""A screen drawn from elements: the UI hierarchy as `uiautomator dump` writes it (a Pixel's attributes, its
"hierchary" typo in the shell message aside) and a PNG as `screencap -p` does, for the simulated phone's
reference app (and the scripted phones of the device tests). An element has bounds and a fill colour; text
typed into an editable one replaces its hint, as on Android."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 1080, 2400
WHITE, BLUE, GREY, DARK, SHADE = (255, 255, 255), (26, 115, 232), (238, 238, 238), (32, 33, 36), (120, 120, 120)
TEXT, BUTTON, EDIT = "android.widget.TextView", "android.widget.Button", "android.widget.EditText"


@dataclass(frozen=True)
class Element:
    id: str
    cls: str
    text: str
    bounds: tuple[int, int, int, int]
    fill: tuple[int, int, int] = WHITE
    clickable: bool = False
    goto: str | None = None                 # the screen a tap leads to
    sets: dict[str, str] = field(default_factory=dict)   # what a tap stores (consent keys)

    @property
    def editable(self) -> bool:
        return self.cls == EDIT


def hit(elements: Sequence[Element], x: int, y: int) -> Element | None:
    """The clickable element a tap at (x, y) lands on (the topmost: the last drawn)."""
    return next((e for e in reversed(elements) if e.clickable
                 and e.bounds[0] <= x < e.bounds[2] and e.bounds[1] <= y < e.bounds[3]), None)


def _attrs(element: Element, text: str, package: str, focused: bool) -> dict[str, str]:
    left, top, right, bottom = element.bounds
    flag = {True: "true", False: "false"}
    return {"index": "0", "text": text, "resource-id": f"{package}:id/{element.id}" if element.id else "",
            "class": element.cls, "package": package, "content-desc": "", "checkable": "false",
            "checked": "false", "clickable": flag[element.clickable], "enabled": "true",
            "focusable": flag[element.clickable], "focused": flag[focused], "scrollable": "false",
            "long-clickable": "false", "password": "false", "selected": "false",
            "bounds": f"[{left},{top}][{right},{bottom}]"}


def hierarchy_xml(elements: Sequence[Element], package: str, typed: dict[str, str], focused: str | None) -> bytes:
    root = ET.Element("hierarchy", rotation="0")
    frame = ET.SubElement(root, "node", _attrs(Element("", "android.widget.FrameLayout", "", (0, 0, WIDTH, HEIGHT)),
                                                "", package, False))
    for element in elements:
        ET.SubElement(frame, "node", _attrs(element, typed.get(element.id, element.text), package,
                                            element.id == focused))
    return b"<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>" + ET.tostring(root)


def screenshot_png(elements: Sequence[Element], typed: dict[str, str]) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), SHADE)
    draw = ImageDraw.Draw(image)
    for element in elements:
        draw.rectangle(element.bounds, fill=element.fill)
        label = typed.get(element.id, element.text)
        if label:
            draw.text((element.bounds[0] + 8, element.bounds[1] + 8), label[:60], fill=DARK)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
