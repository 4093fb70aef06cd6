"""Properties of the query guard: SERVICE, LOAD, updates and FROM outside the catalogue are refused
wherever they sit, however they are written; lookalikes (the word in a string, an IRI, a variable,
a comment) are let through.

hypothesis builds queries from a small grammar: the refused construct at the bottom of nested
OPTIONAL / UNION / MINUS / FILTER (NOT) EXISTS / GRAPH / subquery groups, keywords in any letter
case, whitespace and comments between tokens, targets as IRIs, prefixed names or variables.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from railgraph import guard
from railgraph.errors import QueryRefused

BOUNDED = settings(max_examples=150, deadline=None)

#: Whitespace (with comments) between tokens.
spaces = st.sampled_from([" ", "\n", "\t", "   ", " # a comment\n", "\r\n", " #SERVICE <http://x/>\n"])


def any_case(word: str) -> st.SearchStrategy[str]:
    """``word`` in a random mix of upper and lower case, its parts separated by whitespace."""
    letters = st.tuples(*(st.sampled_from([c.lower(), c.upper()]) for c in word))
    return st.builds("".join, letters)


def keyword(words: str) -> st.SearchStrategy[str]:
    """A keyword of one or more words (``FROM NAMED``), each in any case, whitespace between."""
    parts = [any_case(word) for word in words.split()]
    if len(parts) == 1:
        return parts[0]
    return st.builds(lambda *xs: "".join(xs), *[p if i % 2 == 0 else spaces for i, p in
                                                   enumerate(_interleave(parts))])


def _interleave(parts: list[st.SearchStrategy[str]]) -> list[st.SearchStrategy[str]]:
    out: list[st.SearchStrategy[str]] = []
    for part in parts:
        if out:
            out.append(spaces)
        out.append(part)
    return out


PREFIXES = "PREFIX ex: <http://127.0.0.1:9/>\nPREFIX rg: <https://w3id.org/railgraph/ontology#>\n"
outside = st.sampled_from(["<http://127.0.0.1:9/sparql>", "<file:///etc/passwd>", "ex:sparql",
                           "<https://query.wikidata.org/sparql>", "<ftp://example.org/x>", "ex:"])
endpoints = st.one_of(outside, st.sampled_from(["?endpoint", "$e", "?service"]))
TRIPLE = "?s ?p ?o"


@st.composite
def service(draw: st.DrawFn) -> str:
    silent = draw(keyword("SILENT")) + draw(spaces) if draw(st.booleans()) else ""
    return (f"{draw(keyword('SERVICE'))}{draw(spaces)}{silent}{draw(endpoints)}{draw(spaces)}"
            f"{{ {TRIPLE} }}")


def nest(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """``inner`` (a group pattern's content) wrapped in one more construct that holds a group."""
    return st.one_of(
        st.builds(lambda x, ws: f"{TRIPLE} .{ws}OPTIONAL {{ {x} }}", inner, spaces),
        st.builds(lambda x, ws: f"{{ {TRIPLE} }}{ws}UNION {{ {x} }}", inner, spaces),
        st.builds(lambda x: f"{{ {x} }} UNION {{ {TRIPLE} }}", inner),
        st.builds(lambda x, kw: f"{TRIPLE} {kw} {{ {x} }}", inner, keyword("MINUS")),
        st.builds(lambda x, kw: f"{TRIPLE} FILTER {kw} {{ {x} }}", inner, keyword("EXISTS")),
        st.builds(lambda x, kw: f"{TRIPLE} FILTER ({kw} {{ {x} }})", inner, keyword("NOT EXISTS")),
        st.builds(lambda x: f"GRAPH ?g {{ {x} }}", inner),
        st.builds(lambda x, kw: f"{{ {kw} ?s WHERE {{ {x} }} LIMIT 5 }}", inner, keyword("SELECT")),
        st.builds(lambda x: f"{{ {x} }}", inner),
        st.builds(lambda x: f"BIND (1 AS ?one) {x}", inner),
    )


def queries(pattern: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A whole query of any form whose WHERE clause holds ``pattern`` somewhere below."""
    body = st.recursive(pattern, nest, max_leaves=6)
    return st.one_of(
        st.builds(lambda b, kw: f"{PREFIXES}{kw} * WHERE {{ {b} }}", body, keyword("SELECT")),
        st.builds(lambda b, kw: f"{PREFIXES}{kw} {{ {b} }}", body, keyword("ASK")),
        st.builds(lambda b, kw: f"{PREFIXES}{kw} {{ {TRIPLE} }} WHERE {{ {b} }}", body, keyword("CONSTRUCT")),
        st.builds(lambda b, kw: f"{PREFIXES}{kw} ?s WHERE {{ {b} }}", body, keyword("DESCRIBE")),
        st.builds(lambda b: f"{PREFIXES}SELECT (COUNT(*) AS ?n) WHERE {{ {b} }} GROUP BY ?s", body),
    )


@BOUNDED
@given(query=queries(service()))
def test_service_is_refused_in_every_position(query: str) -> None:
    with pytest.raises(QueryRefused, match="SERVICE"):
        guard.check(query)


@st.composite
def dataset_query(draw: st.DrawFn) -> str:
    clauses = []
    for _ in range(draw(st.integers(1, 3))):
        which = draw(st.sampled_from(["FROM", "FROM NAMED"]))
        target = draw(st.one_of(outside, st.just("<https://w3id.org/railgraph/graph/inferred>")))
        clauses.append(f"{draw(keyword(which))}{draw(spaces)}{target}")
    bad = draw(st.integers(0, len(clauses) - 1))
    clauses[bad] = f"{draw(keyword(draw(st.sampled_from(['FROM', 'FROM NAMED']))))} {draw(outside)}"
    body = draw(st.recursive(st.just(TRIPLE), nest, max_leaves=4))
    form = draw(st.sampled_from(["SELECT *", "ASK", "CONSTRUCT { ?s ?p ?o }", "DESCRIBE ?s"]))
    return f"{PREFIXES}{form}{draw(spaces)}{draw(spaces).join(clauses)}{draw(spaces)}WHERE {{ {body} }}"


@BOUNDED
@given(query=dataset_query())
def test_from_outside_the_catalogue_is_refused_in_every_form(query: str) -> None:
    with pytest.raises(QueryRefused, match="names a graph outside the catalogue"):
        guard.check(query)


@st.composite
def update(draw: st.DrawFn) -> str:
    ws = draw(spaces)
    target = draw(outside.filter(lambda iri: iri != "ex:"))
    data = "{ <http://example.org/a> <http://example.org/b> <http://example.org/c> }"
    operation = draw(st.sampled_from([
        ("LOAD", f"{target}"), ("LOAD SILENT", f"{target} INTO GRAPH <http://example.org/g>"),
        ("INSERT DATA", data), ("DELETE DATA", data), ("DELETE WHERE", f"{{ {TRIPLE} }}"),
        ("CLEAR", "ALL"), ("CLEAR SILENT", f"GRAPH {target}"), ("DROP", "DEFAULT"), ("CREATE", f"GRAPH {target}"),
        ("ADD", f"DEFAULT TO {target}"), ("MOVE", f"{target} TO DEFAULT"), ("COPY", f"DEFAULT TO {target}"),
        ("WITH", f"{target} DELETE {{ {TRIPLE} }} WHERE {{ {TRIPLE} }}"),
        ("INSERT", f"{{ {TRIPLE} }} WHERE {{ {TRIPLE} }}"),
    ]))
    first = f"{draw(keyword(operation[0]))}{ws}{operation[1]}"
    if draw(st.booleans()):  # a sequence of operations: the refused one anywhere in it
        return f"{PREFIXES}INSERT DATA {data} ;{ws}{first}"
    return f"{PREFIXES}{first}"


@BOUNDED
@given(query=update())
def test_updates_are_refused_however_written(query: str) -> None:
    with pytest.raises(QueryRefused, match="is an update"):
        guard.check(query)


lookalike_patterns = st.sampled_from([
    '?s ?p "SERVICE <http://127.0.0.1:9/> { ?s ?p ?o }"',
    "?s ?p 'LOAD <file:///etc/passwd>'",
    '?s ?p """FROM NAMED <file:///etc/passwd>\nINSERT DATA {}"""',
    "?service ?p ?o",
    "?s <http://example.org/SERVICE> ?load",
    "?s ex:service ?from",
    "?s rg:load ?o",
    "?s ?p ?o # SERVICE <http://127.0.0.1:9/> { }\n",
    '?s ?p ?o FILTER(CONTAINS(STR(?o), "service"))',
    "?s ?p <urn:service:load:from>",
    "?s ?p ?o BIND (\"DROP ALL\" AS ?x)",
])


@BOUNDED
@given(query=queries(lookalike_patterns))
def test_lookalikes_are_allowed(query: str) -> None:
    assert guard.check(query).form in ("select", "ask", "construct", "describe")


@st.composite
def catalogue_dataset_query(draw: st.DrawFn) -> tuple[str, str]:
    graph = draw(st.sampled_from(["data/tools/x.ttl", "inferred", "ontology/railgraph.ttl"]))
    target = draw(st.sampled_from([f"<https://w3id.org/railgraph/graph/{graph}>", f"g:{graph.replace('/', '_')}"]))
    if target.startswith("g:"):
        graph = graph.replace("/", "_")
    clause = draw(keyword(draw(st.sampled_from(["FROM", "FROM NAMED"]))))
    body = draw(st.recursive(st.just(TRIPLE), nest, max_leaves=4))
    return (f"PREFIX g: <https://w3id.org/railgraph/graph/>\nSELECT *{draw(spaces)}{clause}{draw(spaces)}"
            f"{target}{draw(spaces)}WHERE {{ {body} }}", "https://w3id.org/railgraph/graph/" + graph)


@BOUNDED
@given(case=catalogue_dataset_query())
def test_the_catalogue_graphs_may_be_named_however_written(case: tuple[str, str]) -> None:
    query, graph = case
    checked = guard.check(query)
    assert graph in checked.default_graphs + checked.named_graphs
