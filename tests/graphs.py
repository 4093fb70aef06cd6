"""Graph helpers for tests: isomorphism checked quickly on large graphs, and pyoxigraph's reading
of an export as rdflib graphs (a second, independent parser)."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.compare import isomorphic

from railgraph.terms import to_rdflib

OXIGRAPH_NAMES = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
                  "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML,
                  "nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}


def same_graph(a: Graph, b: Graph) -> bool:
    """Whether ``a`` and ``b`` are isomorphic.

    The triples without blank nodes must match exactly, and the triples with blank nodes must be
    isomorphic. Together that is isomorphism of the whole graphs, but only the small blank-node
    part goes through rdflib's (slow) canonicalisation.
    """
    if len(a) != len(b):
        return False
    ground_a, blank_a = _split(a)
    ground_b, blank_b = _split(b)
    return ground_a == ground_b and isomorphic(blank_a, blank_b)


def _split(graph: Graph) -> tuple[set, Graph]:
    ground: set = set()
    blank = Graph()
    for triple in graph:
        if any(isinstance(term, BNode) for term in triple):
            blank.add(triple)
        else:
            ground.add(triple)
    return ground, blank


def parse_with_oxigraph(data: bytes, fmt: str) -> dict[URIRef | None, Graph]:
    """Quads read by pyoxigraph, grouped into one rdflib graph per graph name."""
    graphs: dict[URIRef | None, Graph] = {}
    for quad in ox.parse(data, format=OXIGRAPH_NAMES[fmt]):
        graph = graphs.setdefault(to_rdflib(quad.graph_name), Graph())
        graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    return graphs
