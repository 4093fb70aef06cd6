"""The asserted and inferred triples of a pyoxigraph store as an rdflib :class:`~rdflib.Graph`,
read in place.

pyshacl (and railgraph's own reference code) take rdflib graphs; copying a large store into one
costs more than the work done on it. oxrdflib's store plugin answers rdflib's look-ups from the
store instead, from its default graph and its inferred graph (:data:`railgraph.store.QUERY_GRAPHS`,
which hold no triple twice). Its size is counted by pyoxigraph, without the duplicate check
oxrdflib makes for a union of graphs, once while nothing is changed through it, and a plain string
comes back as rdflib's plain literal, as :func:`railgraph.terms.to_rdflib` gives it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from rdflib import Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import XSD
from rdflib.query import Result

from .store import QUERY_GRAPHS, count_triples, to_rdflib_result, union_quads
from .terms import to_oxigraph


class _InPlace(OxigraphStore):
    """oxrdflib's store, giving a plain string as rdflib reads one (oxrdflib types it xsd:string),
    reading the default graph as the asserted and inferred triples, and counting them once until
    they are changed through it (a triple added or removed, a SPARQL update, a graph removed):
    pyshacl asks three times per validation, and each count reads every triple (0.16 s at 10,000
    tools)."""

    _size: int | None = None
    _query_graphs: list[Graph] | None = None

    def add(self, *args: Any, **kwargs: Any) -> None:
        self._size = None
        super().add(*args, **kwargs)

    def addN(self, *args: Any, **kwargs: Any) -> None:  # noqa: N802 (rdflib's name)
        self._size = None
        super().addN(*args, **kwargs)

    def remove(self, *args: Any, **kwargs: Any) -> None:
        self._size = None
        super().remove(*args, **kwargs)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._size = None
        super().update(*args, **kwargs)

    def remove_graph(self, *args: Any, **kwargs: Any) -> None:
        self._size = None
        super().remove_graph(*args, **kwargs)

    def triples(self, triple_pattern: Any, context: Graph | None = None) -> Iterator[Any]:
        contexts: list[Graph] | list[Graph | None] = [context]
        if context is not None and context.identifier == DATASET_DEFAULT_GRAPH_ID:
            if self._query_graphs is None:
                self._query_graphs = [Graph(store=self, identifier=_identifier(graph)) for graph in QUERY_GRAPHS]
            contexts = self._query_graphs
        for each in contexts:
            for (s, p, o), found in super().triples(triple_pattern, each):
                yield (s, p, _plain(o)), found

    def query(self, query: Any, initNs: Any, initBindings: Any, queryGraph: Any,  # noqa: N803 (rdflib's names)
              **kwargs: Any) -> Result:
        if queryGraph != DATASET_DEFAULT_GRAPH_ID or not isinstance(query, str) or kwargs:
            result = super().query(query, initNs, initBindings, queryGraph, **kwargs)
        else:  # the asserted and inferred triples, as the view's look-ups read them
            answer = self._inner.query(query, default_graph=QUERY_GRAPHS,
                                       prefixes=dict(self._namespace_for_prefix, **initNs),
                                       substitutions={ox.Variable(k): to_oxigraph(v) for k, v in initBindings.items()})
            result = to_rdflib_result(answer)
        if result.type == "SELECT":
            result.bindings = [{name: _plain(value) for name, value in row.items()} for row in result.bindings]
        elif result.type == "CONSTRUCT" and result.graph is not None:
            graph = Graph()
            graph += ((s, p, _plain(o)) for s, p, o in result.graph)
            result.graph = graph
        return result

    def __len__(self, context: Graph | None = None) -> int:
        if context is None or context.identifier != DATASET_DEFAULT_GRAPH_ID:
            return super().__len__(context)
        if self._size is None:
            self._size = count_triples(self._inner)
        return self._size


def _identifier(graph: ox.DefaultGraph | ox.NamedNode) -> URIRef:
    return DATASET_DEFAULT_GRAPH_ID if isinstance(graph, ox.DefaultGraph) else URIRef(graph.value)


def _plain(term: Any) -> Any:
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


class _View(Graph):
    """An rdflib graph over the asserted and inferred triples of a store, true when it holds one.

    rdflib's graph is true when its length is not zero, and pyshacl asks that more than once:
    counting the triples of a large store takes a tenth of a second each time, finding one does not.
    """

    def __bool__(self) -> bool:
        inner = getattr(self.store, "_inner", None)
        if inner is None:  # a graph rdflib made of this one's type (by ``+``, say), on its own store
            return len(self) > 0
        return next(union_quads(inner), None) is not None


def view(store: ox.Store) -> Graph:
    """The asserted and inferred triples of ``store`` as an rdflib graph (changes to either show in the other,
    except in its size, which is counted once: change the store only through the view, or make
    a new view after a change)."""
    return _View(store=_InPlace(store=store), identifier=DATASET_DEFAULT_GRAPH_ID)


def reads(graph: Graph, store: ox.Store) -> bool:
    """Whether ``graph`` is a :func:`view` of ``store``: then it cannot tell ``"x"`` from
    ``"x"^^xsd:string`` either, as pyoxigraph holds them as one term."""
    return isinstance(graph.store, _InPlace) and graph.store._inner is store
