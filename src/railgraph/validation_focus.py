"""pyshacl run on focus nodes found beforehand: on the embedded store, for any part of the data.

pyshacl finds each shape's focus nodes itself and evaluates SPARQL-based targets with rdflib's
SPARQL engine, which takes about half of a validation of the catalogue. Here the focus nodes are
found first, as pyshacl defines them: SPARQL targets (SHACL-AF) and class targets are evaluated by
pyoxigraph, property targets are read from the graph's indexes. pyshacl then validates the data against a
copy of the shapes whose targets are replaced by the ``sh:targetNode`` list found, or by any part
of it (the nodes a change can affect, one share per process). A focus node's results depend on the
data and the shape only, never on which other nodes are validated, so the reports of the parts
add up to the report of the whole.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import re
from collections.abc import Callable, Iterable, Set as AbstractSet

import pyoxigraph as ox
from pyshacl import validate as pyshacl_validate
from pyshacl.consts import SH_SPARQLTarget
from pyshacl.shapes_graph import ShapesGraph
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from . import validation_sparql
from .namespaces import SH
from .store import to_oxigraph, to_rdflib, union_query

#: Focus nodes per shape.
Targets = dict[Node, set[Node]]

TARGET_PREDICATES = (SH.targetNode, SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


def supported(shapes: Graph) -> bool:
    """Whether the focus nodes of ``shapes`` can be found here and the data left untouched.

    Not so for custom target types (only SPARQL targets are evaluated) and for SHACL rules, which
    write to the data graph.
    """
    return (None, SH.rule, None) not in shapes and all(
        (target, SH.select, None) in shapes for target in shapes.objects(None, SH.target))


def canonical(shapes: Graph) -> Graph:
    """A copy of ``shapes`` whose blank-node labels depend on content only, the same in every run.

    It holds the triples pyshacl adds to any shapes graph it reads, so that it is the same copy
    whether or not ``shapes`` has been through pyshacl already.
    """
    complete = Graph()
    complete += shapes
    complete += ShapesGraph.system_triples
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in shapes.namespaces():
        graph.bind(prefix, namespace)
    graph += to_canonical_graph(complete)
    return graph


def digest(shapes: Graph) -> str:
    """A digest of the content of ``shapes`` (with pyshacl's own triples), whatever the labels of
    its blank nodes: each blank node is named by a digest of what it holds, innermost first.

    Blank nodes in a cycle keep their labels, so such shapes get a new digest on every load.
    """
    triples = set(shapes) | set(ShapesGraph.system_triples)
    held: dict[Node, list[tuple[Node, Node]]] = {}
    for s, p, o in triples:
        held.setdefault(s, []).append((p, o))
    names: dict[Node, str] = {}
    opened: set[Node] = set()
    for start in held:
        stack: list[tuple[Node, bool]] = [(start, False)]
        while stack:
            node, ready = stack.pop()
            if not isinstance(node, BNode) or node in names:
                continue
            if ready:
                inner = sorted(f"{p.n3()} {names.get(o, o.n3())}" for p, o in held.get(node, []))
                names[node] = "_:" + hashlib.sha256("\n".join(inner).encode()).hexdigest()
            elif node not in opened:  # an opened node met again is on a cycle
                opened.add(node)
                stack.append((node, True))
                stack.extend((o, False) for _, o in held.get(node, []))
    lines = sorted(f"{names.get(s, s.n3())} {p.n3()} {names.get(o, o.n3())}" for s, p, o in triples)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def load_store(data: Graph) -> ox.Store:
    """``data`` in an in-memory pyoxigraph store (blank nodes keep their labels)."""
    terms: dict[Node, ox.NamedNode | ox.BlankNode | ox.Literal] = {}

    def term(node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        found = terms.get(node)
        if found is None:
            found = terms[node] = to_oxigraph(node)
        return found

    store = ox.Store()
    store.bulk_extend(ox.Quad(term(s), term(p), term(o)) for s, p, o in data)
    return store


def find_targets(data: Graph, shapes: Graph, store: ox.Store, among: AbstractSet[Node] | None = None, *,
                 wanted: Callable[[Node], bool] = lambda shape: True) -> Targets:
    """The focus nodes of every shape that declares targets (of those ``wanted``), as pyshacl
    would find them.

    With ``among`` (the nodes an edit can affect, say), only the focus nodes among them, and every
    literal focus node: the instances of a target class, and the subjects of a target predicate,
    are looked up node by node, and a SPARQL target is asked about those nodes only where that
    gives the same answer (see :func:`_asked_about`); for a few nodes that costs little where
    finding every focus node takes seconds at scale. Objects of a target predicate are found
    all, then kept.
    """
    types = None if among is None else \
        {node: set(data.objects(node, RDF.type)) for node in among if not isinstance(node, Literal)}
    instances: dict[URIRef, set[Node]] = {}  # of a class several shapes target: asked once
    targets: Targets = {}
    for shape in ShapesGraph(shapes).shapes:
        if not wanted(shape.node):
            continue
        nodes, classes, implicit_classes, objects_of, subjects_of = (list(part) for part in shape.target())
        shape.set_advanced(True)
        queries = [spec["qh"] for spec in shape.advanced_target().values() if spec["type"] == SH_SPARQLTarget]
        if not (nodes or classes or implicit_classes or objects_of or subjects_of or queries):
            continue
        found: set[Node] = set(nodes)
        for cls in classes + implicit_classes:  # instances of the class or of any subclass of it
            if types is not None:
                kinds = set(data.transitive_subjects(RDFS.subClassOf, cls))
                found.update(node for node, held in types.items() if not held.isdisjoint(kinds))
            elif isinstance(cls, URIRef):
                if cls not in instances:
                    answer = union_query(store, f"SELECT DISTINCT ?this WHERE {{ ?this a/<{RDFS.subClassOf}>* <{cls}> }}")
                    instances[cls] = {to_rdflib(row["this"]) for row in answer}  # type: ignore[union-attr]
                found.update(instances[cls])
            else:  # a blank node cannot be named in a query
                for each in data.transitive_subjects(RDFS.subClassOf, cls):
                    found.update(data.subjects(RDF.type, each))
        for predicate in subjects_of:
            found.update(data.subjects(predicate, None) if types is None else
                         (node for node in types if (node, predicate, None) in data))
        for predicate in objects_of:
            found.update(data.objects(None, predicate))
        for query in queries:
            text = query.apply_prefixes(query.select_text)
            answer = union_query(store, _asked_about(text, among) if among is not None else text)
            found.update(to_rdflib(row["this"]) for row in answer)
        targets[shape.node] = found if among is None else \
            {node for node in found if node in among or isinstance(node, Literal)}
    return targets


#: Keywords after which a query's answer for some nodes may differ from its whole answer cut
#: down to them (solution modifiers that drop or merge answers), or a trailing ``VALUES`` clause
#: is refused (a ``VALUES`` clause of its own); ``AS ?this`` is looked for apart.
_WHOLE_ANSWER = re.compile(r"LIMIT|OFFSET|VALUES|GROUP|HAVING", re.IGNORECASE)
#: A query's tokens: strings, IRIs, brackets and dots, variables and other words.
_TOKENS = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                     r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>\s]*>|[{}().]|[?$]\w+|[^\s{}().]+')


def _asked_about(select: str, among: AbstractSet[Node]) -> str:
    """A SPARQL target's ``select`` query, for ``among`` only (a ``VALUES`` clause binding
    ``?this``) where its answer is then its whole answer's focus nodes in ``among``: it binds
    ``?this`` to subjects only (see :func:`_binds_this_to_subjects`), holds nothing of
    :data:`_WHOLE_ANSWER`, and ``among`` holds no blank node (which a query cannot name); else as
    it is."""
    tokens = _TOKENS.findall(select)
    if any(_WHOLE_ANSWER.fullmatch(token) or token.upper() == "AS" and tokens[at + 1:at + 2] in (["?this"], ["$this"])
           for at, token in enumerate(tokens)) \
            or not _binds_this_to_subjects(tokens) or any(isinstance(node, BNode) for node in among):
        return select
    return f"{select}\nVALUES ?this {{ {' '.join(str(to_oxigraph(node)) for node in sorted(among))} }}"


def _binds_this_to_subjects(tokens: list[str]) -> bool:
    """Whether the top level of the query's ``WHERE`` group holds a triple whose subject is
    ``?this``: there, after the group's opening brace, a dot, a closing brace or the closing
    parenthesis of a ``FILTER (...)`` or ``BIND (...)``. Every answer then binds ``?this`` to an
    IRI or a blank node, never to a literal, which a ``VALUES`` clause naming nodes would drop."""
    start = next((at for at, token in enumerate(tokens) if token.upper() == "WHERE" and tokens[at + 1:at + 2] == ["{"]),
                 None)
    if start is None:
        return False
    depth, parentheses, previous, opened_by = 0, 0, "", ""
    for token in tokens[start + 1:]:
        if token in ("?this", "$this") and depth == 1 and parentheses == 0 and previous in _BEFORE_A_TRIPLE:
            return True
        depth += {"{": 1, "}": -1}.get(token, 0)
        if depth == 0:
            return False
        if token == "(" and parentheses == 0:
            opened_by = previous.upper()
        parentheses += {"(": 1, ")": -1}.get(token, 0)
        previous = f"{opened_by})" if token == ")" and parentheses == 0 else token
    return False


#: What a triple of a group may follow (a closing parenthesis may end a property path instead).
_BEFORE_A_TRIPLE = frozenset({"{", ".", "}", "FILTER)", "BIND)"})


def run(data: Graph, shapes: Graph, targets: Targets, workers: int = 1,
        answers: validation_sparql.Answers | None = None) -> Graph:
    """pyshacl's report on ``data`` for the focus nodes in ``targets`` only.

    With ``workers`` > 1 the focus nodes are shared out between that many forked processes (they
    inherit ``data`` without copying it) and their reports merged. ``answers`` holds SPARQL
    constraints evaluated ahead (:func:`railgraph.validation_sparql.answer`).
    """
    if answers:
        data = validation_sparql.AnsweringGraph(data, answers)
    parts = [with_targets(shapes, {shape: set(sorted(nodes, key=str)[index::workers])
                                     for shape, nodes in targets.items()})
             for index in range(workers)]
    if workers == 1:
        return _validate(data, parts[0])
    global _FORKED
    _FORKED = (data, parts)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            texts = pool.map(_validate_part, range(workers))
    finally:
        _FORKED = None
    return merge([parse_report(text) for text in texts], shapes)


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def merge(reports: Iterable[Graph], shapes: Graph,
          keep: Callable[[Node | None], bool] = lambda focus: True) -> Graph:
    """One report of the results of ``reports`` whose focus node ``keep`` accepts."""
    merged = Graph(bind_namespaces="core")
    for prefix, namespace in shapes.namespaces():
        merged.bind(prefix, namespace)
    report = BNode()
    conforms = True
    for graph in reports:
        for result in graph.objects(None, SH.result):
            if keep(graph.value(result, SH.focusNode)):
                merged.add((report, SH.result, result))
                _copy_tree(graph, result, merged)
                conforms = conforms and graph.value(result, SH.resultSeverity) in (SH.Warning, SH.Info)
    merged.add((report, RDF.type, SH.ValidationReport))
    merged.add((report, SH.conforms, Literal(conforms)))
    return merged


def parse_report(text: str) -> Graph:
    """A report written as N-Triples, its blank nodes keeping their labels."""
    return Graph().parse(data=text, format="nt", skolemize=True).de_skolemize()


def _copy_tree(graph: Graph, node: Node, into: Graph) -> None:
    """Copy the triples of ``node`` and, recursively, of the blank nodes it points to."""
    todo, seen = [node], {node}
    while todo:
        subject = todo.pop()
        for predicate, obj in graph.predicate_objects(subject):
            into.add((subject, predicate, obj))
            if isinstance(obj, BNode) and obj not in seen:
                seen.add(obj)
                todo.append(obj)


_FORKED: tuple[Graph, list[Graph]] | None = None


def _validate_part(index: int) -> str:
    assert _FORKED is not None
    data, parts = _FORKED
    return _validate(data, parts[index]).serialize(format="nt")


def _validate(data: Graph, shapes: Graph) -> Graph:
    _conforms, report, _text = pyshacl_validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True,
        allow_infos=True, inplace=True)  # in place: nothing is written without SHACL rules
    return report


def with_targets(shapes: Graph, targets: Targets) -> Graph:
    """A copy of ``shapes`` in which each shape of ``targets`` targets exactly those nodes."""
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in shapes.namespaces():
        graph.bind(prefix, namespace)
    graph += shapes
    class_types = {RDFS.Class, *shapes.subjects(RDFS.subClassOf, RDFS.Class)}  # implicit class targets
    for shape, nodes in targets.items():
        for predicate in TARGET_PREDICATES:
            graph.remove((shape, predicate, None))
        for cls in class_types:
            graph.remove((shape, RDF.type, cls))
        for node in nodes:
            graph.add((shape, SH.targetNode, node))
    return graph
