"""SHACL shapes: linted, and each one proved by an invalid example that triggers exactly it."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, URIRef

import railgraph
from railgraph.namespaces import RDF, RGSH, SH

from .conftest import ROOT, TESTS

INVALID = TESTS / "data" / "invalid"
SHAPE_FILES = {"violations.ttl": SH.Violation, "warnings.ttl": SH.Warning}


def shapes_graph(name: str) -> Graph:
    return Graph().parse(ROOT / "shapes" / name)


def checked_shapes() -> dict[str, URIRef]:
    """Every shape that reports something (has a message), by local name, with its severity."""
    found: dict[str, URIRef] = {}
    for file, severity in SHAPE_FILES.items():
        graph = shapes_graph(file)
        for shape in set(graph.subjects(SH.message, None)):
            assert isinstance(shape, URIRef), f"{file}: a shape with a message has no IRI"
            found[str(shape).removeprefix(str(RGSH))] = severity
    return found


SHAPES = checked_shapes()
EXAMPLES = sorted(INVALID.glob("*.ttl"))


@pytest.mark.parametrize("file", list(SHAPE_FILES))
def test_every_shape_has_an_iri_a_name_a_message_and_its_file_severity(file: str) -> None:
    graph = shapes_graph(file)
    shapes = set(graph.subjects(RDF.type, SH.NodeShape)) | set(graph.subjects(RDF.type, SH.PropertyShape))
    shapes |= set(graph.subjects(SH.path, None)) - set(graph.subjects(SH.select, None))
    shapes |= set(graph.objects(None, SH.property))
    assert shapes
    for shape in shapes:
        assert not isinstance(shape, BNode), f"{file}: blank-node shape {graph.cbd(shape).serialize()}"
        assert str(shape).startswith(str(RGSH)), shape
        assert graph.value(shape, SH.name) is not None, f"{shape} has no sh:name"
        severity = graph.value(shape, SH.severity)
        if graph.value(shape, SH.message) is not None:
            assert severity == SHAPE_FILES[file], f"{shape} has severity {severity} in {file}"


def test_shapes_use_only_shacl_terms_that_exist() -> None:
    shacl = Graph().parse(Path(__import__("pyshacl").__file__).parent / "assets" / "shacl.ttl")
    known = set(shacl.subjects())
    for file in SHAPE_FILES:
        for term in shapes_graph(file).predicates():
            if str(term).startswith(str(SH)):
                assert term in known, f"{file} uses unknown SHACL term {term}"


def test_every_shape_has_an_invalid_example() -> None:
    assert {p.stem for p in EXAMPLES} == set(SHAPES)


@pytest.fixture(scope="module")
def with_examples(catalogue) -> tuple[set[tuple[str, str, str]], list]:
    """The repository's own results, and the results once every invalid example is added.

    The examples use subjects of their own, so they can be validated in one run: each result is
    attributed to the example file that describes its focus node.
    """
    baseline = {(r.focus_node, r.shape, r.message) for r in catalogue.validate().results}
    combined = railgraph.load(ROOT)
    for example in EXAMPLES:
        combined.add_file(example)
    return baseline, combined.validate().results


def test_examples_do_not_share_subjects() -> None:
    owners: dict[object, str] = {}
    for example in EXAMPLES:
        for subject in set(Graph().parse(example).subjects()):
            if isinstance(subject, BNode):
                continue
            assert subject not in owners, f"{example.name} and {owners[subject]} both describe {subject}"
            owners[subject] = example.name


def test_examples_add_no_result_outside_their_own_files(with_examples) -> None:
    baseline, results = with_examples
    stray = [r for r in results if (r.focus_node, r.shape, r.message) not in baseline
             and not (r.file or "").startswith("tests/data/invalid/")]
    assert stray == []


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_invalid_example_triggers_exactly_its_shape(catalogue, with_examples, example: Path) -> None:
    assert example.read_text(encoding="utf-8").startswith("# expect:"), "first line states the problem"
    _, results = with_examples
    mine = [r for r in results if r.file == f"tests/data/invalid/{example.name}"]
    assert [r.shape for r in mine] == [str(RGSH) + example.stem], [r.to_dict() for r in mine]
    (result,) = mine
    assert result.severity.value == str(SHAPES[example.stem]).rsplit("#", 1)[-1]
    assert result.line is not None, "the result is located in the example file"
    template = str(catalogue.shapes.value(URIRef(str(RGSH) + example.stem), SH.message))
    fixed = template.split("{")[0].strip()
    assert result.message.startswith(fixed[:40]), (result.message, template)


def test_the_repository_data_conforms_and_the_register_raises_no_warnings(catalogue) -> None:
    report = catalogue.validate()
    assert report.conforms, report.to_text()
    assert not [r for r in report.results if (r.file or "").startswith("data/register/")]
