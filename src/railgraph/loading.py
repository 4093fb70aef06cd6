"""Read source files into named graphs, one per file, with located errors.

Each file is parsed into a graph of its own first, so a file that fails to parse adds nothing;
only then is it added to the catalogue's dataset under ``graph/{path relative to the root}``.
Parsing is strict (:mod:`railgraph.rdf_input`: pyoxigraph's parsers, size limits, no DOCTYPE, no
remote JSON-LD context): whatever pyoxigraph refuses is an :class:`InputError` naming the file,
line and column (exit 2). A catalogue folder holds Turtle and N-Triples (:data:`FORMATS`); a file
named explicitly (``railgraph validate PATH``) may be in any syntax of
:data:`railgraph.rdf_input.SYNTAXES` (named graphs of TriG and N-Quads merge into the file's graph).
Once read, literals must be well typed (``"abc"^^xsd:integer`` is refused where it stands), and a
whole catalogue must not describe one railgraph IRI, typed, in two files.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.term import Node

from . import rdf_input, split_reading
from .checked_sources import CheckedSources
from .errors import InputError
from .namespaces import BASE, GRAPH, PREFIXES
from .terms import to_oxigraph, to_rdflib

#: What a catalogue folder holds: the files :func:`source_files` finds.
FORMATS = {".ttl": "turtle", ".nt": "nt"}
#: What pyoxigraph reads differently from rdflib (see :func:`_parse_fast`): a language tag with a
#: capital, a literal typed xsd:string, rdf:XMLLiteral or rdf:HTML (matched loosely: a false
#: match only means rdflib reads the file, once pyoxigraph has accepted it).
_RDFLIB_ONLY = re.compile(r"@[A-Za-z0-9-]*[A-Z]|\^\^\s*\S*(?:string|XMLLiteral|HTML)")


#: Most blank nodes one source file may hold. In a file rdflib reads, their stable labels come
#: from rdflib's graph canonicalisation, whose time grows with the square of their number (200
#: take about 2 s, 1,000 about 40 s); the largest file of the catalogue holds 31.
MAX_BLANK_NODES = 200
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_SUBJECT = attrgetter("subject")
#: What Turtle or N-Triples text that yields a blank node holds somewhere: a label, brackets, a
#: collection, or RDF 1.2 reifiers and annotations (other syntaxes are always looked through).
_MAY_HOLD_BLANK_NODES = re.compile(r"_:|\[|\(|<<|\{\||~")


@dataclass(frozen=True, eq=False)
class Source:
    """One parsed source file and the named graph that holds it.

    Its statements are kept as pyoxigraph quads in the default graph, as the parser gave them
    (what the store is filled with), until :meth:`release` lets go of them; :attr:`graph`, the
    same triples in rdflib, is made only when something asks for it.
    """

    path: Path
    graph_iri: URIRef
    _quads: tuple[ox.Quad, ...] | None
    prefixes: dict[str, str] = field(default_factory=dict)
    #: The SHA-256 of the bytes read (empty where the source was not read from its file).
    digest: bytes = b""
    #: Whether its triples may name a blank node (false where reading found none).
    blank_nodes: bool = True
    #: The name it was read as (its path relative to the root, see :func:`read_source`), which
    #: seeds its blank nodes' labels; empty where it was not read from its file.
    name: str = ""
    #: Reads the file again, once :meth:`release` let go of the statements.
    _read_again: Callable[[], Source] | None = field(default=None, init=False, repr=False)

    @classmethod
    def of_graph(cls, path: Path, graph_iri: URIRef, graph: Graph, digest: bytes = b"", name: str = "") -> Source:
        """A source read by rdflib (its graph is kept as it is)."""
        source = cls(path, graph_iri, tuple(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))
                                            for s, p, o in graph), digest=digest, name=name)
        source.__dict__["graph"] = graph
        return source

    @property
    def quads(self) -> tuple[ox.Quad, ...]:
        """The source's statements; once :meth:`release` let go of them, read again from the file
        when asked for, which must still hold the bytes first read (else an :class:`InputError`)."""
        if self._quads is None:
            assert self._read_again is not None
            again = self._read_again()
            if again.digest != self.digest:
                raise InputError("the file changed while railgraph was using what it read from it",
                                 path=self.path, hint="run the command again once the file is saved")
            object.__setattr__(self, "_quads", again.quads)
        assert self._quads is not None
        return self._quads

    def release(self, read_again: Callable[[], Source]) -> None:
        """Let go of the statements (the subjects are kept): ``read_again`` reads the file again
        when they are asked for. Only for a source read from its file (with a digest and a name)."""
        if not (self.digest and self.name):
            raise ValueError(f"{self.path} was not read from its file: its statements cannot be read again")
        _ = self.subjects
        self.__dict__.pop("graph", None)
        object.__setattr__(self, "_read_again", read_again)
        object.__setattr__(self, "_quads", None)

    @cached_property
    def graph(self) -> Graph:
        """The source's triples as an rdflib graph, with the file's prefixes bound."""
        graph = graph_of(self.quads)
        for prefix, namespace in self.prefixes.items():
            graph.bind(prefix, namespace)
        return graph

    @cached_property
    def subjects(self) -> frozenset[ox.NamedNode | ox.BlankNode]:
        """The subjects of the source's triples."""
        return frozenset(map(_SUBJECT, self.quads))  # at 100,000 tools: 0.55 s, against 1.3 s for a generator


def graph_of(triples: Iterable[ox.Triple | ox.Quad]) -> Graph:
    """pyoxigraph triples (or quads, their graph names ignored) as an rdflib graph with the
    catalogue's prefixes."""
    graph = new_graph()
    with rdf_input.quiet_rdflib():  # ill-typed literals were refused; rdflib need not log them
        graph.addN(to_rdflib_quads(triples, graph))
    return graph


def to_rdflib_quads(triples: Iterable[ox.Triple | ox.Quad], graph: Graph) -> Iterator[tuple[Node, Node, Node, Graph]]:
    """``triples`` as rdflib quads in ``graph``, each distinct term converted once."""
    terms: dict[object, Node] = {}

    def term(value: object) -> Node:
        found = terms.get(value)
        if found is None:
            found = terms[value] = to_rdflib(value)  # type: ignore[assignment]
        return found  # type: ignore[return-value]

    for triple in triples:
        yield term(triple.subject), term(triple.predicate), term(triple.object), graph


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


def parse_file(path: Path, *, max_bytes: int, max_literal_chars: int,
               contexts: rdf_input.ContextAllowList | None = None) -> Graph:
    """Parse one file strictly into a new graph or raise a located :class:`InputError`.

    ``contexts`` are the JSON-LD contexts a ``.jsonld`` file may name (none by default).
    """
    syntax = rdf_input.syntax_of(path)
    text = rdf_input.read_text(path, max_bytes)
    reading = rdf_input.parse(text, syntax, path, max_literal_chars=max_literal_chars,
                              contexts=contexts)
    if syntax in FORMATS.values() and _RDFLIB_ONLY.search(text):
        return _parse_rdflib(text, syntax, path, text.encode("utf-8"))
    return _graph_of(reading)


def _graph_of(reading: rdf_input.Reading) -> Graph:
    """A pyoxigraph reading as an rdflib graph (every named graph merged into it)."""
    with rdf_input.quiet_rdflib():  # ill-typed literals were refused; rdflib need not log them
        return _graph_of_quads(reading)


def _graph_of_quads(reading: rdf_input.Reading) -> Graph:
    graph = new_graph()
    for prefix, namespace in reading.prefixes.items():
        graph.bind(prefix, namespace)
    graph.addN(to_rdflib_quads(reading.quads, graph))
    return graph


def _parse_fast(text: str, fmt: str) -> Graph | None:
    """pyoxigraph's reading of ``text`` (several times faster than rdflib's), as rdflib terms.

    None where rdflib's reading could differ, so that rdflib reads it (once pyoxigraph has found
    the syntax valid): a language tag with a capital (pyoxigraph lowercases it), an explicit
    ``xsd:string`` (pyoxigraph does not tell it from a plain literal), XML and HTML literals
    (rdflib normalises them). Blank-node labels differ, as between two rdflib runs;
    :func:`stable_blank_nodes` relabels them by content.
    """
    if _RDFLIB_ONLY.search(text):
        return None
    return _graph_of(rdf_input.parse(text, fmt, Path("<text>"), max_literal_chars=sys.maxsize))


def _parse_rdflib(text: str, fmt: str, path: Path, data: bytes) -> Graph:
    graph = new_graph()
    try:
        with rdf_input.quiet_rdflib():
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


def read_source(path: Path, relative: str, *, max_bytes: int, max_literal_chars: int,
                contexts: rdf_input.ContextAllowList | None = None, checked: CheckedSources | None = None) -> Source:
    """Parse one file as the source named ``relative``, with stable blank-node labels.

    ``checked``: the files known to pass the checks of reading (a catalogue file found there is
    only parsed), which this one joins when it passes."""
    syntax = rdf_input.syntax_of(path)
    data = rdf_input.read_bytes(path, max_bytes)
    text = rdf_input.decode(data, path)
    digest = hashlib.sha256(data).digest()
    key = CheckedSources.key(syntax, digest) if checked is not None and syntax in FORMATS.values() else None
    known = checked.blank_nodes(key) if checked is not None and key is not None else None
    if known is not None:  # passed before with these bytes: only parsed
        reading = rdf_input.parse_checked(text, syntax, path)
        quads = numbered_blank_nodes(tuple(reading.quads), relative) if known else tuple(reading.quads)
        return Source(path, graph_iri_for(relative), quads, dict(reading.prefixes), digest, blank_nodes=bool(known),
                      name=relative)
    reading = rdf_input.parse(text, syntax, path, max_literal_chars=max_literal_chars,
                              contexts=contexts)
    quads = tuple(reading.quads)
    plain = syntax in FORMATS.values() and not _MAY_HOLD_BLANK_NODES.search(text)
    blank = set() if plain else _blank_nodes(quads)
    if len(blank) > MAX_BLANK_NODES:
        raise InputError(f"the file holds {len(blank):,} blank nodes; a source file may hold at most "
                         f"{MAX_BLANK_NODES:,}", path=path,
                         hint="give the nodes IRIs (e.g. .../clause/a for a licence clause); labelling "
                              "blank nodes stably costs time that grows with the square of their number")
    if syntax in FORMATS.values() and _RDFLIB_ONLY.search(text):
        graph = _parse_rdflib(text, syntax, path, text.encode("utf-8"))
        return Source.of_graph(path, graph_iri_for(relative), stable_blank_nodes(graph, relative), digest, relative)
    if checked is not None and key is not None:
        checked.passed(key, len(blank))
    if blank:
        quads = numbered_blank_nodes(quads, relative)
    return Source(path, graph_iri_for(relative), quads, dict(reading.prefixes), digest, blank_nodes=bool(blank),
                  name=relative)


def _blank_nodes(quads: Iterable[ox.Quad]) -> set[ox.BlankNode]:
    return {term for quad in quads for term in (quad.subject, quad.object) if isinstance(term, ox.BlankNode)}


def numbered_blank_nodes(quads: tuple[ox.Quad, ...], seed: str) -> tuple[ox.Quad, ...]:
    """``quads`` with each blank node labelled by the order in which it first appears.

    pyoxigraph labels blank nodes at random; its parsers give the triples of a file in the same
    order every time, so these labels are the same in every run while the file is unchanged. A
    digest of the source's name prefixes them, so blank nodes of different files never merge.
    """
    prefix = "b" + hashlib.sha256(seed.encode("utf-8")).hexdigest()[:10] + "n"
    labels: dict[ox.BlankNode, ox.BlankNode] = {}

    def label(term: object) -> object:
        if not isinstance(term, ox.BlankNode):
            return term
        found = labels.get(term)
        if found is None:
            found = labels[term] = ox.BlankNode(f"{prefix}{len(labels)}")
        return found

    return tuple(ox.Quad(label(q.subject), q.predicate, label(q.object)) for q in quads)  # type: ignore[arg-type]


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


def load_sources(root: Path, folders: list[Path], *, max_bytes: int, max_literal_chars: int,
                 checked: CheckedSources | None = None) -> list[Source]:
    """Parse every RDF file in ``folders`` (paths inside ``root`` keep their relative name), in
    two processes where they are many (see :mod:`railgraph.split_reading`).

    ``checked``: see :func:`read_source`; it is saved once every file has been read."""
    files = [(path, relative_name(path, root, folder)) for folder in folders for path in source_files(folder)]
    sources = split_reading.read_all(files, lambda path, name, checked: read_source(
        path, name, max_bytes=max_bytes, max_literal_chars=max_literal_chars, checked=checked), checked)
    check_single_owner(sources)
    if checked is not None:
        checked.save()
    return sources


def check_single_owner(sources: Sequence[Source], among: Sequence[Source] | None = None) -> None:
    """Refuse a railgraph IRI given an ``rdf:type`` in two files (an entry, concept or part
    described twice: one file per entry is what lets an edit, an import or a review find it).
    With ``among`` (some of ``sources``, read again say), only what they type is looked for."""
    wanted = None if among is None else {subject for source in among for subject in _typed(source)}
    nodes = [ox.NamedNode(subject) for subject in wanted or ()]
    owners: dict[str, Source] = {}
    for source in sources:
        if wanted is not None and source.subjects.isdisjoint(nodes):
            continue  # describes none of them
        for subject in _typed(source) if wanted is None else _typed(source) & wanted:
            first = owners.setdefault(subject, source)
            if first is not source:
                line = _line_of_subject(source.path, subject)
                raise InputError(f"<{subject}> is already described in {first.path} (line "
                                 f"{_line_of_subject(first.path, subject)}); an entry, concept or "
                                 "part is described in one file only", path=source.path, line=line,
                                 hint="merge the two descriptions into one file and delete the other")


def _typed(source: Source) -> set[str]:
    """The railgraph IRIs ``source`` gives an ``rdf:type``."""
    return {t.subject.value for t in source.quads if t.predicate == _RDF_TYPE
            and isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(BASE)}


def _line_of_subject(path: Path, subject: str) -> int | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    line = line_of(text, f"<{subject}>")
    if line is None:  # written as a prefixed name: find its local part
        line = line_of(text, ":" + re.split(r"[/#]", str(subject))[-1])
    return line


def relative_name(path: Path, root: Path, folder: Path) -> str:
    """The source's name in its graph IRI: relative to the root, else to its folder's parent."""
    located = path.parent.resolve() / path.name  # a symbolic link is named where it is, not where it points
    try:
        return located.relative_to(root.resolve()).as_posix()
    except ValueError:  # an extra --data folder outside the root: name it by its own folder name
        return (Path(folder.resolve().name) / located.relative_to(folder.resolve())).as_posix()
