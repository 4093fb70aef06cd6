"""SPARQL constraints evaluated set-wise give pyshacl's report, and only where that is exact.

The real shapes' queries must all pass the check (else the fast path silently does nothing);
queries whose meaning a joined ``$this`` would change must fail it; and on data made to exercise
``$this``, ``$currentShape``, ``$PATH``, property paths, ``EXISTS`` and message templates, the
fast path reports exactly what a plain pyshacl run reports, without pyshacl's per-node queries.
"""

from __future__ import annotations

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from railgraph import validation, validation_focus, validation_sparql
from railgraph.namespaces import SH

from .conftest import ROOT

EX = "https://example.org/"

PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
"""

SHAPES = PREFIXES + """
<https://example.org/shapes> a owl:Ontology ;
    sh:declare [ sh:prefix "ex" ; sh:namespace "https://example.org/"^^xsd:anyURI ] .

ex:NoSourceShape a sh:NodeShape ; sh:targetClass ex:Thing ; sh:severity sh:Violation ;
    sh:message "{$this} has no source"@en ;
    sh:sparql [ sh:prefixes <https://example.org/shapes> ;
        sh:select "SELECT $this WHERE { FILTER NOT EXISTS { $this ex:source ?s } }" ] .

ex:CycleShape a sh:NodeShape ; sh:targetClass ex:Thing ; sh:severity sh:Violation ;
    sh:sparql [ sh:prefixes <https://example.org/shapes> ; sh:message "{$this} is its own ancestor" ;
        sh:select "SELECT $this WHERE { $this ex:parent+ $this . }" ] .

ex:SameNameShape a sh:NodeShape ; sh:targetClass ex:Thing ; sh:severity sh:Warning ;
    sh:message "{$this} shares {?value} with {?other}"@en ;
    sh:sparql [ sh:prefixes <https://example.org/shapes> ;
        sh:select \"\"\"SELECT DISTINCT $this ?path ?value ?other WHERE {
            { $this ex:name ?value . ?other ex:name ?value . BIND (ex:name AS ?path) }
            UNION { $this ex:label ?value . ?other ex:label ?value . BIND (ex:label AS ?path) }
            FILTER (?other != $this && STR(?other) < STR($this))
        }\"\"\" ] .

ex:ShapeNamedShape a sh:NodeShape ; sh:targetClass ex:Thing ; sh:severity sh:Info ;
    sh:message "{$this} is tagged with the shape checking it"@en ;
    sh:sparql [ sh:prefixes <https://example.org/shapes> ;
        sh:select "SELECT $this ?value WHERE { $this ex:tag ?value . FILTER (?value = $currentShape) }" ] .

ex:ThingShape a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property ex:PartShape .
ex:PartShape a sh:PropertyShape ; sh:path ( ex:part ex:kind ) ; sh:severity sh:Violation ;
    sh:message "a part of {$this} has kind {?value}"@en ;
    sh:sparql [ sh:prefixes <https://example.org/shapes> ;
        sh:select "SELECT $this ?value WHERE { $this $PATH ?value . FILTER NOT EXISTS { ?value a ex:Kind } }" ] .

ex:NestedFilterShape a sh:NodeShape ; sh:targetClass ex:Thing ; sh:severity sh:Violation ;
    sh:message "{$this} is named by another"@en ;
    sh:sparql [ sh:prefixes <https://example.org/shapes> ;
        sh:select "SELECT $this ?value WHERE { $this a ex:Thing . { ?value ex:names ?x . FILTER (?x = $this) } }" ] .
"""

DATA = PREFIXES + """
ex:a a ex:Thing ; ex:source ex:s ; ex:parent ex:b ; ex:name "A" ; ex:part ex:pa .
ex:b a ex:Thing ; ex:parent ex:a ; ex:name "A" ; ex:label "same"@en ; ex:tag ex:ShapeNamedShape .
ex:c a ex:Thing ; ex:label "same"@en ; ex:name "A" ; ex:part ex:pc , ex:pa ; ex:tag ex:Other .
ex:d a ex:Thing ; ex:source ex:s ; ex:parent ex:d .
ex:pa ex:kind ex:good . ex:good a ex:Kind .
ex:pc ex:kind ex:bad , "literal" .
ex:n ex:names ex:c .
"""


@pytest.fixture(autouse=True)
def _every_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """pyrudof checks even these few focus nodes."""
    monkeypatch.setattr(validation, "RUDOF_FROM", 0)


def results(report: validation.ValidationReport) -> set[tuple[object, ...]]:
    return {(r.severity, r.focus_node, r.shape, r.path, r.value, r.message) for r in report.results}


@pytest.mark.parametrize("query", [
    "SELECT $this WHERE { FILTER NOT EXISTS { $this <p> ?x } }",
    "SELECT DISTINCT $this ?v WHERE { { $this <p> ?v } UNION { $this <q> ?v } FILTER (?v != $this) }",
    "SELECT $this ?v WHERE { $this <p> ?v . BIND (STR($this) AS ?s) FILTER (EXISTS { ?v <q> $this }) }",
    "SELECT $this ?v WHERE { $this <p> ?v OPTIONAL { ?v <q> ?w } }",
    "SELECT $this WHERE { $this <p>+ $this . }",
])
def test_queries_that_read_this_where_the_join_binds_it_run_set_wise(query: str) -> None:
    assert validation_sparql.setwise(query)


@pytest.mark.parametrize("query", [
    "SELECT $this WHERE { { SELECT $this WHERE { $this <p> ?x } } }",  # a sub-select
    "SELECT $this WHERE { VALUES ?x { 1 } $this <p> ?x }",
    "SELECT $this WHERE { $this <p> ?x MINUS { $this <q> ?x } }",
    "SELECT $this WHERE { { ?x <p> ?y FILTER (?y = $this) } }",  # a filter in a nested group
    "SELECT $this WHERE { { ?x <p> ?y BIND ($this AS ?z) } }",
    "SELECT $this WHERE { { ?x <p> ?y OPTIONAL { $this <q> ?y } } }",
    "SELECT $this WHERE { FILTER EXISTS { ?x <p> ?y FILTER (?y = $this) } }",
    "SELECT $this (COUNT(?x) AS ?n) WHERE { $this <p> ?x } GROUP BY $this",
    "SELECT $this WHERE { $this <p> ?x } LIMIT 1",
    "SELECT $this WHERE { $this <p> ?x } ORDER BY ?x",
    "SELECT * WHERE { $this <p> ?x }",
    "SELECT ?x WHERE { $this <p> ?x }",  # $this not projected
    "SELECT $this WHERE { GRAPH ?g { $this <p> ?x } }",
    "SELECT $this # a { comment\nWHERE { $this <p> ?x }",
    "ASK { $this <p> ?x }",
])
def test_queries_a_joined_this_would_change_are_left_to_pyshacl(query: str) -> None:
    assert not validation_sparql.setwise(query)


def test_every_sparql_constraint_of_the_catalogue_runs_set_wise() -> None:
    shapes = Graph().parse(ROOT / "shapes" / "violations.ttl").parse(ROOT / "shapes" / "warnings.ttl")
    queries = [str(q) for c in shapes.objects(None, SH.sparql) for q in shapes.objects(c, SH.select)]
    assert len(queries) > 40
    assert [q for q in queries if not validation_sparql.setwise(q)] == []


def test_set_wise_answers_give_pyshacls_report(monkeypatch: pytest.MonkeyPatch) -> None:
    data = Graph().parse(data=DATA, format="turtle")
    shapes = Graph().parse(data=SHAPES, format="turtle")
    expected = validation.validate(data, shapes)
    assert {r.shape.rsplit("/", 1)[-1] for r in expected.results} == {
        "NoSourceShape", "CycleShape", "SameNameShape", "ShapeNamedShape", "PartShape", "NestedFilterShape"}

    per_node: list[str] = []
    query = Graph.query

    def counting(self, query_object, *args, **kwargs):  # type: ignore[no-untyped-def]
        per_node.append(str(query_object))
        return query(self, query_object, *args, **kwargs)

    monkeypatch.setattr(Graph, "query", counting)
    fast = validation.validate_fast(data, shapes, workers=1)
    assert results(fast) == results(expected)
    assert isomorphic(fast.graph, expected.graph)
    assert per_node and all("ex:names" in q for q in per_node), "only the nested filter runs per node"


def test_answers_cover_the_focus_nodes_given_and_no_others() -> None:
    data = Graph().parse(data=DATA, format="turtle")
    shapes = validation_focus.canonical(Graph().parse(data=SHAPES, format="turtle"))
    store = validation_focus.load_store(data)
    targets = validation_focus.find_targets(data, shapes, store)
    thing = next(iter(targets[next(s for s in targets if str(s).endswith("CycleShape"))]))
    answers = validation_sparql.answer(store, data, shapes, {s: {thing} for s in targets})
    assert answers and all(set(a.rows) == {thing} for a in answers.values())
    assert all((s, RDF.type, SH.NodeShape) in shapes or (s, RDF.type, SH.PropertyShape) in shapes
               for s in targets)


def test_a_string_rdflib_holds_typed_is_left_to_rdflib() -> None:
    """pyoxigraph reads "A" and "A"^^xsd:string as one term; rdflib, and so pyshacl, does not."""
    typed = DATA.replace('ex:name "A" ; ex:part ex:pa', 'ex:name "A"^^xsd:string ; ex:part ex:pa')
    data = Graph().parse(data=typed, format="turtle")
    shapes = Graph().parse(data=SHAPES, format="turtle")
    expected = validation.validate(data, shapes)
    same_name = {r.focus_node for r in expected.results if r.shape.endswith("SameNameShape")}
    assert same_name == {EX + "c"}, "rdflib does not join the typed name of ex:a with the others"
    assert results(validation.validate_fast(data, shapes, workers=1)) == results(expected)
    canonical = validation_focus.canonical(shapes)
    store = validation_focus.load_store(data)
    answers = validation_sparql.answer(store, data, canonical, validation_focus.find_targets(data, canonical, store))
    assert answers and not any("ex:name ?value" in text for text, _ in answers)


def test_the_answering_graph_is_true_as_its_data_without_counting_the_store(monkeypatch) -> None:
    """pyshacl tests the data graph's truth: over a store's view, that finds one triple rather
    than counting them all (3.3 s at 100,000 tools)."""
    import pyoxigraph as ox

    from railgraph import store_graph

    def counted(*args: object) -> int:
        raise AssertionError("the store's triples were counted")

    monkeypatch.setattr(store_graph, "count_triples", counted)
    full, empty = ox.Store(), ox.Store()
    full.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.NamedNode("urn:c")))
    assert validation_sparql.AnsweringGraph(store_graph.view(full), {})
    assert not validation_sparql.AnsweringGraph(store_graph.view(empty), {})
    plain = Graph()
    assert not validation_sparql.AnsweringGraph(plain, {})
    plain.add((RDF.type, RDF.type, RDF.Property))
    assert validation_sparql.AnsweringGraph(plain, {})
