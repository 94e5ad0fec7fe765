"""Reading report outputs back: HTML structure, PDF text (pypdf), CSV rows."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser
from pathlib import Path

from pypdf import PdfReader


class Structure(HTMLParser):
    """Tags, attributes and text of an HTML document, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(path: Path) -> Structure:
    parser = Structure()
    parser.feed(path.read_text("utf-8"))
    parser.close()
    return parser


def pdf_text(path: Path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8"))))
