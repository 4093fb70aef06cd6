"""``railgraph import railgraph FILE``: a railgraph export written back as one file per entry.

Reads what ``railgraph export`` writes, strictly (:mod:`railgraph.rdf_input`: JSON-LD through PyLD,
offline; a context other than an inline or allow-listed one is refused, never fetched). Each entry (an IRI
``https://w3id.org/railgraph/id/{kind}/{slug}``) takes its triples, those of its parts (the IRIs
below it: clauses, duties, permissions, text location) and of the blank nodes they hold, and goes
to ``data/{folder}/{slug}.ttl``. What belongs to no entry (the ontology, the vocabularies) is left
out: it lives in ``ontology/``. Triples another file of the catalogue already states (the licence
register's) are not copied into the entry's file. No provenance is added: the export is copied
as it is, so export-then-import gives the same graph.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import BNode, Graph
from rdflib.term import Node

from .. import loading
from ..errors import InputError
from ..rdf_input import SYNTAXES
from .apply import Candidate, entry_of

__all__ = ["FORMATS", "candidates", "read_export"]

#: The syntaxes an export may come in: every one railgraph reads (and writes).
FORMATS = SYNTAXES


def read_export(path: Path, *, max_bytes: int, max_literal_chars: int) -> Graph:
    """The graph of an export file, or a located :class:`InputError`."""
    if path.suffix not in FORMATS:
        raise InputError(f"unsupported export format {path.suffix!r}", path=path,
                         hint="give a file written by `railgraph export` (" + ", ".join(FORMATS) + ")")
    return loading.parse_file(path, max_bytes=max_bytes, max_literal_chars=max_literal_chars)


def candidates(graph: Graph, origin: str) -> tuple[list[Candidate], int]:
    """One candidate per entry of ``graph``, and the number of triples that belong to no entry."""
    owner: dict[Node, tuple[str, str]] = {}
    for subject in set(graph.subjects()):
        entry = entry_of(subject)
        if entry is not None:
            owner[subject] = entry
    frontier = [s for s in owner]
    while frontier:  # blank nodes belong to the entry whose node holds them
        subject = frontier.pop()
        for value in graph.objects(subject, None):
            if isinstance(value, BNode) and value not in owner:
                owner[value] = owner[subject]
                frontier.append(value)
    graphs: dict[tuple[str, str], Graph] = {}
    left_out = 0
    for triple in graph:
        entry = owner.get(triple[0])
        if entry is None:
            left_out += 1
            continue
        if entry not in graphs:
            graphs[entry] = loading.new_graph()
        graphs[entry].add(triple)
    found = [Candidate(kind, slug, graphs[(kind, slug)], f"{origin} <https://w3id.org/railgraph/id/{kind}/{slug}>")
             for kind, slug in sorted(graphs)]
    return found, left_out
