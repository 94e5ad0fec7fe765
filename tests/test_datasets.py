"""Every bundled dataset's content matches the SHA-256 recorded for it, in code and in its README."""

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
