"""The child side of the query runner: one process holding the catalogue in a pyoxigraph store.

The parent sends jobs over a pipe and kills the process when a job passes its deadline, so a
runaway query is stopped for real. Everything here is pyoxigraph, the standard library and the
store's layout (:data:`railgraph.store.QUERY_GRAPHS`); the job was checked by
:mod:`railgraph.guard` before it was sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from multiprocessing.connection import Connection

import pyoxigraph as ox

from ..store import QUERY_GRAPHS, names_dataset

#: The pyoxigraph serialisation of each media type the endpoint answers in.
FORMATS: dict[str, ox.QueryResultsFormat | ox.RdfFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


@dataclass(frozen=True)
class Job:
    """One query to answer: its text, the media type to answer in, the dataset and the row cap."""

    text: str
    media_type: str
    row_cap: int
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    prefixes: tuple[tuple[str, str], ...] = ()


class RowCapPassed(Exception):
    """More rows (or triples) than the cap allows."""


def serve(path: str, conn: Connection) -> None:
    """Load the N-Quads at ``path``, say ``ready``, then answer jobs until the pipe closes."""
    store = ox.Store()
    store.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)
    conn.send(("ready", len(store)))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", answer(store, job)))
        except RowCapPassed as exc:
            conn.send(("row_cap", str(exc)))
        except SyntaxError as exc:
            conn.send(("syntax", str(exc)))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it as an error
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


def answer(store: ox.Store, job: Job) -> bytes:
    """Evaluate ``job`` and serialise its complete answer, or raise :class:`RowCapPassed`."""
    dataset: dict[str, object] = {}
    if job.default_graphs:
        dataset["default_graph"] = [ox.NamedNode(iri) for iri in job.default_graphs]
    elif not names_dataset(job.text):  # the asserted and inferred triples
        dataset["default_graph"] = QUERY_GRAPHS
    if job.named_graphs:
        dataset["named_graphs"] = [ox.NamedNode(iri) for iri in job.named_graphs]
    results = store.query(job.text, **dataset)  # type: ignore[arg-type]
    fmt = FORMATS[job.media_type]
    if isinstance(results, ox.QueryBoolean):
        return results.serialize(format=fmt)
    if isinstance(results, ox.QuerySolutions):
        return _solutions(results, fmt, job.row_cap)
    triples = []
    for triple in results:
        triples.append(triple)
        if len(triples) > job.row_cap:
            raise RowCapPassed(f"the graph has more than {job.row_cap:,} triples")
    return ox.serialize(triples, format=fmt, prefixes=dict(job.prefixes))


def _solutions(results: ox.QuerySolutions, fmt: ox.QueryResultsFormat | ox.RdfFormat, row_cap: int) -> bytes:
    """Collect at most ``row_cap`` solutions, then let pyoxigraph write them in ``fmt``.

    The solutions are handed over as SPARQL TSV written with pyoxigraph's own term syntax (which
    TSV uses), read back by pyoxigraph's parser and serialised in the format asked for.
    """
    variables = results.variables
    lines = ["\t".join(str(v) for v in variables)]
    for count, solution in enumerate(results, 1):
        if count > row_cap:
            raise RowCapPassed(f"the answer has more than {row_cap:,} rows")
        lines.append("\t".join("" if (term := solution[v]) is None else str(term) for v in variables))
    table = ("\n".join(lines) + "\n").encode("utf-8")
    return ox.parse_query_results(table, ox.QueryResultsFormat.TSV).serialize(format=fmt)
