"""Every bundled dataset's content matches the SHA-256 recorded for it, in code and in its README."""

import json
from pathlib import Path

import pytest

from auditor.datasets.registry import DATA_DIR, DATASETS, DatasetCorrupt, verified_path

README = (DATA_DIR.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_dataset_hash_matches_record_and_readme(name: str) -> None:
    dataset = DATASETS[name]
    assert verified_path(name) == DATA_DIR / dataset.file
    assert f"| {name} | {dataset.file} |" in README
    assert dataset.sha256 in README


def test_altered_dataset_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = DATASETS["exodus-trackers"]
    copy = tmp_path / dataset.file
    copy.parent.mkdir(parents=True)
    copy.write_bytes((DATA_DIR / dataset.file).read_bytes() + b" ")
    monkeypatch.setattr("auditor.datasets.registry.DATA_DIR", tmp_path)
    with pytest.raises(DatasetCorrupt, match="differs from the recorded"):
        verified_path("exodus-trackers")


# the words a report shows from a table, each beside its Dutch twin (key_nl): a Dutch report holds no English
WORDED = {"recipients": ("source", "domains_source", "role_source", "entities_note"),
          "eu-transfers": ("instrument", "scope", "note")}


@pytest.mark.parametrize("name", sorted(WORDED))
def test_worded_fields_have_their_dutch_twin(name: str) -> None:
    found: list[tuple[str, str]] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key in WORDED[name]:
                if value.get(key):
                    found.append((value[key], value.get(f"{key}_nl") or ""))
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(json.loads(verified_path(name).read_text("utf-8")))
    # recipients: 29 sources of steps and one note; eu-transfers: 21 decisions' names (2 invalidated), 7 scopes, 11
    # EEA notes and 3 decision notes
    assert len(found) == {"recipients": 30, "eu-transfers": 42}[name]
    assert [en for en, nl in found if not nl.strip() or (nl == en and "ECLI" not in en)] == []
