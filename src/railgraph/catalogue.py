"""The ``Catalogue``: the one core object every shell (CLI, API, server, exporters) goes through.

It owns the asserted graphs (one named graph per source file), the inferred graph (kept apart),
the shapes and the named queries, and delegates each concern to its own module.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.query import Result
from rdflib.term import Node

from . import (collector, facets, guard, inference, licensing, loading, rereading, store_graph, validation,
               validation_cache)
from .atomic import Chunks, write_sliced
from .checked_sources import CheckedSources
from .errors import InputError, RailgraphError, UsageError
from .export import framed, get_format, jsonld, pieces, serialize, serialize_statements, table_parts
from .export.catalog import Statistics, catalogue_examples, touches_examples
from .export.tables import render_tables
from .export.rdf import load_context, serialize_lines, serialize_sorted_file
from .namespaces import GRAPH, INFERRED_GRAPH, PREFIXES, RDF, RG, SH, SKOS, VOCAB
from .queries import NamedQuery, QueryLibrary
from .rdf_input import ContextAllowList
from .resources import find_root
from .settings import Settings
from .store import LAYOUT, OxigraphStore, QueryStore, RdflibStore, count_triples, stored_digest, union_quads
from .terms import to_oxigraph
from ._version import __version__

#: Kinds of entry and the class that marks them, in the order ``info`` lists them.
ENTRY_KINDS: dict[str, URIRef] = {
    "tool": RG.Tool,
    "metric": RG.Metric,
    "licence": RG.Licence,
    "use-case": RG.UseCase,
    "model": RG.Model,
    "organisation": RG.Organisation,
}

_TYPE = ox.NamedNode(str(RDF.type))
_INFERRED = ox.NamedNode(str(INFERRED_GRAPH))

#: Licence properties that identify a licence besides its IRI.
LICENCE_IDENTIFIERS = (RG.scancodeKey, RG.spdxId, RG.huggingFaceId)


class Catalogue:
    """A loaded catalogue: ontology, vocabularies, data, shapes and named queries."""

    def __init__(self, root: Path, sources: list[loading.Source], shapes: Graph,
                 queries: QueryLibrary, settings: Settings, prefetch: inference.Prefetch | None = None,
                 folders: Sequence[Path] = ()) -> None:
        self.root = root
        self.sources = sources
        #: The folders the sources were read from (the root's ontology/ and data/, and extra ones).
        self.folders = list(folders)
        self.shapes = shapes
        self.queries = queries
        self.settings = settings
        #: What the inferred graph is cached under (see :func:`railgraph.inference.infer_cached`).
        self.inference_key: str | None = None
        self._remember_closure = True
        self._source_graphs = True
        self._release_sources = False
        #: Whether the store in memory, once made, holds a graph per source (see :meth:`infer`).
        self.whole_store = True
        #: The VoID counts of the asserted triples in the store, where a build counted them
        #: (see :func:`railgraph.export.catalog.statistics_of`); kept up to date by :meth:`reread`.
        self.asserted_counts: Statistics | None = None
        #: What the last CSV tables this process made were made of (``build --watch``, see
        #: :class:`railgraph.export.table_parts.Made`): kept by their content, so through edits.
        self.kept_tables: table_parts.Made | None = None
        self._prefetch = prefetch

    # -- loading -------------------------------------------------------------------------------

    @classmethod
    def load(cls, root: Path | str | None = None, data: Sequence[Path | str] = (),
             settings: Settings | None = None, *, prefetch: bool = False) -> Catalogue:
        """Load the catalogue at ``root`` (see :func:`railgraph.resources.find_root`).

        ``data`` names extra data folders loaded beside the root's ``data/``. With ``prefetch``,
        the closure the cache used last is read into the query store while the sources are
        read (see :class:`railgraph.inference.Prefetch`): for a command that infers next.
        """
        settings = settings or Settings.resolve()
        root_path = find_root(root if root is not None else settings["root"])
        folders = [root_path / "ontology", root_path / "data"]
        for extra in data:
            folder = Path(extra)
            if not folder.is_dir():
                raise UsageError(f"data folder {folder} does not exist")
            folders.append(folder)
        limits = {"max_bytes": settings["max_file_bytes"],
                  "max_literal_chars": settings["max_literal_chars"]}
        cache = cache_folder(settings, root_path)
        ahead = inference.Prefetch(cache, _INFERRED) if prefetch else None
        checked = CheckedSources(cache, settings["max_literal_chars"])
        with collector.paused():  # millions of quads, in no cycle: 7.3 s → 4.7 s to parse 100,000 tools
            sources = loading.load_sources(root_path, folders, **limits, checked=checked)
            shapes = loading.new_graph()
            for path in loading.source_files(root_path / "shapes"):
                shapes += loading.parse_file(path, **limits)
        return cls(root_path, sources, shapes, QueryLibrary(root_path / "queries"), settings, ahead, folders)

    def add_file(self, path: Path | str) -> loading.Source:
        """Parse one more file into the catalogue (replacing the source of the same path)."""
        path = Path(path)
        source = self._read(path, path.parent)
        self.sources = [s for s in self.sources if s.path.resolve() != path.resolve()] + [source]
        self._forget()
        return source

    def _read(self, path: Path, folder: Path) -> loading.Source:
        """The source file at ``path``, found in ``folder``, checked as loading checks it."""
        return self._read_as(path, loading.relative_name(path, self.root, folder))

    def _read_as(self, path: Path, relative: str) -> loading.Source:
        """The source file at ``path``, named ``relative``, checked as loading checks it."""
        return loading.read_source(path, relative,
                                   max_bytes=self.settings["max_file_bytes"],
                                   max_literal_chars=self.settings["max_literal_chars"],
                                   contexts=ContextAllowList(self.root, tuple(self.settings["allowed_contexts"])))

    def reread(self, paths: Iterable[Path | str]) -> rereading.Reread:
        """Read again the source files at ``paths``, edited, added or removed on disk since they
        were read (see :func:`railgraph.rereading.reread`), and say what changed.

        A query store in memory is brought up to date in place rather than filled afresh, and
        its inferred graph is kept where the edit changes nothing inference reads (a title, a
        description: see :func:`railgraph.inference.input_key`), else read from the cache or
        inferred again. Everything else made from the sources is made again when asked for.
        A store kept on disk is let go of, and opened (rebuilt) when asked for.

        Raises :class:`InputError` where a file does not parse or pass the checks of reading, or
        where an entry would be described twice; the catalogue is then left as it was.
        """
        change = rereading.reread(self.sources, map(Path, paths), self.folders, self._read)
        if not change.old and not change.new:
            return change
        store = self.__dict__.get("_memory_store") if not self.settings["store"] else None
        key, counted, examples = self.inference_key, self.asserted_counts, self.__dict__.get("examples")
        if store is not None:
            changed = rereading.update_store(store, change, source_graphs=self.whole_store)
        self.sources = change.sources
        self._forget(keep_store=store is not None)
        if store is not None:
            if counted is not None:
                self.asserted_counts = counted.changed(store, changed.removed, changed.added)
            if examples is not None and not touches_examples(chain(changed.removed, changed.added)):
                self.examples = examples
            if key is None:  # kept in no cache: nothing tells whether the closure still holds
                store.update(f"DROP SILENT GRAPH {_INFERRED}")
            self.inference_key = self._infer_into(store, loaded=key)
        return change

    def _forget(self, *, keep_store: bool = False) -> None:
        self.inference_key = self.asserted_counts = None
        for name in ("inferred_triples", "_memory_store", "file_digests", "source_groups", "asserted", "inferred",
                     "dataset", "_union", "_identifiers", "_facet_index", "_concept_ids", "store", "examples"):
            if not (keep_store and name in ("_memory_store", "store")):
                self.__dict__.pop(name, None)

    # -- graphs --------------------------------------------------------------------------------

    @cached_property
    def _memory_store(self) -> ox.Store:
        """:attr:`oxstore` in memory: each source in its named graph (unless :meth:`infer` was
        told to leave them out), their union as the default graph, and the inferred graph (read
        ahead where it could be, see :class:`inference.Prefetch`)."""
        prefetched = self._prefetch.take() if self._prefetch is not None else None
        store, loaded = prefetched if prefetched is not None else (ox.Store(), None)
        self.whole_store = self._source_graphs
        if self._source_graphs:
            store.bulk_extend(self._source_quads())
        store.bulk_extend(quad for source in self.sources for quad in source.quads)  # one call: 30% faster
        self.inference_key = self._infer_into(store, remember=self._remember_closure, loaded=loaded,
                                              release=self._release_sources)
        return store

    def _infer_into(self, store: ox.Store, *, remember: bool = False, loaded: str | None = None,
                    release: bool = False) -> str | None:
        """Infer into the inferred graph of ``store``, whose default graph holds the sources (see
        :func:`railgraph.inference.infer_cached`; ``loaded``: the key of the closure it holds),
        with ``release`` letting go of the sources' statements first (see :meth:`release_sources`)."""
        ordered = sorted(self.sources, key=lambda source: str(source.graph_iri))
        key = inference.infer_cached(store, _INFERRED, [source.quads for source in ordered], self.cache_dir(),
                                     remember=remember, loaded=loaded, keyed=self.release_sources if release else None)
        if release:
            collector.give_back()  # what inference made on the way
        return key

    def release_sources(self) -> None:
        """Let go of the statements of the sources read from files (their subjects are kept): a
        source reads its file again where they are asked for (see :meth:`loading.Source.release`).
        For a process that has filled its store and forked what reads them (a build): 1.4 GB at
        100,000 tools, which the processes it forks next no longer count."""
        for source in self.sources:
            if source.digest and source.name:
                source.release(lambda path=source.path, name=source.name: self._read_as(path, name))
        inference.forget_source_digests()  # they hold the statements too
        collector.give_back()

    def infer(self, *, remember: bool = True, source_graphs: bool = True, release: bool = False) -> None:
        """Fill the query store and infer (reading the inferred graph from the cache where it is
        there). With ``remember`` false, a closure inferred afresh is not yet written to the
        cache: :meth:`remember_inferred` does that, in another process say, off the build's
        longest chain. With ``source_graphs`` false, an in-memory store holds no graph per source,
        only their union (a build reads nothing else; a store kept on disk always holds them):
        :meth:`forget_partial_store` lets go of it once it has served. With ``release``, a store
        filled now lets go of the sources' statements once it holds them (see
        :meth:`release_sources`)."""
        self._remember_closure = remember
        self._source_graphs = source_graphs or bool(self.settings["store"])
        self._release_sources = release
        try:
            _ = self.oxstore
        finally:
            self._remember_closure = self._source_graphs = True
            self._release_sources = False

    def forget_partial_store(self, keep: Callable[[object], object] | None = None) -> None:
        """Let go of a store made without the sources' graphs (see :meth:`infer`), and of what was
        read from it, so that whatever asks for the store next gets a whole one. ``keep`` is handed
        the store, where freeing it would only cost time (a process about to exit)."""
        if not self.whole_store:
            if keep is not None:
                keep(self.__dict__.get("_memory_store"))
            key = self.inference_key  # the closure of the same sources: the next store reads it back
            self._forget()
            self.inference_key, self.whole_store = key, True

    def remember_inferred(self) -> None:
        """Write the inferred graph to the cache, if :meth:`infer` left it unwritten."""
        cache = self.cache_dir()
        if cache is not None and self.inference_key is not None:
            inference.remember_closure(self._reasoned, _INFERRED, cache, self.inference_key)

    @cached_property
    def inferred_triples(self) -> list[ox.Triple]:
        """What OWL 2 RL adds to the asserted triples (pyoxigraph triples)."""
        return [quad.triple for quad in self._reasoned.quads_for_pattern(None, None, None, _INFERRED)]

    @property
    def _reasoned(self) -> ox.Store:
        """The store inference filled: :attr:`oxstore`, or with rdflib as the engine the one in memory."""
        return self._memory_store if self.settings["query_engine"] == "rdflib" else self.oxstore

    def asserted_triples(self) -> set[ox.Triple]:
        """Every asserted triple (ontology, vocabularies and data), as pyoxigraph triples."""
        return {quad.triple for source in self.sources for quad in source.quads}

    @cached_property
    def asserted(self) -> Graph:
        """Every asserted triple in one rdflib graph (made when first asked for)."""
        return loading.graph_of(self.asserted_triples())

    @cached_property
    def inferred(self) -> Graph:
        """What OWL 2 RL adds to the asserted triples, never mixed into them (an rdflib graph)."""
        return loading.graph_of(self.inferred_triples)

    @cached_property
    def examples(self) -> list[URIRef]:
        """The example resources of the catalogue's description (see
        :func:`railgraph.export.catalog.catalogue_examples`): kept by :meth:`reread` where the
        edit does not touch them (0.25 s at 100,000 tools)."""
        return catalogue_examples(self.oxstore)

    @cached_property
    def source_groups(self) -> list[list[loading.Source]]:
        """The sources in groups, no subject described in two (see :func:`railgraph.export.pieces.groups`):
        what the exports kept in pieces are cut along."""
        return pieces.groups(self.sources)

    def source_digest(self) -> str:
        """A digest of every source file's path and content (changes when any source changes)."""
        digest = hashlib.sha256()
        for source in sorted(self.sources, key=lambda s: str(s.graph_iri)):
            digest.update(str(source.graph_iri).encode() + b"\0")
            digest.update(self.file_digests[source.graph_iri])
        return digest.hexdigest()

    @cached_property
    def file_digests(self) -> dict[URIRef, bytes]:
        """The SHA-256 of each source file's bytes as they were read, by its graph."""
        return {source.graph_iri: source.digest or hashlib.sha256(source.path.read_bytes()).digest()
                for source in self.sources}

    def _fingerprinted_parts(self) -> list[validation_cache.Part]:
        """The data in parts for the validation cache: each source (see :meth:`_source_parts`),
        and the inferred graph, kept in the cache under the key of its closure (fingerprinted
        from the store every time where there is no cache, or where inference did not run: an
        on-disk store reopened unchanged)."""
        parts: list[validation_cache.Part] = [*self._source_parts()]
        cache = self.cache_dir()
        if self.inference_key is not None and cache is not None:
            parts.append(validation_cache.Kept("inferred", self.inference_key,
                                               lambda: validation_cache.dumped(self.oxstore, _INFERRED),
                                               lambda key: inference.closure_lines(cache, key)))
        else:
            parts.append((None, lambda: validation_cache.dumped(self.oxstore, _INFERRED)))
        return parts

    def _source_parts(self) -> list[validation_cache.Lines]:
        """Each source as a part of the data for the validation cache, keyed by its path, content
        and this version (which reads it)."""
        parts: list[validation_cache.Lines] = []
        for source in self.sources:
            key = hashlib.sha256(f"{__version__}\0{source.graph_iri}\0".encode() + self.file_digests[source.graph_iri])
            parts.append((key.hexdigest(), lambda source=source: ox.serialize(  # the statements read when asked for
                (quad.triple for quad in source.quads), format=ox.RdfFormat.N_TRIPLES).split(b"\n")))
        return parts

    def source_fingerprints(self) -> dict[str, validation_cache.Fingerprints]:
        """The fingerprints of the sources the cache's latest snapshot does not hold, for the
        validation cache, by part key (:meth:`validate` reads the others from the snapshot). They
        need the sources alone, so a build makes them beside inference and hands them to
        :meth:`validate`; empty without a cache. (All of them, handed back from a forked process,
        took 1.5 s at 100,000 tools.)"""
        cache = self.cache_dir()
        if cache is None:
            return {}
        known = validation_cache.latest_parts(cache)
        return {key: found for key, found in validation_cache.fingerprints_of(self._source_parts(), known).items()
                if key not in known}

    def cache_dir(self) -> Path | None:
        """Where derived results are remembered (see :func:`cache_folder`)."""
        return cache_folder(self.settings, self.root)

    @cached_property
    def dataset(self) -> Dataset:
        """Named graphs per source plus the inferred graph; the default graph is their union."""
        dataset = Dataset(default_union=True)
        for source in self.sources:
            dataset.graph(source.graph_iri).__iadd__(source.graph)
        dataset.graph(INFERRED_GRAPH).__iadd__(self.inferred)
        return dataset

    def curated(self) -> Graph:
        """The asserted triples without the generated imports under ``data/register/``."""
        graph = loading.new_graph()
        for source in self.sources:
            if not str(source.graph_iri).startswith(str(GRAPH["data/register/"])):
                graph += source.graph
        return graph

    def union(self) -> Graph:
        """Asserted plus inferred triples in one plain graph (built once; do not modify it)."""
        return self._union

    @cached_property
    def _union(self) -> Graph:
        return loading.graph_of(self.asserted_triples().union(self.inferred_triples))

    # -- validation ----------------------------------------------------------------------------

    def validate(self, paths: Iterable[Path | str] = (), *, workers: int | None = None,
                 fingerprints: Mapping[str, validation_cache.Fingerprints] | None = None) -> validation.ValidationReport:
        """SHACL-validate the catalogue; with ``paths``, add those files and report only on them.

        ``workers``: processes pyshacl may share its focus nodes out to (by default as many as
        pay, up to two). ``fingerprints``: :meth:`source_fingerprints`, made ahead."""
        added = [self.add_file(p) for p in paths]
        texts: dict[Path, str] = {}
        store = self.oxstore
        report = validation.validate_fast(store_graph.view(store), self.shapes, lambda node: self.locate(node, texts),
                                          cache_dir=self.cache_dir(), source_digest=self.source_digest(),
                                          inferred_key=self.inference_key, store=store, workers=workers,
                                          parts=self._fingerprinted_parts(), fingerprints=fingerprints)
        if added:
            subjects = {s.value for source in added for s in source.subjects if isinstance(s, ox.NamedNode)}
            report.results = [r for r in report.results if r.focus_node in subjects]
        return report

    def locate(self, node: Node, texts: dict[Path, str] | None = None) -> tuple[str, int | None] | None:
        """The source file (relative to the root) and line that describe ``node``.

        ``texts`` caches file contents across calls, so each file is read at most once.
        """
        texts = {} if texts is None else texts
        if isinstance(node, Literal):
            return None
        subject = to_oxigraph(node)
        for source in self.sources:
            if subject in source.subjects:
                if source.path not in texts:
                    try:
                        texts[source.path] = source.path.read_text(encoding="utf-8")
                    except OSError:
                        texts[source.path] = ""
                return self._display_path(source.path), loading.line_of(texts[source.path], f"<{node}>")
        return None

    def _display_path(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    # -- queries -------------------------------------------------------------------------------

    def query(self, name_or_text: str, **params: str) -> Result:
        """Run a named query (by name) or an ad hoc SPARQL query (text) on asserted + inferred."""
        if looks_like_sparql(name_or_text):
            if params:
                raise UsageError("parameters can only be given to named queries")
            return self._run(name_or_text, {}, origin=None)
        return self.run_named(self.queries.get(name_or_text), params)

    def run_named(self, named: NamedQuery, params: dict[str, str]) -> Result:
        """Run a parsed query file (possibly one outside the catalogue's queries/ folder).

        An IRI parameter may also be given as an entry id (slug, licence identifier) or a
        concept's slug or notation; it is resolved to its IRI first.
        """
        return self._run(named.text, named.bindings(params, self.resolve_any), origin=named.path)

    @cached_property
    def store(self) -> QueryStore:
        """The query engine: pyoxigraph (in memory, or on disk with the store setting) or rdflib."""
        if self.settings["query_engine"] == "rdflib":
            return RdflibStore(self.dataset)
        if self.settings["store"]:
            digest = hashlib.sha256(f"{self.source_digest()} {__version__} {LAYOUT}".encode()).hexdigest()
            return OxigraphStore.on_disk(Path(self.settings["store"]), digest,
                                         lambda: self._memory_store.dump(format=ox.RdfFormat.N_QUADS))
        return OxigraphStore(self._memory_store)

    @property
    def filled(self) -> bool:
        """Whether the query store is there already (:meth:`infer` then has nothing to do)."""
        return "store" in self.__dict__

    @property
    def oxstore(self) -> ox.Store:
        """The catalogue in pyoxigraph: one named graph per source, their union (a set) as the
        default graph, and the inferred graph (:data:`~railgraph.namespaces.INFERRED_GRAPH`),
        which holds none of the asserted triples. A query over both reads
        :data:`~railgraph.store.QUERY_GRAPHS` as its default graph (see :func:`~railgraph.store.union_query`).
        """
        store = self.store
        return store.store if isinstance(store, OxigraphStore) else self._memory_store

    def _run(self, text: str, bindings: dict[str, Any], origin: Path | None) -> Result:
        try:
            guard.check(text)
            return self.store.query(text, bindings)
        except RailgraphError:
            raise
        except Exception as exc:  # rdflib's SPARQL parser raises pyparsing and other errors
            line = getattr(exc, "lineno", None)
            column = getattr(exc, "col", None)
            raise InputError(f"SPARQL query cannot be run: {_first_line(exc)}",
                             path=origin or "<query>", line=line, column=column,
                             hint="check the query syntax at that position") from exc

    # -- identifiers ---------------------------------------------------------------------------

    def resolve(self, identifier: str, kind: str | None = None) -> URIRef:
        """The IRI of an entry given by IRI, slug, or for a licence a ScanCode, SPDX or HF id."""
        candidates: dict[str, URIRef] = {}
        for each in [kind] if kind else list(ENTRY_KINDS):
            candidates.update(self._identifiers[each])
        if identifier in candidates:
            return candidates[identifier]
        close = difflib.get_close_matches(identifier, candidates, n=3, cutoff=0.6)
        what = kind or "entry"
        raise UsageError(f"unknown {what} {identifier!r}",
                         hint=f"did you mean {', '.join(close)}?" if close else
                         f"`railgraph query entries-by-kind` lists the known {what} ids")

    @cached_property
    def _identifiers(self) -> dict[str, dict[str, URIRef]]:
        """Per kind of entry: every id that names an entry (IRI, slug, licence identifiers)."""
        index: dict[str, dict[str, URIRef]] = {}
        store = self.oxstore
        for kind, cls in ENTRY_KINDS.items():
            names: dict[str, URIRef] = {}
            for subject in sorted({q.subject.value for q in union_quads(store, None, _TYPE, to_oxigraph(cls))
                                   if isinstance(q.subject, ox.NamedNode)}):
                names[subject] = URIRef(subject)
                names.setdefault(subject.rsplit("/", 1)[-1], URIRef(subject))
                if kind == "licence":
                    for prop in LICENCE_IDENTIFIERS:
                        for quad in union_quads(store, ox.NamedNode(subject), to_oxigraph(prop)):
                            names.setdefault(quad.object.value, URIRef(subject))
            index[kind] = names
        return index

    def resolve_concept(self, identifier: str) -> URIRef:
        """The IRI of a concept given by IRI, ``scheme/slug``, slug or notation."""
        candidates = self._concept_ids
        if identifier in candidates:
            return candidates[identifier]
        close = difflib.get_close_matches(identifier, candidates, n=3, cutoff=0.6)
        raise UsageError(f"unknown concept {identifier!r}",
                         hint=f"did you mean {', '.join(close)}?" if close else
                         "`railgraph query facet-counts` lists every concept")

    @cached_property
    def _concept_ids(self) -> dict[str, URIRef]:
        candidates: dict[str, URIRef] = {}
        concepts = self._asserted_subjects(_TYPE, to_oxigraph(SKOS.Concept))
        notations = {(q.subject.value, q.object.value) for q in self.oxstore.quads_for_pattern(
            None, to_oxigraph(SKOS.notation), None, ox.DefaultGraph())}
        by_concept: dict[str, list[str]] = {}
        for concept, notation in sorted(notations):
            by_concept.setdefault(concept, []).append(notation)
        for text in sorted(concepts):
            concept = URIRef(text)
            candidates[text] = concept
            candidates["/".join(text.rsplit("/", 2)[-2:])] = concept
            candidates.setdefault(text.rsplit("/", 1)[-1], concept)
            for notation in by_concept.get(text, ()):
                candidates.setdefault(notation, concept)
        return candidates

    def _asserted_subjects(self, predicate: ox.NamedNode, obj: ox.NamedNode) -> set[str]:
        """The IRIs of the subjects of asserted triples (the store's default graph) with
        ``predicate`` and ``obj``."""
        return {q.subject.value for q in self.oxstore.quads_for_pattern(None, predicate, obj, ox.DefaultGraph())
                if isinstance(q.subject, ox.NamedNode)}

    def resolve_any(self, identifier: str) -> URIRef:
        """An entry id, else a concept id (see :meth:`resolve` and :meth:`resolve_concept`)."""
        try:
            return self.resolve(identifier)
        except UsageError as not_an_entry:
            try:
                return self.resolve_concept(identifier)
            except UsageError as not_a_concept:
                hints = [e.hint for e in (not_an_entry, not_a_concept) if e.hint and "did you" in e.hint]
                raise UsageError(f"unknown entry or concept {identifier!r}",
                                 hint=" or ".join(hints) or "give a full IRI") from None

    # -- facets and search ---------------------------------------------------------------------

    @cached_property
    def _facet_index(self) -> facets.FacetIndex:
        """Built from the store (its default graph, the union); with an on-disk store, kept beside
        it and reused while it holds the same sources (the store's digest file names them)."""
        folder = self.settings["store"]
        if not folder or not isinstance(self.store, OxigraphStore):
            return facets.FacetIndex(self.oxstore)
        key = stored_digest(Path(folder).resolve())  # self.store has just built or checked it
        if key is None:
            return facets.FacetIndex(self.oxstore)
        return facets.load_or_build(Path(folder).resolve() / facets.INDEX_FILE, key,
                                    lambda: facets.FacetIndex(self.oxstore))

    def _filters(self, filters: dict[str, list[str]] | None) -> facets.Filters:
        resolved: facets.Filters = {}
        for key, values in (filters or {}).items():
            if key not in facets.FACETS:
                close = difflib.get_close_matches(key, facets.FACETS, n=3, cutoff=0.5)
                raise UsageError(f"unknown facet {key!r}",
                                 hint=f"did you mean {', '.join(close)}?" if close else
                                 f"facets: {', '.join(facets.FACETS)}")
            resolved[key] = [self.resolve_concept(v) for v in values]
        return resolved

    def facets(self, filters: dict[str, list[str]] | None = None) -> dict[str, list[facets.FacetCount]]:
        """Counts per concept for every facet over the tools and metrics matching ``filters``.

        ``filters`` maps a facet (its scheme's name, e.g. ``lifecycle-stage``) to concept ids.
        """
        return self._facet_index.facets(self._filters(filters))

    def search(self, text: str, filters: dict[str, list[str]] | None = None,
               limit: int = 20) -> list[facets.SearchHit]:
        """Tools and metrics ranked by relevance to ``text`` (see :mod:`railgraph.facets`)."""
        return self._facet_index.search(text, self._filters(filters), limit)

    # -- licence reasoning ---------------------------------------------------------------------

    def check_use(self, purpose: str, *, licence: str | None = None,
                  model: str | None = None) -> licensing.UseCheck:
        """May ``model`` (or anything under ``licence``) be used for ``purpose``, and which clauses say no."""
        if (licence is None) == (model is None):
            raise UsageError("give exactly one of a licence or a model")
        subject = self.resolve(model, kind="model") if model else self.resolve(str(licence), kind="licence")
        concept = self.resolve_concept(purpose)
        if str(concept) not in self._asserted_subjects(to_oxigraph(SKOS.inScheme), to_oxigraph(VOCAB["restricted-use"])):
            raise UsageError(f"{purpose!r} is not a restricted use",
                             hint="name a concept of https://w3id.org/railgraph/vocab/restricted-use, "
                                  "e.g. malware-generation or medical-advice")
        return licensing.check_use(self.union(), subject, concept, is_model=model is not None)

    def diff(self, licence_a: str, licence_b: str) -> list[licensing.Difference]:
        """What licence B added, dropped or changed relative to licence A."""
        a = self.resolve(licence_a, kind="licence")
        b = self.resolve(licence_b, kind="licence")
        return licensing.diff(self.union(), a, b)

    # -- export and counts ---------------------------------------------------------------------

    @cached_property
    def jsonld_context(self) -> dict[str, Any]:
        return load_context(self.root / "ontology" / "context.jsonld")

    def export(self, format_name: str, *, inferred: bool = False) -> bytes:
        """The asserted catalogue (or, with ``inferred``, the inferred triples) in a format.

        The dataset formats (N-Quads, TriG) hold every named graph: one per source file and the
        inferred graph, so ``inferred`` does not apply to them.
        """
        return b"".join(self.export_chunks(format_name, inferred=inferred))

    def export_chunks(self, format_name: str, *, inferred: bool = False) -> Chunks:
        """:meth:`export`'s bytes in chunks, not joined: a document assembled from pieces (see
        :mod:`railgraph.export.pieces`) is written from its pieces as they lie in memory."""
        fmt = get_format(format_name)
        if fmt.view:
            if inferred:
                raise UsageError(f"{fmt.name} is a view of the whole catalogue; drop --inferred")
            return [jsonld.dumps(self.framed())]
        if fmt.quads:
            if inferred:
                raise UsageError(f"{fmt.name} holds the inferred graph already; drop --inferred")
            statements: Iterable[ox.Triple | ox.Quad] = self._named_quads()
        elif inferred and fmt.name != "jsonld":  # JSON-LD depends on the context file too
            return [self.inferred_dump(fmt.name).read()]
        elif inferred:
            statements = self.inferred_triples
        elif fmt.name == "nt":  # from pieces kept in the cache while their sources are unchanged
            return pieces.ntriples(self.source_groups, self.file_digests, self.cache_dir())
        elif fmt.name == "ttl":
            return pieces.turtle(self.source_groups, self.file_digests, self.cache_dir(), PREFIXES)
        else:
            document = pieces.jsonld_document(self.source_groups, self.file_digests, self.cache_dir(),
                                              self.jsonld_context) if fmt.name == "jsonld" else None
            if document is not None:
                return document
            statements = (quad for source in self.sources for quad in source.quads)
        return [serialize_statements(statements, fmt, PREFIXES, self.jsonld_context)]

    def inferred_dump(self, format_name: str) -> inference.KeptDump:
        """The inferred triples in a graph format other than JSON-LD, kept in the cache beside
        their closure (see :func:`railgraph.inference.kept_dump`)."""
        fmt = get_format(format_name)
        store = self._reasoned  # inferred (or read back) first: the closure's key names the dump

        def dump() -> bytes:  # N-Triples: the closure as the cache keeps it (see infer_cached)
            if fmt.name != "nt":  # from the sorted lines (cached, or written for the cache)
                return serialize_lines(self.export("nt", inferred=True), fmt, PREFIXES)
            return inference.closure_dump(store, _INFERRED)

        cache = self.cache_dir()

        def stream(out: BinaryIO) -> None:  # into the cache, the sorted lines never all in memory
            assert cache is not None
            if fmt.name == "nt":
                inference.write_closure(store, _INFERRED, out, cache)
                return
            closure = self.inferred_dump("nt")
            if closure.path is None:  # made in memory: the cache could not keep it
                write_sliced(out, serialize_lines(closure.read(), fmt, PREFIXES))
            else:
                write_sliced(out, serialize_sorted_file(closure.path, fmt, PREFIXES))

        return inference.kept_dump(cache, self.inference_key, fmt.extension, dump, stream)

    def _named_quads(self) -> Iterator[ox.Quad]:
        """Each source's triples in its named graph, then the inferred graph's (from the sources,
        whose blank-node labels are stable, not from a store that may have renamed them)."""
        yield from self._source_quads()
        yield from (ox.Quad(t.subject, t.predicate, t.object, _INFERRED) for t in self.inferred_triples)

    def _source_quads(self) -> Iterator[ox.Quad]:
        """Each source's triples in its named graph."""
        for source in self.sources:
            name = ox.NamedNode(str(source.graph_iri))
            yield from (ox.Quad(q.subject, q.predicate, q.object, name) for q in source.quads)

    def serialize(self, graph: Graph, format_name: str) -> bytes:
        """Any graph in one of the graph formats, JSON-LD compacted with the shipped context."""
        return serialize(graph, get_format(format_name), self.jsonld_context)

    def tables(self) -> dict[str, bytes]:
        """The CSV export: one table per class and its CSVW metadata (file name -> bytes)."""
        return render_tables(self)

    def framed(self) -> dict[str, Any]:
        """One object per tool or metric with what it references nested (see ``export.framed``)."""
        frame = jsonld.read_document(self.root / "ontology" / "frames" / "entries.jsonld")
        return framed.framed(self.asserted, self.union(), frame, self.jsonld_context)

    def counts(self, *, statistics: tuple[Statistics, Statistics] | None = None) -> dict[str, Any]:
        """Entries per kind, concepts per scheme, triples, shapes and queries. ``statistics``: the
        VoID counts of the asserted and inferred triples, where a build counted them already
        (see :func:`railgraph.export.catalog.statistics_of`)."""
        store = self.oxstore

        def instances(cls: URIRef) -> int:
            if statistics is not None:  # the inferred graph holds no asserted triple
                return sum(counted.instances.get(cls, (0, 0))[1] for counted in statistics)
            return sum(1 for _ in union_quads(store, None, _TYPE, to_oxigraph(cls)))

        entries = {kind: instances(cls) for kind, cls in ENTRY_KINDS.items()}
        entries["responsible-ai-licence"] = instances(RG.ResponsibleAILicence)
        entries["use-restriction"] = instances(RG.UseRestriction)
        schemes: dict[str, int] = {}
        for scheme in sorted(self._asserted_subjects(_TYPE, to_oxigraph(SKOS.ConceptScheme))):
            schemes[scheme.rsplit("/", 1)[-1]] = len(self._asserted_subjects(to_oxigraph(SKOS.inScheme),
                                                                             ox.NamedNode(scheme)))
        shapes = {s for s in self.shapes.subjects(RDF.type, None)
                  if isinstance(s, URIRef) and self.shapes.value(s, SH.message) is not None}
        if statistics is not None:
            triples = (statistics[0].triples, statistics[1].triples)
        else:
            inferred = count_triples(store, _INFERRED)  # not len(self.inferred_triples): no list of them
            triples = (count_triples(store) - inferred, inferred)
        return {
            "entries": entries,
            "concept_schemes": schemes,
            "triples": {"asserted": triples[0], "inferred": triples[1]},
            "sources": len(self.sources),
            "shapes": len(shapes),
            "named_queries": len(self.queries),
        }


def cache_folder(settings: Settings, root: Path) -> Path | None:
    """Where derived results are remembered: the ``cache_dir`` setting (None for ``none``), else
    ``.railgraph-cache`` in a writable ``root``, else ``~/.cache/railgraph``."""
    setting = settings["cache_dir"]
    if setting == "none":
        return None
    if setting:
        return Path(setting)
    return root / ".railgraph-cache" if os.access(root, os.W_OK) else Path.home() / ".cache" / "railgraph"


def looks_like_sparql(text: str) -> bool:
    """Whether ``text`` is SPARQL rather than the name of a query (names hold no space or brace)."""
    return any(ch.isspace() or ch == "{" for ch in text.strip())


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
