"""Serialise the catalogue: graphs as Turtle, N-Triples, RDF/XML and JSON-LD (compacted by PyLD
with the shipped context, written inline); the dataset of named graphs (one per source file, plus
the inferred graph) as N-Quads and TriG. The framed JSON-LD view is made in :mod:`.framed`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset, Graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from ..errors import InputError, UsageError
from ..terms import to_oxigraph
from . import jsonld


@dataclass(frozen=True)
class Format:
    """An export format."""

    name: str
    media_type: str
    extension: str
    rdflib_name: str
    quads: bool = False  # a dataset format: named graphs are kept
    view: bool = False  # a view of part of the catalogue, not a serialisation of a graph


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("ttl", "text/turtle", ".ttl", "turtle"),
    Format("nt", "application/n-triples", ".nt", "nt"),
    Format("jsonld", "application/ld+json", ".jsonld", "json-ld"),
    Format("rdfxml", "application/rdf+xml", ".rdf", "xml"),
    Format("nq", "application/n-quads", ".nq", "nquads", quads=True),
    Format("trig", "application/trig", ".trig", "trig", quads=True),
    Format("jsonld-framed", "application/ld+json", "-framed.jsonld", "json-ld", view=True),
)}


def get_format(name: str) -> Format:
    try:
        return FORMATS[name]
    except KeyError:
        raise UsageError(f"unknown export format {name!r}",
                         hint=f"choose one of {', '.join(FORMATS)}") from None


def _write_sorted(graph: Graph, fmt: Format) -> bytes:
    """RDF/XML and TriG written by pyoxigraph from sorted statements.

    rdflib orders these two by Python's hashing, which changes from one process to the next;
    pyoxigraph writes statements in the order given, so the same catalogue gives the same bytes.
    """
    if isinstance(graph, Dataset):
        statements = sorted((s, p, o, g.identifier) for g in graph.graphs() for s, p, o in g)
        items = [ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), to_oxigraph(g))
                 for s, p, o, g in statements if g != DATASET_DEFAULT_GRAPH_ID]
    else:
        items = [ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in sorted(graph)]
    prefixes = {prefix: str(namespace) for prefix, namespace in graph.namespaces()}
    return ox.serialize(items, format=_OXIGRAPH_FORMATS[fmt.name], prefixes=prefixes)


_OXIGRAPH_FORMATS = {"rdfxml": ox.RdfFormat.RDF_XML, "trig": ox.RdfFormat.TRIG}


def load_context(path: Path) -> dict[str, Any]:
    """The JSON-LD context object shipped at ``path`` (the inner ``@context`` value)."""
    context = jsonld.read_document(path).get("@context")
    if not isinstance(context, dict):
        raise InputError("the @context must be an object (railgraph never fetches a context)",
                         path=path)
    return context


def serialize(graph: Graph, fmt: Format, context: dict[str, Any] | None = None) -> bytes:
    """The bytes of ``graph`` in ``fmt``; N-Triples lines are sorted so dumps diff cleanly."""
    if fmt.name in ("nt", "nq"):
        text = graph.serialize(format=fmt.rdflib_name, encoding="utf-8")
        # split on line feeds only: str.splitlines() also splits on U+2028, U+0085, form feeds,
        # ..., which rdflib leaves unescaped inside literals
        lines = sorted(set(line for line in text.decode("utf-8").split("\n") if line.strip()))
        return ("\n".join(lines) + "\n").encode("utf-8")
    if fmt.name == "jsonld":
        return jsonld.dumps(jsonld.compact(graph, context or {}))
    if fmt.name in ("rdfxml", "trig"):
        return _write_sorted(graph, fmt)
    data = graph.serialize(format=fmt.rdflib_name, encoding="utf-8")
    return data
