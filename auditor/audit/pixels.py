"""How much a control's fill stands out from its dialog, from the screenshot: the WCAG 2 contrast ratio
between the fill colours of the two regions (1.0 = the same, 21.0 = black on white). A region's fill is
its most frequent colour: a button's background rather than its label, a dialog's rather than its text."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from auditor.audit.hierarchy import Bounds
from auditor.errors import InputError

MAX_PIXELS = 40_000_000


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _fill(image: Image.Image, box: Bounds) -> tuple[int, int, int]:
    region = image.crop((box.left, box.top, box.right, box.bottom))
    colours = region.getcolors(maxcolors=max(1, region.width * region.height))
    _count, colour = max(colours or [(0, (0, 0, 0))])
    return colour


def contrast_ratios(png: bytes, source: str, backdrop: Bounds, regions: dict[int, Bounds]) -> dict[int, float]:
    """Per region (keyed as given), its contrast ratio with the backdrop; InputError naming `source` for a
    file that is not a readable image or is larger than MAX_PIXELS."""
    try:
        with Image.open(io.BytesIO(png)) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                raise InputError(source, f"screenshot of {opened.width}x{opened.height} is larger than "
                                         f"{MAX_PIXELS} pixels")
            image = opened.convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise InputError(source, f"screenshot is not a readable image: {exc}") from None
    back = _luminance(_fill(image, backdrop))
    ratios = {}
    for key, box in regions.items():
        fill = _luminance(_fill(image, box))
        light, dark = max(fill, back), min(fill, back)
        ratios[key] = (light + 0.05) / (dark + 0.05)
    return ratios
