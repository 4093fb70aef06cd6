"""Core constraints checked by pyrudof give pyshacl's report, and only where that is exact.

On data made to trip an engine (language tags, typed and ill-formed literals, blank nodes,
inverse and sequence paths, subclasses, duplicate languages), the fast path reports exactly what
a plain pyshacl run reports; shapes pyrudof would check differently stay with pyshacl.
"""

from __future__ import annotations

import os
import sys
import threading

import pyoxigraph as ox
import pyrudof
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from railgraph import validation, validation_core, validation_focus
from railgraph.namespaces import RGSH, SH
from railgraph.terms import to_rdflib

from .conftest import ROOT

EX = "https://example.org/"
TYPE = ox.NamedNode(str(RDF.type))

SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

ex:ThingShape a sh:NodeShape ; sh:targetClass ex:Thing ;
    sh:property ex:TitleShape , ex:CodeShape , ex:DateShape , ex:LinkShape , ex:OwnerShape ,
        ex:ParentShape , ex:KindShape , ex:PartKindShape , ex:NoMessageShape .
ex:TitleShape sh:path ex:title ; sh:minCount 1 ; sh:maxCount 1 ; sh:languageIn ( "en" ) ;
    sh:uniqueLang true ; sh:severity sh:Violation ; sh:message "one English title"@en .
ex:CodeShape sh:path ex:code ; sh:datatype xsd:string ; sh:pattern "^[a-z]+$" ;
    sh:severity sh:Warning ; sh:message "a lower-case code"@en , "un code"@fr .
ex:DateShape sh:path ex:date ; sh:datatype xsd:date ; sh:severity sh:Violation ; sh:message "a date"@en .
ex:LinkShape sh:path ex:link ; sh:nodeKind sh:IRI ; sh:severity sh:Violation ; sh:message "an IRI"@en .
ex:OwnerShape sh:path [ sh:inversePath ex:owns ] ; sh:minCount 1 ; sh:severity sh:Violation ;
    sh:message "owned by something"@en .
ex:ParentShape sh:path ex:parent ; sh:class ex:Thing ; sh:severity sh:Violation ; sh:message "a thing"@en .
ex:KindShape sh:path ex:kind ; sh:in ( ex:good ex:fine ) ; sh:severity sh:Info ; sh:message "a known kind"@en .
ex:PartKindShape sh:path ( ex:part ex:kind ) ; sh:maxCount 1 ; sh:nodeKind sh:IRI ;
    sh:severity sh:Violation ; sh:message "one part kind"@en .
ex:NoMessageShape sh:path ex:code ; sh:maxCount 1 ; sh:severity sh:Violation .
ex:IriShape a sh:NodeShape ; sh:targetClass ex:Thing ; sh:nodeKind sh:IRI ;
    sh:pattern "^https://example\\\\.org/[a-z]+$" ; sh:severity sh:Violation ; sh:message "a lower-case IRI"@en .
"""

DATA = """@prefix ex: <https://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:SubThing <http://www.w3.org/2000/01/rdf-schema#subClassOf> ex:Thing .
ex:good-one a ex:Thing ; ex:title "Good"@en ; ex:code "abc" ; ex:date "2023-05-04"^^xsd:date ;
    ex:link ex:x ; ex:parent ex:Other-One ; ex:kind ex:good ; ex:part [ ex:kind ex:good ] .
ex:someone ex:owns ex:good-one , ex:Other-One .
ex:Other-One a ex:SubThing ; ex:title "Eins"@de , "One"@en , "Un"@en ; ex:code "ABC" , "abc"@en , 5 ,
    "x\\"y"^^xsd:string , "d\\u00e9f" ; ex:date "2023-13-45"^^xsd:date , "2023-05-04" , "soon"@en ;
    ex:link "https://example.org/x" , [ ex:a ex:b ] , "2023-05-04T00:00:00.000Z"^^xsd:dateTime , true ; ex:parent ex:nobody , "thing" ;
    ex:kind ex:bad , "good" ; ex:part [ ex:kind ex:good ] , [ ex:kind "k" , ex:other ] .
ex:untitled a ex:Thing ; ex:title "plain" ; ex:parent ex:good-one .
"""


@pytest.fixture(autouse=True)
def _every_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """pyrudof checks even these few focus nodes."""
    monkeypatch.setattr(validation, "RUDOF_FROM", 0)


def results(report: validation.ValidationReport) -> set[tuple[object, ...]]:
    return {(r.severity, r.focus_node, r.shape, r.path, r.value, r.message) for r in report.results}


WELL_FORMED = DATA.replace('"2023-13-45"^^xsd:date', '"2023-12-31"^^xsd:date , "2023-12"^^xsd:gYearMonth')
TYPED_STRING = WELL_FORMED.replace('ex:title "Good"@en', 'ex:title "Good"@en ; ex:kind "good"^^xsd:string')


@pytest.mark.parametrize("text", [DATA, WELL_FORMED, TYPED_STRING],
                         ids=["ill-formed-date", "well-formed-dates", "typed-string"])
def test_pyrudof_results_read_as_pyshacls(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = Graph().parse(data=text, format="turtle")
    shapes = Graph().parse(data=SHAPES, format="turtle")
    expected = validation.validate(data, shapes)
    checked = {URIRef(r.shape) for r in expected.results}
    assert {URIRef(EX + n) for n in ("TitleShape", "CodeShape", "DateShape", "LinkShape", "OwnerShape",
                                     "ParentShape", "KindShape", "PartKindShape", "NoMessageShape",
                                     "IriShape")} == checked
    runs: list[Graph] = []
    run = validation_core.run
    monkeypatch.setattr(validation_core, "run", lambda store, data, shapes, *rest: runs.append(shapes) or run(
        store, data, shapes, *rest))
    fast = validation.validate_fast(data, shapes, workers=1)
    (checked_by_rudof,) = runs
    dates = (URIRef(EX + "DateShape"), SH.datatype, XSD.date) in checked_by_rudof
    assert dates == (text != DATA), "xsd:date is left to pyshacl where a date is ill-formed"
    kinds = (URIRef(EX + "KindShape"), SH["in"], None) in checked_by_rudof
    assert kinds == (text != TYPED_STRING), "sh:in is left to pyshacl where a kind is typed xsd:string"
    assert results(fast) == results(expected)
    assert isomorphic(fast.graph, expected.graph)


def test_shapes_pyrudof_would_check_otherwise_stay_with_pyshacl() -> None:
    shapes = Graph().parse(data=SHAPES, format="turtle")
    eligible = {s.removeprefix(EX) for s in shapes.subjects() if validation_core.eligible(shapes, s)}
    assert eligible == {"TitleShape", "CodeShape", "LinkShape", "OwnerShape", "ParentShape", "KindShape",
                        "PartKindShape", "IriShape"}  # not xsd:date, not without a message
    real = Graph().parse(ROOT / "shapes" / "violations.ttl").parse(ROOT / "shapes" / "warnings.ttl")
    assert validation_core.eligible(real, RGSH.EntryTitleShape)
    assert not validation_core.eligible(real, RGSH.EntryIssuedShape)  # xsd:date, without the data
    assert validation_core.eligible(real, RGSH.EntryIssuedShape, ox.Store())
    assert not validation_core.eligible(real, RGSH.StatusSchemeShape)  # SHACL-SPARQL


def test_a_shape_with_focus_nodes_that_are_not_iris_stays_with_pyshacl() -> None:
    shapes = Graph().parse(data=SHAPES, format="turtle")
    thing, iri, title = URIRef(EX + "ThingShape"), URIRef(EX + "IriShape"), URIRef(EX + "TitleShape")
    part = validation_core.split(shapes, {thing: {URIRef(EX + "a")}, iri: {URIRef(EX + "a")}})
    assert part.rudof is not None and set(part.rudof_targets) == {thing, iri}
    assert {s for s, n in part.targets.items() if n} == {thing}  # the date and the message-less shape
    assert (thing, SH.property, title) not in part.pyshacl
    for odd in (BNode(), Literal("a")):
        part = validation_core.split(shapes, {thing: {URIRef(EX + "a"), odd}, iri: {URIRef(EX + "a")}})
        assert part.rudof is not None and {s for s, n in part.targets.items() if n} == {thing}
        assert (thing, SH.property, title) in part.pyshacl and (title, SH.minCount, None) in part.pyshacl
        assert set(part.rudof_targets) == {iri} and (iri, SH.targetNode, None) not in part.rudof


def test_data_with_literal_and_blank_focus_nodes(monkeypatch: pytest.MonkeyPatch) -> None:
    odd = DATA + """ex:owner ex:owns ex:good-one .
ex:bnode-holder ex:ref [ a ex:Thing ; ex:title "Blank"@en ] .
"""
    data = Graph().parse(data=odd, format="turtle")
    shapes = Graph().parse(data=SHAPES + """
ex:NamedShape a sh:NodeShape ; sh:targetNode "a literal" , ex:good-one ; sh:nodeKind sh:IRI ;
    sh:severity sh:Violation ; sh:message "an IRI"@en .
""", format="turtle")
    expected = validation.validate(data, shapes)
    assert any(r.focus_node == "a literal" for r in expected.results)
    blank = data.value(URIRef(EX + "bnode-holder"), URIRef(EX + "ref"))
    assert isinstance(blank, BNode) and any(r.focus_node == str(blank) for r in expected.results)
    fast = validation.validate_fast(data, shapes, workers=1)
    assert results(fast) == results(expected)
    assert isomorphic(fast.graph, expected.graph)


def test_a_value_that_cannot_be_told_apart_is_not_guessed() -> None:
    data = Graph()
    focus, path = URIRef(EX + "a"), URIRef(EX + "p")
    for value in (Literal("5", datatype=XSD.integer), Literal("5", datatype=XSD.decimal), Literal("5")):
        data.add((focus, path, value))
    with pytest.raises(validation_core.Unmapped):
        validation_core._value('"5"^^xsd:integer', focus, path, data, Graph())
    assert validation_core._value('"5"', focus, path, data, Graph()) == Literal("5")


def test_the_fast_path_falls_back_when_pyrudof_cannot_be_read(monkeypatch: pytest.MonkeyPatch) -> None:
    data = Graph().parse(data=DATA, format="turtle")
    shapes = Graph().parse(data=SHAPES, format="turtle")

    def unmapped(*args: object) -> Graph:
        raise validation_core.Unmapped("as if a value named two nodes")

    monkeypatch.setattr(validation_core, "run", unmapped)
    assert results(validation.validate_fast(data, shapes, workers=1)) == results(validation.validate(data, shapes))


def test_the_catalogue_shapes_are_shared_out(catalogue) -> None:
    shapes = validation_focus.canonical(catalogue.shapes)
    store = validation_focus.load_store(catalogue.union())
    targets = validation_focus.find_targets(catalogue.union(), shapes, store)
    part = validation_core.split(shapes, targets)
    assert part.rudof is not None
    to_rudof = {s for s in shapes.subjects(SH.path, None) if validation_core.eligible(shapes, s)}
    assert len(to_rudof) > 50
    assert not any((s, SH.property, p) in part.pyshacl for s in targets for p in to_rudof)


def test_each_chunk_is_checked_on_the_data_it_reads_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """pyrudof checks a chunk of focus nodes at a time, holding for each the triples along the
    shapes' paths from it and the types sh:class checks, not the rest of the data; the report is
    pyshacl's."""
    data = Graph().parse(data=WELL_FORMED, format="turtle")
    shapes = Graph().parse(data=SHAPES, format="turtle")
    expected = validation.validate(data, shapes)
    held_by_call: list[Graph] = []
    pyrudof_validate = validation_core.pyrudof.Rudof.validate_shacl

    def recorded(engine):  # type: ignore[no-untyped-def]
        held_by_call.append(held(engine))
        return pyrudof_validate(engine)

    monkeypatch.setattr(validation_core, "CHUNK", 1)
    monkeypatch.setattr(validation_core.pyrudof.Rudof, "validate_shacl", recorded)
    fast = validation.validate_fast(data, shapes, workers=1)
    assert len(held_by_call) == 3, "one run per focus node (good-one, Other-One, untitled)"
    assert results(fast) == results(expected)
    assert isomorphic(fast.graph, expected.graph)
    about = {frozenset(s for s in graph.subjects() if isinstance(s, URIRef)) for graph in held_by_call}
    thing, sub_thing = URIRef(EX + "Thing"), URIRef(EX + "SubThing")
    assert about == {frozenset({URIRef(EX + "good-one"), URIRef(EX + "someone"), URIRef(EX + "Other-One"), sub_thing}),
                     frozenset({URIRef(EX + "Other-One"), URIRef(EX + "someone"), sub_thing}),
                     frozenset({URIRef(EX + "untitled"), URIRef(EX + "good-one"), sub_thing})}
    (untitled,) = [graph for graph in held_by_call if (URIRef(EX + "untitled"), None, None) in graph]
    assert set(untitled.predicate_objects(URIRef(EX + "good-one"))) == {(RDF.type, thing)}, \
        "of the value of ex:parent, only its type"


def test_each_engine_reads_the_shapes_once_and_each_chunk_leaves_nothing_behind(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The shapes target their focus nodes through marker triples in each chunk's data, so that
    an engine reads them once, whatever the chunks; a chunk's data is rolled back once checked."""
    data = Graph().parse(data=WELL_FORMED, format="turtle")
    shapes = Graph().parse(data=SHAPES, format="turtle")
    expected = validation.validate(data, shapes)
    calls: dict[str, list[pyrudof.Rudof]] = {"read_shacl": [], "validate_shacl": []}
    held_after: list[int] = []
    for name in calls:
        original = getattr(validation_core.pyrudof.Rudof, name)

        def recorded(engine, *args, _original=original, _name=name, **kwargs):  # type: ignore[no-untyped-def]
            calls[_name].append(engine)
            return _original(engine, *args, **kwargs)

        monkeypatch.setattr(validation_core.pyrudof.Rudof, name, recorded)
    rollback = validation_core.pyrudof.Rudof.rollback_staging

    def rolled_back(engine):  # type: ignore[no-untyped-def]
        rollback(engine)
        held_after.append(len(held(engine)))

    monkeypatch.setattr(validation_core.pyrudof.Rudof, "rollback_staging", rolled_back)
    monkeypatch.setattr(validation_core, "CHUNK", 1)
    monkeypatch.setattr(validation_core, "ENGINES", 1)
    fast = validation.validate_fast(data, shapes, workers=1)
    assert results(fast) == results(expected)
    assert len(calls["validate_shacl"]) == 3 and len(calls["read_shacl"]) == 1
    assert held_after == [1, 1, 1], "the class hierarchy alone stays between chunks"


def test_engines_checking_chunks_at_once_report_what_one_reports_in_the_chunks_order(
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = Graph().parse(data=WELL_FORMED, format="turtle")
    shapes = Graph().parse(data=SHAPES, format="turtle")
    store = validation_focus.load_store(data)
    part = validation_core.split(validation_focus.canonical(shapes), validation_focus.find_targets(
        data, validation_focus.canonical(shapes), store), store, data)
    monkeypatch.setattr(validation_core, "CHUNK", 1)
    threads: dict[int, set[tuple[str, int]]] = {}
    pyrudof_validate = validation_core.pyrudof.Rudof.validate_shacl

    def recorded(engine):  # type: ignore[no-untyped-def]
        niceness = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        threads.setdefault(validation_core.ENGINES, set()).add((threading.current_thread().name, niceness))
        return pyrudof_validate(engine)

    monkeypatch.setattr(validation_core.pyrudof.Rudof, "validate_shacl", recorded)
    found = {}
    for engines in (1, 2, 3):
        monkeypatch.setattr(validation_core, "ENGINES", engines)
        entries = validation_core._validate(store, part.rudof, part.rudof_targets)
        found[engines] = [(str(e.focus_node), str(e.source_shape), str(e.constraint_component), str(e.value))
                          for e in entries]
    assert found[1] and sorted(found[2]) == sorted(found[1]) and sorted(found[3]) == sorted(found[1])
    for entries in found.values():  # pyrudof orders a chunk's results its own way
        assert [focus for focus, *_ in entries] == sorted(focus for focus, *_ in entries), "the chunks' order"
    assert len(threads[1]) == 1 and len(threads[2]) == 2 and len(threads[3]) == 3
    if sys.platform.startswith("linux"):  # the engines after the first yield to other processes
        base = os.getpriority(os.PRIO_PROCESS, 0)
        assert sorted(niceness for _, niceness in threads[3]) == \
            [base, max(base, validation_core.LATER_ENGINES_NICENESS), max(base, validation_core.LATER_ENGINES_NICENESS)]


@pytest.mark.parametrize("rudof_from", [0, 10**6], ids=["pyrudof-checks", "pyshacl-alone"])
def test_pyshacl_runs_beside_pyrudofs_thread_only_when_pyrudof_checks(rudof_from: int,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """pyshacl may fork: it runs beside pyrudof's thread only where pyrudof has work to do."""
    data = Graph().parse(data=WELL_FORMED, format="turtle")
    shapes = Graph().parse(data=SHAPES, format="turtle")
    expected = validation.validate(data, shapes)
    monkeypatch.setattr(validation, "RUDOF_FROM", rudof_from)
    threads: list[list[str]] = []
    by_pyshacl = validation._by_pyshacl
    monkeypatch.setattr(validation, "_by_pyshacl", lambda *args: threads.append(
        [t.name for t in threading.enumerate() if t.name.startswith("railgraph-rudof")]) or by_pyshacl(*args))
    fast = validation.validate_fast(data, shapes, workers=1)
    assert len(threads) == 1
    assert bool(threads[0]) == (rudof_from == 0)
    assert results(fast) == results(expected)
    assert isomorphic(fast.graph, expected.graph)


def held(engine: pyrudof.Rudof) -> Graph:
    """The data pyrudof holds."""
    return Graph().parse(data=engine.serialize_data(format=pyrudof.ResultDataFormat.NTriples), format="nt")


def types_read(store: ox.Store, shapes: Graph, data: Graph) -> set[tuple[Node, Node]]:
    """The types :meth:`validation_core.Reader.read` reads checking ``shapes`` on every subject of ``data``."""
    focus = {s for s in data.subjects() if isinstance(s, URIRef)}
    reader = validation_core.Reader(store, validation_core.Paths.of(shapes))
    return {(to_rdflib(t.subject), to_rdflib(t.object)) for t in reader.read(focus) if t.predicate == TYPE}


def test_pyrudof_reads_the_types_sh_class_checks_and_no_others() -> None:
    data = Graph().parse(data=DATA, format="turtle")
    store = validation_focus.load_store(data)
    shapes = Graph().parse(data=SHAPES, format="turtle")
    assert types_read(store, shapes, data) == {(URIRef(EX + "Other-One"), URIRef(EX + "SubThing")),  # a value of ex:parent
                                               (URIRef(EX + "good-one"), URIRef(EX + "Thing"))}  # and another one
    assert (URIRef(EX + "untitled"), URIRef(EX + "Thing")) in set(data.subject_objects(RDF.type))
    shapes.add((URIRef(EX + "IriShape"), SH["class"], URIRef(EX + "Thing")))  # the focus nodes' own types
    assert types_read(store, shapes, data) == set(data.subject_objects(RDF.type))


def test_a_path_followed_backwards_reads_what_points_at_the_chunks_focus_nodes_only() -> None:
    data = Graph().parse(data=DATA, format="turtle")
    reader = validation_core.Reader(validation_focus.load_store(data), validation_core.Paths.of(
        Graph().parse(data=SHAPES, format="turtle")))
    owns = ox.NamedNode(EX + "owns")

    def owned(focus: set[URIRef]) -> set[str]:
        return {t.object.value for t in reader.read(focus) if t.predicate == owns}

    assert owned({URIRef(EX + "good-one")}) == {EX + "good-one"}
    assert owned({URIRef(EX + "Other-One"), URIRef(EX + "untitled")}) == {EX + "Other-One"}
    assert owned({URIRef(EX + "someone")}) == set()  # it owns, nothing owns it


def test_sh_class_on_a_path_pyrudof_is_not_given_reads_no_types_for_it() -> None:
    data = Graph().parse(data=DATA, format="turtle")
    shapes = Graph().parse(data=SHAPES + """
ex:EitherShape sh:path [ sh:alternativePath ( ex:parent ex:owner ) ] ; sh:class ex:Thing ;
    sh:severity sh:Violation ; sh:message "a thing"@en .
ex:ThingShape sh:property ex:EitherShape .
""", format="turtle")
    assert types_read(validation_focus.load_store(data), shapes, data) == {
        (URIRef(EX + "Other-One"), URIRef(EX + "SubThing")), (URIRef(EX + "good-one"), URIRef(EX + "Thing"))}
    assert not validation_core.eligible(shapes, URIRef(EX + "EitherShape"))
