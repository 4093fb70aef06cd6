"""OWL 2 RL inference, kept apart from the asserted triples.

:func:`infer` uses the fast pass of :mod:`railgraph.reasoning` (owlrl on the schema, a compiled
pass on the data) and falls back to owlrl's full closure, the reference, when the ontology uses an
axiom the fast pass does not implement. Either way railgraph keeps only what is new and useful to
a reader or a query: no triples about the OWL/RDFS vocabulary itself, no reflexive ``owl:sameAs``,
no ``rdf:type owl:Thing``/``rdfs:Resource`` and no typing of literals.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import owlrl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from . import reasoning
from .loading import new_graph
from .namespaces import OWL, RDF, RDFS

_VOCABULARY_NAMESPACES = (str(OWL), str(RDF), str(RDFS), "http://www.w3.org/2001/XMLSchema#")
_TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual, RDFS.Class, OWL.Class}
# Plain constants for :func:`_is_informative`, called once per triple (rdflib's namespace
# attribute look-up costs more than the comparisons).
_TYPE, _SAME_AS, _THING = RDF.type, OWL.sameAs, OWL.Thing
_HIERARCHY = (RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty)


def infer(asserted: Graph) -> Graph:
    """Return the triples OWL 2 RL entails from ``asserted`` that ``asserted`` does not hold."""
    if not reasoning.supported(asserted):
        return infer_with_owlrl(asserted)
    inferred = new_graph()
    for triple in reasoning.entailed(asserted):
        if _is_informative(triple):
            inferred.add(triple)
    return inferred


def infer_with_owlrl(asserted: Iterable[tuple[Node, Node, Node]]) -> Graph:
    """The reference: owlrl's full OWL 2 RL closure, filtered like :func:`infer`."""
    closure = Graph()
    for triple in asserted:
        closure.add(triple)
    before = set(closure)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                           datatype_axioms=False).expand(closure)
    inferred = new_graph()
    for triple in closure:
        if triple not in before and _is_informative(triple):
            inferred.add(triple)
    return inferred


def _is_informative(triple: tuple[Node, Node, Node]) -> bool:
    s, p, o = triple
    if isinstance(s, Literal):
        return False
    if isinstance(s, URIRef) and str(s).startswith(_VOCABULARY_NAMESPACES):
        return False
    if p == _SAME_AS:
        return False
    if p == _TYPE and (o in _TRIVIAL_TYPES or isinstance(o, Literal)):
        return False
    if p in _HIERARCHY and (s == o or o in _TRIVIAL_TYPES):
        return False
    if isinstance(o, Literal) and p == _TYPE:
        return False
    return not (isinstance(s, BNode) and p == _TYPE and o == _THING)


def infer_cached(asserted: Graph, source_digest: str, cache_dir: Path | None) -> Graph:
    """:func:`infer`, remembered on disk under a key made of the sources' content.

    ``source_digest`` must change whenever any source file changes. Nothing is cached when the
    inferred triples hold blank nodes (their labels do not survive a new parse of the sources).
    """
    if cache_dir is None:
        return infer(asserted)
    key = hashlib.sha256(f"{owlrl.__version__}\n{source_digest}".encode()).hexdigest()[:32]
    cached = cache_dir / f"inferred-{key}.nt"
    if cached.is_file():
        graph = new_graph()
        graph.parse(cached, format="nt")
        return graph
    inferred = infer(asserted)
    if not any(isinstance(term, BNode) for triple in inferred for term in triple):
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=cache_dir, prefix=".inferred-")
            with os.fdopen(handle, "wb") as stream:
                stream.write(inferred.serialize(format="nt", encoding="utf-8"))
            os.replace(temporary, cached)
            _prune(cache_dir, keep=8)
        except OSError:
            pass  # a read-only place: the cache is an optimisation only
    return inferred


def _prune(cache_dir: Path, keep: int) -> None:
    """Remove all but the ``keep`` most recent cached closures."""
    entries = sorted(cache_dir.glob("inferred-*.nt"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in entries[keep:]:
        stale.unlink(missing_ok=True)
