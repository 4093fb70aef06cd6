"""Exports: every RDF format holds the same graph; the JSON-LD never needs a remote context."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from railgraph.errors import UsageError


@pytest.fixture(scope="module")
def exported(catalogue) -> dict[str, bytes]:
    return {fmt: catalogue.export(fmt) for fmt in ("ttl", "nt", "jsonld")}


def parse(data: bytes, fmt: str) -> Graph:
    return Graph().parse(data=data, format={"ttl": "turtle", "nt": "nt", "jsonld": "json-ld"}[fmt])


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld"])
def test_each_format_is_the_asserted_graph(catalogue, exported, fmt: str) -> None:
    assert isomorphic(parse(exported[fmt], fmt), catalogue.asserted)


def test_the_three_formats_are_isomorphic_to_each_other(exported) -> None:
    turtle, ntriples, jsonld = (parse(exported[f], f) for f in ("ttl", "nt", "jsonld"))
    assert isomorphic(turtle, ntriples)
    assert isomorphic(turtle, jsonld)


def test_jsonld_is_compacted_with_an_inline_context(exported) -> None:
    document = json.loads(exported["jsonld"])
    context = document["@context"]
    assert isinstance(context, dict), "the context must be inline, never a remote reference"
    assert context["rg"] == "https://w3id.org/railgraph/ontology#"
    assert "@graph" in document
    ids = {node.get("@id") for node in document["@graph"]}
    assert ids & {"id:licence/bigcode-openrail-m-license-agreement",
                  "https://w3id.org/railgraph/id/licence/bigcode-openrail-m-license-agreement"}
    assert any(key.startswith("rg:") for node in document["@graph"] for key in node)


def test_ntriples_dump_is_sorted_and_has_no_file_iris(exported) -> None:
    lines = exported["nt"].decode("utf-8").splitlines()
    assert lines == sorted(lines)
    assert "<file:" not in exported["nt"].decode("utf-8")


def test_inferred_export_holds_only_inferred_triples(catalogue) -> None:
    graph = parse(catalogue.export("nt", inferred=True), "nt")
    assert len(graph) == len(catalogue.inferred)


def test_unknown_format_is_a_usage_error(catalogue) -> None:
    with pytest.raises(UsageError, match="choose one of ttl, nt, jsonld, rdfxml, nq, trig"):
        catalogue.export("docx")


def test_rdfxml_is_the_asserted_graph(catalogue) -> None:
    assert isomorphic(Graph().parse(data=catalogue.export("rdfxml"), format="xml"), catalogue.asserted)


@pytest.mark.parametrize("fmt", ["nq", "trig"])
def test_dataset_formats_keep_one_named_graph_per_source_and_the_inferred_graph(catalogue, fmt: str) -> None:
    from rdflib import Dataset

    from railgraph.namespaces import INFERRED_GRAPH

    dataset = Dataset()
    dataset.parse(data=catalogue.export(fmt), format={"nq": "nquads", "trig": "trig"}[fmt])
    names = {g.identifier for g in dataset.graphs() if len(g)}
    assert names == {s.graph_iri for s in catalogue.sources} | {INFERRED_GRAPH}
    for source in catalogue.sources[:5] + catalogue.sources[-5:]:
        assert isomorphic(dataset.graph(source.graph_iri), source.graph), source.path
    assert len(dataset.graph(INFERRED_GRAPH)) == len(catalogue.inferred)


def test_dataset_formats_refuse_the_inferred_flag(catalogue) -> None:
    with pytest.raises(UsageError, match="drop --inferred"):
        catalogue.export("nq", inferred=True)
