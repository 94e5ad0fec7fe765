"""Citations as the report prints them: one typed record (auditor/contract/verdicts.py Citation) formatted in
the report's language — "Art. 5(1)(b) GDPR" / "art. 5 lid 1 onder b AVG", "CJEU, Case C-673/17, Planet49,
1 October 2019, ECLI:EU:C:2019:801" / "HvJ EU 1 oktober 2019, C-673/17, ECLI:EU:C:2019:801 (Planet49)" —
every word from the catalogue, with a mark where the source was not checked against its primary text."""

from __future__ import annotations

from collections.abc import Callable

from auditor.contract.verdicts import Citation, CitationKind
from auditor.report.display import Display

Translate = Callable[..., str]


def _date(iso: str | None, t: Translate) -> str:
    if not iso:
        return ""
    year, month, day = iso.split("-")
    return t("cite.date", day=int(day), month=t("cite.months").split(",")[int(month) - 1], year=year)


def _article(c: Citation, t: Translate) -> str:
    text = c.article or ""
    if c.paragraph:
        text += t("cite.paragraph", n=c.paragraph)
    if c.point:
        text += t("cite.point" if c.paragraph else "cite.point_alone", n=c.point)
    return text


def cite(c: Citation, t: Translate, lang: str, keys: frozenset[str], d: Display) -> str:
    """The citation in the report's language (plain text; the template escapes it). A code the catalogue
    does not name (a ruleset's own instrument) is printed as the ruleset gives it."""
    def name(prefix: str, code: str | None) -> str:
        return t(f"{prefix}.{code}") if f"{prefix}.{code}" in keys else (code or "")
    if c.kind is CitationKind.ARTICLE:
        text = t("cite.article", article=_article(c, t), instrument=name("cite.instrument", c.instrument))
    elif c.kind is CitationKind.RECITAL:
        text = t("cite.recital", recital=c.recital, instrument=name("cite.instrument", c.instrument))
    elif c.kind is CitationKind.CASE:
        text = t("cite.case", court=name("cite.court", c.court), number=c.number, name=c.name,
                 date=_date(c.date, t), ecli=c.ecli)
    elif c.kind is CitationKind.GUIDELINE:
        text = t("cite.guideline", body=name("cite.body", c.body), title=c.title, date=_date(c.date, t))
    else:
        title = c.title_nl if lang == "nl" and c.title_nl else c.title
        text = t("cite.decision", body=name("cite.body", c.body), title=title, date=_date(c.date, t))
        if c.article:
            text += t("cite.decision_article", article=_article(c, t))
    if c.paras:
        text += t("cite.paras", paras=c.paras.replace("-", "–"))
    return d.plain(text)
