"""The fast JSON-LD compaction gives exactly the document of the reference pipeline (rdflib's
expanded JSON-LD compacted by PyLD), on the real catalogue, on a generated one and on small graphs
made to reach every branch; where it cannot, the reference runs instead."""

from __future__ import annotations

import json
import random
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

import railgraph
from railgraph.errors import InputError
from railgraph.export import compact, get_format, jsonld, serialize, serialize_statements
from railgraph.terms import to_oxigraph, to_rdflib

from .conftest import ROOT, generate
from .graphs import same_graph

CONTEXT = json.loads((ROOT / "ontology" / "context.jsonld").read_text(encoding="utf-8"))["@context"]
JSONLD = get_format("jsonld")

PREFIXES = """
@prefix rg: <https://w3id.org/railgraph/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix id: <https://w3id.org/railgraph/id/> .
@prefix vocab: <https://w3id.org/railgraph/vocab/> .
@prefix ex: <http://example.org/> .
@prefix t: <https://w3id.org/railgraph/id/tool/> .
@prefix lic: <https://w3id.org/railgraph/id/licence/> .
@prefix org: <https://w3id.org/railgraph/id/organisation/> .
@prefix tt: <https://w3id.org/railgraph/vocab/tool-type/> .
@prefix st: <https://w3id.org/railgraph/vocab/status/> .
@prefix vx: <https://w3id.org/railgraph/vocab/x/> .
"""

# each graph reaches branches of term selection and value compaction; all are handled fast
CASES = {
    "language-tagged": 't:a dct:title "A"@en, "A de"@de, "A gb"@en-GB ; rdfs:label "plain" .',
    "plain string on a language term": 't:a dct:title "no language" ; rg:clauseId "c", "d"@en .',
    "typed literal matching a coercion": 't:a dct:issued "2020-01-02"^^xsd:date .',
    "typed literal not matching it": 't:a dct:issued "2020"^^xsd:gYear, "2021-03-04" .',
    "native booleans, integers, doubles": """lic:l rg:fsfLibre true ; rg:osiApproved "false"^^xsd:boolean ;
        rg:clauseId true, 7, -12, 0, 1.5e3, "2.5E-1"^^xsd:double, 3.25 ; owl:deprecated true .""",
    "explicit xsd:string": 't:a rg:clauseId "s"^^xsd:string ; dct:title "t"^^xsd:string .',
    "IRI as value of a term without @type": """t:a rg:clauseId t:b ; dct:title t:c ;
        foaf:name <http://example.org/x> .""",
    "blank nodes": """lic:l rg:textLocation [ rg:repository "r" ; rg:sha256 "h" ] .
        [] rg:clauseId "unreferenced" ; rdfs:seeAlso [ rdfs:label "nested"@en ] .""",
    "several types and compact type IRIs": """t:a a rg:Tool, rg:Licence, skos:Collection,
        ex:Thing, <http://nowhere/Class> .""",
    "a property not in the context": 't:a ex:p "x", ex:q ; rg:unknownProperty t:b .',
    "IRI values under a prefix": """t:a rg:appliesTo vx:y, rg:Tool, <https://w3id.org/railgraph/id/> ;
        rg:status rg:Tool ; dct:source <http://schema.org/x> .""",
    "@set container with one value": 't:a rg:toolType tt:x ; dct:creator org:o .',
    "a property with literals and IRIs": 't:a rg:status "draft", st:verified, 3 .',
    "RDF lists": """rg:p owl:propertyChainAxiom ( rg:a rg:b ) ; rdfs:seeAlso ( ) ; rg:clauseId rdf:nil .
        rg:q rdfs:seeAlso ( [ rdfs:label "x"@en ] rg:c ) .
        _:free rdf:first rg:d ; rdf:rest ( rg:e ) .
        _:odd rdf:first rg:f ; rdf:rest rdf:nil ; rdfs:label "not a list"@en . rg:r rdfs:seeAlso _:odd .
        _:typed rdf:first rg:g ; rdf:rest rdf:nil ; a rdf:List . rg:s rdfs:seeAlso _:typed .""",
    "a datatype IRI with an underscore": 't:a rg:clauseId "x"^^<http://example.org/my_type> .',
    "a node with only a type": "t:a a rg:Tool .",
    "keywords of the vocabulary as values": """t:a rdfs:seeAlso rdfs:label ; rg:clauseId dct:title ;
        rg:wikidata skos:Concept .""",
}


def parse(turtle: str) -> Graph:
    return Graph().parse(data=PREFIXES + "@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n" + turtle,
                         format="turtle")


def fast(graph: Graph, context: dict[str, Any] = CONTEXT) -> dict[str, Any]:
    return compact.compact(compact.from_rdflib(graph), context)


def fast_from_oxigraph(graph: Graph) -> dict[str, Any]:
    triples = [ox.Triple(*(to_oxigraph(term) for term in triple)) for triple in graph]
    return compact.compact(compact.from_oxigraph(triples), CONTEXT)


def test_the_shipped_context_is_supported() -> None:
    assert compact.supported(CONTEXT)


def test_the_real_catalogue_compacts_exactly_as_pyld_does(catalogue) -> None:
    reference = jsonld.compact(catalogue.asserted, CONTEXT)
    assert fast(catalogue.asserted) == reference
    assert fast_from_oxigraph(catalogue.asserted) == reference


def test_the_inferred_graph_compacts_exactly_as_pyld_does(catalogue) -> None:
    assert fast(catalogue.inferred) == jsonld.compact(catalogue.inferred, CONTEXT)


def test_a_generated_catalogue_compacts_exactly_as_pyld_does(tmp_path) -> None:
    graph = railgraph.load(generate(300, tmp_path / "root")).asserted
    reference = jsonld.compact(graph, CONTEXT)
    assert fast(graph) == reference
    assert fast_from_oxigraph(graph) == reference


@pytest.mark.parametrize("turtle", CASES.values(), ids=list(CASES))
def test_each_branch_compacts_exactly_as_pyld_does(turtle: str) -> None:
    graph = parse(turtle)
    assert fast(graph) == jsonld.compact(graph, CONTEXT)


@pytest.mark.parametrize("turtle", [case for name, case in CASES.items()
                                    if name not in ("explicit xsd:string", "RDF lists")])
def test_pyld_reads_the_fast_document_back_to_the_same_graph(turtle: str) -> None:
    graph = parse(turtle)
    document = fast(graph)
    assert same_graph(jsonld.to_rdf(document), graph)


def test_the_oxigraph_statements_give_the_same_document_as_the_rdflib_graph() -> None:
    graph = parse(" ".join(case for name, case in CASES.items() if name != "explicit xsd:string"))
    assert fast_from_oxigraph(graph) == fast(graph) == jsonld.compact(graph, CONTEXT)


@pytest.mark.parametrize(("lexical", "datatype"), [("1", "boolean"), ("TRUE", "boolean"), ("007", "integer"),
                                                   ("+5", "integer"), ("INF", "double"), ("abc", "double")])
def test_a_literal_the_fast_path_cannot_promise_falls_back_to_pyld(lexical: str, datatype: str) -> None:
    tool = ox.NamedNode("https://w3id.org/railgraph/id/tool/a")
    triples = [ox.Triple(tool, ox.NamedNode("https://w3id.org/railgraph/ontology#clauseId"), ox.Literal("x")),
               ox.Triple(tool, ox.NamedNode("https://w3id.org/railgraph/ontology#fsfLibre"),
                         ox.Literal(lexical, datatype=ox.NamedNode(str(XSD) + datatype)))]
    with pytest.raises(compact.Unsupported):
        compact.compact(compact.from_oxigraph(triples), CONTEXT)
    graph = Graph()
    for triple in triples:
        graph.add(tuple(to_rdflib(term) for term in triple))
    written = serialize_statements(triples, JSONLD, context=CONTEXT)
    assert json.loads(written) == jsonld.compact(graph, CONTEXT)


@pytest.mark.parametrize("turtle", ['rg:p owl:unionOf ( "a" rg:b ) .', "rg:p owl:unionOf ( ( rg:a ) ) ."])
def test_a_list_the_fast_path_cannot_promise_falls_back_to_pyld(turtle: str) -> None:
    graph = parse(turtle)
    with pytest.raises(compact.Unsupported):
        fast(graph)
    assert json.loads(serialize(graph, JSONLD, CONTEXT)) == jsonld.compact(graph, CONTEXT)


def test_a_blank_node_type_fails_as_it_does_in_pyld() -> None:
    graph = parse("t:a a [ rdfs:label \"anonymous class\"@en ] .")
    with pytest.raises(InputError):
        jsonld.compact(graph, CONTEXT)
    with pytest.raises(InputError):
        serialize(graph, JSONLD, CONTEXT)


UNSUPPORTED_CONTEXTS = {
    "@vocab": {"@vocab": "https://w3id.org/railgraph/ontology#"},
    "default language": {"@language": "en"},
    "@reverse": {"developerOf": {"@reverse": "rg:developedBy"}},
    "@list container": {"chain": {"@id": "owl:propertyChainAxiom", "@container": "@list"}},
    "language map": {"titles": {"@id": "dct:title", "@container": "@language"}},
    "@type @vocab": {"statusTerm": {"@id": "rg:status", "@type": "@vocab"}},
    "compact IRI term": {"rg:clauseId": {"@id": "rg:clauseId", "@type": "xsd:string"}},
    "scoped context": {"Tool": {"@id": "rg:Tool", "@context": {"name": "rdfs:label"}}},
}


@pytest.mark.parametrize("extra", UNSUPPORTED_CONTEXTS.values(), ids=list(UNSUPPORTED_CONTEXTS))
def test_a_context_outside_the_port_is_compacted_by_pyld(extra: dict[str, Any]) -> None:
    context = {**CONTEXT, **extra}
    assert not compact.supported(context)
    graph = parse(CASES["language-tagged"] + CASES["several types and compact type IRIs"]
                  + CASES["RDF lists"] + 't:a rg:developedBy org:o ; rg:status rg:Tool .')
    assert json.loads(serialize(graph, JSONLD, context)) == jsonld.compact(graph, context)


def test_a_smaller_context_compacts_exactly_as_pyld_does(catalogue) -> None:
    """A page's twin carries a context cut to what it uses (``jsonld.context_for``)."""
    seed = URIRef("https://w3id.org/railgraph/id/licence/bigcode-openrail-m-license-agreement")
    graph = Graph()
    for triple in catalogue.asserted.triples((seed, None, None)):
        graph.add(triple)
    context = jsonld.context_for(graph, CONTEXT)
    assert len(context) < len(CONTEXT) and compact.supported(context)
    assert fast(graph, context) == jsonld.compact(graph, context)
    assert fast(graph, {}) == jsonld.compact(graph, {})


def test_serialize_statements_writes_the_same_jsonld_as_serialize() -> None:
    graph = parse(CASES["blank nodes"] + CASES["RDF lists"] + CASES["native booleans, integers, doubles"])
    triples = [ox.Triple(*(to_oxigraph(term) for term in triple)) for triple in graph]
    written = serialize_statements(reversed(triples), JSONLD, context=CONTEXT)
    assert written == serialize(graph, JSONLD, CONTEXT)


def _random_graph(seed: int) -> Graph:
    """A small graph of terms drawn from the context and outside it, values of every kind."""
    rng = random.Random(seed)
    rg, ns = "https://w3id.org/railgraph/ontology#", "https://w3id.org/railgraph/"
    predicates = [URIRef(rg + name) for name in ("status", "appliesTo", "clauseId", "fsfLibre", "unknown")]
    predicates += [URIRef(iri) for iri in ("http://purl.org/dc/terms/title", "http://purl.org/dc/terms/issued",
                                           "http://www.w3.org/ns/dcat#keyword", "http://example.org/p")]
    nodes = [URIRef(ns + "id/tool/" + str(i)) for i in range(4)] + [BNode(f"b{i}") for i in range(3)]
    values = nodes + [URIRef(rg + "Tool"), URIRef(ns + "vocab/x/y"), URIRef("http://example.org/z"),
                      Literal("plain"), Literal("en", lang="en"), Literal("de", lang="de"), Literal(True),
                      Literal(3), Literal("2020-01-01", datatype=XSD.date), Literal("x", datatype=XSD.token)]
    graph = Graph()
    for _ in range(rng.randint(1, 40)):
        graph.add((rng.choice(nodes), rng.choice(predicates), rng.choice(values)))
        if rng.random() < 0.2:
            graph.add((rng.choice(nodes), RDF.type, rng.choice(values[7:10])))
    return graph


@pytest.mark.parametrize("seed", range(40))
def test_random_graphs_compact_exactly_as_pyld_does(seed: int) -> None:
    graph = _random_graph(seed)
    assert fast(graph) == jsonld.compact(graph, CONTEXT)
