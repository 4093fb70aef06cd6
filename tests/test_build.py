"""``railgraph build``: writes dist/ atomically and never damages an earlier build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from railgraph.build import build, write_atomically
from railgraph.errors import InputError

from .conftest import TESTS


@pytest.fixture(scope="module")
def built(catalogue, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("build") / "dist"
    result = build(catalogue, out)
    assert result.ok, result.report.to_text()
    return out


def test_build_writes_every_export_the_inferred_triples_and_the_report(built: Path) -> None:
    names = {p.name for p in built.iterdir()}
    assert {"catalogue.ttl", "catalogue.nt", "catalogue.jsonld", "inferred.ttl", "inferred.nt",
            "validation.json", "validation.ttl"} <= names
    report = json.loads((built / "validation.json").read_text(encoding="utf-8"))
    assert report["conforms"] is True and report["violations"] == 0


def test_build_leaves_no_staging_folders_behind(built: Path) -> None:
    assert [p.name for p in built.parent.iterdir()] == ["dist"]


def test_a_non_conforming_catalogue_leaves_the_earlier_dist_untouched(fresh_catalogue, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    out.mkdir()
    (out / "catalogue.ttl").write_text("earlier build", encoding="utf-8")
    invalid = sorted((TESTS / "data" / "invalid").glob("*.ttl"))[0]
    fresh_catalogue.add_file(invalid)
    result = build(fresh_catalogue, out)
    assert not result.ok
    assert [p.name for p in out.iterdir()] == ["catalogue.ttl"]
    assert (out / "catalogue.ttl").read_text(encoding="utf-8") == "earlier build"


def test_a_write_that_fails_midway_restores_the_earlier_folder(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "dist"
    out.mkdir()
    (out / "keep.txt").write_text("earlier", encoding="utf-8")
    original_rename = Path.rename

    def failing_rename(self: Path, target):  # the swap-in fails after the old folder moved away
        if self.name.startswith(".dist.new-"):
            raise OSError("disk full")
        return original_rename(self, target)

    monkeypatch.setattr(Path, "rename", failing_rename)
    with pytest.raises(InputError, match="disk full"):
        write_atomically(out, {"catalogue.ttl": b"new"})
    monkeypatch.undo()
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]
