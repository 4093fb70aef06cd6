"""Round trip: a railgraph export imported into an empty data folder gives the same graph of
entries, one file per entry, and a re-run changes nothing (railgraph.imports.roundtrip)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

import railgraph
from railgraph.errors import InputError
from railgraph.imports import apply, roundtrip
from railgraph.loading import new_graph
from railgraph.namespaces import GRAPH

from .curation_helpers import invoke
from .test_imports_interchange import snapshot

LIMITS = {"max_bytes": 50_000_000, "max_literal_chars": 1_000_000}


def entries(graph: Graph) -> Graph:
    """The triples of ``graph`` that belong to an entry (the entry, its parts, their blank nodes)."""
    found, _left_out = roundtrip.candidates(graph, "test")
    union = new_graph()
    for candidate in found:
        union += candidate.graph
    return union


def empty_root(source: Path, target: Path) -> Path:
    for name in ("ontology", "shapes", "queries"):
        shutil.copytree(source / name, target / name)
    (target / "data").mkdir()
    return target


@pytest.fixture(scope="module")
def exported(generated_root: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The generated catalogue exported as Turtle and as JSON-LD."""
    catalogue = railgraph.load(generated_root)
    folder = tmp_path_factory.mktemp("export")
    paths = {}
    for fmt in ("ttl", "jsonld", "nt"):
        paths[fmt] = folder / f"catalogue.{fmt}"
        paths[fmt].write_bytes(catalogue.export(fmt))
    return paths


def test_export_then_import_into_an_empty_data_folder_gives_the_same_entries(
        generated_root: Path, exported: dict[str, Path], tmp_path: Path) -> None:
    root = empty_root(generated_root, tmp_path / "root")
    run = invoke("import", "railgraph", str(exported["ttl"]), cwd=root)
    assert run.code == 0, run.out + run.err
    source = roundtrip.read_export(exported["ttl"], **LIMITS)
    expected = entries(source)
    imported = railgraph.load(root)
    data = new_graph()
    for each in imported.sources:
        if str(each.graph_iri).startswith(str(GRAPH["data/"])):
            data += each.graph
    assert isomorphic(data, expected)
    files = sorted(p.relative_to(root / "data").as_posix() for p in (root / "data").rglob("*.ttl"))
    assert len(files) == len(roundtrip.candidates(source, "x")[0])  # one file per entry
    for name in files:
        kind_folder, file_name = name.split("/")
        assert file_name.endswith(".ttl") and kind_folder in apply.FOLDERS.values()
    assert imported.validate().conforms
    assert f"{len(files)} created, 0 updated, 0 unchanged, 0 rejected" in run.out

    before = snapshot(root / "data")
    again = invoke("import", "railgraph", str(exported["jsonld"]), cwd=root)  # the same, as JSON-LD
    assert again.code == 0, again.err
    assert f"0 created, 0 updated, {len(files)} unchanged, 0 rejected" in again.out
    assert snapshot(root / "data") == before


def test_the_three_export_formats_read_back_to_the_same_graph(exported: dict[str, Path]) -> None:
    graphs = [roundtrip.read_export(exported[fmt], **LIMITS) for fmt in ("ttl", "nt", "jsonld")]
    assert len(graphs[0]) > 1000
    assert isomorphic(graphs[0], graphs[1]) and isomorphic(graphs[0], graphs[2])


def test_importing_the_catalogues_own_export_changes_nothing(generated_root: Path, exported: dict[str, Path],
                                                             tmp_path: Path) -> None:
    """Entries kept several to a file (as the generator writes them) are found in their files."""
    root = tmp_path / "root"
    shutil.copytree(generated_root, root)
    before = snapshot(root / "data")
    run = invoke("import", "railgraph", str(exported["nt"]), cwd=root)
    assert run.code == 0, run.err
    assert " 0 created, 0 updated, " in run.out and " unchanged, 0 rejected" in run.out
    assert snapshot(root / "data") == before


@pytest.mark.parametrize(("name", "content", "message", "line"), [
    ("export.jsonld", '{"@context": {},\n "@graph": [,]}', "invalid JSON", 2),
    ("export.jsonld", '{"@context": "https://example.org/context.jsonld", "@id": "https://example.org/x"}',
     "@context 'https://example.org/context.jsonld' at /@context is not an allowed context", 1),
    ("export.ttl", "<https://w3id.org/railgraph/id/tool/x> a <b> .\n<c> <d> \n", "(?i)invalid turtle", 3),
    ("export.rdf", '<!DOCTYPE rdf:RDF [<!ENTITY e "x">]><rdf:RDF/>', "DOCTYPE", 1),
    ("export.csv", "a,b\n", "unsupported export format", None),
])
def test_an_unreadable_export_is_refused(tmp_path: Path, name: str, content: str, message: str,
                                         line: int | None) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as caught:
        roundtrip.read_export(path, **LIMITS)
    assert caught.value.path == path
    if line is not None:
        assert caught.value.line == line


def test_blank_nodes_go_with_the_entry_that_holds_them_and_the_ontology_is_left_out() -> None:
    graph = Graph().parse(format="turtle", data="""
        @prefix odrl: <http://www.w3.org/ns/odrl/2/> .
        <https://w3id.org/railgraph/id/licence/l/clause/a> odrl:constraint [ odrl:rightOperand <urn:x> ] .
        <https://w3id.org/railgraph/id/licence/l> odrl:prohibition <https://w3id.org/railgraph/id/licence/l/clause/a> .
        <https://w3id.org/railgraph/ontology#Tool> a <http://www.w3.org/2002/07/owl#Class> .
        <https://w3id.org/railgraph/id/not-a-kind/x> a <urn:y> .
    """)
    [licence], left_out = roundtrip.candidates(graph, "test")
    assert (licence.kind, licence.slug, len(licence.graph)) == ("licence", "l", 3)
    assert left_out == 2


def test_what_the_register_also_states_stays_in_the_entry_file_and_is_not_copied_into_it(tmp_path: Path) -> None:
    """A hand-modelled licence: its file and the register both state its key; the register alone
    its category. Re-importing the union changes nothing."""
    from railgraph import loading
    from railgraph.catalogue import Catalogue
    from railgraph.imports.report import ImportReport
    from railgraph.settings import Settings

    licence = "<https://w3id.org/railgraph/id/licence/l>"
    files = {"data/licences/l.ttl": f'{licence} <https://w3id.org/railgraph/ontology#scancodeKey> "k" ; '
                                    f'<http://purl.org/dc/terms/title> "L"@en .\n',
             "data/register/r.ttl": f'{licence} <https://w3id.org/railgraph/ontology#scancodeKey> "k" ; '
                                    f'<https://w3id.org/railgraph/ontology#listedIn> <https://example.org/db> .\n'}
    sources = []
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text, encoding="utf-8")
        sources.append(loading.read_source(tmp_path / relative, relative, **LIMITS))
    catalogue = Catalogue(tmp_path, sources, new_graph(), None, Settings.resolve())  # type: ignore[arg-type]
    union = new_graph()
    for source in sources:
        union += source.graph
    [candidate], _ = roundtrip.candidates(union, "export.ttl")
    report = ImportReport("export.ttl")
    assert apply._place(catalogue, candidate, report, apply._index(catalogue).get(candidate.iri, [])) is None
    assert [c.path for c in report.unchanged] == ["data/licences/l.ttl"]
