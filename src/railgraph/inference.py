"""OWL 2 RL inference, kept apart from the asserted triples.

:func:`infer` uses the fast pass of :mod:`railgraph.reasoning` (owlrl on the schema, a compiled
pass on the data) and falls back to owlrl's full closure, the reference, when the ontology uses an
axiom the fast pass does not implement. Either way railgraph keeps only what is new and useful to
a reader or a query: no triples about the OWL/RDFS vocabulary itself, no reflexive ``owl:sameAs``,
no ``rdf:type owl:Thing``/``rdfs:Resource`` and no typing of literals.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from itertools import compress
from operator import attrgetter
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import owlrl
import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from . import reasoning
from ._version import __version__
from . import cache_reads
from .atomic import Digesting, Written, keep_newest, newest_first, with_usual_mode, write_sliced, write_through
from .errors import InputError
from .export.rdf import sorted_lines
from .external_sort import write_sorted
from .loading import graph_of, new_graph
from .namespaces import INFERRED_GRAPH, OWL, RDF, RDFS
from .terms import to_oxigraph, to_rdflib

_VOCABULARY_NAMESPACES = (str(OWL), str(RDF), str(RDFS), "http://www.w3.org/2001/XMLSchema#")
_TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual, RDFS.Class, OWL.Class}
# Plain constants for :func:`_is_informative`, called once per triple (rdflib's namespace
# attribute look-up costs more than the comparisons).
_TYPE, _SAME_AS, _THING = RDF.type, OWL.sameAs, OWL.Thing
_HIERARCHY = (RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty)
_PREDICATE = attrgetter("predicate")


def infer(asserted: Graph) -> Graph:
    """Return the triples OWL 2 RL entails from ``asserted`` that ``asserted`` does not hold."""
    store = ox.Store()
    store.bulk_extend(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in asserted)
    graph = ox.NamedNode(str(INFERRED_GRAPH))
    infer_into(store, graph)
    return graph_of(quad.triple for quad in store.quads_for_pattern(None, None, None, graph))


def infer_into(store: ox.Store, graph: ox.NamedNode, cache_dir: Path | None = None) -> None:
    """Add to ``graph`` what OWL 2 RL entails from the default graph of ``store`` and that graph lacks.

    The fast pass of :mod:`railgraph.reasoning` where the ontology allows it, else owlrl; then
    what is not informative (see :func:`_is_informative`) is taken out again. With ``cache_dir``,
    owlrl's closure of the schema is remembered there (see :func:`closed_schema`).
    """
    if reasoning.supported_in(store):
        reasoning.apply_in(store, graph, reasoning.close_schema if cache_dir is None
                           else lambda schema: closed_schema(schema, cache_dir))
        _drop_uninformative(store, graph)
        return
    default = ox.DefaultGraph()
    quads = store.quads_for_pattern(None, None, None, default)
    reference = infer_with_owlrl((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
                                 for q in quads)  # type: ignore[misc]
    triples = [ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in reference]
    store.extend([ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples])


def closed_schema(schema: Graph, cache_dir: Path) -> Graph:
    """:func:`railgraph.reasoning.close_schema`, remembered in ``cache_dir`` under a digest of
    ``schema`` (its sorted N-Triples lines, blank nodes by their labels, which the sources give)
    and of the owlrl and railgraph versions: owlrl takes a third of a second on the ontology, the
    same for every build of it. Read back with the same blank-node labels; a file that does not
    parse is closed again and written anew."""
    lines = sorted(line for line in schema.serialize(format="nt", encoding="utf-8").split(b"\n") if line)
    key = hashlib.sha256(f"{owlrl.__version__}\n{__version__}\n".encode() + b"\n".join(lines)).hexdigest()[:32]
    cached = cache_dir / f"schema-{key}.nt"
    try:
        return graph_of(quad.triple for quad in ox.parse(path=cached, format=ox.RdfFormat.N_TRIPLES))
    except (OSError, SyntaxError):
        pass  # not cached yet, or damaged
    closed = reasoning.close_schema(schema)
    triples = (ox.Triple(*(to_oxigraph(term) for term in triple)) for triple in closed)
    _remember(cached, lambda stream: ox.serialize(triples, stream, format=ox.RdfFormat.N_TRIPLES))
    return closed


def _sparql_terms(terms: Iterable[Node], separator: str = ", ") -> str:
    return separator.join(sorted(str(to_oxigraph(term)) for term in terms))


def _drop_uninformative(store: ox.Store, graph: ox.NamedNode) -> None:
    """Take out of the store what :func:`_is_informative` rejects among the triples of ``graph``.

    Each condition is looked up by its predicate, and the subjects of ``graph`` are listed once
    to find those in the vocabularies' namespaces: one filter over every inferred triple costs
    three times as much (0.8 s for the 450,000 of 10,000 tools).
    """
    found = store.query(f"SELECT DISTINCT ?s WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
    assert isinstance(found, ox.QuerySolutions)
    vocabulary = [row["s"] for row in found
                  if isinstance(row["s"], ox.NamedNode) and row["s"].value.startswith(_VOCABULARY_NAMESPACES)]
    trivial = _sparql_terms(_TRIVIAL_TYPES)
    by_predicate = [([_SAME_AS], "true"),
                    ([_TYPE], f"?o IN ({trivial}) || isLiteral(?o)"),
                    (_HIERARCHY, f"?s = ?o || ?o IN ({trivial})")]
    wheres = [f"VALUES ?p {{ {_sparql_terms(predicates, ' ')} }} GRAPH {graph} {{ ?s ?p ?o }} FILTER ({condition})"
              for predicates, condition in by_predicate]
    if vocabulary:
        wheres.append(f"VALUES ?s {{ {' '.join(map(str, vocabulary))} }} GRAPH {graph} {{ ?s ?p ?o }}")
    store.update(" ;\n".join(f"DELETE {{ GRAPH {graph} {{ ?s ?p ?o }} }} WHERE {{ {where} }}"
                              for where in wheres))


def infer_with_owlrl(asserted: Iterable[tuple[Node, Node, Node]]) -> Graph:
    """The reference: owlrl's full OWL 2 RL closure, filtered like :func:`infer`."""
    closure = Graph()
    for triple in asserted:
        closure.add(triple)
    before = set(closure)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                           datatype_axioms=False).expand(closure)
    inferred = new_graph()
    for triple in closure:
        if triple not in before and _is_informative(triple):
            inferred.add(triple)
    return inferred


def _is_informative(triple: tuple[Node, Node, Node]) -> bool:
    s, p, o = triple
    if isinstance(s, Literal):
        return False
    if isinstance(s, URIRef) and str(s).startswith(_VOCABULARY_NAMESPACES):
        return False
    if p == _SAME_AS:
        return False
    if p == _TYPE and (o in _TRIVIAL_TYPES or isinstance(o, Literal)):
        return False
    if p in _HIERARCHY and (s == o or o in _TRIVIAL_TYPES):
        return False
    if isinstance(o, Literal) and p == _TYPE:
        return False
    return not (isinstance(s, BNode) and p == _TYPE and o == _THING)


def infer_cached(store: ox.Store, graph: ox.NamedNode, sources: Sequence[Sequence[ox.Quad]],
                 cache_dir: Path | None, *, remember: bool = True, loaded: str | None = None,
                 keyed: Callable[[], object] | None = None) -> str | None:
    """:func:`infer_into`, remembered on disk under the :func:`input_key` of ``sources``; returns
    the key the closure is kept under (None without a cache), for :func:`cached_dump`.

    ``sources`` are the quads of the store's default graph, one sequence per source, always in
    the same order. The inferred graph is kept as its sorted N-Triples, the ``inferred.nt`` a
    build writes (see :func:`remember_closure`), and read back with its blank-node labels (the
    sources give them, see :func:`railgraph.loading.numbered_blank_nodes`), so an edit that
    inference does not read (a title, a description) finds it in the cache. The file is named by
    the SHA-256 of what it holds: one that matches it was written from a store's triples, and is
    read back without checking each IRI again. With ``remember`` false, a closure inferred
    afresh is left for :func:`remember_closure` to write. ``loaded``: the key of the closure
    ``graph`` holds already (see :class:`Prefetch`); another closure is dropped. ``keyed`` is
    called once ``sources`` are read (the key made), before the closure is read or inferred: it
    may let go of them.
    """
    if cache_dir is None:
        del sources
        if keyed is not None:
            keyed()
        infer_into(store, graph)
        return None
    for earlier in cache_dir.glob("inferred-*.nq"):  # closures kept as N-Quads by earlier versions
        earlier.unlink(missing_ok=True)
    key = hashlib.sha256(f"{owlrl.__version__}\n{__version__}\n{graph}\n{input_key(store, sources)}".encode())
    name = key.hexdigest()[:32]
    del sources  # what the caller handed over is let go of with it
    if keyed is not None:
        keyed()
    if loaded == name:
        _touch(cache_dir, name)
        return name
    if loaded is not None:
        store.update(f"DROP SILENT GRAPH {graph}")
    kept = _found(cache_dir, name, ".nt")
    if kept is not None:
        try:
            _load_closure(store, kept, graph)
        except (OSError, SyntaxError):
            store.update(f"DROP SILENT GRAPH {graph}")
        else:
            _touch(cache_dir, name)
            return name
    infer_into(store, graph, cache_dir)  # not cached yet, or damaged: inferred again, and written anew
    if remember:
        remember_closure(store, graph, cache_dir, name)
    return name


def _touch(cache_dir: Path, key: str) -> None:
    """Mark the closure of ``key`` used: the most recently used closure is the last one pruned,
    and the one :class:`Prefetch` reads."""
    for path in _kept_files(cache_dir, key, ".nt"):
        try:
            os.utime(path)
        except OSError:
            continue  # pruned meanwhile by another process: written again by the next build that needs it
        cache_reads.touched(path)  # not written: what _checked found stays


class Prefetch:
    """The closure the cache used last, read into a new store by a thread while the sources are
    read (pyoxigraph lets go of the GIL while it loads): after an edit that inference does not
    read, it is the closure of the edited sources, and the store only needs their triples.

    :meth:`take` hands over the store and the closure's key, for :func:`infer_cached` (which
    drops a closure of other sources)."""

    def __init__(self, cache_dir: Path | None, graph: ox.NamedNode) -> None:
        self._found: tuple[ox.Store, str] | None = None
        closures = newest_first(cache_dir, f"inferred-*-{_SHA256}.nt") if cache_dir is not None else []
        self._thread = threading.Thread(target=self._read, args=(closures[0], graph), daemon=True,
                                        name="railgraph-prefetch") if closures else None
        if self._thread is not None:
            self._thread.start()

    def _read(self, closure: Path, graph: ox.NamedNode) -> None:
        kept = _checked(closure, ".nt")
        if kept is None:
            return
        store = ox.Store()
        try:
            _load_closure(store, kept, graph)
        except (OSError, SyntaxError):
            return
        self._found = (store, closure.name[len("inferred-"):-len(f"-{'0' * 64}.nt")])

    def take(self) -> tuple[ox.Store, str] | None:
        """The store holding the closure and its key (None where there was none, or it was
        damaged), once the thread is done; the next call gets None."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        found, self._found = self._found, None
        return found


def remember_closure(store: ox.Store, graph: ox.NamedNode, cache_dir: Path, key: str) -> None:
    """Write the inferred ``graph`` of ``store`` to the cache under ``key`` (see
    :func:`infer_cached`), unless it is there already."""
    kept_dump(cache_dir, key, ".nt", lambda: closure_dump(store, graph),
              lambda stream: write_closure(store, graph, stream, cache_dir))


def closure_dump(store: ox.Store, graph: ox.NamedNode) -> bytes:
    """The triples of ``graph`` as N-Triples, each line once, sorted (``inferred.nt``): from the
    store's own dump, no triple made a Python object."""
    return sorted_lines(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph), distinct=True)


def write_closure(store: ox.Store, graph: ox.NamedNode, stream: BinaryIO, folder: Path) -> None:
    """:func:`closure_dump`'s bytes written to ``stream``, with a bounded part of them in memory:
    the store dumps the graph into a temporary file in ``folder``, whose lines are sorted there
    (see :mod:`railgraph.external_sort`). At 100,000 tools, sorting in memory took 1.6 GB."""
    _remove_abandoned(folder)  # a killed writer's (1.5 GB at 100,000 tools)
    with tempfile.TemporaryDirectory(prefix=f".inferred-sorting-{_WRITER}{os.getpid()}-", dir=folder) as temporary:
        dumped = Path(temporary) / "closure.nt"
        store.dump(dumped, format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
        write_sorted(dumped, stream, distinct=True)


def closure_lines(cache_dir: Path, key: str) -> list[bytes] | None:
    """The triples of the closure :func:`infer_cached` keeps under ``key``, as N-Triples lines
    (each ending in " .\\n"); None once it is gone from the cache, or where it does not hold
    what its name says. It is written whole or not at all (see :func:`_remember`)."""
    kept = _found(cache_dir, key, ".nt")
    if kept is None:
        return None
    try:
        lines = kept.read().split(b"\n")
    except OSError:
        return None
    return [line + b"\n" for line in lines[:-1]]


@dataclass(frozen=True)
class KeptDump:
    """A dump of the inferred graph: the file the cache keeps it in (None where it keeps none),
    what the dump holds, and its bytes where they were made rather than found in the cache."""

    path: Path | None
    written: Written
    data: bytes | None = None
    #: Whether the bytes may name a blank node (``_:`` is in them).
    blank_nodes: bool = True

    def read(self) -> bytes:
        """The dump's bytes."""
        if self.data is not None:
            return self.data
        assert self.path is not None
        return self.path.read_bytes()


def cached_dump(cache_dir: Path | None, key: str | None, extension: str, dump: Callable[[], bytes]) -> bytes:
    """``dump()``: the inferred graph in one format, remembered beside the closure of ``key``
    (see :func:`infer_cached`). The dump may depend only on the closure and this version."""
    return kept_dump(cache_dir, key, extension, dump).read()


def kept_dump(cache_dir: Path | None, key: str | None, extension: str, dump: Callable[[], bytes],
              stream: Callable[[BinaryIO], object] | None = None) -> KeptDump:
    """:func:`cached_dump` as a file of the cache, named by the closure's key and the SHA-256 of
    what it holds, for a build to link rather than copy. A file found is checked against that
    digest without being read into memory; one missing or damaged is made again: by ``stream``,
    where it is given, written to the cache's file as it is made (``dump`` is called where the
    cache cannot be written)."""
    if cache_dir is not None and key is not None:
        found = _found(cache_dir, key, extension)
        if found is not None:
            return found
        streamed = _streamed(cache_dir, key, extension, stream) if stream is not None else None
        if streamed is not None:
            return streamed
    body = dump()
    written = Written.of(body)
    if cache_dir is None or key is None:
        return KeptDump(None, written, body)
    path = cache_dir / f"inferred-{key}-{written.sha256}{extension}"
    _remember(path, lambda stream: write_sliced(stream, body))
    return KeptDump(path if path.exists() else None, written, body)


def _streamed(cache_dir: Path, key: str, extension: str, stream: Callable[[BinaryIO], object]) -> KeptDump | None:
    """The dump ``stream`` writes, written into a temporary file of the cache, then named as
    :func:`kept_dump` names it (None where the cache cannot be written)."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".inferred-{key}-{_WRITER}{os.getpid()}-", suffix=extension,
                                             dir=cache_dir)
    except OSError:
        return None
    try:
        with os.fdopen(handle, "wb") as file:
            digesting = Digesting(file)
            stream(digesting)  # type: ignore[arg-type]
        written = Written(os.path.getsize(temporary), digesting.digest.hexdigest())
        path = cache_dir / f"inferred-{key}-{written.sha256}{extension}"
        with_usual_mode(temporary)  # a build links it as its own file
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        return None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    try:
        keep_newest(cache_dir, f"inferred-*{extension}", keep=8)
        _remove_abandoned(cache_dir)
    except OSError:
        pass
    return KeptDump(path, written)


#: How the SHA-256 in the name of a file :func:`kept_dump` writes is matched.
_SHA256 = "[0-9a-f]" * 64


def _kept_files(cache_dir: Path, key: str, extension: str) -> list[Path]:
    """The files :func:`kept_dump` wrote for ``key`` and ``extension``."""
    return sorted(cache_dir.glob(f"inferred-{key}-{_SHA256}{extension}"))


def _found(cache_dir: Path, key: str, extension: str) -> KeptDump | None:
    """The first of :func:`_kept_files` that holds what its name says."""
    for path in _kept_files(cache_dir, key, extension):
        found = _checked(path, extension)
        if found is not None:
            return found
    return None


def _checked(path: Path, extension: str) -> KeptDump | None:
    """The file at ``path`` where its bytes have the SHA-256 its name ends in, read as a stream
    (noting whether they name a blank node, see :func:`_load_closure`).

    A file found right once is not read again while it is the same file, unwritten (see
    :mod:`railgraph.cache_reads`; :func:`_touch` moves its time on): the closure read ahead is
    then not checked again by the process, forked later, that links it as ``inferred.nt`` (734 MB
    at 100,000 tools, 1.5 s)."""
    return cache_reads.read(path, lambda found: _check(found, extension), small=True)


def _check(path: Path, extension: str) -> KeptDump | None:
    """:func:`_checked`, reading the file."""
    digest, size, blank, last = hashlib.sha256(), 0, False, b""
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(1 << 24):
                digest.update(chunk)
                blank = blank or b"_:" in last + chunk[:1] or b"_:" in chunk
                size, last = size + len(chunk), chunk[-1:]
    except OSError:
        return None  # pruned meanwhile
    written = Written(size, digest.hexdigest())
    if written.sha256 != path.name[-len(extension) - 64:-len(extension)]:
        return None
    return KeptDump(path, written, blank_nodes=blank)


def _load_closure(store: ox.Store, kept: KeptDump, graph: ox.NamedNode) -> None:
    """Read the closure file of ``kept`` into ``graph`` of the in-memory ``store``, in one
    transaction: into a store in memory, that is faster than pyoxigraph's bulk loader and takes
    less memory (4.5 million triples: 10.4 s and 1.37 GiB, against 12.4 s and 1.49 GiB).
    pyoxigraph's loaders give each blank node a label of their own, and the closure must name
    the default graph's blank nodes by theirs: a closure naming one is parsed, and its triples
    added (slower, and holding the GIL)."""
    assert kept.path is not None
    if kept.blank_nodes:
        store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph)
                          for t in ox.parse(path=kept.path, format=ox.RdfFormat.N_TRIPLES, lenient=True))
    else:
        store.load(path=kept.path, format=ox.RdfFormat.N_TRIPLES, to_graph=graph, lenient=True)


def _remember(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write a cache file (see :func:`railgraph.atomic.write_through`; a read-only place or a
    full disk is skipped: the cache is an optimisation only), and keep the most recent ones of
    its kind. A temporary file left by a process killed while writing (a build stops its export
    jobs when validation fails) is removed by a later write, once :data:`_ABANDONED_AFTER`
    seconds old."""
    try:
        write_through(path, write, durable=False)
        keep_newest(path.parent, f"{path.name.split('-', 1)[0]}-*{path.suffix}", keep=8)
        _remove_abandoned(path.parent)
    except (InputError, OSError):
        pass


def _orphaned(name: str) -> bool:
    """Whether a temporary file or folder of the cache names a process that has ended: one
    stopped by a signal (a build stops its export processes when validation fails) leaves what it
    was writing. Where processes cannot be looked up, only age tells."""
    found = _WRITER_ID.search(name)
    if found is None or os.name != "posix":
        return False
    try:
        os.kill(int(found.group(1)), 0)  # no signal: only whether it is there
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError, ValueError):
        return False
    return False


#: How old a temporary cache file must be to count as left by a killed process (a write of the
#: closure of 100,000 tools takes seconds, not an hour).
_ABANDONED_AFTER = 3600.0


#: What stands before the process id in the name of a temporary file or folder of the cache
#: that names its writer (see :func:`_orphaned`).
_WRITER = "pid"
_WRITER_ID = re.compile(rf"-{_WRITER}(\d+)-")


def _remove_abandoned(cache_dir: Path) -> None:
    limit = time.time() - _ABANDONED_AFTER
    for temporary in [*cache_dir.glob(".inferred-*"), *cache_dir.glob(".schema-*")]:  # see write_through
        try:
            if temporary.stat().st_mtime < limit or _orphaned(temporary.name):
                if temporary.is_dir():  # see write_closure
                    shutil.rmtree(temporary)
                else:
                    temporary.unlink()
        except OSError:
            pass  # removed meanwhile by another process


def input_key(store: ox.Store, sources: Sequence[Sequence[ox.Quad]]) -> str:
    """A digest of what inference reads from the default graph of ``store``: the schema and every
    triple whose predicate the schema names (or ``rdf:type``), source by source.

    Every rule of :mod:`railgraph.reasoning` reads and writes only triples whose predicate a
    schema triple names, and types; the rest (titles, descriptions, links) cannot change what it
    infers. Where owlrl reasons instead, it reads everything, and so does the key.

    Each source's digest is remembered for as long as the same sequence of quads is handed in
    again with the same schema: a process that reads some sources again (``build --watch``)
    digests only those (1.2 s for all at 100,000 tools).
    """
    global _SOURCE_DIGESTS
    if reasoning.supported_in(store):
        schema = reasoning.schema_in(store)
        named = {term for triple in schema for term in triple if isinstance(term, URIRef)}
        read = {to_oxigraph(term) for term in named | {RDF.type, RDF.first, RDF.rest}}
        reads = "\n".join(sorted(term.value for term in read))

        def relevant(quads: Sequence[ox.Quad]) -> Iterable[ox.Quad]:  # the default graph's: written as triples
            return compress(quads, map(read.__contains__, map(_PREDICATE, quads)))  # 25% faster than a generator
    else:
        reads = ""  # everything

        def relevant(quads: Sequence[ox.Quad]) -> Iterable[ox.Quad]:
            return quads
    digest = hashlib.sha256()
    known = _SOURCE_DIGESTS.get(reads, {})
    remembered: dict[int, tuple[Sequence[ox.Quad], bytes]] = {}
    for quads in sources:
        held = known.get(id(quads))
        each = held[1] if held is not None and held[0] is quads else \
            hashlib.sha256(ox.serialize(relevant(quads), format=ox.RdfFormat.N_TRIPLES)).digest()
        remembered[id(quads)] = (quads, each)  # the quads kept with it: their id names no others meanwhile
        digest.update(each)
    _SOURCE_DIGESTS = {reads: remembered}
    return digest.hexdigest()


#: The digest of each source's quads :func:`input_key` made last, by what inference reads and the
#: quads' identity (see there).
_SOURCE_DIGESTS: dict[str, dict[int, tuple[Sequence[ox.Quad], bytes]]] = {}


def forget_source_digests() -> None:
    """Let go of the sources' digests :func:`input_key` remembers, and of the quads kept with
    them (the next key digests every source)."""
    global _SOURCE_DIGESTS
    _SOURCE_DIGESTS = {}

