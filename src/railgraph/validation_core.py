"""Core SHACL constraints checked by pyrudof, reported as pyshacl reports them.

pyshacl checks a core constraint (``sh:minCount``, ``sh:pattern``, ...) per focus node in Python;
pyrudof's native engine checks them all in a fraction of the time, a chunk of focus nodes at a
time, each on the triples it reads alone (:func:`read`). Its results are turned into
pyshacl's: the focus node, the source shape and component, the shape's severity, path and
``sh:message`` (pyshacl reports a shape's own messages as they are, untouched) and the value,
found among the focus node and its values along the path. The shapes are shared out: a shape
goes to pyrudof only where both engines agree by construction or by test
(tests/test_validation_core.py):

* its constraints are among :data:`EXACT`, with a ``sh:datatype`` other than ``xsd:string``
  only where the data holds no literal of that datatype that pyshacl finds ill-formed (pyrudof
  accepts ``"2023-13-45"^^xsd:date``; pyshacl does not);
* it has an IRI and a ``sh:message`` (pyshacl words its own message otherwise), no ``sh:sparql``
  (those go to :mod:`railgraph.validation_sparql`) and no ``sh:deactivated``;
* its path is an IRI, an inverse IRI or a sequence of IRIs, and a property shape holds no
  shapes of its own (a node shape's ``sh:property`` shapes are shared out one by one).

Every other shape, and every shape with a focus node that is not an IRI (pyrudof cannot target
one), is left to pyshacl; so is everything where a value cannot be told apart from another.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pyrudof
from pyshacl.constraints.core.value_constraints import DatatypeConstraintComponent
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.extras.shacl import parse_shacl_path
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.term import Node

from . import validation_focus
from .namespaces import SH
from .store import QUERY_GRAPHS, union_quads, union_query
from .terms import to_rdflib

#: Core constraint parameters for which pyrudof reports what pyshacl reports.
EXACT = frozenset({SH.minCount, SH.maxCount, SH.pattern, SH.nodeKind, SH.languageIn, SH.uniqueLang,
                   SH["class"], SH["in"], SH.datatype})

#: Focus nodes pyrudof validates at once, on the data they read: its working memory, and its
#: time per focus node, grow with the focus nodes and the data it holds; below a few hundred,
#: what each chunk costs in Python outweighs that (40,000 focus nodes at 100,000 tools, in
#: processor seconds: 20.9 in chunks of 250, 20.0 of 500, 25.6 of 2,000).
CHUNK = 500
#: pyrudof engines checking chunks at once, each in a thread of its own; all but the first at
#: this niceness, so that they use what time other processes (a build's exports) leave over.
ENGINES = 2
LATER_ENGINES_NICENESS = 10

_TYPE = ox.NamedNode(str(RDF.type))
_SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))

#: Every constraint parameter of SHACL Core and SHACL-SPARQL (``sh:property`` is followed apart).
PARAMETERS = EXACT | frozenset({
    SH.flags, SH.minExclusive, SH.minInclusive, SH.maxExclusive, SH.maxInclusive, SH.minLength,
    SH.maxLength, SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals, SH["not"], SH["and"],
    SH["or"], SH.xone, SH.node, SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount,
    SH.closed, SH.ignoredProperties, SH.hasValue, SH.sparql})

#: Focus nodes per shape.
Targets = dict[Node, set[Node]]


class Unmapped(Exception):
    """A pyrudof result that cannot be told as pyshacl's exactly."""


@dataclass(frozen=True)
class Split:
    """The shapes with targets shared out: ``rudof`` (without targets) checks its shapes for the
    focus nodes in ``rudof_targets``; ``pyshacl`` gets the shapes graph without them and
    ``targets``, in which a shape left nothing to check has none."""

    rudof: Graph | None
    pyshacl: Graph
    targets: Targets
    rudof_targets: Targets = field(default_factory=dict)


def eligible(shapes: Graph, shape: Node, store: ox.Store | None = None, data: Graph | None = None) -> bool:
    """Whether pyrudof checks ``shape`` exactly as pyshacl does (see module doc); a datatype
    other than ``xsd:string`` only when ``store`` holds no ill-formed literal of it; and, with
    ``data``, only where no value is typed ``xsd:string`` explicitly (rdflib tells ``"x"`` from
    ``"x"^^xsd:string``, which pyrudof reads as one term)."""
    parameters = {p for p in shapes.predicates(shape) if p in PARAMETERS}
    last = _last_step(shapes, shape)
    return (isinstance(shape, URIRef) and bool(parameters) and parameters <= EXACT
            and (data is None or last is None or not _typed_strings(data, last))
            and (shape, SH.message, None) in shapes and (shape, SH.deactivated, None) not in shapes
            and all(d == XSD.string or (store is not None and _well_formed(store, d, last))
                    for d in shapes.objects(shape, SH.datatype))
            and _simple_path(shapes, shapes.value(shape, SH.path))
            and not ((shape, SH.path, None) in shapes and (shape, SH.property, None) in shapes))


def split(shapes: Graph, targets: Targets, store: ox.Store | None = None, data: Graph | None = None) -> Split:
    """Share the shapes out between pyrudof and pyshacl (``store`` and ``data`` hold the data).

    A shape with a focus node that is not an IRI stays with pyshacl, with the shapes it holds.
    """
    odd = {shape for shape, nodes in targets.items() if any(not isinstance(n, URIRef) for n in nodes)}
    held = {shape: list(shapes.objects(shape, SH.property)) for shape in targets}
    candidates = {*(s for s in targets if s not in odd), *(p for s in targets if s not in odd for p in held[s])}
    chosen = {s for s in candidates if eligible(shapes, s, store, data)}
    if not chosen:
        return Split(None, shapes, targets)
    rudof = validation_focus.with_targets(shapes, {s: set() for s in targets})
    for s, p, o in shapes:
        if p in PARAMETERS and s not in chosen:
            rudof.remove((s, p, o))
    pyshacl = _copy(shapes)
    for shape, properties in held.items():
        for each in properties:
            if each in chosen and shape not in odd:
                pyshacl.remove((shape, SH.property, each))
    for shape in chosen:
        if not any(shape in held[s] for s in odd):
            for p in EXACT:
                pyshacl.remove((shape, p, None))
    left = {shape: nodes for shape, nodes in targets.items()
            if (shape, SH.property, None) in pyshacl or any(p in PARAMETERS for p in pyshacl.predicates(shape))}
    idle: Targets = {shape: set() for shape in targets if shape not in left}  # no targets for pyshacl to find
    return Split(rudof, pyshacl, {**left, **idle}, {s: n for s, n in targets.items() if s not in odd})


def _copy(shapes: Graph) -> Graph:
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in shapes.namespaces():
        graph.bind(prefix, namespace)
    graph += shapes
    return graph


def run(store: ox.Store, data: Graph, shapes: Graph, targets: Targets) -> Graph:
    """pyrudof's report on the default graph of ``store`` (``data`` in rdflib) for ``shapes``
    (without targets of their own) on the IRIs of ``targets``, as pyshacl would write it."""
    try:
        entries = _validate(store, shapes, targets)
    except pyrudof.RudofError as exc:  # e.g. a construct it does not implement yet
        raise Unmapped(f"pyrudof could not validate: {exc}") from exc
    report = Graph(bind_namespaces="core")
    root = BNode()
    report.add((root, RDF.type, SH.ValidationReport))
    conforms = True
    for entry in entries:
        result = BNode()
        report.add((root, SH.result, result))
        conforms = _result(report, result, entry, data, shapes) and conforms
    report.add((root, SH.conforms, Literal(conforms)))
    return report


def _validate(store: ox.Store, shapes: Graph, targets: Targets) -> list[pyrudof.ShaclValidationEntry]:
    """pyrudof's results for ``shapes`` on the focus nodes of ``targets``, a chunk at a time,
    each chunk checked on the data it reads (see :func:`read`), by :data:`ENGINES` engines at
    once (each in a thread: pyrudof lets go of the GIL while it reads and checks); the results
    come in the chunks' order.

    Each engine reads the shapes and the class hierarchy once. A shape targets the subjects of a
    predicate of its own (:func:`_marked`), and a chunk's data, with a triple of that predicate
    for each of its focus nodes, is read in a staging frame that is rolled back once it is
    checked: reading the shapes again for each chunk, and data into an empty engine, cost about
    0.1 s a chunk each, more than checking a small chunk takes."""
    focus = sorted({node for nodes in targets.values() for node in nodes})
    reader = Reader(store, Paths.of(shapes))
    shapes_text, markers = _marked(shapes, targets)
    chunks = [focus[start:start + CHUNK] for start in range(0, len(focus), CHUNK)]
    lanes = max(1, min(ENGINES, len(chunks)))
    with tempfile.TemporaryDirectory(prefix="railgraph-rudof-") as folder:
        shapes_file, hierarchy_file = Path(folder) / "shapes.nt", Path(folder) / "hierarchy.nt"
        shapes_file.write_bytes(shapes_text)
        ox.serialize(reader.hierarchy, hierarchy_file, ox.RdfFormat.N_TRIPLES)

        def check(lane: int) -> dict[int, list[pyrudof.ShaclValidationEntry]]:
            if lane:
                _lower_priority(LATER_ENGINES_NICENESS)
            engine = pyrudof.Rudof(pyrudof.RudofConfig())
            engine.read_shacl(str(shapes_file), pyrudof.ShaclFormat.NTriples, reader_mode=pyrudof.ReaderMode.Strict)
            engine.read_data(str(hierarchy_file), pyrudof.RDFFormat.NTriples, reader_mode=pyrudof.ReaderMode.Strict)
            data_file = Path(folder) / f"data-{lane}.nt"
            found: dict[int, list[pyrudof.ShaclValidationEntry]] = {}
            for number in range(lane, len(chunks), lanes):
                chunk = chunks[number]
                with data_file.open("wb") as stream:
                    ox.serialize(reader.read(chunk), stream, ox.RdfFormat.N_TRIPLES)
                    stream.writelines(line for node in chunk for line in markers[node])
                engine.begin_staging()
                try:
                    engine.read_data(str(data_file), pyrudof.RDFFormat.NTriples,
                                     reader_mode=pyrudof.ReaderMode.Strict, merge=True)
                    found[number] = list(engine.validate_shacl())
                finally:
                    engine.rollback_staging()
            return found

        with ThreadPoolExecutor(max_workers=lanes, thread_name_prefix="railgraph-rudof-lane") as pool:
            by_chunk = {number: found for each in pool.map(check, range(lanes)) for number, found in each.items()}
    return [entry for number in sorted(by_chunk) for entry in by_chunk[number]]


#: The predicates that mark a shape's focus nodes in the data pyrudof reads: one per shape,
#: numbered, in a namespace no path of the shapes may follow.
_MARKER = "urn:railgraph:rudof-focus:"


def _marked(shapes: Graph, targets: Targets) -> tuple[bytes, dict[Node, list[bytes]]]:
    """``shapes`` as N-Triples, each shape of ``targets`` targeting the subjects of a marker
    predicate of its own (``sh:targetSubjectsOf``); and, for each focus node, the triples that
    mark it as a focus node of its shapes."""
    text = shapes.serialize(format="nt", encoding="utf-8")
    lines, markers = [text], {}
    for number, (shape, nodes) in enumerate(targets.items()):
        marker = f"<{_MARKER}{number}>"
        lines.append(f"{shape.n3()} <{SH.targetSubjectsOf}> {marker} .\n".encode())
        for node in nodes:
            markers.setdefault(node, []).append(f"{node.n3()} {marker} \"\" .\n".encode())
    return b"".join(lines), markers


def _lower_priority(niceness: int) -> None:
    """Give the calling thread ``niceness`` where that is nicer than it runs at (Linux gives each
    thread its own; elsewhere the whole process would change, so nothing is done). The thread
    ends with the check."""
    if sys.platform.startswith("linux"):
        thread = threading.get_native_id()
        try:
            if os.getpriority(os.PRIO_PROCESS, thread) < niceness:
                os.setpriority(os.PRIO_PROCESS, thread, niceness)
        except OSError:
            pass  # not allowed here: the engine runs as it is


#: A path as the steps pyrudof follows: each a predicate and whether it is followed backwards.
Step = tuple[ox.NamedNode, bool]


@dataclass(frozen=True)
class Paths:
    """What checking some shapes reads from the data: the paths of their property shapes, by
    first step, each with the steps after it and whether ``sh:class`` checks the types of the
    values at its end; and whether a node shape checks the class of its focus nodes."""

    first: dict[Step, list[tuple[tuple[ox.NamedNode, ...], bool]]]
    own_types: bool

    @classmethod
    def of(cls, shapes: Graph) -> Paths:
        first: dict[Step, list[tuple[tuple[ox.NamedNode, ...], bool]]] = {}
        own_types = False
        for shape in set(shapes.subjects(SH.path, None)) | set(shapes.subjects(SH["class"], None)):
            typed = (shape, SH["class"], None) in shapes
            path = shapes.value(shape, SH.path)
            if path is None:
                own_types = own_types or typed
                continue
            if not _simple_path(shapes, path):
                continue  # left to pyshacl (see eligible)
            inverse = shapes.value(path, SH.inversePath) if not isinstance(path, URIRef) else None
            steps = [ox.NamedNode(str(step)) for step in ([inverse] if inverse is not None else _steps(shapes, path))]
            first.setdefault((steps[0], inverse is not None), []).append((tuple(steps[1:]), typed))
        return cls(first, own_types)


class Reader:
    """What checking shapes with some :class:`Paths` reads from the asserted and inferred
    triples of a store, for a chunk of focus nodes at a time (see :meth:`read`).

    Found once for every chunk: the class hierarchy, and the triples of the predicates that
    paths follow backwards, by their objects (at 10,000 tools, a thousand triples; looked up
    per focus node, they were ten calls into the store each). Used by several threads at once:
    nothing changes after it is made."""

    def __init__(self, store: ox.Store, paths: Paths) -> None:
        self._store = store
        self._own_types = paths.own_types
        # each way once: a predicate many shapes check is followed once per distinct way
        self._forward = {predicate: tuple(dict.fromkeys(ways))
                         for (predicate, backwards), ways in paths.first.items() if not backwards}
        self._backward = {predicate: tuple(dict.fromkeys(ways))
                          for (predicate, backwards), ways in paths.first.items() if backwards}
        #: the class hierarchy, which every chunk's checks read
        self.hierarchy = sorted({quad.triple for quad in union_quads(store, None, _SUBCLASS)}, key=str)
        self._pointing: dict[tuple[ox.NamedNode, object], list[ox.Quad]] = {}
        for predicate in self._backward:
            for quad in union_quads(store, None, predicate):
                self._pointing.setdefault((predicate, quad.object), []).append(quad)

    def read(self, focus: Iterable[URIRef]) -> set[ox.Triple]:
        """The triples checking the shapes on ``focus`` reads: those along the paths from each
        focus node, and the types of the values (and, where a node shape checks it, of the focus
        nodes) that ``sh:class`` checks; with :attr:`hierarchy`, read once, nothing else:
        pyrudof's time per focus node grows with the data it holds."""
        found: set[ox.Triple] = set()
        typed: set[ox.NamedNode | ox.BlankNode] = set()
        quads_for = self._store.quads_for_pattern
        forward, pointing = self._forward.get, self._pointing.get

        def walk(value: ox.NamedNode | ox.BlankNode | ox.Literal, rest: tuple[ox.NamedNode, ...],
                 checks_class: bool) -> None:
            if isinstance(value, ox.Literal):
                return
            if not rest:
                if checks_class:
                    typed.add(value)
                return
            for graph in QUERY_GRAPHS:
                for quad in quads_for(value, rest[0], None, graph):
                    found.add(quad.triple)
                    walk(quad.object, rest[1:], checks_class)

        for node in focus:
            subject = ox.NamedNode(str(node))
            if self._own_types:
                typed.add(subject)
            for graph in QUERY_GRAPHS:  # not union_quads: its generator cost more than the loop (60 quads a node)
                for quad in quads_for(subject, None, None, graph):
                    ways = forward(quad.predicate)
                    if ways:
                        found.add(quad.triple)
                        for rest, checks_class in ways:
                            walk(quad.object, rest, checks_class)
            for predicate, ways in self._backward.items():
                for quad in pointing((predicate, subject), ()):
                    found.add(quad.triple)
                    for rest, checks_class in ways:
                        walk(quad.subject, rest, checks_class)
        for value in typed:
            found.update(quad.triple for quad in union_quads(self._store, value, _TYPE))
        return found


def _steps(shapes: Graph, path: Node) -> list[URIRef]:
    """The predicates a path follows: itself, the one it inverts, or the IRI steps of a sequence
    (none for the paths pyrudof is not given, see :func:`_simple_path`)."""
    if isinstance(path, URIRef):
        return [path]
    inverse = shapes.value(path, SH.inversePath)
    steps = [inverse] if inverse is not None else list(shapes.items(path))
    return [step for step in steps if isinstance(step, URIRef)]


def _result(report: Graph, result: BNode, entry: pyrudof.ShaclValidationEntry, data: Graph,
            shapes: Graph) -> bool:
    """Write ``entry`` as pyshacl's result; whether it is only a warning or info."""
    shape, focus = URIRef(entry.source_shape), URIRef(entry.focus_node)
    severity = shapes.value(shape, SH.severity) or SH.Violation
    path = shapes.value(shape, SH.path)
    report.add((result, RDF.type, SH.ValidationResult))
    report.add((result, SH.sourceConstraintComponent, URIRef(entry.constraint_component)))
    report.add((result, SH.sourceShape, shape))
    report.add((result, SH.resultSeverity, severity))
    report.add((result, SH.focusNode, focus))
    if entry.value is not None:
        value = _value(entry.value, focus, path, data, shapes)
        report.add((result, SH.value, value))
        _copy_tree(data, value, report)  # pyshacl copies a blank value with what it holds
    if path is not None:
        report.add((result, SH.resultPath, path))
        _copy_tree(shapes, path, report)
    for message in shapes.objects(shape, SH.message):
        report.add((result, SH.resultMessage, message))
    return severity in (SH.Warning, SH.Info)


def _value(text: str, focus: URIRef, path: Node | None, data: Graph, shapes: Graph) -> Node:
    """The node pyrudof writes as ``text``: the focus node or one of its values along ``path``."""
    candidates: Iterable[Node] = [focus]
    if path is not None:
        candidates = [focus, *data.objects(focus, parse_shacl_path(shapes, path))]  # type: ignore[arg-type]
    found = {node for node in candidates if _written(node, text)}
    if len(found) != 1:
        raise Unmapped(f"pyrudof's value {text} names {len(found)} nodes")
    return found.pop()


def _written(node: Node, text: str) -> bool:
    """Whether pyrudof may write ``node`` as ``text``."""
    if isinstance(node, URIRef):
        return text == str(node)
    if isinstance(node, BNode):
        return text == f"_:{node}"
    if isinstance(node, Literal):
        quoted = f'"{node}"'
        if node.language:
            return text == f"{quoted}@{node.language}"
        if node.datatype in (None, XSD.string):
            return text == quoted or text.startswith(quoted + "^^")
        return text.startswith(quoted + "^^") or text == str(node) or _same_value(text, node)
    return False


def _well_formed(store: ox.Store, datatype: Node, predicate: Node | None) -> bool:
    """Whether every literal typed ``datatype`` that is an object of ``predicate`` (of any
    predicate when None) in ``store`` is one pyshacl accepts as such."""
    if datatype in (RDF.langString, RDFS.Literal, RDFS.Datatype):  # pyshacl's special cases
        return False
    verb = "?p" if predicate is None else f"<{predicate}>"
    found = union_query(store, f"SELECT DISTINCT ?o WHERE {{ ?s {verb} ?o FILTER (DATATYPE(?o) = <{datatype}>) }}")
    assert isinstance(found, ox.QuerySolutions)
    return all(_accepted(to_rdflib(row["o"]), URIRef(str(datatype))) for row in found)


def _typed_strings(data: Graph, predicate: Node) -> bool:
    return any(isinstance(o, Literal) and o.datatype == XSD.string for o in data.objects(None, predicate))  # type: ignore[arg-type]


def _last_step(shapes: Graph, shape: Node) -> Node | None:
    """The predicate whose objects are the values of ``shape``: its path or the path's last step
    (None for an inverse path, whose values are subjects, and for a node shape)."""
    path = shapes.value(shape, SH.path)
    if path is None or isinstance(path, URIRef):
        return path
    steps = list(shapes.items(path))
    return steps[-1] if steps else None


def _accepted(value: Node | None, datatype: URIRef) -> bool:
    """pyshacl's own test of a literal of the constraint's datatype."""
    if not isinstance(value, Literal) or getattr(value, "ill_typed", None) is True:
        return False
    return bool(DatatypeConstraintComponent._assert_actual_datatype(None, value, datatype))  # type: ignore[arg-type]


def _same_value(text: str, node: Literal) -> bool:
    """Whether ``text`` is a value pyrudof writes bare (a date-time, a boolean) equal to ``node``'s."""
    try:
        return bool(Literal(text, datatype=node.datatype).eq(node))
    except (TypeError, ValueError):
        return False


def _simple_path(shapes: Graph, path: Node | None) -> bool:
    if path is None or isinstance(path, URIRef):
        return True
    inverse = shapes.value(path, SH.inversePath)
    if inverse is not None:
        return isinstance(inverse, URIRef) and len(set(shapes.predicate_objects(path))) == 1
    steps = list(shapes.items(path))
    return bool(steps) and all(isinstance(s, URIRef) for s in steps)


def _copy_tree(graph: Graph, node: Node, into: Graph) -> None:
    todo, seen = [node], {node}
    while todo:
        subject = todo.pop()
        if not isinstance(subject, BNode):
            continue
        for predicate, obj in graph.predicate_objects(subject):
            into.add((subject, predicate, obj))
            if isinstance(obj, BNode) and obj not in seen:
                seen.add(obj)
                todo.append(obj)
