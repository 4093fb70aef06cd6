"""`railgraph release` and `diff-release`: two releases of a copy of the real catalogue, with one
tool changed, one tool added through `railgraph new` and one concept deprecated between them; the
changelog lists exactly those changes."""

from __future__ import annotations

import datetime
import gzip
import json
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from railgraph.curation.changelog import compare
from railgraph.curation.release import parse_version, read_dump, releases
from railgraph.namespaces import DCAT, DCTERMS, OWL, RG

from .curation_helpers import copy_root, fill, invoke

EPOCH = {"SOURCE_DATE_EPOCH": "1767225600"}  # 2026-01-01
TOOL = "https://w3id.org/railgraph/id/tool/aequitas"
ADDED = "https://w3id.org/railgraph/id/tool/curation-release-added"
CONCEPT = URIRef("https://w3id.org/railgraph/vocab/enforcement/no-enforcement")
REPLACEMENT = URIRef("https://w3id.org/railgraph/vocab/enforcement/self-assessment")
ONTOLOGY = URIRef("https://w3id.org/railgraph/ontology")


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = copy_root(tmp_path_factory.mktemp("release") / "catalogue")
    first = invoke("release", "0.1.0", cwd=root, environ=EPOCH)
    assert first.code == 0, first.err
    tool = root / "data" / "tools" / "aequitas.ttl"
    tool.write_text(tool.read_text(encoding="utf-8").replace('"Aequitas"@en', '"Aequitas bias audit toolkit"@en'),
                    encoding="utf-8")
    added = invoke("new", "tool", "curation-release-added", cwd=root)
    assert added.code == 0, added.err
    skeleton = root / "data" / "tools" / "curation-release-added.ttl"
    skeleton.write_text(fill(skeleton.read_text(encoding="utf-8")), encoding="utf-8")
    vocabulary = root / "ontology" / "vocabularies" / "enforcement.ttl"
    graph = Graph().parse(vocabulary, format="turtle")
    graph.set((CONCEPT, RG.status, URIRef("https://w3id.org/railgraph/vocab/status/deprecated")))
    graph.add((CONCEPT, OWL.deprecated, Literal(True)))
    graph.add((CONCEPT, DCTERMS.isReplacedBy, REPLACEMENT))
    vocabulary.write_bytes(graph.serialize(format="turtle", encoding="utf-8"))
    second = invoke("release", "0.2.0", cwd=root, environ=EPOCH)
    assert second.code == 0, second.err
    return {"root": root, "first": first, "second": second}


def changes(root: Path, version: str) -> dict:
    return json.loads((root / "releases" / version / "changes.json").read_text(encoding="utf-8"))


def test_a_release_folder_holds_the_dump_description_and_changelog(made) -> None:
    root = made["root"]
    assert sorted(p.name for p in (root / "releases" / "0.1.0").iterdir()) == \
        ["CHANGELOG.md", "catalog.ttl", "catalogue.nt.gz", "changes.json"]
    assert releases(root / "releases") == ["0.1.0", "0.2.0"]
    assert not [p for p in (root / "releases").iterdir() if p.name.startswith(".")]  # no staging left
    first = changes(root, "0.1.0")
    assert first["previous"] is None and first["entries"] == [] and first["counts"]["tool"] > 0
    assert "First release" in (root / "releases" / "0.1.0" / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "released 0.2.0" in made["second"].out and "since 0.1.0" in made["second"].out


def test_the_changelog_lists_exactly_the_changes_made(made) -> None:
    log = changes(made["root"], "0.2.0")
    assert log["previous"] == "0.1.0" and log["version"] == "0.2.0"
    entries = {(c["change"], c["iri"]) for c in log["entries"]}
    assert entries == {("changed", TOOL), ("added", ADDED)}
    changed = next(c for c in log["entries"] if c["iri"] == TOOL)
    assert changed["fields"] == [{"field": "dct:title", "added": ['"Aequitas bias audit toolkit"@en'],
                                  "removed": ['"Aequitas"@en']}]
    assert log["licence_clauses"] == []
    assert [(c["change"], c["iri"]) for c in log["concepts"]] == [("deprecated", str(CONCEPT))]
    fields = {f["field"] for f in log["concepts"][0]["fields"]}
    assert fields == {"rg:status", "owl:deprecated", "dct:isReplacedBy"}
    markdown = (made["root"] / "releases" / "0.2.0" / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"- added tool \"A tool added by the curation tests\" <{ADDED}>" in markdown
    assert '  - dct:title: + "Aequitas bias audit toolkit"@en' in markdown


def test_diff_release_prints_the_same_changelog_and_exits_1(made) -> None:
    root = made["root"]
    result = invoke("diff-release", "0.1.0", "0.2.0", "--format", "json", cwd=root)
    assert result.code == 1, result.err
    assert json.loads(result.out) == changes(root, "0.2.0")
    text = invoke("diff-release", "0.1.0", str(root / "releases" / "0.2.0"), cwd=root)
    assert text.code == 1
    assert text.out.strip() == (root / "releases" / "0.2.0" / "CHANGELOG.md").read_text(encoding="utf-8").strip()


def test_diff_release_of_a_release_with_itself_exits_0(made) -> None:
    result = invoke("diff-release", "0.2.0", "0.2.0", "--format", "json", cwd=made["root"])
    assert result.code == 0, result.err
    log = json.loads(result.out)
    assert log["entries"] == log["licence_clauses"] == log["concepts"] == []


def test_the_dump_is_reproducible_and_stamped(made) -> None:
    folder = made["root"] / "releases" / "0.2.0"
    data = (folder / "catalogue.nt.gz").read_bytes()
    assert data[4:8] == b"\0\0\0\0"  # gzip mtime 0
    lines = gzip.decompress(data).decode("utf-8").splitlines()
    assert lines == sorted(lines)
    graph = read_dump(folder, 10**9)
    assert (ONTOLOGY, OWL.versionIRI, URIRef(f"{ONTOLOGY}/0.2.0")) in graph
    assert set(graph.objects(ONTOLOGY, OWL.versionInfo)) == {Literal("0.2.0")}
    ontology = (made["root"] / "ontology" / "railgraph.ttl").read_text(encoding="utf-8")
    assert "ontology/0.2.0" not in ontology  # the sources are not rewritten


def test_the_description_carries_the_version_and_release_date(made) -> None:
    description = Graph().parse(made["root"] / "releases" / "0.2.0" / "catalog.ttl", format="turtle")
    catalog = URIRef("https://w3id.org/railgraph/catalogue")
    assert Literal("0.2.0") in set(description.objects(catalog, URIRef(str(DCAT) + "version")))
    assert set(description.objects(catalog, DCTERMS.issued)) == {Literal(datetime.date(2026, 1, 1))}
    downloads = {str(o) for o in description.objects(None, DCAT.downloadURL)}
    assert downloads == {"https://w3id.org/railgraph/releases/0.2.0/catalogue.nt.gz"}


def test_an_existing_version_is_refused_with_exit_2(made) -> None:
    before = (made["root"] / "releases" / "0.1.0" / "catalogue.nt.gz").read_bytes()
    result = invoke("release", "0.1.0", cwd=made["root"], environ=EPOCH)
    assert result.code == 2
    assert "already exists" in result.err
    assert (made["root"] / "releases" / "0.1.0" / "catalogue.nt.gz").read_bytes() == before


@pytest.mark.parametrize("version", ["v1", "1.0", "01.2.3", "1.2.3-beta", "../1.2.3"])
def test_an_invalid_version_is_refused_with_exit_2(made, version: str) -> None:
    result = invoke("release", version, cwd=made["root"])
    assert result.code == 2
    assert "is not a release version" in result.err


def test_a_non_conforming_catalogue_is_not_released(made) -> None:
    root = made["root"]
    bad = root / "data" / "tools" / "curation-release-bad.ttl"
    bad.write_text("<https://w3id.org/railgraph/id/tool/curation-release-bad> a "
                   "<https://w3id.org/railgraph/ontology#Tool> .\n", encoding="utf-8")
    try:
        result = invoke("release", "0.3.0", cwd=root, environ=EPOCH)
    finally:
        bad.unlink()
    assert result.code == 1
    assert "does not conform" in result.err
    assert not (root / "releases" / "0.3.0").exists()
    assert releases(root / "releases") == ["0.1.0", "0.2.0"]


def test_diff_release_of_an_unknown_release_exits_2(made) -> None:
    result = invoke("diff-release", "0.1.0", "9.9.9", cwd=made["root"])
    assert result.code == 2
    assert "known releases" in result.err and "0.2.0" in result.err


def test_versions_sort_by_number_and_pre_releases_first() -> None:
    assert sorted(["0.10.0", "0.9.1", "1.0.0", "1.0.0-rc.1", "1.0.0-alpha.2"], key=parse_version) == \
        ["0.9.1", "0.10.0", "1.0.0-alpha.2", "1.0.0-rc.1", "1.0.0"]


def test_compare_without_a_previous_release_counts_only() -> None:
    log = compare(None, Graph(), version="0.1.0", previous=None)
    assert log.empty and log.previous is None
