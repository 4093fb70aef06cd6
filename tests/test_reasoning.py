"""The fast inference pass gives exactly owlrl's OWL 2 RL triples, on real and on made-up data."""

from __future__ import annotations

import shutil
from pathlib import Path

from rdflib import Graph, URIRef

import railgraph
from railgraph import inference, reasoning
from railgraph.namespaces import DCTERMS, RDF, RG

from .conftest import generate

PREFIXES = """
@prefix ex:   <http://example.org/> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""

SMALL = PREFIXES + """
ex:A rdfs:subClassOf ex:B . ex:B rdfs:subClassOf ex:C . ex:C owl:equivalentClass ex:D .
ex:p rdfs:subPropertyOf ex:q ; rdfs:domain ex:A ; rdfs:range ex:B ; owl:inverseOf ex:pInv .
ex:anc a owl:TransitiveProperty . ex:parent rdfs:subPropertyOf ex:anc .
ex:knows a owl:SymmetricProperty .
ex:chain owl:propertyChainAxiom ( ex:p ex:label ) .
ex:x ex:p ex:y . ex:y ex:label "why" . ex:y ex:parent ex:z . ex:z ex:parent ex:w .
ex:w ex:parent ex:v . ex:x ex:knows ex:u . ex:u ex:p "a literal" .
ex:v ex:anc ex:t .
"""


def test_fast_pass_equals_owlrl_on_a_graph_using_every_supported_axiom() -> None:
    graph = Graph().parse(data=SMALL, format="turtle")
    assert reasoning.supported(graph)
    fast = set(inference.infer(graph))
    assert fast == set(inference.infer_with_owlrl(graph))
    anc = URIRef("http://example.org/anc")
    assert (URIRef("http://example.org/y"), anc, URIRef("http://example.org/t")) in fast, \
        "a path through inferred and asserted triples alike"


def test_fast_pass_equals_owlrl_on_the_curated_catalogue(catalogue) -> None:
    curated = catalogue.curated()
    fast = set(inference.infer(curated))
    reference = set(inference.infer_with_owlrl(curated))
    assert fast == reference, (sorted(fast - reference)[:5], sorted(reference - fast)[:5])


def test_fast_pass_equals_owlrl_on_a_generated_catalogue(generated_root: Path) -> None:
    """Every kind of entry, with its class and property hierarchies, inverses, domains and ranges."""
    asserted = railgraph.load(generated_root).asserted
    fast = set(inference.infer(asserted))
    reference = set(inference.infer_with_owlrl(asserted))
    assert fast == reference, (sorted(fast - reference)[:5], sorted(reference - fast)[:5])
    predicates = {p for _, p, _ in fast}
    assert {RDF.type, RG.developed, RG.licenses, RG.hasAncestor, DCTERMS.subject} <= predicates


def test_fast_pass_equals_owlrl_on_generated_lineage(tmp_path: Path) -> None:
    """Licence and model lineage two and more links deep (1,200 tools' worth; their tools left out)."""
    made = generate(1200, tmp_path / "made")
    root = tmp_path / "lineage"
    for folder in ("ontology", "shapes", "queries", "data/licences", "data/models"):
        shutil.copytree(made / folder, root / folder)
    asserted = railgraph.load(root).asserted
    fast = set(inference.infer(asserted))
    assert fast == set(inference.infer_with_owlrl(asserted))
    direct = {(s, o) for s, p, o in asserted if p in (RG.basedOn, RG.derivedFromModel)}
    ancestors = {(s, o) for s, p, o in fast if p == RG.hasAncestor}
    assert ancestors - direct, "the transitive closure reaches past the direct links"


def test_types_read_through_a_superproperty_or_an_equivalent_property_equal_owlrls() -> None:
    """A subproperty with its superproperty's range or domain is read once, through the
    superproperty; equivalent properties with one range still type their values."""
    graph = Graph().parse(data=PREFIXES + """
        ex:facet rdfs:range ex:Concept ; rdfs:domain ex:Entry .
        ex:objective rdfs:subPropertyOf ex:facet ; rdfs:range ex:Concept ; rdfs:domain ex:Entry .
        ex:same owl:equivalentProperty ex:alike . ex:same rdfs:range ex:Kind . ex:alike rdfs:range ex:Kind .
        ex:tool ex:objective ex:fair . ex:other ex:alike ex:k . ex:third ex:same ex:j .""", format="turtle")
    assert reasoning.supported(graph)
    fast = set(inference.infer(graph))
    assert fast == set(inference.infer_with_owlrl(graph))
    ex = "http://example.org/"
    assert {(URIRef(ex + "fair"), RDF.type, URIRef(ex + "Concept")), (URIRef(ex + "tool"), RDF.type, URIRef(ex + "Entry")),
            (URIRef(ex + "k"), RDF.type, URIRef(ex + "Kind")), (URIRef(ex + "j"), RDF.type, URIRef(ex + "Kind"))} <= fast


def test_unsupported_axioms_fall_back_to_owlrl() -> None:
    graph = Graph().parse(data=PREFIXES + """
        ex:p a owl:FunctionalProperty . ex:a ex:p ex:b , ex:c .""", format="turtle")
    assert not reasoning.supported(graph)
    assert set(inference.infer(graph)) == set(inference.infer_with_owlrl(graph))
