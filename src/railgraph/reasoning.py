"""Fast OWL 2 RL inference: owlrl closes the schema once, a compiled pass applies it to the data.

owlrl (:func:`railgraph.inference.infer`) stays the reference semantics; it re-scans the whole
graph on every round and needs minutes on the catalogue with its licence register. The ontology
only uses the axioms below, so their consequences on instance data are computed here, in time
linear in the data per round, from the closure owlrl computes on the schema alone:

* ``rdfs:subClassOf`` (cax-sco), ``rdfs:subPropertyOf`` (prp-spo1)
* ``rdfs:domain`` and ``rdfs:range`` (prp-dom, prp-rng)
* ``owl:inverseOf`` (prp-inv1, prp-inv2), ``owl:SymmetricProperty`` (prp-symp)
* ``owl:TransitiveProperty`` (prp-trp), ``owl:propertyChainAxiom`` of two steps (prp-spo2)

:func:`supported` tells whether a schema uses only these; when it does not, railgraph falls back
to owlrl. ``tests/test_reasoning.py`` proves both give the same triples.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import owlrl
from rdflib import BNode, Graph, Literal
from rdflib.collection import Collection
from rdflib.term import Node

from .namespaces import OWL, RDF, RDFS

Triple = tuple[Node, Node, Node]

#: Predicates and types that make a triple part of the schema.
SCHEMA_PREDICATES = {RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.inverseOf,
                     OWL.propertyChainAxiom, OWL.equivalentClass, OWL.equivalentProperty}
SCHEMA_TYPES = {OWL.TransitiveProperty, OWL.SymmetricProperty, OWL.ObjectProperty,
                OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.Class, RDFS.Class, RDF.Property,
                OWL.Ontology}
#: Axioms this module cannot apply; a schema using them is reasoned over by owlrl alone.
UNSUPPORTED = {OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.hasKey, OWL.sameAs,
               OWL.differentFrom, OWL.AllDifferent, OWL.intersectionOf, OWL.unionOf, OWL.oneOf,
               OWL.someValuesFrom, OWL.allValuesFrom, OWL.hasValue, OWL.maxCardinality,
               OWL.maxQualifiedCardinality, OWL.complementOf, OWL.disjointWith,
               OWL.propertyDisjointWith, OWL.AsymmetricProperty, OWL.IrreflexiveProperty,
               OWL.ReflexiveProperty, OWL.Restriction}
# Plain constants for the per-triple loops: each ``RDF.type`` is an attribute look-up on rdflib's
# namespace class, which costs more than the comparison it feeds.
_TYPE, _CHAIN = RDF.type, OWL.propertyChainAxiom


def split(asserted: Graph) -> tuple[Graph, list[Triple]]:
    """The schema triples (with their RDF lists) and the rest."""
    schema = Graph()
    data: list[Triple] = []
    for s, p, o in asserted:
        if p in SCHEMA_PREDICATES or (p == _TYPE and o in SCHEMA_TYPES):
            schema.add((s, p, o))
            if p == _CHAIN:
                for node in _list_nodes(asserted, o):
                    for triple in asserted.triples((node, None, None)):
                        schema.add(triple)
        else:
            data.append((s, p, o))
    return schema, data


def schema_of(asserted: Graph) -> Graph:
    """The schema triples of :func:`split`, read from the graph's indexes (no pass over the data)."""
    schema = Graph()
    for predicate in SCHEMA_PREDICATES:
        for s, p, o in asserted.triples((None, predicate, None)):
            schema.add((s, p, o))
            if p == _CHAIN:
                for node in _list_nodes(asserted, o):
                    for triple in asserted.triples((node, None, None)):
                        schema.add(triple)
    for cls in SCHEMA_TYPES:
        for triple in asserted.triples((None, _TYPE, cls)):
            schema.add(triple)
    return schema


def supported(asserted: Graph) -> bool:
    """True when the data uses no OWL construct this pass does not implement.

    That is: no triple whose predicate is one of :data:`UNSUPPORTED`, nor a typing or schema
    triple whose object is; looked up in the graph's indexes rather than by a pass over it.
    """
    if any((None, axiom, None) in asserted for axiom in UNSUPPORTED):
        return False
    return not any((None, predicate, axiom) in asserted
                   for predicate in (_TYPE, *SCHEMA_PREDICATES) for axiom in UNSUPPORTED)


class Schema:
    """The closed schema, indexed for the instance rules."""

    def __init__(self, closed: Graph) -> None:
        self.superclasses = _related(closed, RDFS.subClassOf, both_ways=OWL.equivalentClass)
        self.superproperties = _related(closed, RDFS.subPropertyOf, both_ways=OWL.equivalentProperty)
        self.domains = _related(closed, RDFS.domain)
        self.ranges = _related(closed, RDFS.range)
        self.inverses = _related(closed, OWL.inverseOf, both_ways=OWL.inverseOf)
        self.chains: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)  # first step -> (second, result)
        self.transitive = set(closed.subjects(RDF.type, OWL.TransitiveProperty))
        for prop in set(closed.subjects(RDF.type, OWL.SymmetricProperty)):
            self.inverses[prop].add(prop)
        for result, head in closed.subject_objects(OWL.propertyChainAxiom):
            steps = list(Collection(closed, head))
            if len(steps) != 2:
                raise ValueError(f"property chain of {len(steps)} steps on {result}")
            self.chains[steps[0]].append((steps[1], result))
        self.chain_seconds = {second for pairs in self.chains.values() for second, _ in pairs}


def _related(closed: Graph, predicate: Node, both_ways: Node | None = None) -> dict[Node, set[Node]]:
    """Subject -> objects of ``predicate`` (no self-links), plus ``both_ways`` in both directions."""
    related: dict[Node, set[Node]] = defaultdict(set)
    for s, o in closed.subject_objects(predicate):
        if s != o:
            related[s].add(o)
    if both_ways is not None:
        for s, o in closed.subject_objects(both_ways):
            related[s].add(o)
            related[o].add(s)
    return related


def close_schema(schema: Graph) -> Graph:
    """owlrl's closure of the schema alone (small: milliseconds to a second)."""
    closed = Graph()
    for triple in schema:
        closed.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                           datatype_axioms=False).expand(closed)
    return closed


def entailed(asserted: Graph) -> set[Triple]:
    """Every triple OWL 2 RL entails from ``asserted`` through the supported axioms."""
    closed = close_schema(schema_of(asserted))
    index = Schema(closed)
    known: set[Triple] = set(asserted) | set(closed)
    by_subject: dict[Node, list[Triple]] = defaultdict(list)
    by_object: dict[Node, list[Triple]] = defaultdict(list)
    pending: list[Triple] = list(known)
    for triple in known:
        by_subject[triple[0]].append(triple)
        by_object[triple[2]].append(triple)

    def add(triple: Triple) -> None:
        if triple not in known:
            known.add(triple)
            pending.append(triple)
            by_subject[triple[0]].append(triple)
            by_object[triple[2]].append(triple)

    while pending:
        s, p, o = triple = pending.pop()
        if p == _TYPE:
            for superclass in index.superclasses.get(o, ()):
                add((s, _TYPE, superclass))
            continue
        for superproperty in index.superproperties.get(p, ()):
            add((s, superproperty, o))
        for cls in index.domains.get(p, ()):
            add((s, _TYPE, cls))
        if not isinstance(o, Literal):
            for cls in index.ranges.get(p, ()):
                add((o, _TYPE, cls))
            for inverse in index.inverses.get(p, ()):
                add((o, inverse, s))
        if p in index.transitive:
            for _, p2, o2 in list(by_subject.get(o, ())):
                if p2 == p:
                    add((s, p, o2))
            for s0, p0, _ in list(by_object.get(s, ())):
                if p0 == p:
                    add((s0, p, o))
        for second, result in index.chains.get(p, ()):
            for _, p2, o2 in list(by_subject.get(o, ())):
                if p2 == second:
                    add((s, result, o2))
        if p in index.chain_seconds:
            for first, pairs in index.chains.items():
                for second, result in pairs:
                    if second == p:
                        for s0, p0, _ in list(by_object.get(s, ())):
                            if p0 == first:
                                add((s0, result, o))
    return known - set(asserted)


def _list_nodes(graph: Graph, head: Node) -> Iterable[Node]:
    node = head
    while isinstance(node, BNode):
        yield node
        node = graph.value(node, RDF.rest)


__all__ = ["Schema", "close_schema", "entailed", "schema_of", "split", "supported"]
