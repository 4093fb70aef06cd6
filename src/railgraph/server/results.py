"""A query's answer as the query page shows it: a table (SELECT), a boolean (ASK) or RDF text.

The runner answers in SPARQL 1.1 Query Results JSON for SELECT and ASK and in Turtle for
CONSTRUCT and DESCRIBE (the media types :data:`ACCEPT` asks for); this module reads that answer
into cells with their links, and names the download formats the endpoint offers for each form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rdflib import URIRef

from ..errors import RemoteError
from ..views import ViewIndex
from .forms import UNPRINTABLE
from .state import Answer

#: What the query page asks the runner for: results JSON for SELECT/ASK, Turtle for graphs.
ACCEPT = "application/sparql-results+json, text/turtle;q=0.9"

#: Download links under a result: (format parameter of /sparql, label), per query form.
DOWNLOADS: dict[str, tuple[tuple[str, str], ...]] = {
    "select": (("json", "SPARQL JSON"), ("xml", "SPARQL XML"), ("csv", "CSV"), ("tsv", "TSV")),
    "ask": (("json", "SPARQL JSON"), ("xml", "SPARQL XML"), ("csv", "CSV"), ("tsv", "TSV")),
    "graph": (("ttl", "Turtle"), ("nt", "N-Triples"), ("jsonld", "JSON-LD"), ("rdfxml", "RDF/XML")),
}


@dataclass(frozen=True)
class Cell:
    """One value of a result row."""

    text: str
    kind: str = "literal"  # iri, literal, bnode or unbound
    href: str | None = None
    language: str | None = None
    datatype: str | None = None


@dataclass(frozen=True)
class Table:
    """A SELECT answer."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Shown:
    """An answer ready for the page: exactly one of ``table``, ``boolean`` or ``text`` is set."""

    form: str
    table: Table | None = None
    boolean: bool | None = None
    text: str | None = None


def show(answer: Answer, views: ViewIndex, base_path: str = "") -> Shown:
    """Read the runner's answer (see :data:`ACCEPT`) into what the page shows."""
    if answer.form == "graph":
        return Shown("graph", text=printable(answer.body.decode("utf-8")))
    try:
        data = json.loads(answer.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RemoteError(f"the query runner answered {answer.media_type} that is not SPARQL results JSON",
                          hint="this is a bug in railgraph; please report it") from exc
    if answer.form == "ask":
        return Shown("ask", boolean=bool(data.get("boolean")))
    columns = tuple(str(v) for v in data.get("head", {}).get("vars", ()))
    rows = tuple(tuple(_cell(binding.get(c), views, base_path) for c in columns)
                 for binding in data.get("results", {}).get("bindings", ()))
    return Shown("select", table=Table(columns, rows))


def _cell(value: dict[str, Any] | None, views: ViewIndex, base_path: str) -> Cell:
    if value is None:
        return Cell("", kind="unbound")
    text = printable(str(value.get("value", "")))
    kind = value.get("type")
    if kind == "uri":
        return Cell(text, kind="iri", href=link(text, views, base_path))
    if kind == "bnode":
        return Cell(f"_:{text}", kind="bnode")
    datatype = value.get("datatype")
    return Cell(text, language=value.get("xml:lang"),
                datatype=(views.qname(datatype) or datatype) if datatype else None)


def printable(text: str) -> str:
    """``text`` with the characters an HTML page may not contain shown as U+FFFD."""
    return UNPRINTABLE.sub("\ufffd", text)


def link(iri: str, views: ViewIndex, base_path: str = "") -> str | None:
    """Where an IRI links from a server page: its page here, else itself when http(s), else nowhere."""
    path = views.pages.get(URIRef(iri))
    if path is not None:
        return f"{base_path}/{path}.html"
    if iri.startswith(("http://", "https://")):
        return iri
    return None  # javascript:, data:, file: ... are shown, never linked
