"""The one query guard: updates, SERVICE and FROM outside the catalogue are refused before evaluation."""

from __future__ import annotations

import pytest

from railgraph import guard
from railgraph.errors import InputError, QueryRefused

GRAPHS = "https://w3id.org/railgraph/graph/"
TRIPLE = "?s ?p ?o"

#: SERVICE in every kind of position a graph pattern can take.
SERVICE_POSITIONS = [
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE <http://example.org/sparql> { ?s ?q ?x } } }",
    "SELECT * WHERE { { ?s ?p ?o } UNION { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } } }",
    "SELECT * WHERE { ?s ?p ?o MINUS { SERVICE <http://example.org/sparql> { ?s ?p ?o } } }",
    "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE <http://example.org/sparql> { ?s ?p ?o } } }",
    "SELECT * WHERE { ?s ?p ?o FILTER NOT EXISTS { SERVICE <file:///etc/passwd> { ?s ?p ?o } } }",
    "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } } } }",
    "SELECT * WHERE { GRAPH ?g { SERVICE ?endpoint { ?s ?p ?o } } }",
    "PREFIX ex: <http://example.org/> ASK { SERVICE ex:sparql { ?s ?p ?o } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "DESCRIBE ?s WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER (EXISTS { SERVICE <http://x.example/> {} }) }",
]

UPDATES = [
    ("LOAD <http://example.org/data.ttl>", "LOAD"),
    ("LOAD <file:///etc/passwd> INTO GRAPH <http://example.org/g>", "LOAD"),
    ("INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }", "INSERT DATA"),
    ("DELETE WHERE { ?s ?p ?o }", "DELETE WHERE"),
    ("DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }", "DELETE/INSERT"),
    ("CLEAR ALL", "CLEAR"),
    ("DROP GRAPH <http://example.org/g>", "DROP"),
    ("CREATE GRAPH <http://example.org/g>", "CREATE"),
    ("COPY DEFAULT TO <http://example.org/g>", "COPY"),
]


@pytest.mark.parametrize("query", SERVICE_POSITIONS)
def test_service_is_refused_wherever_it_appears(query: str) -> None:
    with pytest.raises(QueryRefused, match=r"^SERVICE.*federated queries are not run here"):
        guard.check(query)


def test_service_refusal_names_the_endpoint_and_its_position() -> None:
    query = "SELECT * WHERE {\n  ?s ?p ?o .\n  OPTIONAL { SERVICE <http://example.org/sparql> { ?s ?q ?x } }\n}"
    with pytest.raises(QueryRefused) as refused:
        guard.check(query)
    assert "SERVICE <http://example.org/sparql> (line 3, column 14)" in str(refused.value)


def test_service_inside_a_string_or_comment_is_not_a_service() -> None:
    query = 'SELECT ?s WHERE { ?s ?p "SERVICE <http://x.example/> {}" } # SERVICE <http://y.example/>'
    assert guard.check(query).form == "select"
    assert guard.check("SELECT ?service WHERE { ?service <http://example.org/SERVICE> ?o }").form == "select"


@pytest.mark.parametrize(("query", "what"), UPDATES)
def test_updates_sent_as_queries_are_refused(query: str, what: str) -> None:
    with pytest.raises(QueryRefused, match=rf"is an update \({what}"):
        guard.check(query)


@pytest.mark.parametrize("clause", [
    "FROM <http://example.org/data.ttl>",
    "FROM NAMED <file:///etc/passwd>",
    "FROM <https://w3id.org/railgraph/id/tool/model-cards>",
    f"FROM <{GRAPHS}inferred> FROM NAMED <http://example.org/other>",
])
def test_from_outside_the_catalogue_is_refused(clause: str) -> None:
    with pytest.raises(QueryRefused, match="names a graph outside the catalogue"):
        guard.check(f"SELECT * {clause} WHERE {{ {TRIPLE} }}")


def test_from_refusal_is_located_and_resolves_prefixes_and_base() -> None:
    query = (f"BASE <{GRAPHS}>\nPREFIX ex: <http://example.org/>\nSELECT ?s\n"
             "FROM <inferred>\nFROM NAMED ex:secret\nWHERE { ?s ?p ?o }")
    with pytest.raises(QueryRefused) as refused:
        guard.check(query)
    assert "FROM NAMED <http://example.org/secret> (line 5, column 1)" in str(refused.value)


def test_the_catalogue_graphs_may_be_named() -> None:
    checked = guard.check(f"PREFIX g: <{GRAPHS}>\nSELECT * FROM g:inferred FROM NAMED <{GRAPHS}data/tools/x.ttl> "
                          f"WHERE {{ {TRIPLE} }}")
    assert checked.default_graphs == (GRAPHS + "inferred",)
    assert checked.named_graphs == (GRAPHS + "data/tools/x.ttl",)


@pytest.mark.parametrize(("query", "form", "is_graph"), [
    ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "select", False),
    ("ASK { ?s ?p ?o }", "ask", False),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "construct", True),
    ("DESCRIBE <https://w3id.org/railgraph/id/tool/model-cards>", "describe", True),
])
def test_read_only_queries_pass_with_their_form(query: str, form: str, is_graph: bool) -> None:
    checked = guard.check(query)
    assert (checked.form, checked.is_graph) == (form, is_graph)


def test_syntax_errors_are_located() -> None:
    with pytest.raises(InputError) as error:
        guard.check("SELECT ?s\nWHERE { ?s ?p ?o . FILTER(?s = ) }")
    assert (error.value.line, error.value.column) == (2, 20)
    assert str(error.value).startswith("<query>:2:20: SPARQL syntax error")


@pytest.mark.parametrize("query", ['SELECT * WHERE { ?s ?p "open', "SELECT * WHERE { ?s ?p ?o # open",
                                   "SELECT * WHERE {", "(((((((((("])
def test_unfinished_queries_are_syntax_errors_with_a_position(query: str) -> None:
    with pytest.raises(InputError) as error:
        guard.check(query)
    assert error.value.line is not None and error.value.column is not None


def test_an_undeclared_prefix_in_a_dataset_clause_is_an_input_error() -> None:
    with pytest.raises(InputError, match="Unknown namespace prefix"):
        guard.check(f"SELECT * FROM nope:graph WHERE {{ {TRIPLE} }}")


def test_over_long_queries_are_refused_before_parsing() -> None:
    with pytest.raises(QueryRefused, match="characters long"):
        guard.check("SELECT * WHERE { ?s ?p ?o }" + " " * guard.MAX_QUERY_CHARS)


def test_protocol_graph_parameters_are_restricted() -> None:
    guard.check_dataset([GRAPHS + "inferred"], "default-graph-uri")
    with pytest.raises(QueryRefused, match="named-graph-uri=http://example.org/g"):
        guard.check_dataset(["http://example.org/g"], "named-graph-uri")


def test_the_api_refuses_before_running(catalogue) -> None:
    with pytest.raises(QueryRefused):
        catalogue.query("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    with pytest.raises(QueryRefused):
        catalogue.query("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }")


def test_the_cli_exits_2_on_service(run_cli) -> None:
    result = run_cli("query", "-", stdin="SELECT * WHERE { OPTIONAL { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }")
    assert result.code == 2
    assert "SERVICE <http://127.0.0.1:9/>" in result.err and "federated" in result.err


def test_the_cli_exits_2_on_load(run_cli) -> None:
    result = run_cli("query", "-", stdin="LOAD <file:///etc/passwd>")
    assert result.code == 2
    assert "read-only" in result.err


def test_concurrent_checks_from_many_threads() -> None:
    """rdflib's parser is not thread-safe; the server checks queries in threads, so the guard serialises."""
    from concurrent.futures import ThreadPoolExecutor

    queries = [f"SELECT ?s WHERE {{ ?s ?p {n} FILTER(?s != <urn:x:{n}>) }} LIMIT {n + 1}" for n in range(80)]
    with ThreadPoolExecutor(8) as pool:
        forms = list(pool.map(lambda q: guard.check(q).form, queries))
    assert forms == ["select"] * len(queries)
