"""Citations are data, formatted per language: the Dutch report cites in Dutch style, the English in English,
and every citation of the shipped ruleset renders in both without a placeholder or an unknown code."""

from __future__ import annotations

import json
import re

import pytest

from auditor.analyze.transfers import verification_problem
from auditor.contract.verdicts import Citation, CitationKind
from auditor.datasets.registry import verified_path
from auditor.report import assets
from auditor.report.citations import cite
from auditor.report.display import Display
from auditor.rules.schema import default_rules_dir, load_rulesets

CASES = [
    (Citation(kind=CitationKind.ARTICLE, instrument="gdpr", article="4", point="14"),
     "Art. 4(14) GDPR", "art. 4 punt 14 AVG"),
    (Citation(kind=CitationKind.ARTICLE, instrument="gdpr", article="5", paragraph="1", point="b"),
     "Art. 5(1)(b) GDPR", "art. 5 lid 1 onder b AVG"),
    (Citation(kind=CitationKind.ARTICLE, instrument="tw", article="11.7a", paragraph="1"),
     "Art. 11.7a(1) Telecommunicatiewet (NL)", "art. 11.7a lid 1 Tw"),
    (Citation(kind=CitationKind.RECITAL, instrument="gdpr", recital="38"), "Recital 38 GDPR", "overweging 38 AVG"),
    (Citation(kind=CitationKind.CASE, court="cjeu", number="C-673/17", name="Planet49", date="2019-10-01",
              ecli="ECLI:EU:C:2019:801"),
     "CJEU, Case C-673/17, Planet49, 1 October 2019, ECLI:EU:C:2019:801",
     "HvJ EU 1 oktober 2019, C-673/17, ECLI:EU:C:2019:801 (Planet49)"),
    (Citation(kind=CitationKind.CASE, court="cjeu", number="C-311/18", name="Schrems II", date="2020-07-16",
              ecli="ECLI:EU:C:2020:559", paras="104-105, 133-135"),
     "CJEU, Case C-311/18, Schrems II, 16 July 2020, ECLI:EU:C:2020:559, paras 104–105, 133–135",
     "HvJ EU 16 juli 2020, C-311/18, ECLI:EU:C:2020:559 (Schrems II), r.o. 104–105, 133–135"),
    (Citation(kind=CitationKind.GUIDELINE, body="wp29", document="opinion", number="13/2011",
              title="Opinion 13/2011 on Geolocation services on smart mobile devices (WP 185)", date="2011-05-16"),
     "Article 29 Working Party, Opinion 13/2011 on Geolocation services on smart mobile devices (WP 185), "
     "adopted 16 May 2011",
     "Groep artikel 29, Opinion 13/2011 on Geolocation services on smart mobile devices (WP 185), "
     "vastgesteld 16 mei 2011"),
    (Citation(kind=CitationKind.DECISION, body="commission", title="Implementing Decision (EU) 2023/1795",
              title_nl="Uitvoeringsbesluit (EU) 2023/1795", date="2023-07-10", article="1"),
     "European Commission, Implementing Decision (EU) 2023/1795, 10 July 2023, Art. 1",
     "Europese Commissie, Uitvoeringsbesluit (EU) 2023/1795, 10 juli 2023, art. 1"),
]


def _cite(c: Citation, lang: str) -> str:
    return cite(c, assets.translator(lang), lang, frozenset(assets.catalogue(lang)), Display(None))


@pytest.mark.parametrize("citation, english, dutch", CASES)
def test_citation_style_per_language(citation: Citation, english: str, dutch: str) -> None:
    assert _cite(citation, "en") == english
    assert _cite(citation, "nl") == dutch


def test_every_shipped_citation_renders_in_both_languages() -> None:
    citations = [c for ruleset in load_rulesets(default_rules_dir()) for rule in ruleset.rules
                 for c in rule.citations]
    # ruleset 1.4.0: 56 + 31 of the eight rules of issue #17 (22 of them verified); 1.5.0: + 6 of issue #16's
    # injected-script rule (3 verified)
    assert len(citations) == 93
    assert {c.kind for c in citations} == set(CitationKind)
    for lang, instrument_names in (("en", ("GDPR", "ePrivacy Directive (2002/58/EC)", "Telecommunicatiewet (NL)",
                                           "UAVG (Dutch GDPR Implementation Act)")),
                                   ("nl", ("AVG", "e-Privacyrichtlijn (2002/58/EG)", "Tw", "UAVG"))):
        for c in citations:
            text = _cite(c, lang)
            assert not re.search(r"\{|\}|None", text), text
            if c.kind in (CitationKind.ARTICLE, CitationKind.RECITAL):
                assert text.endswith(instrument_names), text
    # the case law is cited by number, name, date and ECLI, never as an "article"
    cases = {c.number: c for c in citations if c.kind is CitationKind.CASE}
    assert sorted(cases) == ["C-311/18", "C-673/17"]
    # the paragraphs as the official text numbers them (EUR-Lex, CELEX 62018CJ0311): the third country's law
    # at 104-105, supplementary measures at 133, the exporter's check at 134, suspension at 135
    assert cases["C-311/18"].paras == "104-105, 133-135" and cases["C-673/17"].ecli == "ECLI:EU:C:2019:801"
    # each says whether it was checked against its primary text: a checked one says against what and when, an
    # unchecked one what could not be found (docs/citations.md lists them)
    assert all(c.verified_against and c.checked for c in citations if c.verified)
    assert all(c.note and not c.verified_against for c in citations if not c.verified)
    assert sum(c.verified for c in citations) == 65
    assert sorted({c.instrument or c.number or c.kind.value for c in citations if not c.verified}) == [
        "03/2022", "05/2020", "2/2023", "3/2019", "9/2014", "decision", "eprivacy", "tw", "uavg"]


def test_an_unknown_code_is_printed_as_recorded() -> None:
    """verdicts.json from before typed citations named the instrument in free text: it is printed as is."""
    c = Citation(kind=CitationKind.ARTICLE, instrument="Wet op de geneeskundige behandelingsovereenkomst",
                 article="7:457", paragraph="1")
    assert _cite(c, "nl") == "art. 7:457 lid 1 Wet op de geneeskundige behandelingsovereenkomst"


def test_every_instrument_of_the_law_table_says_how_it_was_checked() -> None:
    """The dated law table (dataset eu-transfers) names a source for every adequacy decision and invalidation
    and whether it was checked against its primary text: a verified one against what and when, an unverified
    one what was seen and why it is not verified. 14 of 21 verified; the 7 not are listed in
    docs/citations.md (GG, IM, FO dates; the UK bridge period and renewal; the DPF's Art. 1; BR)."""
    table = json.loads(verified_path("eu-transfers").read_text(encoding="utf-8"))
    entries = table["adequacy"] + table["invalidations"]
    assert all(e["source"] and verification_problem(e) is None for e in entries)
    assert all(e["verified_against"] and e["checked"] for e in entries if e["verified"])
    unverified = sorted((e.get("country", "-"), e["instrument"]) for e in entries if not e["verified"])
    assert unverified == [
        ("BR", "Commission Implementing Decision (EU) 2026/179"),
        ("FO", "Commission Decision 2010/146/EU"),
        ("GB", "Commission Implementing Decision (EU) 2021/1772"),
        ("GB", "EU-UK Trade and Cooperation Agreement, Art. FINPROV.10A (specified period)"),
        ("GG", "Commission Decision 2003/821/EC"),
        ("IM", "Commission Decision 2004/411/EC"),
        ("US", "Commission Implementing Decision (EU) 2023/1795")]
    checked = sorted((e["instrument"], e["checked"]) for e in entries if e["checked"] == "2026-12-02")
    assert checked == [(name, "2026-12-02") for name in (
        "Commission Decision 2000/520/EC", "Commission Decision 2000/520/EC", "Commission Decision 2004/411/EC",
        "Commission Decision 2008/393/EC", "Commission Decision 2010/146/EU",
        "Commission Implementing Decision (EU) 2016/1250", "Commission Implementing Decision (EU) 2016/1250",
        "Commission Implementing Decision (EU) 2021/1772", "Commission Implementing Decision (EU) 2023/1795",
        "Commission Implementing Decision 2012/484/EU")]
    # the Privacy Shield's invalidation rests on the judgment's own operative part, not a law firm's page
    shield = next(e for e in table["invalidations"] if e["name"] == "EU-US Privacy Shield")
    assert shield["source"].startswith("EUR-Lex text of CJEU C-311/18") and shield["invalidated"] == "2020-07-16"


@pytest.mark.parametrize("change, problem", [
    ({"verified": "yes"}, "verified must be true or false"),
    ({"verified": True, "verified_against": None}, "names the text it was checked against"),
    ({"verified": False, "verification_note": ""}, "says in verification_note what was seen"),
    ({"checked": "2 December 2026"}, "checked must be a date"),
])
def test_a_law_table_entry_without_its_verification_is_refused(change: dict[str, object], problem: str) -> None:
    entry = {"instrument": "Commission Decision 2000/518/EC", "verified": True, "verified_against": "OJ L 215",
             "checked": "2026-11-22", "verification_note": None}
    assert verification_problem(entry) is None
    assert problem in (verification_problem(entry | change) or "")


def test_unverified_shipped_citations_carry_their_note_in_dutch() -> None:
    citations = [c for ruleset in load_rulesets(default_rules_dir()) for rule in ruleset.rules
                 for c in rule.citations if not c.verified]
    assert len(citations) == 28 and all(c.note_nl and c.note_nl != c.note for c in citations)
