"""`auditor diff` over two analysed cases with a known difference (casefactory's versions 1.0 and 2.0)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from auditor.cli import cli

from .casefactory import build_case
from .helpers import parse_html


def test_diff_of_two_app_versions(tmp_path: Path) -> None:
    old, new = build_case(tmp_path / "v1", "1.0"), build_case(tmp_path / "v2", "2.0")
    result = CliRunner().invoke(cli, ["diff", str(old.root), str(new.root), "--out", str(tmp_path / "d"),
                                      "--lang", "nl"])
    assert result.exit_code == 0, result.output
    diff = json.loads((tmp_path / "d" / "diff.json").read_text("utf-8"))
    assert {"added", "removed", "changed"} <= set(diff)
    assert (diff["a"]["version_name"], diff["b"]["version_name"]) == ("1.0", "2.0")
    added = {kind: [item["key"] for item in items] for kind, items in diff["added"].items()}
    removed = {kind: [item["key"] for item in items] for kind, items in diff["removed"].items()}
    assert added == {"recipients": ["t.appsflyer.example"], "data_categories": [], "sdks": ["com.appsflyer"],
                     "permissions": ["android.permission.READ_CONTACTS"], "api_calls": [], "verdicts": []}
    assert removed == {"recipients": [], "data_categories": ["location"], "sdks": [], "permissions": [],
                       "api_calls": ["android.location.LocationManager.getLastKnownLocation"],
                       "verdicts": ["location-before-consent"]}
    assert diff["added"]["recipients"][0]["entity_country"] == ["IL"]
    changed = {kind: {item["key"]: (item["before"], item["after"]) for item in items}
               for kind, items in diff["changed"].items()}
    before, after = changed["verdicts"]["biometric-capture"]
    assert (before["severity"], after["severity"]) == ("medium", "high")
    # the advertising ID now also goes to AppsFlyer; the ByteDance SDK no longer reads the location
    assert changed["data_categories"]["advertising_id"][1]["recipients"] == [
        "log.byteoversea.example", "t.appsflyer.example"]
    assert changed["sdks"]["com.bytedance.sdk"][0]["finding_types"] == [
        "clipboard_read", "location_access", "personal_data_transmitted", "third_country_transfer"]
    assert "location_access" not in changed["sdks"]["com.bytedance.sdk"][1]["finding_types"]
    assert set(changed) == {"recipients", "data_categories", "sdks", "permissions", "api_calls", "verdicts"}
    assert changed["recipients"] == {} and changed["permissions"] == {} and changed["api_calls"] == {}
    doc = parse_html(tmp_path / "d" / "diff.html")
    assert doc.tags[0] == ("html", {"lang": "nl"})
    text = "".join(doc.text)
    assert "Nieuw in B" in text and "t.appsflyer.example" in text and "Verdwenen sinds A" in text


def test_a_crash_reporter_no_longer_contacted_is_a_removed_recipient(tmp_path: Path) -> None:
    """Bugsnag's requests carry no recognised personal data; its recipients are findings all the same, so the
    diff names them when a later capture no longer contacts it."""
    from auditor.analyze.run import analyze
    from auditor.case.bundle import Case
    from tests.analysis.builders import add_flow

    roots = []
    for name, hosts in (("a", ("api2.branch.io", "notify.bugsnag.com", "sessions.bugsnag.com")),
                        ("b", ("api2.branch.io",))):
        case = Case.create(tmp_path / name, operator="test")
        with case.ledger(fsync_interval=0) as ledger:
            for host in hosts:
                add_flow(case, ledger, f"https://{host}/v1", b"{}", server_ip="127.0.0.10",
                         start="2024-06-01T10:00:00.000000Z", flow_id=host)
        analyze(case.root)
        roots.append(case.root)
    result = CliRunner().invoke(cli, ["diff", str(roots[0]), str(roots[1]), "--out", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    diff = json.loads((tmp_path / "d" / "diff.json").read_text("utf-8"))
    assert [(item["key"], item["entity"], item["entity_country"]) for item in diff["removed"]["recipients"]] == [
        ("notify.bugsnag.com", ["Bugsnag Inc."], ["US"]), ("sessions.bugsnag.com", ["Bugsnag Inc."], ["US"])]
    assert diff["added"]["recipients"] == [] and diff["changed"]["recipients"] == []
