"""The embedded query store: pyoxigraph, in memory or on disk, answering the catalogue's SPARQL.

The store holds the catalogue's named graphs (one per source file, plus the inferred graph) and,
as its default graph, the union of the sources' graphs: a set, as an RDF merge is, so a triple
stated in two files (a hand-modelled licence and its register entry) is one triple, as rdflib
answers (pyoxigraph's own union of named graphs would count it twice). The inferred graph holds
none of the asserted triples and is kept once: a query's default graph is the store's default
graph and the inferred graph together (:data:`QUERY_GRAPHS`, :func:`union_query`,
:func:`union_quads`). rdflib stays available as the reference engine (:class:`RdflibStore`); a
test requires both to answer every named query alike.

On disk (``--store PATH``), the store is written into a fresh folder and swapped in with a rename,
and a sidecar file records the digest of the sources it holds, so a later run over unchanged
sources reopens it without loading anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.namespace import XSD
from rdflib.query import Result
from rdflib.term import Identifier, Node

from .atomic import replace_folder
from .errors import InputError
from .namespaces import INFERRED_GRAPH
from .terms import to_oxigraph, to_rdflib

DIGEST_FILE = "railgraph-sources.sha256"
#: How the store lays the catalogue out (part of an on-disk store's digest): 2 keeps the inferred
#: triples in their graph only, where 1 copied them into the default graph too.
LAYOUT = 2
#: The graphs a query's default graph is made of: the asserted triples (the store's default
#: graph) and the inferred ones (none of them asserted, so the two hold no triple twice).
QUERY_GRAPHS: list[ox.DefaultGraph | ox.NamedNode] = [ox.DefaultGraph(), ox.NamedNode(str(INFERRED_GRAPH))]

#: The query engines a catalogue can answer with; the first is the default.
ENGINES = ("oxigraph", "rdflib")


class QueryStore(Protocol):
    """What the catalogue needs of a store: SPARQL with pre-bound variables."""

    def query(self, text: str, bindings: Mapping[str, Identifier]) -> Result: ...


class RdflibStore:
    """The reference engine: rdflib's SPARQL over the catalogue's dataset (default graph = union)."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset

    def query(self, text: str, bindings: Mapping[str, Identifier]) -> Result:
        return self.dataset.query(text, initBindings=dict(bindings))


class OxigraphStore:
    """pyoxigraph, the default engine."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    @classmethod
    def on_disk(cls, path: Path, digest: str, nquads: Callable[[], bytes]) -> OxigraphStore:
        """Open the store at ``path``, (re)building it first unless it holds sources ``digest``."""
        path = path.resolve()
        if stored_digest(path) != digest:
            _rebuild(path, digest, nquads())
        try:
            return cls(ox.Store.read_only(str(path / "store")))
        except OSError as exc:
            raise InputError(f"cannot open the store: {exc}", path=path,
                             hint="delete the folder to have it rebuilt") from exc

    def __len__(self) -> int:
        return len(self.store)

    def query(self, text: str, bindings: Mapping[str, Identifier]) -> Result:
        if bindings:
            text = bind_values(text, bindings)
        return to_rdflib_result(union_query(self.store, text))


def union_query(store: ox.Store, text: str) -> object:
    """pyoxigraph's answer to the SPARQL ``text`` over the asserted and the inferred triples, or
    over the dataset it names (``FROM``, ``FROM NAMED``), which a default graph given to
    pyoxigraph would override."""
    if names_dataset(text):
        return store.query(text)
    return store.query(text, default_graph=QUERY_GRAPHS)


def names_dataset(text: str) -> bool:
    """Whether the SPARQL query ``text`` has a ``FROM`` or ``FROM NAMED`` clause."""
    return _FROM.search(_blank_out(text, iris=True)) is not None


def union_quads(store: ox.Store, subject: ox.NamedNode | ox.BlankNode | None = None,
                predicate: ox.NamedNode | None = None, obj: object = None) -> Iterator[ox.Quad]:
    """The asserted, then the inferred quads of ``store`` matching the pattern (each triple once)."""
    for graph in QUERY_GRAPHS:
        yield from store.quads_for_pattern(subject, predicate, obj, graph)  # type: ignore[arg-type]


def count_triples(store: ox.Store, graph: ox.NamedNode | None = None) -> int:
    """The asserted and inferred triples of ``store`` (or those of ``graph``), counted by the store."""
    pattern = "?s ?p ?o" if graph is None else f"GRAPH {graph} {{ ?s ?p ?o }}"
    answer = union_query(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
    assert isinstance(answer, ox.QuerySolutions)
    count = next(iter(answer))["n"]
    assert isinstance(count, ox.Literal)
    return int(count.value)


def bind_values(text: str, bindings: Mapping[str, Identifier]) -> str:
    """``text`` with each bound variable replaced by its value, as rdflib's ``initBindings`` does.

    Substitution (not a ``VALUES`` join) keeps rdflib's meaning: a bound variable is bound
    everywhere, inside the ``FILTER``s of nested groups too. Each value is written by
    pyoxigraph's term serialiser (IRIs validated, literals escaped), so it can only ever be one
    RDF term, never query text. A bound variable is a constant: it may not be projected,
    assigned, grouped or ordered by, and a query with parameters must name its columns.
    """
    masked = _blank_out(text, iris=True)
    if bindings and re.search(r"\bSELECT\s+(DISTINCT\s+|REDUCED\s+)?\*", masked, re.IGNORECASE):
        raise InputError("a query with parameters must name its columns, not SELECT *",
                         hint="list the variables to return after SELECT")
    for name, term in bindings.items():
        if isinstance(term, BNode):
            raise InputError(f"parameter ?{name} cannot be a blank node", hint="give an IRI or a literal")
        variable = rf"[?$]{re.escape(name)}(?![\w\u00B7\u0300-\u036F\u203F-\u2040])"
        if re.search(rf"(\bAS\s*|\bSELECT\b[^{{]*?|\bBY\b[^{{}}]*?|\bBOUND\s*\(\s*|\bVALUES\b[^{{]*?){variable}",
                     masked, re.IGNORECASE | re.DOTALL):
            raise InputError(f"parameter ?{name} is projected, assigned, grouped or ordered by",
                             hint="a parameter is a constant: use it in triple patterns and filters only")
        found = list(re.finditer(variable, masked))
        if len(found) != len(re.findall(variable, _blank_out(text, iris=False))):
            raise InputError(f"parameter ?{name} sits between < and >, where it may be read as part of an IRI",
                             hint="put spaces around the comparison operators < and >")
        value = str(to_oxigraph(term))
        for match in reversed(found):
            start, end = match.span()
            text = text[:start] + value + text[end:]
            masked = masked[:start] + " " * len(value) + masked[end:]
    return text


_STRINGS_AND_COMMENTS = (r'"""[\s\S]*?"""' r"|'''[\s\S]*?'''"
                         r'|"(?:\\.|[^"\\\n])*"' r"|'(?:\\.|[^'\\\n])*'" r"|#[^\n]*")
_FROM = re.compile(r"(?<![?$:\w])FROM(?![\w:-])", re.IGNORECASE)
_NOT_CODE = {True: re.compile(_STRINGS_AND_COMMENTS + r'|<[^<>"{}|^`\\\s]*>'),
             False: re.compile(_STRINGS_AND_COMMENTS)}


def _blank_out(text: str, *, iris: bool) -> str:
    """``text`` with strings, comments and (with ``iris``) IRIs blanked, positions unchanged."""
    return _NOT_CODE[iris].sub(lambda match: " " * len(match.group()), text)


def to_rdflib_result(answer: object) -> Result:
    """pyoxigraph's answer as an rdflib :class:`Result`, so every shell treats both engines alike."""
    if isinstance(answer, (bool, ox.QueryBoolean)):
        result = Result("ASK")
        result.askAnswer = bool(answer)
        return result
    if isinstance(answer, ox.QuerySolutions):
        result = Result("SELECT")
        variables = [Variable(v.value) for v in answer.variables]
        result.vars = variables
        result.bindings = [
            {variable: to_rdflib(solution[variable.toPython()[1:]]) for variable in variables
             if solution[variable.toPython()[1:]] is not None}
            for solution in answer]
        return result
    graph = Graph()
    for triple in answer:  # QueryTriples: CONSTRUCT or DESCRIBE
        graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
    result = Result("CONSTRUCT")
    result.graph = graph
    return result


def stored_digest(path: Path) -> str | None:
    """The digest of the sources the on-disk store at ``path`` holds (None when there is none)."""
    try:
        return (path / DIGEST_FILE).read_text(encoding="ascii").strip()
    except OSError:
        return None


def _rebuild(path: Path, digest: str, nquads: bytes) -> None:
    """Load ``nquads`` into a new store beside ``path`` and swap it in (all or nothing)."""

    def fill(staging: Path) -> None:
        store = ox.Store(str(staging / "store"))
        store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
        store.flush()
        del store
        (staging / DIGEST_FILE).write_text(digest + "\n", encoding="ascii")

    replace_folder(path, fill, what="store")
