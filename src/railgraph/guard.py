"""The one query guard: what the CLI, the Python API and the endpoint refuse before evaluation.

A query is parsed with rdflib's SPARQL parser and its parse tree walked, so a refusal holds
wherever the construct sits (inside ``OPTIONAL``, ``UNION``, ``MINUS``, ``EXISTS``, subqueries,
...). Refused: updates (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``, ``DROP``, ... sent as a
query), ``SERVICE`` anywhere, and ``FROM`` / ``FROM NAMED`` naming a graph outside the
catalogue (anything not under ``https://w3id.org/railgraph/graph/``). A syntax error is an
:class:`~railgraph.errors.InputError` with its line and column.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass
from typing import Any, Literal

import rdflib.plugins.sparql
from pyparsing import ParseException
from rdflib.plugins.sparql.algebra import translatePrologue
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Variable

from .errors import InputError, QueryRefused
from .namespaces import GRAPH
from .store import _blank_out

# The guard lets FROM name the catalogue's own graphs; rdflib (the reference engine) must then
# take them from the dataset, never fetch them from the web by their IRI (its default).
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False

# rdflib's pyparsing grammar is not safe to run from two threads at once (the server checks
# queries in worker threads), so one parse runs at a time.
_PARSER_LOCK = threading.Lock()

#: The longest query text the guard reads, in characters.
MAX_QUERY_CHARS = 100_000

#: The IRIs a dataset (``FROM``, ``FROM NAMED``, ``default-graph-uri``) may name.
CATALOGUE_GRAPHS = str(GRAPH)

Form = Literal["select", "ask", "construct", "describe"]
_FORMS: dict[str, Form] = {"SelectQuery": "select", "AskQuery": "ask",
                           "ConstructQuery": "construct", "DescribeQuery": "describe"}
_UPDATE_NAMES = {"Load": "LOAD", "Clear": "CLEAR", "Drop": "DROP", "Create": "CREATE", "Add": "ADD",
                 "Move": "MOVE", "Copy": "COPY", "InsertData": "INSERT DATA", "DeleteData": "DELETE DATA",
                 "DeleteWhere": "DELETE WHERE", "Modify": "DELETE/INSERT"}


@dataclass(frozen=True)
class CheckedQuery:
    """A query the guard lets through: its form and the graphs its dataset clauses name."""

    form: Form
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    @property
    def is_graph(self) -> bool:
        """CONSTRUCT or DESCRIBE: the answer is RDF, not a table."""
        return self.form in ("construct", "describe")


def check(text: str) -> CheckedQuery:
    """Refuse ``text`` (:class:`QueryRefused`, :class:`InputError`) unless it is a safe read-only query."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryRefused(f"the query is {len(text):,} characters long; the most accepted is {MAX_QUERY_CHARS:,}",
                           hint="shorten the query, e.g. move long VALUES lists into several queries")
    return _check(text)


@functools.lru_cache(maxsize=512)
def _check(text: str) -> CheckedQuery:
    try:
        with _PARSER_LOCK:
            parsed = parseQuery(text)
    except ParseException as exc:
        _refuse_update(text)
        raise _syntax_error(text, exc) from None
    except RecursionError:
        raise QueryRefused("the query is nested too deeply to be checked",
                           hint="flatten nested groups or subqueries") from None
    prologue_part, body = parsed[0], parsed[1]
    try:
        prologue = translatePrologue(prologue_part, None)
        _refuse_service(text, body, prologue)
        clauses = []
        for clause in body["datasetClause"] if "datasetClause" in body else []:
            key = "default" if "default" in clause else "named"
            clauses.append((key, str(prologue.absolutize(clause[key]))))
    except QueryRefused:
        raise
    except Exception as exc:  # an undeclared prefix in a dataset clause or SERVICE
        raise InputError(f"SPARQL query cannot be read: {exc}", path="<query>",
                         hint="declare every prefix the query uses") from exc
    positions = [m.start() for m in _keyword("FROM").finditer(_blank_out(text, iris=True))]
    for number, (key, iri) in enumerate(clauses):
        if not iri.startswith(CATALOGUE_GRAPHS):
            keyword = "FROM" if key == "default" else "FROM NAMED"
            where = " (line {}, column {})".format(*_position(text, positions[number])) \
                if number < len(positions) else ""
            raise QueryRefused(f"{keyword} <{iri}>{where} names a graph outside the catalogue",
                               hint=f"only the catalogue's graphs (IRIs under {CATALOGUE_GRAPHS}) can be "
                                    "queried; drop the clause to query their union")
    defaults = tuple(iri for key, iri in clauses if key == "default")
    named = tuple(iri for key, iri in clauses if key == "named")
    return CheckedQuery(_FORMS[body.name], defaults, named)


def check_dataset(iris: list[str], parameter: str) -> None:
    """Refuse graph IRIs given as protocol parameters (``default-graph-uri``, ``named-graph-uri``)."""
    for iri in iris:
        if not iri.startswith(CATALOGUE_GRAPHS):
            raise QueryRefused(f"{parameter}={iri} names a graph outside the catalogue",
                               hint=f"only the catalogue's graphs (IRIs under {CATALOGUE_GRAPHS}) can be queried")


def _refuse_update(text: str) -> None:
    try:
        with _PARSER_LOCK:
            update = parseUpdate(text)
    except (ParseException, RecursionError):
        return
    except Exception:  # rdflib may fail later than its grammar (e.g. a bad prefix)
        return
    requests = update["request"] if "request" in update else []
    operations = [_UPDATE_NAMES.get(op.name, op.name) for op in requests if isinstance(op, CompValue)]
    what = ", ".join(dict.fromkeys(operations)) or "an update"
    raise QueryRefused(f"the query is an update ({what}); this catalogue is read-only",
                       hint="only SELECT, ASK, CONSTRUCT and DESCRIBE queries are answered")


def _refuse_service(text: str, node: Any, prologue: Any) -> None:
    services = [found for found in _walk(node) if found.name == "ServiceGraphPattern"]
    if not services:
        return
    target = ""
    if len(services) == 1:
        term = services[0]["term"]
        target = " ?" + str(term) if isinstance(term, Variable) else f" <{prologue.absolutize(term)}>"
    raise QueryRefused(f"SERVICE{target}{_where(text, 'SERVICE')}: federated queries are not run here",
                       hint="query that endpoint directly, or load its data into the catalogue")


def _walk(node: Any) -> Any:
    """Every :class:`CompValue` in a parse tree, depth first."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, CompValue):
            yield current
            stack.extend(current.values())
        elif isinstance(current, (list, tuple)) or type(current).__name__ == "ParseResults":
            stack.extend(current)


def _keyword(name: str) -> re.Pattern[str]:
    words = r"\s+".join(name.split())
    return re.compile(rf"(?<![\w:?$.\-]){words}(?![\w:\-])", re.IGNORECASE)


def _where(text: str, keyword: str) -> str:
    """`` at line L, column C`` of the first ``keyword`` outside strings, comments and IRIs."""
    match = _keyword(keyword).search(_blank_out(text, iris=True))
    if match is None:
        return ""
    line, column = _position(text, match.start())
    return f" (line {line}, column {column})"


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


_OXIGRAPH_POSITION = re.compile(r"error at (\d+):(\d+)(?:-\d+:\d+)?:\s*(.*)", re.DOTALL)


def oxigraph_location(message: str) -> tuple[int | None, int | None, str]:
    """Line, column and text of a pyoxigraph ``error at L:C: ...`` syntax error message."""
    found = _OXIGRAPH_POSITION.match(message)
    if found is None:
        return None, None, message
    return int(found.group(1)), int(found.group(2)), found.group(3).strip()


def _syntax_error(text: str, exc: ParseException) -> InputError:
    """A syntax error located at the line and column where rdflib's parser stopped."""
    near = text[exc.loc:exc.loc + 30].split("\n", 1)[0].strip()
    message = f"{exc.msg}, near {near!r}" if near else f"{exc.msg}, at the end of the query"
    return InputError(f"SPARQL syntax error: {message}", path="<query>", line=exc.lineno, column=exc.col,
                      hint="check the query syntax at that position")
