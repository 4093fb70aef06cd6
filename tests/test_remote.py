"""Pushing to and querying a remote triple store: a real Oxigraph server, and fake ones that fail.

The Oxigraph server (the ``oxigraph`` package of the test extra) runs on 127.0.0.1 on a free port.
The fakes are ``http.server`` instances on 127.0.0.1 that answer garbage, an error status, or
nothing in time; the proxy forwards to the real server but breaks chosen requests.
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from railgraph import RemoteError, UsageError, __version__, cli, remote
from railgraph.catalogue import Catalogue
from railgraph.remote import STAGING_PREFIX, Endpoints

from .conftest import BIGCODE

OXIGRAPH = Path(sys.executable).parent / "oxigraph"
GRAPHS = "https://w3id.org/railgraph/graph/"
OTHER_GRAPH = "https://example.org/graph/not-railgraph"


# -- the Oxigraph server -----------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def oxigraph_server(location: Path) -> Iterator[str]:
    """``oxigraph serve`` on a free local port (union default graph); yields its query URL."""
    if not OXIGRAPH.exists():
        pytest.skip(f"no Oxigraph server at {OXIGRAPH}: install the test extra (pip install -e '.[test]')")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/query"
    with (location.parent / f"{location.name}.log").open("wb") as log:
        process = subprocess.Popen([str(OXIGRAPH), "serve", "--location", str(location), "--bind",
                                    f"127.0.0.1:{port}", "--union-default-graph"],
                                   stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"{url}?query=ASK%7B%7D", timeout=2) as answer:
                        answer.read()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"oxigraph serve did not start: {(location.parent / f'{location.name}.log').read_text()}")
                    time.sleep(0.1)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def oxigraph(tmp_path_factory) -> Iterator[str]:
    """One server for the session, holding the pushed catalogue; tests that change it start their own."""
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph") / "store") as url:
        yield url


@pytest.fixture(scope="session")
def pushed(oxigraph: str, catalogue) -> remote.PushReport:
    """The real catalogue pushed once into the session's server."""
    return remote.push(catalogue, oxigraph, timeout=120)


@pytest.fixture(scope="session")
def curated(catalogue) -> Catalogue:
    """The real catalogue without the generated licence register: a quarter of the triples."""
    sources = [s for s in catalogue.sources if not str(s.graph_iri).startswith(f"{GRAPHS}data/register/")]
    return Catalogue(catalogue.root, sources, catalogue.shapes, catalogue.queries, catalogue.settings)


@pytest.fixture()
def cli_loads(monkeypatch) -> Callable[[Catalogue], list[int]]:
    """Have the command line use an already loaded catalogue; returns the list of its loads."""

    def use(loaded: Catalogue) -> list[int]:
        calls: list[int] = []

        def open_catalogue(root: Path | None, data: tuple[Path, ...]) -> Catalogue:
            calls.append(1)
            return loaded

        monkeypatch.setattr(cli, "open_catalogue", open_catalogue)
        return calls

    return use


def _cells(row: Iterable[Node | None]) -> tuple[str, ...]:
    return tuple("" if term is None else term.n3() for term in row)


def remote_rows(url: str, text: str) -> list[tuple[str, ...]]:
    return sorted(tuple(str(v) for v in row) for row in remote.query(url, text, timeout=60))


def graph_counts(url: str) -> dict[str, int]:
    rows = remote_rows(url, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {g: int(n) for g, n in rows}


def expected_counts(catalogue) -> dict[str, int]:
    return {str(g.identifier): len(g) for g in catalogue.dataset.graphs()
            if g.identifier != DATASET_DEFAULT_GRAPH_ID}


def store_put(url: str, graph: str, ntriples: str) -> None:
    store = Endpoints.derive(url).store
    request = urllib.request.Request(f"{store}?graph={urllib.parse.quote(graph, safe='')}",
                                     data=ntriples.encode(), method="PUT",
                                     headers={"Content-Type": "application/n-triples"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        answer.read()


# -- fake endpoints and a breaking proxy -------------------------------------------------------

@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/sparql-results+json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    length: int | None = None  # a Content-Length other than the body's: the connection breaks off


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, respond: Callable[[Seen], Answer]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.respond = respond
        self.seen: list[Seen] = []
        self.release = threading.Event()


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        seen = Seen(self.command, self.path, dict(self.headers.items()), body)
        self.server.seen.append(seen)
        answer = self.server.respond(seen)
        if answer.delay and self.server.release.wait(answer.delay):
            return  # the test is over: go away without answering
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body) if answer.length is None else answer.length))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(answer.body)
        except OSError:
            pass  # the client gave up first

    do_GET = do_POST = do_PUT = _handle

    def log_message(self, format: str, *args: object) -> None:  # keep the test output clean
        pass


@contextmanager
def serving(respond: Callable[[Seen], Answer]) -> Iterator[_Server]:
    server = _Server(respond)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


def url_of(server: _Server, path: str = "/query") -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def forward(upstream: str, seen: Seen, body: bytes | None = None) -> Answer:
    """Send ``seen`` on to the real server (with ``body`` instead of its own, if given)."""
    parts = urllib.parse.urlsplit(upstream)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        headers = {k: v for k, v in seen.headers.items() if k.lower() in ("content-type", "accept", "user-agent")}
        connection.request(seen.method, seen.path, body=seen.body if body is None else body, headers=headers)
        response = connection.getresponse()
        return Answer(response.status, response.read(), response.getheader("Content-Type") or "text/plain")
    finally:
        connection.close()


def catalogue_state(url: str) -> tuple[dict[str, int], list[str]]:
    """Triples per catalogue graph, and every staging graph left in the store."""
    counts = graph_counts(url)
    return ({g: n for g, n in counts.items() if g.startswith(GRAPHS)},
            [g for g in counts if g.startswith(STAGING_PREFIX)])


# -- endpoints ---------------------------------------------------------------------------------

def test_oxigraph_urls_are_derived_from_the_query_url() -> None:
    endpoints = Endpoints.derive("http://127.0.0.1:7878/query")
    assert (endpoints.update, endpoints.store) == ("http://127.0.0.1:7878/update", "http://127.0.0.1:7878/store")


def test_a_dataset_url_serves_for_everything() -> None:
    endpoints = Endpoints.derive("http://localhost:3030/railgraph")
    assert endpoints.query == endpoints.update == endpoints.store == "http://localhost:3030/railgraph"


def test_explicit_urls_win_and_dataset_parameters_are_kept_apart() -> None:
    endpoints = Endpoints.derive("https://host/ds/sparql?default-graph-uri=https%3A%2F%2Fex.org%2Fg&key=1",
                                 update="https://host/ds/update", store="https://host/ds/data")
    assert endpoints.query == "https://host/ds/sparql?key=1"
    assert endpoints.default_graphs == ("https://ex.org/g",)
    assert (endpoints.update, endpoints.store) == ("https://host/ds/update", "https://host/ds/data")


@pytest.mark.parametrize("url", ["ftp://host/query", "127.0.0.1:7878/query", "http:///query"])
def test_an_endpoint_that_is_not_an_http_url_is_refused(url: str) -> None:
    with pytest.raises(UsageError, match="is not an http"):
        Endpoints.derive(url)


def test_updates_are_refused_before_anything_is_sent() -> None:
    with pytest.raises(UsageError, match="update"):
        remote.query("http://127.0.0.1:9/query", "INSERT DATA { <urn:a> <urn:b> <urn:c> }", timeout=1)
    assert remote.query_form(
        "#+ description: what was added\nPREFIX a: <urn:a#>\nSELECT ?x WHERE { ?x ?p ?o }") == "SELECT"


# -- pushing -----------------------------------------------------------------------------------

def test_push_sends_one_named_graph_per_source_plus_the_inferred_graph(oxigraph: str, pushed, catalogue) -> None:
    expected = expected_counts(catalogue)
    assert f"{GRAPHS}inferred" in expected and f"{GRAPHS}ontology/railgraph.ttl" in expected
    counts, staging = catalogue_state(oxigraph)
    assert counts == expected
    assert staging == []
    assert pushed.graphs == expected and pushed.triples == sum(expected.values())


def test_the_remote_union_holds_exactly_the_local_triples(oxigraph: str, pushed, catalogue) -> None:
    [(count,)] = remote_rows(oxigraph, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o "
                                       "WHERE { ?s ?p ?o } }")
    assert int(count) == len(catalogue.union())


def test_every_named_query_answers_remotely_as_locally(oxigraph: str, pushed, catalogue) -> None:
    compared = 0
    for named in catalogue.queries:
        local = catalogue.run_named(named, {})
        answer = remote.query(oxigraph, remote.named_query_text(named, {}, catalogue.resolve_any), timeout=60)
        assert answer.type == local.type, named.name
        if local.type == "SELECT":
            assert sorted(map(_cells, answer)) == sorted(map(_cells, local)), named.name
            compared += 1
    assert compared == len(catalogue.queries)


def test_remote_named_query_via_the_cli_prints_the_local_rows(oxigraph: str, pushed, catalogue, run_cli,
                                                             cli_loads) -> None:
    loads = cli_loads(catalogue)
    args = ("query", "licence-restrictions", "--param", "licence=bigcode-openrail-m-license-agreement",
            "--format", "csv")
    local = run_cli(*args)
    assert len(loads) == 1
    answer = run_cli(*args, "--endpoint", oxigraph)
    assert answer.code == 0, answer.err
    assert len(loads) == 2  # the slug was resolved with the local catalogue
    assert answer.out == local.out and len(answer.out.splitlines()) == 15
    assert "14 row(s)" in answer.err


def test_a_remote_query_with_full_iris_loads_no_catalogue(oxigraph: str, pushed, run_cli, cli_loads,
                                                         catalogue) -> None:
    loads = cli_loads(catalogue)
    answer = run_cli("query", "licence-restrictions", "--param", f"licence={BIGCODE}", "--endpoint", oxigraph)
    assert answer.code == 0 and "14 row(s)" in answer.err
    assert loads == []


def test_remote_construct_gives_the_local_graph(oxigraph: str, pushed, catalogue, run_cli) -> None:
    text = ("PREFIX odrl: <http://www.w3.org/ns/odrl/2/>\n"
            f"CONSTRUCT {{ <{BIGCODE}> odrl:prohibition ?c . ?c ?p ?o }} "
            f"WHERE {{ <{BIGCODE}> odrl:prohibition ?c . ?c ?p ?o }}")
    answer = run_cli("query", "-", "--format", "nt", "--endpoint", oxigraph, stdin=text)
    assert answer.code == 0, answer.err
    graph = Graph().parse(data=answer.out, format="nt")
    assert len(graph) > 14 and isomorphic(graph, catalogue.query(text).graph)


def test_pushing_again_replaces_drops_stale_graphs_and_keeps_other_data(tmp_path: Path, curated: Catalogue) -> None:
    stale = f"{GRAPHS}data/tools/removed-since.ttl"
    with oxigraph_server(tmp_path / "store") as url:
        first = remote.push(curated, url, timeout=120)
        store_put(url, stale, "<urn:x:a> <urn:x:b> <urn:x:c> .\n")
        store_put(url, OTHER_GRAPH, "<urn:x:a> <urn:x:b> <urn:x:d> .\n")
        again = remote.push(curated, url, timeout=120)
        counts, staging = catalogue_state(url)
        assert counts == expected_counts(curated) == again.graphs == first.graphs  # replaced, not added to
        assert first.dropped == () and again.dropped == (stale,) and staging == []
        assert graph_counts(url)[OTHER_GRAPH] == 1  # outside the catalogue's graphs: untouched


def test_push_into_one_graph_via_the_cli(tmp_path: Path, curated: Catalogue, run_cli, cli_loads) -> None:
    cli_loads(curated)
    graph = "https://example.org/graph/railgraph"
    with oxigraph_server(tmp_path / "store") as url:
        result = run_cli("push", "--endpoint", url, "--graph", graph, "--timeout", "120")
        assert result.code == 0, result.err
        assert f"pushed {len(curated.union()):,} triples in 1 graph(s)" in result.out
        assert graph_counts(url) == {graph: len(curated.union())}
        # that graph, queried as the default graph, answers as the local catalogue
        scoped = f"{url}?default-graph-uri={urllib.parse.quote(graph, safe='')}"
        answer = run_cli("query", "licence-ancestors", "--format", "tsv", "--endpoint", scoped)
        assert answer.code == 0, answer.err
        assert answer.out == run_cli("query", "licence-ancestors", "--format", "tsv").out
        assert answer.out.count("\n") == 4


# -- a push that fails leaves the store as it was ----------------------------------------------

def _failing_push(oxigraph: str, catalogue: Catalogue, rule: Callable[[Seen], Answer | None]) -> RemoteError:
    """Push ``catalogue`` through a proxy that breaks what ``rule`` answers; the store must not change.

    The catalogue pushed is the curated part only: had the switch gone through, it would have
    dropped the register's graphs the session's server holds.
    """
    before = catalogue_state(oxigraph)

    def respond(seen: Seen) -> Answer:
        return rule(seen) or forward(oxigraph, seen)

    with serving(respond) as proxy:
        with pytest.raises(RemoteError) as caught:
            remote.push(catalogue, url_of(proxy), timeout=120)
    assert catalogue_state(oxigraph) == before  # live graphs intact, no staging graph left
    assert caught.value.exit_code == 3
    return caught.value


def test_a_failed_switch_changes_nothing(oxigraph: str, pushed, curated: Catalogue) -> None:
    def rule(seen: Seen) -> Answer | None:
        if seen.path == "/update" and b"MOVE" in seen.body:
            return Answer(500, b"disk full", "text/plain")
        return None

    error = _failing_push(oxigraph, curated, rule)
    assert "HTTP 500" in str(error) and "switch" in str(error) and "disk full" in str(error)


def test_an_upload_cut_short_is_caught_before_the_switch(oxigraph: str, pushed, curated: Catalogue) -> None:
    def rule(seen: Seen) -> Answer | None:
        if seen.path == "/store":  # the store gets whole lines, but only half of them
            return forward(oxigraph, seen, body=seen.body[: seen.body.rindex(b"\n", 0, len(seen.body) // 2) + 1])
        return None

    error = _failing_push(oxigraph, curated, rule)
    assert "staging graph" in str(error) and "railgraph sent" in str(error)


def test_a_rejected_upload_changes_nothing(oxigraph: str, pushed, curated: Catalogue) -> None:
    error = _failing_push(oxigraph, curated, lambda seen: Answer(403, b"read only", "text/plain")
                          if seen.path == "/store" else None)
    assert "HTTP 403" in str(error) and "read-only" in str(error)


def test_garbage_while_checking_the_upload_changes_nothing(oxigraph: str, pushed, curated: Catalogue) -> None:
    error = _failing_push(oxigraph, curated, lambda seen: Answer(200, b"<html>maintenance</html>")
                          if seen.path == "/query" and b"COUNT" in seen.body else None)
    assert "not valid SPARQL JSON results" in str(error)


# -- errors from the command line --------------------------------------------------------------

@pytest.fixture()
def closed_port() -> str:
    return f"http://127.0.0.1:{_free_port()}/query"


def test_an_unreachable_endpoint_exits_3(run_cli, closed_port: str) -> None:
    for args in (("query", "licence-ancestors"), ("push",)):
        result = run_cli(*args, "--endpoint", closed_port)
        assert result.code == 3, result.err
        assert f"cannot reach {closed_port}" in result.err and "hint:" in result.err
        assert result.out == "" and "Traceback" not in result.err


GARBAGE = {
    "html-as-json": Answer(200, b"<!doctype html><p>Welcome to our SPARQL page</p>"),
    "truncated-json": Answer(200, b'{"head":{"vars":["ancestor"]},"results":{"bindings":[{"ancestor":{"ty'),
    "html-page": Answer(200, b"<html></html>", "text/html"),
    "not-results": Answer(200, b'{"error": "try later"}'),
    "server-error": Answer(500, b"java.lang.OutOfMemoryError\x1b[31m", "text/plain"),
    "not-found": Answer(404, b"no such dataset", "text/plain"),
    "partial": Answer(206, b'{"head":{"vars":[]},"results":{"bindings":[]}}'),
    "virtuoso-cut": Answer(200, b'{"head":{"vars":[]},"results":{"bindings":[]}}', headers={"X-SQL-State": "S1TAT"}),
    "unavailable": Answer(503, b"busy", "text/plain", headers={"Retry-After": "60"}),
    "broken-off": Answer(200, b'{"head":{"vars":["ancestor"]},', length=4000),
}
MESSAGES = {"html-as-json": "not valid SPARQL JSON results", "truncated-json": "not valid SPARQL JSON results",
            "html-page": "answered text/html", "not-results": "not valid SPARQL JSON results",
            "server-error": "answered HTTP 500", "not-found": "answered HTTP 404",
            "partial": "partial result", "virtuoso-cut": "partial result (HTTP 200, X-SQL-State S1TAT)",
            "unavailable": "answered HTTP 503 Service Unavailable to the query: busy",
            "broken-off": "broke off the query"}


@pytest.mark.parametrize("case", GARBAGE)
def test_a_garbage_answer_exits_3_and_prints_nothing(run_cli, case: str) -> None:
    with serving(lambda seen: GARBAGE[case]) as fake:
        result = run_cli("query", "licence-ancestors", "--endpoint", url_of(fake))
    assert result.code == 3, result.err
    assert url_of(fake) in result.err and MESSAGES[case] in result.err
    assert result.out == "" and "Traceback" not in result.err
    assert "\x1b" not in result.err  # the server's text is shown escaped


def test_a_slow_endpoint_times_out_with_exit_3(run_cli, monkeypatch) -> None:
    monkeypatch.setenv("RAILGRAPH_REMOTE_TIMEOUT", "0.5")
    with serving(lambda seen: Answer(delay=30)) as slow:
        started = time.monotonic()
        result = run_cli("query", "licence-ancestors", "--endpoint", url_of(slow))
        elapsed = time.monotonic() - started
    assert result.code == 3 and "did not answer the query within 0.5 s" in result.err
    assert result.out == ""
    print(f"gave up after {elapsed:.2f} s (timeout 0.5 s)")


@pytest.mark.parametrize("answer", [Answer(delay=30), Answer(500, b"boom", "text/plain"),
                                    Answer(200, b"<html/>", "text/html")], ids=["slow", "error", "garbage"])
def test_push_to_a_failing_endpoint_exits_3_before_loading(run_cli, answer: Answer) -> None:
    with serving(lambda seen: answer) as fake:
        result = run_cli("push", "--endpoint", url_of(fake), "--timeout", "0.5")
        requests = {(seen.method, seen.path) for seen in fake.seen}
    assert result.code == 3, result.err
    assert url_of(fake) in result.err and result.out == ""
    assert requests == {("POST", "/query")}  # one ASK, nothing uploaded


def test_every_request_says_who_is_asking() -> None:
    with serving(lambda seen: Answer(200, b'{"boolean": true}')) as fake:
        assert remote.query(url_of(fake), "ASK {}", timeout=5).askAnswer is True
    [seen] = fake.seen
    assert seen.headers["User-Agent"] == f"railgraph/{__version__} (+https://w3id.org/railgraph/)"
    assert seen.headers["Accept"] == "application/sparql-results+json"


@pytest.mark.parametrize("args, message", [
    (("push", "--endpoint", "ftp://x/query"), "is not an http(s) URL"),
    (("push", "--endpoint", "http://127.0.0.1:9/query", "--graph", "not an iri"), "must be an absolute IRI"),
    (("push", "--endpoint", "http://127.0.0.1:9/query", "--graph", STAGING_PREFIX + "x"), "staging graph"),
    (("query", "-", "--endpoint", "http://127.0.0.1:9/query"), "update"),
    (("query", "licence-ancestors", "--param", "x=1", "--endpoint", "http://127.0.0.1:9/query"),
     "has no parameter 'x'"),
])
def test_bad_usage_exits_2_without_contacting_anyone(run_cli, args: tuple[str, ...], message: str) -> None:
    result = run_cli(*args, stdin="DELETE WHERE { ?s ?p ?o }")
    assert result.code == 2, result.err
    assert message in result.err and result.out == ""


def test_a_literal_parameter_reaches_the_remote_as_a_term() -> None:
    with serving(lambda seen: Answer(200, b'{"head":{"vars":["s"]},"results":{"bindings":[]}}')) as fake:
        from railgraph.queries import parse_query_file

        named = parse_query_file(Path(__file__).parents[1] / "queries" / "licence-restrictions.rq")
        text = remote.named_query_text(named, {"licence": BIGCODE}, lambda slug: URIRef(slug))
        remote.query(url_of(fake), text, timeout=5)
    [seen] = fake.seen
    sent = urllib.parse.parse_qs(seen.body.decode())["query"][0]
    assert f"<{BIGCODE}>" in sent and "?_licence_iri" not in sent
