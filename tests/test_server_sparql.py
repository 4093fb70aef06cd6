"""The SPARQL 1.1 Protocol endpoint, tested with SPARQLWrapper against a real server on 127.0.0.1."""

from __future__ import annotations

import csv
import io
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.compare import isomorphic
from SPARQLWrapper import (CSV, GET, JSON, JSONLD, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, URLENCODED, XML,
                           SPARQLWrapper)

from railgraph.server.app import create_app
from railgraph.settings import Settings

from .conftest import BIGCODE
from .serving import running

DEADLINE = 2.0
ROW_CAP = 300
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

SELECT = ("PREFIX rg: <https://w3id.org/railgraph/ontology#> PREFIX dct: <http://purl.org/dc/terms/>\n"
          "SELECT ?entry ?title WHERE { ?entry a rg:Tool ; dct:title ?title } ORDER BY ?entry LIMIT 25")
CONSTRUCT = f"CONSTRUCT WHERE {{ <{BIGCODE}> ?p ?o }}"
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
METHODS = [(GET, URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)]
SOLUTION_FORMATS = {JSON: ox.QueryResultsFormat.JSON, XML: ox.QueryResultsFormat.XML,
                    CSV: ox.QueryResultsFormat.CSV, TSV: ox.QueryResultsFormat.TSV}
GRAPH_FORMATS = {TURTLE: "turtle", JSONLD: "json-ld", RDFXML: "xml"}


@pytest.fixture(scope="module")
def endpoint(catalogue) -> Iterator[str]:
    settings = Settings.resolve({"query_deadline": DEADLINE, "row_cap": ROW_CAP})
    with running(create_app(catalogue, settings=settings)) as base:
        yield base + "/sparql"


def client(url: str, query: str, method: tuple[str, str] = (GET, URLENCODED), fmt: str = JSON) -> SPARQLWrapper:
    wrapper = SPARQLWrapper(url)
    wrapper.setQuery(query)
    wrapper.setMethod(method[0])
    wrapper.setRequestMethod(method[1])
    wrapper.setReturnFormat(fmt)
    wrapper.setOnlyConneg(True)
    wrapper.setTimeout(30)
    return wrapper


def fetch(wrapper: SPARQLWrapper) -> tuple[str, bytes]:
    response = wrapper.query().response
    try:
        return response.headers.get("Content-Type", ""), response.read()
    finally:
        response.close()


def request(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None,
            method: str | None = None) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers or {},
                                                           method=method), timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def expected_rows(catalogue) -> set[tuple[str, ...]]:
    return {tuple(str(row[v]) for v in ("entry", "title")) for row in catalogue.query(SELECT)}


def rows_of(body: bytes, fmt: ox.QueryResultsFormat) -> set[tuple[str, ...]]:
    if fmt == ox.QueryResultsFormat.CSV:  # lossy (no term types), so pyoxigraph does not read it
        header, *rows = csv.reader(io.StringIO(body.decode("utf-8")))
        assert header == ["entry", "title"]
        return {tuple(row) for row in rows}
    solutions = ox.parse_query_results(body, fmt)
    assert isinstance(solutions, ox.QuerySolutions)
    return {tuple(solution[v].value for v in ("entry", "title")) for solution in solutions}  # type: ignore[union-attr]


@pytest.mark.parametrize("method", METHODS, ids=["get", "post-form", "post-direct"])
@pytest.mark.parametrize("fmt", list(SOLUTION_FORMATS))
def test_select_in_every_format_and_method(endpoint, catalogue, method, fmt) -> None:
    content_type, body = fetch(client(endpoint, SELECT, method, fmt))
    assert rows_of(body, SOLUTION_FORMATS[fmt]) == expected_rows(catalogue)
    assert len(expected_rows(catalogue)) == 25
    assert content_type.split(";")[0] in ("application/sparql-results+json", "application/sparql-results+xml",
                                          "text/csv", "text/tab-separated-values")


def test_select_json_converts_like_sparqlwrapper_expects(endpoint, catalogue) -> None:
    results = client(endpoint, SELECT).queryAndConvert()
    got = {(b["entry"]["value"], b["title"]["value"]) for b in results["results"]["bindings"]}  # type: ignore[index]
    assert got == expected_rows(catalogue)


@pytest.mark.parametrize("method", METHODS, ids=["get", "post-form", "post-direct"])
@pytest.mark.parametrize("fmt", [JSON, XML])
def test_ask(endpoint, method, fmt) -> None:
    for query, answer in ((f"ASK {{ <{BIGCODE}> ?p ?o }}", True), ("ASK { <urn:x:nothing> ?p ?o }", False)):
        _, body = fetch(client(endpoint, query, method, fmt))
        assert bool(ox.parse_query_results(body, SOLUTION_FORMATS[fmt])) is answer


@pytest.mark.parametrize("method", METHODS, ids=["get", "post-form", "post-direct"])
@pytest.mark.parametrize("fmt", list(GRAPH_FORMATS))
def test_construct_in_every_format_and_method(endpoint, catalogue, method, fmt) -> None:
    _, body = fetch(client(endpoint, CONSTRUCT, method, fmt))
    got = Graph().parse(data=body, format=GRAPH_FORMATS[fmt])
    expected = catalogue.query(CONSTRUCT).graph
    assert len(got) > 20 and isomorphic(got, expected)


def test_construct_as_n_triples(endpoint, catalogue) -> None:
    wrapper = client(endpoint, CONSTRUCT, fmt=TURTLE)
    wrapper.addCustomHttpHeader("Accept", "application/n-triples")
    content_type, body = fetch(wrapper)
    assert content_type.startswith("application/n-triples")
    assert isomorphic(Graph().parse(data=body, format="nt"), catalogue.query(CONSTRUCT).graph)


def test_describe(endpoint, catalogue) -> None:
    _, body = fetch(client(endpoint, f"DESCRIBE <{BIGCODE}>", fmt=TURTLE))
    got = Graph().parse(data=body, format="turtle")
    assert (URIRef(BIGCODE), None, None) in got


def test_accept_q_values_choose_the_format(endpoint) -> None:
    url = endpoint + "?" + urllib.parse.urlencode({"query": SELECT})
    status, headers, _ = request(url, headers={"Accept": "application/sparql-results+json;q=0.5, text/csv"})
    assert status == 200 and headers["content-type"].startswith("text/csv")
    status, headers, _ = request(url, headers={"Accept": "text/csv;q=0.2, application/sparql-results+xml;q=0.9"})
    assert headers["content-type"].startswith("application/sparql-results+xml")
    status, headers, _ = request(url)  # no Accept: SPARQL JSON
    assert headers["content-type"].startswith("application/sparql-results+json")


def test_format_parameter_overrides_accept(endpoint) -> None:
    query = {"query": SELECT, "format": "tsv"}
    status, headers, _ = request(endpoint + "?" + urllib.parse.urlencode(query), headers={"Accept": "text/html"})
    assert status == 200 and headers["content-type"].startswith("text/tab-separated-values")
    wrapper = client(endpoint, CONSTRUCT, fmt=RDFXML)
    wrapper.setOnlyConneg(False)  # SPARQLWrapper then also sends format=, output= and results=
    assert fetch(wrapper)[0].startswith("application/rdf+xml")


def test_406_when_no_acceptable_format(endpoint) -> None:
    status, _, body = request(endpoint + "?" + urllib.parse.urlencode({"query": SELECT}),
                              headers={"Accept": "image/png"})
    assert status == 406 and b"application/sparql-results+json" in body
    status, _, _ = request(endpoint + "?" + urllib.parse.urlencode({"query": CONSTRUCT, "format": "csv"}))
    assert status == 406


def test_syntax_error_is_400_with_line_and_column(endpoint) -> None:
    query = "SELECT ?s\nWHERE { ?s ?p ?o . FILTER(?s = ) }"
    status, _, body = request(endpoint + "?" + urllib.parse.urlencode({"query": query}))
    assert status == 400
    assert body.decode().startswith("<query>:2:20: SPARQL syntax error")


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?x } } }",
    "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE SILENT <http://127.0.0.1:9/> { ?s ?p ?o } } }",
    "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } } }",
    "SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "LOAD <file:///etc/passwd>",
])
@pytest.mark.parametrize("method", METHODS, ids=["get", "post-form", "post-direct"])
def test_refused_queries_are_400(endpoint, query, method) -> None:
    params = urllib.parse.urlencode({"query": query})
    if method == (GET, URLENCODED):
        status, _, body = request(endpoint + "?" + params)
    elif method == (POST, URLENCODED):
        status, _, body = request(endpoint, data=params.encode(),
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    else:
        status, _, body = request(endpoint, data=query.encode(), headers={"Content-Type": "application/sparql-query"})
    assert status == 400
    assert any(word in body.decode() for word in ("SERVICE", "outside the catalogue", "read-only"))


def test_dataset_parameters_are_restricted(endpoint) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    status, _, body = request(endpoint + "?" + urllib.parse.urlencode(
        {"query": query, "default-graph-uri": "http://127.0.0.1:9/g"}))
    assert status == 400 and b"default-graph-uri" in body
    status, _, body = request(endpoint + "?" + urllib.parse.urlencode(
        {"query": query, "default-graph-uri": "https://w3id.org/railgraph/graph/ontology/railgraph.ttl",
         "format": "csv"}))
    assert status == 200
    whole = request(endpoint + "?" + urllib.parse.urlencode({"query": query, "format": "csv"}))[2]
    assert 0 < int(body.split()[1]) < int(whole.split()[1])


@pytest.mark.parametrize("update", ["INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }", "LOAD <file:///etc/passwd>",
                                    "DROP ALL"])
@pytest.mark.parametrize("request_method", [URLENCODED, POSTDIRECTLY])
def test_updates_are_403(endpoint, update, request_method) -> None:
    wrapper = client(endpoint, update, (POST, request_method))
    with pytest.raises(urllib.error.HTTPError) as refused:
        wrapper.query()
    assert refused.value.code == 403
    refused.value.close()
    assert request(endpoint + "?" + urllib.parse.urlencode({"update": update}))[0] == 403


def test_other_content_types_are_415(endpoint) -> None:
    status, _, _ = request(endpoint, data=b"query=ASK{}", headers={"Content-Type": "text/plain"})
    assert status == 415


def test_row_cap_is_an_error_never_a_truncated_answer(endpoint) -> None:
    status, _, body = request(endpoint + "?" + urllib.parse.urlencode(
        {"query": "SELECT ?s WHERE { ?s ?p ?o }", "format": "json"}))
    assert status == 422
    assert f"at most {ROW_CAP}" in body.decode()
    status, _, _ = request(endpoint + "?" + urllib.parse.urlencode(
        {"query": f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {ROW_CAP}"}))
    assert status == 200
    status, _, _ = request(endpoint + "?" + urllib.parse.urlencode({"query": "CONSTRUCT WHERE { ?s ?p ?o }"}))
    assert status == 422


def test_a_runaway_query_is_cut_while_another_client_is_served(endpoint, catalogue) -> None:
    outcome: dict[str, object] = {}

    def explode() -> None:
        started = time.monotonic()
        outcome["heavy"] = request(endpoint + "?" + urllib.parse.urlencode({"query": EXPLOSIVE}))[0]
        outcome["heavy_seconds"] = time.monotonic() - started
        outcome["heavy_done"] = time.monotonic()

    heavy = threading.Thread(target=explode)
    heavy.start()
    time.sleep(0.3)  # let the explosive query reach a worker
    light = client(endpoint, SELECT).queryAndConvert()
    light_done = time.monotonic()
    heavy.join(30)
    assert "heavy_done" in outcome, "the explosive query was not answered"
    assert len(light["results"]["bindings"]) == 25  # type: ignore[index]
    assert light_done < outcome["heavy_done"]  # type: ignore[operator]
    assert outcome["heavy"] == 503
    print(f"explosive query cut after {outcome['heavy_seconds']:.2f} s (deadline {DEADLINE} s)")
    assert outcome["heavy_seconds"] < DEADLINE + 1  # type: ignore[operator]
    # the killed worker was replaced: the endpoint still answers
    assert len(client(endpoint, SELECT).queryAndConvert()["results"]["bindings"]) == 25  # type: ignore[index]


def test_service_description(endpoint, catalogue) -> None:
    status, headers, body = request(endpoint, headers={"Accept": "text/turtle"})
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=body, format="turtle")
    service = URIRef(endpoint)
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert len(set(graph.objects(service, SD.resultFormat))) == 8
    names = set(graph.objects(None, SD.name))
    assert URIRef("https://w3id.org/railgraph/graph/inferred") in names
    assert {URIRef(str(s.graph_iri)) for s in catalogue.sources} <= names
    status, headers, body = request(endpoint, headers={"Accept": "application/ld+json"})
    assert status == 200 and isomorphic(Graph().parse(data=body, format="json-ld"), graph)


def test_cors(endpoint) -> None:
    status, headers, _ = request(endpoint, method="OPTIONS", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type"})
    assert status == 200 and headers["access-control-allow-origin"] == "*"
    assert "POST" in headers["access-control-allow-methods"]
    status, headers, _ = request(endpoint + "?" + urllib.parse.urlencode({"query": "ASK {}"}),
                                 headers={"Origin": "https://example.org"})
    assert status == 200 and headers["access-control-allow-origin"] == "*"
    status, headers, _ = request(endpoint, method="OPTIONS")
    assert status == 204 and "POST" in headers["allow"]
