"""SHACL-SPARQL constraints evaluated set-wise on the embedded store, and answered to pyshacl.

pyshacl evaluates a SPARQL constraint once per focus node with rdflib's SPARQL engine, ``$this``
pre-bound to the node: that is where its time goes. Here each constraint runs once on pyoxigraph
for all its focus nodes, ``$this`` (and ``$currentShape``) joined with them by a ``VALUES`` block
opening the query's ``WHERE`` group. pyshacl then validates as usual, on an
:class:`AnsweringGraph`: the data graph, whose ``query`` answers each of pyshacl's per-node
queries from those results. pyshacl itself still builds the report (messages and their
``{$this}``/``{?var}`` templates, result paths and values, ``$PATH``, ``sh:prefixes``,
de-duplication), so only the evaluation of the query moves.

A variable joined at the top gives what pre-binding gives only where the query reads ``$this``
where the join has bound it. :func:`setwise` checks the query's syntax for that: ``$this`` may
appear in triple patterns anywhere, and in expressions only in the filters and binds of the
``WHERE`` group itself (the bodies of their ``EXISTS`` may use it in triple patterns); no
sub-select, ``VALUES``, ``MINUS``, ``SERVICE``, ``GRAPH``, ``OPTIONAL`` reading ``$this``,
grouping, ordering or slicing; ``$this`` is projected. Any other query, a blank focus node (it
cannot be written in a query), a literal one and a focus node not given ahead are left to
rdflib, per node, as pyshacl does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from pyparsing import ParseException, ParseResults
from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
from pyshacl.shapes_graph import ShapesGraph
from rdflib import Graph, Literal, URIRef, Variable
from rdflib.namespace import XSD
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.query import Result
from rdflib.term import Node

from . import store_graph
from .namespaces import SH
from .store import union_query
from .terms import to_oxigraph, to_rdflib

#: Variables pyshacl pre-binds that a set-wise query joins with VALUES.
PREBOUND = ("this", "currentShape")

#: Solutions: per row, the value of each bound variable.
Rows = list[dict[Variable, Node]]

_HEAD = re.compile(r"^\s*SELECT\s+(?:DISTINCT\s+|REDUCED\s+)?(?:[?$]\w+\s*)+(?:WHERE\s*)?\{",
                   re.IGNORECASE)
_PREFIX_LINE = re.compile(r"^PREFIX [^\s:]*: <[^>]*>$")


@dataclass
class Answer:
    """The solutions of one pyshacl query, per focus node it was evaluated for."""

    variables: list[Variable]
    rows: dict[Node, Rows] = field(default_factory=dict)


#: Per query key (see :func:`key`).
Answers = dict[tuple[str, Node | None], Answer]


def setwise(select_text: str) -> bool:
    """Whether ``select_text`` (its ``$PATH`` substituted) may run set-wise (see module doc)."""
    if not _HEAD.match(select_text) or "#" in select_text[: select_text.index("{")]:
        return False
    try:
        query = parseQuery(select_text)[1]
    except ParseException:
        return False
    if query.name != "SelectQuery" or any(
            part in query for part in
            ("groupby", "having", "orderby", "limitoffset", "datasetClause", "valuesClause")):
        return False
    projection = query["projection"] if "projection" in query else []  # CompValue.get returns the key
    if any("var" not in p or "evar" in p for p in projection) or \
            Variable("this") not in [p["var"] for p in projection]:
        return False
    return _top(query["where"])


def key(text: str, current_shape: Node | None) -> tuple[str, Node | None]:
    """A query as pyshacl sends it, its ``PREFIX`` lines in a fixed order."""
    lines = text.split("\n")
    count = 0
    while count < len(lines) and _PREFIX_LINE.match(lines[count]):
        count += 1
    return "\n".join(sorted(lines[:count]) + lines[count:]), current_shape


def answer(store: ox.Store, data: Graph, shapes: Graph, targets: Mapping[Node, Iterable[Node]]) -> Answers:
    """Every set-wise SPARQL constraint of ``shapes`` evaluated for its focus nodes in ``targets``
    on ``store``, which holds ``data``.

    A shape's focus nodes are those of ``targets`` for it, or for a shape that holds it through
    ``sh:property`` (a property shape's SPARQL constraint reads the focus node as ``$this``).
    pyoxigraph does not tell ``"x"`` from ``"x"^^xsd:string``, which rdflib keeps apart: a query
    answering a string that ``data`` also holds typed is left to rdflib.
    """
    focus: dict[Node, set[Node]] = {}
    for shape, nodes in targets.items():
        for each in (shape, *shapes.objects(shape, SH.property)):
            focus.setdefault(each, set()).update(n for n in nodes if isinstance(n, URIRef))
    answers: Answers = {}
    for shape in ShapesGraph(shapes).shapes:
        nodes = focus.get(shape.node)
        if not nodes or not isinstance(shape.node, URIRef):
            continue
        for constraint in shape.objects(SH.sparql):
            select = shapes.value(constraint, SH.select)
            if select is None or (constraint, SH.deactivated, None) in shapes:
                continue
            helper = SPARQLQueryHelper(shape, constraint, str(select))
            helper.collect_prefixes()
            try:
                binds, text = helper.pre_bind_variables(next(iter(nodes)))
            except Exception:  # pyshacl rejects the query: leave it to pyshacl to say so
                continue
            if not setwise(text):
                continue
            current = shape.node if "currentShape" in binds else None
            found = answers.setdefault(key(helper.apply_prefixes(text), current), Answer([]))
            _run(store, helper.apply_prefixes(_with_values(text, nodes, current)), nodes, found)
    if store_graph.reads(data, store):  # no typed string to tell apart
        return answers
    return {k: found for k, found in answers.items() if not _typed_strings(found, data)}


class AnsweringGraph(Graph):
    """``data`` (sharing its store) whose per-node SPARQL queries are answered from ``answers``."""

    def __init__(self, data: Graph, answers: Answers) -> None:
        super().__init__(store=data.store, identifier=data.identifier,
                         namespace_manager=data.namespace_manager)
        self.answers = answers
        self._data = data

    def __bool__(self) -> bool:
        """``data``'s truth (a store's view finds one triple): rdflib's counts every triple, and
        pyshacl asks (3.3 s at 100,000 tools)."""
        return bool(self._data)

    def query(self, query_object: Any, processor: Any = "sparql", result: Any = "sparql",
              initNs: Any = None, initBindings: Any = None,  # noqa: N803 (rdflib's names)
              use_store_provided: bool = True, **kwargs: Any) -> Result:
        bindings = dict(initBindings or {})
        if isinstance(query_object, str) and set(bindings) <= set(PREBOUND) and "this" in bindings:
            found = self.answers.get(key(query_object, bindings.get("currentShape")))
            if found is not None and bindings["this"] in found.rows:
                solutions = Result("SELECT")
                solutions.vars = found.variables
                solutions.bindings = [dict(row) for row in found.rows[bindings["this"]]]
                return solutions
        return super().query(query_object, processor, result, initNs, initBindings,
                             use_store_provided, **kwargs)


def _run(store: ox.Store, text: str, nodes: set[Node], into: Answer) -> None:
    solutions = union_query(store, text)
    assert isinstance(solutions, ox.QuerySolutions)
    into.variables = [Variable(v.value) for v in solutions.variables]
    names = [v.value for v in solutions.variables]
    for node in nodes:
        into.rows.setdefault(node, [])
    for solution in solutions:
        row = {Variable(name): to_rdflib(solution[name]) for name in names if solution[name] is not None}
        into.rows[row[Variable("this")]].append(row)


def _typed_strings(found: Answer, data: Graph) -> bool:
    """Whether a plain string answered is held typed ``xsd:string`` in ``data`` too."""
    return any(isinstance(value, Literal) and value.datatype is None and not value.language
               and (None, None, Literal(str(value), datatype=XSD.string)) in data
               for rows in found.rows.values() for row in rows for value in row.values())


def _with_values(text: str, nodes: set[Node], current: Node | None) -> str:
    """``text`` with its focus nodes (and shape) bound by VALUES at the start of its WHERE group."""
    opening = text.index("{") + 1
    if current is None:
        block = "VALUES ?this {\n" + "\n".join(str(to_oxigraph(n)) for n in nodes) + "\n}\n"
    else:
        shape = str(to_oxigraph(current))
        block = "VALUES (?this ?currentShape) {\n" + "\n".join(
            f"({to_oxigraph(n)} {shape})" for n in nodes) + "\n}\n"
    return text[:opening] + "\n" + block + text[opening:]


def _top(group: CompValue) -> bool:
    """Whether the WHERE group reads $this only where the VALUES join binds it."""
    for part in _parts(group):
        name = part.name
        if name == "Filter":
            if not _expression(part["expr"]):
                return False
        elif name == "Bind":
            if str(part["var"]) in PREBOUND or not _expression(part["expr"]):
                return False
        elif not _nested(part):
            return False
    return True


def _nested(part: CompValue) -> bool:
    """Whether a part of a group evaluates the same whether $this is pre-bound or joined after."""
    name = part.name
    if name == "TriplesBlock":
        return True
    if name == "GroupOrUnionGraphPattern":
        return all(_nested_group(g) for g in part["graph"])
    if name == "GroupGraphPatternSub":
        return _nested_group(part)
    if name == "OptionalGraphPattern":
        return not _mentions(part["graph"]) and _nested_group(part["graph"])
    if name in ("Filter", "Bind"):
        return not _mentions(part)
    return False


def _nested_group(group: CompValue) -> bool:
    return isinstance(group, CompValue) and group.name == "GroupGraphPatternSub" and all(_nested(part) for part in _parts(group))


def _parts(group: CompValue) -> list[CompValue]:
    return list(group["part"]) if "part" in group else []


def _expression(expr: object) -> bool:
    """Whether a top-level expression's EXISTS bodies use $this only in their triple patterns."""
    if isinstance(expr, CompValue):
        if expr.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            return _nested_group(expr["graph"])
        return all(_expression(v) for k, v in expr.items() if not k.startswith("_"))
    if isinstance(expr, (list, tuple, ParseResults)):
        return all(_expression(v) for v in expr)
    return True


def _mentions(tree: object) -> bool:
    """Whether a pre-bound variable occurs anywhere in ``tree``."""
    if isinstance(tree, Variable):
        return str(tree) in PREBOUND
    if isinstance(tree, CompValue):
        return any(_mentions(v) for k, v in tree.items() if not k.startswith("_"))
    if isinstance(tree, (list, tuple, ParseResults)):
        return any(_mentions(v) for v in tree)
    return False

