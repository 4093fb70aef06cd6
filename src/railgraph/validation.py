"""SHACL validation with pyshacl, reported as data.

pyshacl runs on the union of the asserted and inferred triples (inference is railgraph's own, kept
in its named graph, so pyshacl runs none of its own). Its results graph is turned into
:class:`ValidationResult` records that name the focus node, the shape and the source file.

:func:`validate` is the reference: one plain pyshacl run. :func:`validate_fast` gives the same
report cheaply: focus nodes found on the embedded store (:mod:`railgraph.validation_focus`), core
constraints checked by pyrudof (:mod:`railgraph.validation_core`), SPARQL constraints evaluated
once for all focus nodes on the store (:mod:`railgraph.validation_sparql`), what is left to
pyshacl shared out between processes, and reports remembered by content and brought up to date
after a change (:mod:`railgraph.validation_cache`).
"""

from __future__ import annotations

import enum
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pyshacl
from pyshacl import validate as pyshacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.extras.shacl import parse_shacl_path
from rdflib.term import Node

from . import store_graph, validation_cache, validation_core, validation_focus, validation_sparql
from .errors import ShapesError
from .namespaces import SH
from .store import QUERY_GRAPHS


class Severity(str, enum.Enum):
    """SHACL severities, worst first."""

    VIOLATION = "Violation"
    WARNING = "Warning"
    INFO = "Info"


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, located where possible."""

    severity: Severity
    focus_node: str
    shape: str
    message: str
    path: str | None = None
    value: str | None = None
    file: str | None = None
    line: int | None = None

    def location(self) -> str:
        if self.file is None:
            return self.focus_node
        return f"{self.file}:{self.line}" if self.line else self.file

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


@dataclass
class ValidationReport:
    """The outcome of validating the catalogue: conforming unless it holds a violation."""

    results: list[ValidationResult] = field(default_factory=list)
    graph: Graph | None = None

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity is Severity.VIOLATION]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity is Severity.WARNING]

    @property
    def conforms(self) -> bool:
        return not self.violations

    def to_json(self) -> str:
        return json.dumps({"conforms": self.conforms,
                           "violations": len(self.violations),
                           "warnings": len(self.warnings),
                           "results": [r.to_dict() for r in self.results]}, indent=2)

    def to_text(self) -> str:
        lines = [f"{r.severity.value}: {r.location()}: {r.message}\n"
                 f"    focus: <{r.focus_node}>  shape: <{r.shape}>"
                 + (f"  path: {r.path}" if r.path else "")
                 + (f"  value: {r.value}" if r.value else "")
                 for r in self.results]
        verdict = "conforms" if self.conforms else "does not conform"
        lines.append(f"{verdict}: {len(self.violations)} violation(s), {len(self.warnings)} warning(s)")
        return "\n".join(lines)


_SEVERITIES = {SH.Violation: Severity.VIOLATION, SH.Warning: Severity.WARNING, SH.Info: Severity.INFO}


Locator = Callable[[Node], tuple[str, int | None] | None]

#: Focus nodes (summed over shapes) from which validating in two processes pays.
PARALLEL_FROM = 2000

#: Focus nodes from which handing core constraints to pyrudof pays: it reads the data afresh, so
#: a few nodes (an incremental run) are checked sooner by pyshacl. Both give the same report.
RUDOF_FROM = 2000

#: Nodes an edit may affect below which their focus nodes are looked up node by node (about
#: 25 µs each) rather than all found and filtered (0.9 s at 10,000 tools, 10 s at 100,000).
LOOKED_UP_BELOW = 10_000


def validate(data: Graph, shapes: Graph, locate: Locator | None = None) -> ValidationReport:
    """Validate ``data`` against ``shapes``; ``locate`` gives the (file, line) defining a node."""
    with _applying_shapes():
        _conforms, results_graph, _text = pyshacl_validate(
            data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True,
            allow_infos=True)
    return report_of(results_graph, locate)


def validate_fast(data: Graph, shapes: Graph, locate: Locator | None = None, *,
                  cache_dir: Path | None = None, source_digest: str | None = None,
                  inferred_key: str | None = None, workers: int | None = None, store: ox.Store | None = None,
                  parts: Sequence[validation_cache.Part] = (),
                  fingerprints: Mapping[str, validation_cache.Fingerprints] | None = None) -> ValidationReport:
    """The report of :func:`validate`, made cheap.

    With ``cache_dir``, the report is remembered and read back while the data and shapes are
    unchanged; after a change only the focus nodes it can affect are validated again.
    ``source_digest`` names the data (e.g. :meth:`railgraph.catalogue.Catalogue.source_digest`)
    so that unchanged data is recognised without reading it; with its triples counted, unless
    ``inferred_key`` names what was inferred from it (the key the closure is cached under: at
    100,000 tools, counting took 2 s). ``workers`` processes share the
    focus nodes; by default two where the machine has them and the work is large enough to pay.
    ``store`` may hold ``data`` already: a pyoxigraph store whose default and inferred graphs
    (:data:`~railgraph.store.QUERY_GRAPHS`) hold ``data``, its blank nodes labelled alike (as
    :func:`railgraph.validation_focus.load_store` makes it).
    ``parts`` split the data into graphs whose fingerprints are remembered by their keys (the
    sources), so that after a change only the changed ones are read again, and graphs kept apart
    in the cache (the inferred graph, see :class:`railgraph.validation_cache.Kept`), of which
    only the lines that changed are read; without them the asserted and inferred triples of
    ``store`` are one part, read every time. ``fingerprints`` are those of parts made ahead, by
    their keys (see :meth:`railgraph.catalogue.Catalogue.source_fingerprints`): they are not made
    again.
    Shapes whose targets cannot be found ahead (custom target types, SHACL rules) get
    :func:`validate`.
    """
    if not validation_focus.supported(shapes):
        return validate(data, shapes, locate)
    with _applying_shapes():
        shapes_key = _digest(str(validation_cache.FORMAT), pyshacl.__version__,
                             validation_focus.digest(shapes))
        data_key = _digest(source_digest, inferred_key or str(len(data))) if source_digest else None
        snapshot = validation_cache.read(cache_dir, shapes_key, data_key) if cache_dir and data_key else None
        if snapshot is not None:
            graph = validation_focus.parse_report(snapshot.report)
        else:
            canonical = validation_focus.canonical(shapes)
            store = validation_focus.load_store(data) if store is None else store
            schema = validation_cache.schema_digest(data)
            latest = validation_cache.read(cache_dir, shapes_key) if cache_dir else None
            base = latest if latest is not None and latest.schema == schema else None
            parts = parts or [(None, lambda: (line for graph in QUERY_GRAPHS
                                              for line in validation_cache.dumped(store, graph)))]
            # pyrudof works in a thread of its own: it lets go of the GIL, so pyshacl goes on beside it
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="railgraph-rudof") as rudof:
                find = partial(validation_focus.find_targets, data, canonical, store)
                if cache_dir is None:
                    graph, _ = _check(data, store, canonical, *_found_in_turn(canonical, find), workers, rudof)
                else:
                    known = {**(latest.parts if latest else {}), **(fingerprints or {})}
                    if fingerprints is not None and any(isinstance(part, tuple) and part[0] not in known
                                                        for part in parts):
                        # made against the latest snapshot of any shapes (after a change of shapes)
                        known = {**validation_cache.latest_parts(cache_dir), **known}
                    graph = _validate_changes(data, canonical, store, find, workers, rudof, base, parts,
                                              known, schema, cache_dir, shapes_key, data_key)
    return report_of(graph, locate)


def report_of(results_graph: Graph, locate: Locator | None = None) -> ValidationReport:
    """A pyshacl results graph as a :class:`ValidationReport`."""
    results = [_result(results_graph, node, locate or (lambda node: None))
               for node in results_graph.objects(predicate=SH.result)]  # nested sh:detail are not results
    results.sort(key=lambda r: (list(Severity).index(r.severity), r.file or "", r.line or 0,
                                r.focus_node, r.shape))
    return ValidationReport(results, results_graph)


def _validate_changes(data: Graph, shapes: Graph, store: ox.Store, find: Callable[..., validation_focus.Targets],
                      workers: int | None, rudof: ThreadPoolExecutor, base: validation_cache.Snapshot | None,
                      parts: Sequence[validation_cache.Part], known: dict[str, validation_cache.Fingerprints],
                      schema: str, cache_dir: Path, shapes_key: str, data_key: str | None) -> Graph:
    """The report of ``data``: the ``base`` snapshot's, with what changed since validated again.

    Everything is validated without a snapshot of the same schema (the one the shapes read), or
    when a kept part's former state is gone. The new state, with the fingerprints of each part
    of the data (those ``known`` by key are not made again), is remembered. ``find`` finds the
    focus nodes (:func:`railgraph.validation_focus.find_targets`, its data given), after a
    change only among those the change can affect, where they are few.
    """
    fingerprint = partial(validation_cache.fingerprints_of, parts, known)
    changes = validation_cache.kept_changes(parts, base.parts) if base is not None else None
    if base is None or changes is None:  # the parts are fingerprinted while pyrudof works
        graph, fingerprints = _check(data, store, shapes, *_found_in_turn(shapes, find), workers, rudof,
                                     meanwhile=fingerprint)
    else:
        fingerprints = fingerprint()
        lost, gained = changes
        before, after = validation_cache.differing(base.parts, fingerprints)
        redo = validation_cache.affected(data, validation_cache.merged([*before, lost]),
                                         validation_cache.merged([*after, gained]))
        targets = find(redo if len(redo) < LOOKED_UP_BELOW else None)

        def stale(node: Node | None) -> bool:  # literal focus nodes have no fingerprint
            return node in redo or isinstance(node, Literal)

        targets = {shape: {node for node in found if stale(node)} for shape, found in targets.items()}
        kept = validation_focus.merge([validation_focus.parse_report(base.report)], shapes,
                                      keep=lambda focus: not stale(focus))
        graph = validation_focus.merge(
            [kept, _check(data, store, shapes, targets, dict, workers, rudof)[0]], shapes)
    if data_key is None:  # named by its content (a kept part's by its key)
        nodes = validation_cache.merged(fingerprints.values())
        data_key = _digest(*(f"{n} {s} {o}" for n, (s, o) in sorted(nodes.items())), *sorted(fingerprints))
    validation_cache.write(cache_dir, shapes_key, validation_cache.Snapshot(
        data_key, schema, fingerprints, graph.serialize(format="nt")))
    return graph


def _found_in_turn(shapes: Graph, find: Callable[..., validation_focus.Targets]
                   ) -> tuple[validation_focus.Targets, Callable[[], validation_focus.Targets]]:
    """Every focus node, found by ``find`` in two turns: those of the shapes pyrudof may check
    now (with no nodes yet for the others, see :func:`_for_pyshacl_alone`), and a call that finds
    the others' (at 100,000 tools their SPARQL targets take about 10 s, which :func:`_check`
    spends while pyrudof works)."""
    later = _for_pyshacl_alone(shapes)
    targets = find(wanted=lambda shape: shape not in later)
    return {**targets, **{shape: set() for shape in later}}, lambda: find(wanted=later.__contains__)


def _for_pyshacl_alone(shapes: Graph) -> set[Node]:
    """The shapes with a SPARQL target of which pyrudof can check nothing: neither they nor the
    property shapes they hold have a constraint of :data:`railgraph.validation_core.EXACT`."""
    return {shape for shape in set(shapes.subjects(SH.target, None))
            if not any(parameter in validation_core.EXACT
                       for each in (shape, *shapes.objects(shape, SH.property))
                       for parameter in shapes.predicates(each))}


def _check(data: Graph, store: ox.Store, shapes: Graph, targets: validation_focus.Targets,
           later: Callable[[], validation_focus.Targets], workers: int | None, rudof: ThreadPoolExecutor,
           meanwhile: Callable[[], Any] = lambda: None) -> tuple[Graph, Any]:
    """The report on the focus nodes in ``targets`` and those ``later`` finds (of shapes that
    pyrudof checks nothing of, in ``targets`` with no nodes yet): core constraints that pyrudof
    checks exactly by pyrudof (:mod:`railgraph.validation_core`), the rest by pyshacl, its
    SPARQL constraints evaluated ahead on ``store`` (:mod:`railgraph.validation_sparql`); and
    what ``meanwhile`` gives, run while pyrudof works.

    pyrudof works in ``rudof``'s thread beside ``later``, pyshacl and ``meanwhile``; pyshacl
    then stays in this process (no fork beside a running thread).
    """
    many = len(set().union(*targets.values())) >= RUDOF_FROM
    typed = None if store_graph.reads(data, store) else data  # where "x"^^xsd:string may differ from "x"
    part = validation_core.split(shapes, targets, store, typed) if many else validation_core.Split(None, shapes, targets)
    core = rudof.submit(validation_core.run, store, data, part.rudof, part.rudof_targets) if part.rudof else None
    found = later()
    targets = {**targets, **found}
    part = replace(part, targets={**part.targets, **found})
    if core is None:
        rudof.shutdown()  # pyshacl may fork next, and nothing should fork beside a thread
        return _by_pyshacl(data, store, part, _workers(workers, part.targets)), meanwhile()
    rest = _by_pyshacl(data, store, part, 1)
    beside = meanwhile()
    try:
        return validation_focus.merge([core.result(), rest], shapes), beside
    except validation_core.Unmapped:
        rudof.shutdown()
        whole = validation_core.Split(None, shapes, targets)
        return _by_pyshacl(data, store, whole, _workers(workers, targets)), beside


def _by_pyshacl(data: Graph, store: ox.Store, part: validation_core.Split, workers: int) -> Graph:
    answers = validation_sparql.answer(store, data, part.pyshacl, part.targets)
    return validation_focus.run(data, part.pyshacl, part.targets, workers, answers)


@contextmanager
def _applying_shapes() -> Iterator[None]:
    try:
        yield
    except Exception as exc:  # pyshacl reports broken shapes with several exception types
        raise ShapesError(f"the SHACL shapes could not be applied: {exc}",
                          hint="check shapes/*.ttl with `railgraph validate --debug`") from exc


def _workers(requested: int | None, targets: validation_focus.Targets) -> int:
    if requested is not None:
        return requested
    size = sum(len(nodes) for nodes in targets.values())
    parallel = size >= PARALLEL_FROM and (os.cpu_count() or 1) >= 2 and validation_focus.can_fork()
    return 2 if parallel else 1


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _result(graph: Graph, node: Node, locate: Locator) -> ValidationResult:
    def one(predicate: URIRef) -> Node | None:
        return graph.value(node, predicate)

    focus = one(SH.focusNode)
    shape = one(SH.sourceShape)
    messages = sorted(str(m) for m in graph.objects(node, SH.resultMessage))
    path = one(SH.resultPath)
    value = one(SH.value)
    file, line = (locate(focus) if focus is not None else None) or (None, None)
    return ValidationResult(
        severity=_SEVERITIES.get(one(SH.resultSeverity), Severity.VIOLATION),  # type: ignore[arg-type]
        focus_node=str(focus),
        shape=str(shape),
        message=messages[0] if messages else "constraint not met",
        path=_path(graph, path),
        value=_n3(value),
        file=file,
        line=line,
    )


def _path(graph: Graph, node: Node | None) -> str | None:
    """A result path: its IRI, or a SPARQL property path such as ``^<...prohibition>``."""
    if node is None or isinstance(node, URIRef):
        return _n3(node)
    return parse_shacl_path(graph, node).n3()  # type: ignore[arg-type]


def _n3(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, Literal):
        return node.n3()
    return str(node) if isinstance(node, URIRef) else node.n3()
