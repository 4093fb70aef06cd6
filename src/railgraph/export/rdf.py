"""Serialise the catalogue: graphs as Turtle, N-Triples, RDF/XML and JSON-LD (compacted by PyLD
with the shipped context, written inline); the dataset of named graphs (one per source file, plus
the inferred graph) as N-Quads and TriG. The framed JSON-LD view is made in :mod:`.framed`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph

from ..errors import UsageError
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


def load_context(path: Path) -> dict[str, Any]:
    """The JSON-LD context object shipped at ``path`` (the inner ``@context`` value)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    context = document.get("@context", document)
    if not isinstance(context, dict):
        raise UsageError(f"{path}: the @context must be an object")
    return context


def serialize(graph: Graph, fmt: Format, context: dict[str, Any] | None = None) -> bytes:
    """The bytes of ``graph`` in ``fmt``; N-Triples lines are sorted so dumps diff cleanly."""
    if fmt.name in ("nt", "nq"):
        text = graph.serialize(format=fmt.rdflib_name, encoding="utf-8")
        lines = sorted(set(line for line in text.decode("utf-8").splitlines() if line.strip()))
        return ("\n".join(lines) + "\n").encode("utf-8")
    if fmt.name == "jsonld":
        return jsonld.dumps(jsonld.compact(graph, context or {}))
    data = graph.serialize(format=fmt.rdflib_name, encoding="utf-8")
    return data
