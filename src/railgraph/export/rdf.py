"""Serialise the catalogue: graphs as Turtle, N-Triples, RDF/XML and JSON-LD (compacted with the
shipped context, written inline); the dataset of named graphs (one per source file, plus the
inferred graph) as N-Quads and TriG. pyoxigraph writes every RDF format from sorted statements, so
the same catalogue gives the same bytes; :mod:`.compact` compacts JSON-LD as PyLD would, and PyLD
does it where that port cannot. The framed JSON-LD view is made in :mod:`.framed`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from ..errors import InputError, UsageError
from ..terms import to_oxigraph, to_rdflib
from . import compact, jsonld


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
    context = jsonld.read_document(path).get("@context")
    if not isinstance(context, dict):
        raise InputError("the @context must be an object (railgraph never fetches a context)",
                         path=path)
    return context


def serialize(graph: Graph, fmt: Format, context: dict[str, Any] | None = None) -> bytes:
    """The bytes of ``graph`` (a :class:`Dataset` for the dataset formats) in ``fmt``.

    JSON-LD is compacted from the rdflib terms themselves (see :mod:`.compact`); every other
    format goes through :func:`serialize_statements`.
    """
    if fmt.name == "jsonld":
        return jsonld.dumps(_compact(compact.from_rdflib(graph), lambda: graph, context or {}))
    if fmt.name not in _OXIGRAPH_FORMATS:
        return graph.serialize(format=fmt.rdflib_name, encoding="utf-8")
    term = _Terms()
    statements: list[ox.Triple] | list[ox.Quad]
    if isinstance(graph, Dataset):
        statements = [ox.Quad(term(s), term(p), term(o), term(g.identifier))
                      for g in graph.graphs() if g.identifier != DATASET_DEFAULT_GRAPH_ID
                      for s, p, o in g]
    else:
        statements = [ox.Triple(term(s), term(p), term(o)) for s, p, o in graph]
    prefixes = {prefix: str(namespace) for prefix, namespace in graph.namespaces()}
    return serialize_statements(statements, fmt, prefixes, context)


def serialize_statements(statements: Iterable[ox.Triple | ox.Quad], fmt: Format,
                         prefixes: Mapping[str, str] | None = None,
                         context: Mapping[str, Any] | None = None) -> bytes:
    """pyoxigraph statements in ``fmt``, the same statements giving the same bytes in any order.

    Statements are written sorted and without duplicates: N-Triples and N-Quads one per line in
    line order, Turtle and RDF/XML by subject, predicate and object (so Turtle groups them with
    ``;`` and ``,``), TriG by graph first. Graph formats take the triples of quads (their union);
    dataset formats put triples in the default graph. Turtle and TriG declare those of
    ``prefixes`` they use, leaving out any that would need a "/" escaped in a local name.
    JSON-LD is compacted with ``context`` by :mod:`.compact`, or by PyLD where that cannot
    promise the same document. ``statements`` are all triples or all quads.
    """
    if fmt.name not in (*_OXIGRAPH_FORMATS, "jsonld"):
        raise UsageError(f"{fmt.name} is not a serialisation of statements",
                         hint="choose one of " + ", ".join([*_OXIGRAPH_FORMATS, "jsonld"]))
    items: list[ox.Triple] | list[ox.Quad] = list(statements)  # type: ignore[assignment]
    if fmt.quads:
        items = [s if isinstance(s, ox.Quad) else ox.Quad(s.subject, s.predicate, s.object) for s in items]
    elif any(isinstance(s, ox.Quad) and not isinstance(s.graph_name, ox.DefaultGraph) for s in items):
        items = [ox.Triple(s.subject, s.predicate, s.object) for s in items]  # pyoxigraph writes a
        # quad of the default graph as its triple, and refuses the others in a graph format
    if fmt.name == "jsonld":  # in their given order (faster to group); duplicates merge there
        return jsonld.dumps(_compact(compact.from_oxigraph(items), lambda: _rdflib_graph(items), context or {}))
    # each statement is one N-Triples/N-Quads line (pyoxigraph escapes line feeds and carriage
    # returns in literals); sorting the lines as bytes sorts them by code point
    written = ox.serialize(items, format=ox.RdfFormat.N_QUADS if fmt.quads else ox.RdfFormat.N_TRIPLES)
    if fmt.name in ("nt", "nq"):
        return sorted_lines(written)
    if fmt.name != "trig":
        return serialize_lines(written, fmt, prefixes)
    lines = written.split(b"\n")
    by_key = {_subject_key(line): item for line, item in zip(lines, items)}
    ordered = _by_graph([by_key[key] for key in sorted(by_key)])  # type: ignore[arg-type]
    return _with_prefixes(lambda chosen: ox.serialize(ordered, format=ox.RdfFormat.TRIG, prefixes=chosen),
                          prefixes)


def serialize_lines(document: bytes, fmt: Format, prefixes: Mapping[str, str] | None = None) -> bytes:
    """An N-Triples ``document`` (a store's dump, say) in the graph format ``fmt`` (Turtle,
    RDF/XML or N-Triples), as :func:`serialize_statements` writes its triples.

    The lines are sorted and read back one statement at a time as they are written, so no
    statement is ever held as a Python object: at 100,000 tools, the 4.5 million inferred
    triples took gigabytes that way."""
    if fmt.name == "nt":
        return sorted_lines(document)
    if fmt.name not in ("ttl", "rdfxml"):
        raise UsageError(f"{fmt.name} is not a graph format written from N-Triples",
                         hint="choose one of nt, ttl, rdfxml")
    lines = document.split(b"\n")
    del document  # freed here where the caller handed it over: the lines are sorted next
    ordered = _by_subject(lines)
    del lines

    def write(chosen: dict[str, str]) -> bytes:
        return ox.serialize(ox.parse(ordered, format=ox.RdfFormat.N_TRIPLES),
                            format=_OXIGRAPH_FORMATS[fmt.name], prefixes=chosen)

    return _document(write, fmt, prefixes)


def _document(write: Callable[[dict[str, str]], bytes], fmt: Format, prefixes: Mapping[str, str] | None) -> bytes:
    """What ``write`` makes with the prefixes chosen for ``fmt``: RDF/XML with every one of
    ``prefixes``, Turtle with those that need no escaping (see :func:`_with_prefixes`)."""
    return write(dict(sorted((prefixes or {}).items()))) if fmt.name == "rdfxml" else _with_prefixes(write, prefixes)


def serialize_sorted_file(path: Path, fmt: Format, prefixes: Mapping[str, str] | None = None) -> bytes:
    """:func:`serialize_lines` of the N-Triples file at ``path``, whose lines are sorted and
    distinct already (as :func:`sorted_lines` leaves them), read a part at a time: no more than a
    part's lines are held at once (at 100,000 tools, the closure's lines took 0.9 GB)."""
    if fmt.name not in ("ttl", "rdfxml"):
        raise UsageError(f"{fmt.name} is not a graph format written from a sorted file",
                         hint="choose one of ttl, rdfxml")

    def write(chosen: dict[str, str]) -> bytes:
        with path.open("rb") as reading:  # chained in C: no Python frame per statement
            parsed = (ox.parse(_by_subject([line[:-1] for line in part]), format=ox.RdfFormat.N_TRIPLES)
                      for part in _subject_parts(reading))
            return ox.serialize(chain.from_iterable(parsed), format=_OXIGRAPH_FORMATS[fmt.name], prefixes=chosen)

    return _document(write, fmt, prefixes)


#: The bytes of lines :func:`serialize_sorted_file` reads at once, about.
PART_BYTES = 64 << 20


def _subject_parts(reading: BinaryIO) -> Iterator[list[bytes]]:
    """The lines of a sorted N-Triples file (each ending in a line feed), about
    :data:`PART_BYTES` at a time, a subject's lines never split between two parts (sorted, they
    lie together: each begins with its subject and a space)."""
    carried: list[bytes] = []
    while read := reading.readlines(PART_BYTES):
        lines = carried + read if carried else read
        subject = lines[-1][:lines[-1].index(b" ") + 1]
        cut = len(lines)
        while cut and lines[cut - 1].startswith(subject):
            cut -= 1
        carried = lines[cut:]  # the last subject's, whose lines may go on in the next read
        if cut:
            del lines[cut:]
            yield lines
    if carried:
        yield carried


def by_subject(document: bytes) -> bytes:
    """The lines of an N-Triples ``document`` as Turtle and RDF/XML are written from them: each
    once, sorted by subject, a subject's types first (see :func:`_subject_key`)."""
    lines = document.split(b"\n")
    del document  # freed here where the caller handed it over
    return _by_subject(lines)


def _by_subject(lines: list[bytes]) -> bytes:
    """:func:`by_subject` of a document's lines, which it uses up: they are sorted as their keys
    (see :func:`_subject_key`), each key made in place of its line, so that no second line is
    held per statement (only the typing lines differ from their keys: ``bytes.replace`` gives
    back the line itself where it replaces nothing)."""
    lines[:] = [_subject_key(line) for line in lines]
    lines.sort()
    lines[:] = [line.replace(_TYPE_KEY, _TYPE_VERB, 1) for line, before in zip(lines, chain((None,), lines))
                if line != before]
    return _joined(lines)


def _subject_key(line: bytes) -> bytes:
    """A statement's line as Turtle orders it: a subject's lines stay together (each starts
    with the subject and a space), its types first."""
    return line.replace(_TYPE_VERB, _TYPE_KEY, 1)


def _with_prefixes(write: Callable[[dict[str, str]], bytes], prefixes: Mapping[str, str] | None) -> bytes:
    """Turtle or TriG by ``write`` with those of ``prefixes`` that need no escaping, declaring
    only those it uses."""
    chosen = dict(sorted((prefixes or {}).items()))
    written = write(chosen)
    # pyoxigraph writes id:tool\/x for a "/" in a local name: without such prefixes, full IRIs
    # read better (another prefix of the same namespace may be picked next, hence the loop)
    escaping = escaping_prefix(written, chosen)
    while escaping is not None:
        del chosen[escaping]
        written = write(chosen)
        escaping = escaping_prefix(written, chosen)
    return _without_unused_prefixes(written)


def sorted_lines(document: bytes, *, distinct: bool = False) -> bytes:
    """N-Triples or N-Quads as :func:`serialize_statements` writes them: each line once, sorted.

    ``distinct``: the lines are distinct already (a store's dump of one graph, say), so duplicates
    are not looked for (0.28 s of 1.1 s at 450,000 lines)."""
    lines = document.split(b"\n")
    del document  # freed here where the caller handed it over (a store's dump, say)
    if not distinct:
        lines = list(set(lines))
    lines.sort()
    return _joined(lines)


def _joined(lines: list[bytes]) -> bytes:
    """Sorted lines, which it uses up, as one document, each ending in a line feed, the empty
    ones (sorted first) left out; joined in one step, with no line copied on the way (at 100,000
    tools, copying each line of the closure took as much memory again as the lines)."""
    start = 0
    while start < len(lines) and not lines[start]:
        start += 1
    if start:
        del lines[:start]
    lines.append(b"")
    return b"\n".join(lines)


#: rdf:type as an N-Triples predicate, and what stands for it in a line's sort key: it sorts
#: before any other predicate, so a subject's types come first (Turtle's ``a``).
_TYPE_VERB, _TYPE_KEY = b" <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ", b" \x00 "


def escaping_prefix(written: bytes, prefixes: Mapping[str, str]) -> str | None:
    """The first of ``prefixes`` that ``written`` uses with an escaped "/" in a local name
    (:func:`serialize_statements` leaves such a prefix out of Turtle and TriG)."""
    at = written.find(b"\\/")
    while at != -1:
        start = max(written.rfind(separator, 0, at) for separator in (b" ", b"\n", b"\t")) + 1
        name, colon, _ = written[start:at].lstrip(b"([").partition(b":")
        if colon and name.decode("utf-8", "replace") in prefixes:
            return name.decode("utf-8")
        at = written.find(b"\\/", at + 2)
    return None


_OXIGRAPH_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
                     "nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG,
                     "rdfxml": ox.RdfFormat.RDF_XML}


def _by_graph(quads: list[ox.Quad]) -> list[ox.Quad]:
    """TriG writes a graph's statements together: by graph name, keeping their order within it."""
    graphs: dict[str, list[ox.Quad]] = {}
    for quad in quads:
        graphs.setdefault(str(quad.graph_name), []).append(quad)
    return [quad for name in sorted(graphs) for quad in graphs[name]]


def _without_unused_prefixes(document: bytes) -> bytes:
    """``document`` (Turtle or TriG) without the ``@prefix`` lines its statements do not use."""
    header: list[bytes] = []
    start = 0  # offsets, not partitions: each partition copied the rest (4 s at 100,000 tools)
    while document.startswith(b"@prefix ", start):
        end = document.find(b"\n", start) + 1 or len(document)
        header.append(document[start:end])
        start = end
    used = sorted(line for line in header if document.find(line.split(b" ", 2)[1], start) != -1)  # b"name:"
    return b"".join(used) + memoryview(document)[start:]


def _compact(statements: Iterable[compact.Statement], graph: Callable[[], Graph],
             context: Mapping[str, Any]) -> jsonld.Document:
    """The fast compaction, or PyLD's (the reference) where the fast path cannot promise the same."""
    try:
        return compact.compact(statements, context)
    except compact.Unsupported:
        return jsonld.compact(graph(), context)


def _rdflib_graph(triples: Iterable[ox.Triple]) -> Graph:
    graph = Graph()
    for triple in triples:
        graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
    return graph


class _Terms:
    """rdflib terms to pyoxigraph ones, each IRI and blank node made once (keyed by plain strings:
    rdflib's own term hash runs in Python and costs more than the conversion)."""

    def __init__(self) -> None:
        self.iris: dict[str, ox.NamedNode] = {}
        self.blanks: dict[str, ox.BlankNode] = {}

    def __call__(self, term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        kind = type(term)
        if kind is URIRef or kind is BNode:
            key = str(term)
            made = self.iris if kind is URIRef else self.blanks
            converted = made.get(key)
            if converted is None:
                converted = made[key] = ox.NamedNode(key) if kind is URIRef else ox.BlankNode(key)
            return converted
        return to_oxigraph(term)
