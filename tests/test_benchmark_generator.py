"""The benchmark generator (benchmarks/generate.py): deterministic, conforming, shaped like the data."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from rdflib import URIRef

import railgraph
from railgraph.namespaces import RDF, RG

N = 50
GENERATE = Path(__file__).resolve().parents[1] / "benchmarks" / "generate.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmark_generate", GENERATE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object], dict[str, bytes]]:
    """The catalogue's root, its manifest and its files as generated (before loading caches anything)."""
    root = tmp_path_factory.mktemp("generated") / "catalogue"
    manifest = _generator().generate(N, root, seed=7)
    return root, manifest, _files(root)


@pytest.fixture(scope="module")
def catalogue(generated: tuple[Path, dict[str, object], dict[str, bytes]]) -> railgraph.Catalogue:
    return railgraph.load(generated[0])


def test_same_n_and_seed_give_the_same_bytes(generated: tuple[Path, dict[str, object], dict[str, bytes]],
                                              tmp_path: Path) -> None:
    generator = _generator()
    generator.generate(N, tmp_path / "again", seed=7)
    generator.generate(N, tmp_path / "other", seed=8)
    first = generated[2]
    assert _files(tmp_path / "again") == first
    assert any(name.startswith("data/tools/") for name in first)
    other = _files(tmp_path / "other")
    assert other.keys() == first.keys()
    assert other["data/tools/tool-0001.ttl"] != first["data/tools/tool-0001.ttl"]


def test_the_output_folder_must_be_new_or_empty(
        generated: tuple[Path, dict[str, object], dict[str, bytes]]) -> None:
    with pytest.raises(FileExistsError):
        _generator().generate(N, generated[0])


def test_the_generated_catalogue_conforms_to_the_shapes(catalogue: railgraph.Catalogue) -> None:
    report = catalogue.validate()
    assert report.conforms, report.to_text()
    assert report.warnings == []


def test_it_holds_n_tools_of_about_thirty_triples_each(
        catalogue: railgraph.Catalogue, generated: tuple[Path, dict[str, object], dict[str, bytes]]) -> None:
    manifest = generated[1]
    entries = catalogue.counts()["entries"]
    assert entries["tool"] == N
    assert manifest["entries"] == {"tool": N, "organisation": N // 10, "use-case": N // 20, "licence": 4,
                                   "responsible-ai-licence": 2, "model": 3}
    assert entries["responsible-ai-licence"] == 2 and entries["use-restriction"] >= 10
    tools = set(catalogue.asserted.subjects(RDF.type, RG.Tool))
    per_tool = sum(1 for s, _, _ in catalogue.asserted if s in tools) / len(tools)
    assert 25 <= per_tool <= 35


def test_every_sample_identifier_names_an_entry(
        catalogue: railgraph.Catalogue, generated: tuple[Path, dict[str, object], dict[str, bytes]]) -> None:
    samples = generated[1]["samples"]
    assert isinstance(samples, dict)
    for key, value in samples.items():
        if key == "identifier":
            assert catalogue.resolve(value, kind="licence") == URIRef(samples["licence"])
        else:
            assert (URIRef(value), None, None) in catalogue.asserted, key
    rows = list(catalogue.query("licence-ancestors", licence=samples["licence"]))
    assert rows, "the sample licence has ancestors"
