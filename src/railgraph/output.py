"""Write SPARQL results in the formats the CLI offers."""

from __future__ import annotations

import csv
import io
from typing import TextIO

from rdflib import BNode, Literal, URIRef
from rdflib.query import Result
from rdflib.term import Node

from .errors import UsageError
from .export import get_format, serialize
from .namespaces import PREFIXES

_GRAPH_FORMATS = ("ttl", "nt", "jsonld")


def write_result(result: Result, fmt: str | None, out: TextIO) -> int | None:
    """Write ``result`` to ``out`` in ``fmt``; returns the number of rows for SELECT results."""
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        fmt = fmt or "ttl"
        if fmt not in _GRAPH_FORMATS:
            raise UsageError(f"a {result.type} query gives a graph; --format {fmt} is for tables",
                             hint=f"use one of {', '.join(_GRAPH_FORMATS)}")
        assert result.graph is not None
        out.write(serialize(result.graph, get_format(fmt)).decode("utf-8"))
        return None
    fmt = fmt or "table"
    if fmt in _GRAPH_FORMATS:
        raise UsageError(f"a {result.type} query gives a table; --format {fmt} is for graphs",
                         hint="use table, csv, tsv, json or xml")
    if result.type == "ASK":
        if fmt in ("json", "xml"):
            out.write(result.serialize(format=fmt).decode("utf-8"))
        else:
            out.write(("true" if result.askAnswer else "false") + "\n")
        return None
    rows = list(result)
    variables = [str(v) for v in result.vars or []]
    if fmt in ("json", "xml"):
        out.write(result.serialize(format=fmt).decode("utf-8"))
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(variables)
        for row in rows:
            writer.writerow(["" if v is None else str(v) for v in row])
    elif fmt == "tsv":
        out.write("\t".join("?" + v for v in variables) + "\n")
        for row in rows:
            out.write("\t".join(_tsv_term(v) for v in row) + "\n")
    else:
        out.write(format_table(variables, [[_short(v) for v in row] for row in rows]))
    return len(rows)


def format_table(header: list[str], rows: list[list[str]]) -> str:
    """A plain, aligned text table."""
    widths = [len(h) for h in header]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row)]
    buffer = io.StringIO()
    buffer.write("  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip() + "\n")
    buffer.write("  ".join("-" * w for w in widths) + "\n")
    for row in rows:
        buffer.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() + "\n")
    return buffer.getvalue()


_SHORT = sorted(((ns, p) for p, ns in PREFIXES.items()), key=lambda item: -len(item[0]))
_SHORT.insert(0, ("https://w3id.org/railgraph/id/", "id:"))
_SHORT.insert(1, ("https://w3id.org/railgraph/vocab/", "vocab:"))


def _short(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        for namespace, prefix in _SHORT:
            if str(term).startswith(namespace):
                return (prefix if prefix.endswith(":") else prefix + ":") + str(term)[len(namespace):]
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term).replace("\n", " ")


def _tsv_term(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, (URIRef, Literal, BNode)):
        return term.n3().replace("\t", "\\t").replace("\n", "\\n")
    return str(term)
