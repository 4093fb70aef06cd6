"""Read source files into named graphs, one per file, with located errors.

Each file is parsed into a graph of its own first, so a file that fails to parse adds nothing;
only then is it added to the catalogue's dataset under ``graph/{path relative to the root}``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.term import Node

from .errors import InputError
from .namespaces import BASE, GRAPH, PREFIXES
from .terms import to_rdflib

FORMATS = {".ttl": "turtle", ".nt": "nt"}
_OXIGRAPH_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES}
#: What pyoxigraph reads differently from rdflib (see :func:`_parse_fast`): a language tag with a
#: capital, a literal typed xsd:string, rdf:XMLLiteral or rdf:HTML (matched loosely: a false
#: match only means rdflib reads the file).
_RDFLIB_ONLY = re.compile(r"@[A-Za-z0-9-]*[A-Z]|\^\^\s*\S*(?:string|XMLLiteral|HTML)")


@dataclass(frozen=True)
class Source:
    """One parsed source file and the named graph that holds it."""

    path: Path
    graph_iri: URIRef
    graph: Graph


def graph_iri_for(relative: str) -> URIRef:
    """The named-graph IRI of a source file, from its path relative to the catalogue root."""
    return GRAPH[relative.replace("\\", "/")]


def source_files(folder: Path) -> list[Path]:
    """RDF files below ``folder`` in a stable order."""
    return sorted(p for p in folder.rglob("*") if p.suffix in FORMATS and p.is_file())


def new_graph() -> Graph:
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


def parse_file(path: Path, *, max_bytes: int, max_literal_chars: int) -> Graph:
    """Parse one file strictly into a new graph or raise a located :class:`InputError`."""
    fmt = FORMATS.get(path.suffix)
    if fmt is None:
        raise InputError(f"unsupported file type {path.suffix!r}", path=path,
                         hint=f"railgraph reads {', '.join(sorted(FORMATS))} files")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"file is {size:,} bytes, more than the {max_bytes:,} allowed", path=path,
                             hint="split the file, or raise RAILGRAPH_MAX_FILE_BYTES")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", path=path) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        raise InputError("file is not UTF-8", path=path, line=line, column=column,
                         hint="save the file as UTF-8") from exc
    graph = _parse_fast(text, fmt)
    if graph is None:
        graph = _parse_rdflib(text, fmt, path, data)
    term = next((o for o in graph.objects() if isinstance(o, Literal) and len(o) > max_literal_chars), None)
    if term is not None:
        raise InputError(f"a literal of {len(term):,} characters exceeds the "
                         f"{max_literal_chars:,} allowed", path=path,
                         line=line_of(text, str(term)[:40]),
                         hint="shorten it, or raise RAILGRAPH_MAX_LITERAL_CHARS")
    return graph


def _parse_fast(text: str, fmt: str) -> Graph | None:
    """pyoxigraph's reading of ``text`` (several times faster than rdflib's), as rdflib terms.

    None where rdflib's reading could differ, so that rdflib reads it: text pyoxigraph refuses
    (rdflib then reports the error), a language tag with a capital (pyoxigraph lowercases it), an
    explicit ``xsd:string`` (pyoxigraph does not tell it from a plain literal), XML and HTML
    literals (rdflib normalises them). Blank-node labels differ, as between two rdflib runs;
    :func:`stable_blank_nodes` relabels them by content.
    """
    if _RDFLIB_ONLY.search(text):
        return None
    terms: dict[object, Node] = {}

    def term(value: object) -> Node:
        found = terms.get(value)
        if found is None:
            found = terms[value] = to_rdflib(value)  # type: ignore[assignment]
        return found  # type: ignore[return-value]

    try:
        parser = ox.parse(text, format=_OXIGRAPH_FORMATS[fmt], base_iri=BASE)
        triples = [(term(t.subject), term(t.predicate), term(t.object)) for t in parser]
    except SyntaxError:
        return None
    graph = new_graph()
    for prefix, namespace in parser.prefixes.items():
        graph.bind(prefix, namespace)
    graph.addN((s, p, o, graph) for s, p, o in triples)
    return graph


def _parse_rdflib(text: str, fmt: str, path: Path, data: bytes) -> Graph:
    graph = new_graph()
    try:
        graph.parse(data=text, format=fmt, publicID=BASE)
    except Exception as exc:  # rdflib raises several unrelated types for bad syntax
        line, column = _syntax_position(exc, data)
        reason = _syntax_reason(exc)
        raise InputError(f"invalid {fmt} syntax: {reason}", path=path, line=line, column=column,
                         hint="fix the syntax at that position; `rapper -c` or an editor with "
                              "Turtle support shows the same spot") from exc
    return graph


def _position(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    column = offset - (before.rfind(b"\n") + 1) + 1
    return line, column


def _syntax_position(exc: Exception, data: bytes) -> tuple[int | None, int | None]:
    offset = getattr(exc, "_i", None)
    source = getattr(exc, "_str", None)
    if isinstance(offset, int) and isinstance(source, bytes):
        return _position(source, offset)
    match = re.search(r"line (\d+)", str(exc))
    if match:
        return int(match.group(1)), None
    return None, None


def _syntax_reason(exc: Exception) -> str:
    why = getattr(exc, "_why", None)
    if why:
        return str(why)
    first = str(exc).strip().splitlines()
    return first[0] if first else type(exc).__name__


def line_of(text: str, needle: str) -> int | None:
    """The 1-based line where ``needle`` first appears in ``text``."""
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else None


def read_source(path: Path, relative: str, *, max_bytes: int, max_literal_chars: int) -> Source:
    """Parse one file as the source named ``relative``, with stable blank-node labels."""
    graph = parse_file(path, max_bytes=max_bytes, max_literal_chars=max_literal_chars)
    return Source(path, graph_iri_for(relative), stable_blank_nodes(graph, relative))


def stable_blank_nodes(graph: Graph, seed: str) -> Graph:
    """``graph`` with canonical blank-node labels, so every export of it is the same bytes.

    rdflib labels blank nodes at random. The labels here come from rdflib's graph
    canonicalisation (a hash of each blank node's surroundings), prefixed by a digest of the
    source's name so that blank nodes of different files never merge.
    """
    if not any(isinstance(term, BNode) for triple in graph for term in triple):
        return graph
    prefix = "b" + hashlib.sha256(seed.encode("utf-8")).hexdigest()[:10]

    def stable(term):
        return BNode(prefix + str(term)[:24]) if isinstance(term, BNode) else term

    relabelled = new_graph()
    for s, p, o in to_canonical_graph(graph):
        relabelled.add((stable(s), p, stable(o)))
    return relabelled


def load_sources(root: Path, folders: list[Path], *, max_bytes: int,
                 max_literal_chars: int) -> list[Source]:
    """Parse every RDF file in ``folders`` (paths inside ``root`` keep their relative name)."""
    return [read_source(path, relative_name(path, root, folder), max_bytes=max_bytes,
                        max_literal_chars=max_literal_chars)
            for folder in folders for path in source_files(folder)]


def relative_name(path: Path, root: Path, folder: Path) -> str:
    """The source's name in its graph IRI: relative to the root, else to its folder's parent."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:  # an extra --data folder outside the root: name it by its own folder name
        return (Path(folder.resolve().name) / path.resolve().relative_to(folder.resolve())).as_posix()
