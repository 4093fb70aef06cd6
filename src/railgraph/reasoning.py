"""Fast OWL 2 RL inference: owlrl closes the schema once, SPARQL updates apply it to the data.

owlrl (:func:`railgraph.inference.infer_with_owlrl`) stays the reference semantics; it re-scans
the whole graph on every round and needs minutes on the catalogue with its licence register. The
ontology only uses the axioms below, so their consequences on instance data are computed here,
inside the pyoxigraph store (:func:`apply_in`), from the closure owlrl computes on the schema alone:

* ``rdfs:subClassOf`` (cax-sco), ``rdfs:subPropertyOf`` (prp-spo1)
* ``rdfs:domain`` and ``rdfs:range`` (prp-dom, prp-rng)
* ``owl:inverseOf`` (prp-inv1, prp-inv2), ``owl:SymmetricProperty`` (prp-symp)
* ``owl:TransitiveProperty`` (prp-trp), ``owl:propertyChainAxiom`` of two steps (prp-spo2)

:func:`supported` tells whether a schema uses only these; when it does not, railgraph falls back
to owlrl. ``tests/test_reasoning.py`` proves both give the same triples.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

import owlrl
import pyoxigraph as ox
from rdflib import Graph
from rdflib.collection import Collection
from rdflib.term import Node

from .namespaces import OWL, RDF, RDFS
from .terms import to_oxigraph, to_rdflib

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
_OX_TYPE, _OX_REST = ox.NamedNode(str(RDF.type)), ox.NamedNode(str(RDF.rest))


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
        self.inverses = _related(closed, OWL.inverseOf, both_ways=OWL.inverseOf, itself=True)
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


def _related(closed: Graph, predicate: Node, both_ways: Node | None = None, *,
             itself: bool = False) -> dict[Node, set[Node]]:
    """Subject -> objects of ``predicate``, plus ``both_ways`` in both directions; a node is
    related to itself only where ``itself`` says so (a property its own inverse is symmetric).

    owlrl makes every class and property equivalent to itself: kept, a rule would derive each
    triple it reads from itself, only to find it there (2.2 million such rows at 100,000 tools).
    """
    related: dict[Node, set[Node]] = defaultdict(set)
    pairs = [*closed.subject_objects(predicate)]
    if both_ways is not None:
        pairs += [pair for s, o in closed.subject_objects(both_ways) for pair in ((s, o), (o, s))]
    for s, o in pairs:
        if itself or s != o:
            related[s].add(o)
    return related


def close_schema(schema: Graph) -> Graph:
    """owlrl's closure of the schema alone (small: milliseconds to a second)."""
    closed = Graph()
    for triple in schema:
        closed.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                           datatype_axioms=False).expand(closed)
    return closed


def supported_in(store: ox.Store) -> bool:
    """:func:`supported` for the default graph of a pyoxigraph store."""
    default = ox.DefaultGraph()
    axioms = [to_oxigraph(axiom) for axiom in UNSUPPORTED]
    if any(next(store.quads_for_pattern(None, axiom, None, default), None) for axiom in axioms):
        return False
    return not any(next(store.quads_for_pattern(None, to_oxigraph(predicate), axiom, default), None)
                   for predicate in (_TYPE, *SCHEMA_PREDICATES) for axiom in axioms)


def schema_in(store: ox.Store) -> Graph:
    """:func:`schema_of` for the default graph of a pyoxigraph store (as a small rdflib graph)."""
    default = ox.DefaultGraph()
    schema = Graph()

    def add(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
        found = list(quads)
        for quad in found:
            schema.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))  # type: ignore[arg-type]
        return found

    for predicate in SCHEMA_PREDICATES:
        for quad in add(store.quads_for_pattern(None, to_oxigraph(predicate), None, default)):
            if predicate != _CHAIN:
                continue
            node = quad.object
            while isinstance(node, ox.BlankNode):  # the RDF list of the chain's steps
                add(store.quads_for_pattern(node, None, None, default))
                rest = next(store.quads_for_pattern(node, _OX_REST, None, default), None)
                node = rest.object if rest is not None else None
    for cls in SCHEMA_TYPES:
        add(store.quads_for_pattern(None, _OX_TYPE, to_oxigraph(cls), default))
    return schema


def apply_in(store: ox.Store, into: ox.NamedNode, close: Callable[[Graph], Graph] = close_schema) -> None:
    """Add what the supported axioms entail from the default graph of ``store`` to the named
    graph ``into``: each triple neither graph holds yet, once.

    The rules run as SPARQL updates inside pyoxigraph, so no triple of the data passes through
    Python; each reads its triples from both graphs. owlrl closes the schema, and its new triples
    are added. The property rules (superproperties, inverses and symmetry, transitivity, two-step
    chains) then run in rounds; after the first, a rule runs again only for the predicates that
    the previous round could have added triples of (a rule that added nothing adds none of its
    predicates; a transitive property's rule joins two of its triples, so it runs until the paths
    it joins are complete). Last, the typing rules (domains, ranges, then superclasses, all closed
    by owlrl) run once, which is all they need, unless rdf:type is itself the key of a property
    rule: then they run in the rounds. ``close`` closes the schema (:func:`close_schema`, or a
    cache of its answers).
    """
    closed = close(schema_in(store))
    index = Schema(closed)
    schema_quads = [ox.Quad(*(to_oxigraph(term) for term in triple)) for triple in closed]
    store.extend([ox.Quad(q.subject, q.predicate, q.object, into) for q in schema_quads if q not in store])

    def held(pattern: str) -> str:
        return _held(pattern, into)

    chains = {(first, second, result) for first, pairs in index.chains.items() for second, result in pairs}
    property_rules = [
        _Rule("?s ?x ?o .", {p: (held("?s {key} ?o ."), values) for p, values in index.superproperties.items()}),
        _Rule("?o ?x ?s .", {p: (held("?s {key} ?o .") + " FILTER(!isLiteral(?o))", values)
                             for p, values in index.inverses.items()}),
        *(_Rule("?s ?x ?o .", {p: (held("?s {key} ?m .") + held("?m {key} ?o ."), {p})}, closed_under_itself=False)
          for p in index.transitive),
        *(_Rule("?s ?x ?o .", {step: (held(f"?s {to_oxigraph(first)} ?m .") + held(f"?m {to_oxigraph(second)} ?o ."),
                                      {result})
                               for step in (first, second)}, closed_under_itself=False)
          for first, second, result in chains),
    ]
    superclasses = " ".join(f"({to_oxigraph(c)} {to_oxigraph(d)})"
                            for c, values in sorted(index.superclasses.items()) for d in sorted(values))
    domains, ranges = _widest(index.domains, index), _widest(index.ranges, index)
    type_rules = [
        _Rule("?s a ?x .", {p: (held("?s {key} ?o ."), values) for p, values in domains.items()}, adds=_TYPE),
        _Rule("?o a ?x .", {p: (held("?s {key} ?o .") + " FILTER(!isLiteral(?o))", values)
                            for p, values in ranges.items()}, adds=_TYPE),
        _Rule("?s a ?x .", {_TYPE: (f"VALUES (?c ?x) {{ {superclasses} }} " + held("?s a ?c ."), set())}
              if superclasses else {}, adds=_TYPE),
    ]
    if any(_TYPE in rule.patterns for rule in property_rules):
        property_rules, type_rules = property_rules + type_rules, []
    # which key predicates each rule must still run for (None: all of them)
    pending: dict[int, set[Node] | None] = {number: None for number in range(len(property_rules))}
    while pending:
        number, keys = pending.popitem()
        rule = property_rules[number]
        added = rule.apply(store, into, keys)
        for other, each in enumerate(property_rules):
            if added & each.patterns.keys() and (other != number or not rule.closed_under_itself):
                known = pending.get(other, set())
                if known is not None:
                    pending[other] = known | (added & each.patterns.keys())
    for rule in type_rules:  # nothing runs after them that needs their answer: no need to ask first
        rule.apply(store, into, None, tell=False)


def _widest(classes: dict[Node, set[Node]], index: Schema) -> dict[Node, set[Node]]:
    """The domains (or ranges) ``classes`` of each property, less those a strict superproperty
    has too: by the time the typing rules run, every triple of a property is there under each of
    its superproperties, so reading the superproperty's triples types the same nodes. At 100,000
    tools the range rule read every facet's triples twice, once as ``rg:facet`` (12.4 s; 5.8 s
    without).
    Properties that are each other's superproperties (equivalent ones) keep theirs."""
    widest: dict[Node, set[Node]] = {}
    for prop, values in classes.items():
        wider = [other for other in index.superproperties.get(prop, ())
                 if prop not in index.superproperties.get(other, ())]
        widest[prop] = {value for value in values if not any(value in classes.get(other, ()) for other in wider)}
    return widest


class _Rule:
    """One rule as one SPARQL update. For each key predicate: a pattern (``{key}`` stands for
    it) binding ``?s`` and ``?o``, and the values ``?x`` takes; ``template`` is what it adds.

    ``adds`` is the one predicate the rule adds triples of (rdf:type for the typing rules); by
    default the values of ``?x`` are the predicates it adds. A rule is ``closed_under_itself``
    when what it adds can never make it add more (owlrl closed the superproperties, an inverse's
    inverse is where it started, a transitive property's path is followed to its end); a chain's
    result may be a step of itself.
    """

    def __init__(self, template: str, patterns: dict[Node, tuple[str, set[Node]]], *,
                 adds: Node | None = None, closed_under_itself: bool = True) -> None:
        self.template = template
        self.closed_under_itself = closed_under_itself
        self.patterns = {key: (pattern, values) for key, (pattern, values) in patterns.items()
                         if values or "?x" in pattern}
        self.adds = adds

    def apply(self, store: ox.Store, into: ox.NamedNode, changed: set[Node] | None, *,
              tell: bool = True) -> set[Node]:
        """Run for the keys in ``changed`` (all when None). Returns the predicates it may have
        added triples of: none when it found nothing new, or when not asked to ``tell``."""
        keys = sorted(key for key in self.patterns if changed is None or key in changed)
        if not keys:
            return set()
        blocks = []
        for key in keys:
            pattern, values = self.patterns[key]
            block = pattern.replace("{key}", str(to_oxigraph(key)))
            blocks.append(f"{{ {block} VALUES ?x {{ {_terms(values)} }} }}" if values else f"{{ {block} }}")
        union = " UNION ".join(blocks)
        if self.adds is not None:  # a typing rule: many triples give each node its type, check it once
            node = self.template.split()[0]
            union = f"SELECT DISTINCT {node} ?x WHERE {{ {union} }}"
        where = (f"{{ {{ {union} }} FILTER NOT EXISTS {{ {self.template} }} "
                 f"FILTER NOT EXISTS {{ GRAPH {into} {{ {self.template} }} }} }}")
        if tell and not store.query(f"ASK {where}"):  # stops at the first new triple, where counting would not
            return set()
        store.update(f"INSERT {{ GRAPH {into} {{ {self.template} }} }} WHERE {where}")
        if not tell:
            return set()
        return {self.adds} if self.adds is not None else {v for key in keys for v in self.patterns[key][1]}


def _held(pattern: str, into: ox.NamedNode) -> str:
    """A group matching the triple ``pattern`` among the asserted triples (the default graph) or
    those inferred so far (the graph ``into``), which hold no triple twice."""
    return f"{{ {{ {pattern} }} UNION {{ GRAPH {into} {{ {pattern} }} }} }}"


def _terms(values: Iterable[Node]) -> str:
    return " ".join(str(to_oxigraph(value)) for value in sorted(values))


__all__ = ["Schema", "apply_in", "close_schema", "schema_in", "supported", "supported_in"]
