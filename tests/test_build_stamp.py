"""The build stamp: an unchanged catalogue is not rebuilt; any change to what a build reads is seen."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from railgraph.build import release_date
from railgraph.build_stamp import STAMP_FILE, build_key, stamp, up_to_date

from .conftest import ROOT


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    for folder in ("ontology", "shapes"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "data" / "tools").mkdir(parents=True)
    (tmp_path / "data" / "tools" / "a.ttl").write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    return tmp_path


def key(root: Path, **changes: object) -> str:
    options: dict = {"formats": ("ttl", "nt"), "site": False, "base_iri": "https://w3id.org/railgraph/",
                     "release": "2026-11-29", **changes}
    return build_key(root, [], **options)


def test_the_key_is_stable_and_sees_every_input(root: Path, tmp_path: Path) -> None:
    first = key(root)
    assert key(root) == first
    assert key(root, formats=("ttl",)) != first
    assert key(root, site=True) != first
    assert key(root, base_iri="https://example.org/") != first
    assert key(root, release="2026-11-30") != first
    (root / "data" / "tools" / "a.ttl").write_text("<urn:a> <urn:b> <urn:d> .\n", encoding="utf-8")
    edited = key(root)
    assert edited != first
    (root / "ontology" / "context.jsonld").write_text("{}", encoding="utf-8")  # not RDF, still read
    assert key(root) != edited
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "b.ttl").write_text("<urn:x> <urn:y> <urn:z> .\n", encoding="utf-8")
    assert build_key(root, [extra], formats=("ttl", "nt"), site=False, base_iri="https://w3id.org/railgraph/",
                     release="2026-11-29") != key(root)


def test_an_output_is_up_to_date_only_with_its_key_and_every_file(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    out.mkdir()
    files = {"catalogue.nt": b"<urn:a> <urn:b> <urn:c> .\n", "csv/tools.csv": b"a,b\n"}
    for name, data in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    (out / STAMP_FILE).write_bytes(stamp("k1", {name: len(data) for name, data in files.items()}))
    assert up_to_date(out, "k1")
    assert not up_to_date(out, "k2")
    (out / "csv" / "tools.csv").write_bytes(b"a,b,c\n")  # a file changed size
    assert not up_to_date(out, "k1")
    (out / "csv" / "tools.csv").unlink()  # or went missing
    assert not up_to_date(out, "k1")
    (out / STAMP_FILE).write_text("{not json", encoding="utf-8")
    assert not up_to_date(out, "k1")
    assert not up_to_date(tmp_path / "nowhere", "k1")


def test_build_does_nothing_when_the_output_is_up_to_date(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    out.mkdir()
    current = build_key(ROOT, [], formats=("nt",), site=False, base_iri="https://w3id.org/railgraph/",
                        release=release_date(ROOT).isoformat())
    files = {"catalogue.nt": b"stale on purpose\n"}
    (out / "catalogue.nt").write_bytes(files["catalogue.nt"])
    (out / STAMP_FILE).write_bytes(stamp(current, {name: len(data) for name, data in files.items()}))
    result = run_cli("build", "--root", str(ROOT), "--out", str(out), "--formats", "nt", "--no-site")
    assert result.code == 0, result.err
    assert "is up to date" in result.out and "--force" in result.out
    assert (out / "catalogue.nt").read_bytes() == b"stale on purpose\n"  # nothing was rebuilt
