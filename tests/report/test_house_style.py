"""--template-dir: a firm's templates and stylesheet replace ours by name, with the same guarantees — captured
values escaped, nothing that runs or fetches — and a clear error naming the file when they would break them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from auditor.case import keys
from auditor.errors import InputError
from auditor.report.assets import _root
from auditor.report.render import write_report

from .casefactory import HOSTILE_SCRIPT, BuiltCase
from .helpers import parse_html

FIRM_CSS = "body { font-family: serif; } .firm { color: #123456; }"


def firm(tmp_path: Path, cover_extra: str = "", css: str = FIRM_CSS) -> Path:
    """A house style: our cover with the firm's letterhead added, and the firm's stylesheet."""
    directory = tmp_path / "house"
    (directory / "sections").mkdir(parents=True)
    cover = (_root() / "templates" / "sections" / "cover.html.j2").read_text("utf-8")
    (directory / "sections" / "cover.html.j2").write_text(cover.replace(
        '<p class="kicker">', f'<p class="firm">Kantoor De Vries &amp; Partners</p>{cover_extra}<p class="kicker">', 1),
        "utf-8")
    (directory / "report.css").write_text(css, "utf-8")
    return directory


def test_house_style_replaces_templates_and_stylesheet(hostile_case: BuiltCase, tmp_path: Path) -> None:
    key, _ = keys.load_or_create()
    out = write_report(hostile_case.root, ("html",), "en", False, tmp_path / "r", key,
                       template_dir=firm(tmp_path)).directory
    page = (out / "report.html").read_text("utf-8")
    assert '<p class="firm">Kantoor De Vries &amp; Partners</p>' in page
    assert f"<style>{FIRM_CSS}</style>" in page
    assert HOSTILE_SCRIPT not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    doc = parse_html(out / "report.html")
    assert not {tag for tag, _ in doc.tags} & {"script", "img", "link"}
    # the other templates are ours
    assert [a["id"] for tag, a in doc.tags if tag == "section" and "id" in a][:2] == ["expert", "scope"]


@pytest.mark.parametrize("cover_extra, css, problem", [
    ('{{ model.case.case_id|safe }}', FIRM_CSS, "a house-style template may not bypass escaping ('|safe')"),
    ('{% autoescape false %}x{% endautoescape %}', FIRM_CSS,
     "a house-style template may not bypass escaping ('{% autoescape')"),
    ('<img src="https://firm.example/logo.png">', FIRM_CSS,
     "the house style's report is not self-contained: it has <img>"),
    ('<a href="https://firm.example/">site</a>', FIRM_CSS,
     "the house style's report is not self-contained: it has <a href=...>"),
    ("", "@import 'https://firm.example/fonts.css';", "the stylesheet must not fetch anything ('@import')"),
    ("", "body { background: URL(https://firm.example/x.png) }", "the stylesheet must not fetch anything ('URL(')"),
])
def test_house_style_that_would_break_a_guarantee_is_refused(sealed_case: BuiltCase, tmp_path: Path,
                                                             cover_extra: str, css: str, problem: str) -> None:
    key, _ = keys.load_or_create()
    house = firm(tmp_path, cover_extra, css)
    with pytest.raises(InputError) as refused:
        write_report(sealed_case.root, ("html",), "en", False, tmp_path / "r", key, template_dir=house)
    assert problem in str(refused.value)
    assert str(house) in str(refused.value)
    assert not (tmp_path / "r").exists()


def test_house_style_file_must_be_a_regular_file(sealed_case: BuiltCase, tmp_path: Path) -> None:
    house = firm(tmp_path)
    (house / "report.css").unlink()
    (house / "report.css").symlink_to("/etc/hostname")
    key, _ = keys.load_or_create()
    with pytest.raises(InputError) as refused:
        write_report(sealed_case.root, ("html",), "en", False, tmp_path / "r", key, template_dir=house)
    assert str(refused.value) == (f"{house / 'report.css'}: a house-style file must be a regular file, not a link "
                                  "or a directory")
    shutil.rmtree(house)
    with pytest.raises(InputError, match="--template-dir: no such directory"):
        write_report(sealed_case.root, ("html",), "en", False, tmp_path / "r", key, template_dir=house)
