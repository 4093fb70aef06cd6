"""Talking to remote SPARQL services: push the catalogue into a triple store, and query one.

Endpoints. ``--endpoint`` is the store's SPARQL *query* URL. The update URL and the Graph Store
Protocol URL are derived from it unless named: a URL whose last path segment is ``query`` or
``sparql`` gives ``.../update`` and ``.../store`` (Oxigraph server's layout); any other URL is
used for all three (a Fuseki dataset URL such as ``http://host:3030/ds`` answers queries, updates
and the Graph Store Protocol). The query URL may carry the protocol's ``default-graph-uri`` and
``named-graph-uri`` parameters; they are sent with every query run on it.

Pushing (:func:`push`) is staged, then switched:

1. the triples are uploaded into *staging* graphs, ``urn:railgraph:staging:{token}:{live IRI}``:
   with one named graph per source file plus the inferred graph, as one N-Quads document POSTed
   to the store URL (blank nodes shared between graphs stay shared); with ``graph``, the union
   of asserted and inferred triples as N-Triples PUT into one staging graph;
2. a query counts the triples of each staging graph and compares them with what was sent;
3. one SPARQL Update request switches them in: ``MOVE`` each staging graph onto its live graph
   and, without ``graph``, ``DROP`` the catalogue's graphs (``https://w3id.org/railgraph/graph/``)
   that the catalogue no longer has. Graphs outside that namespace are never touched.

What is atomic: step 3 is one request, which Oxigraph and Fuseki (TDB2) apply as one transaction,
so readers see the old graphs or the new ones, never a mix. A failure in steps 1-3 leaves the live
graphs as they were; railgraph then drops the staging graphs (``DROP SILENT``) and raises
:class:`~railgraph.errors.RemoteError`. Not atomic: while steps 1-2 run, the staging graphs exist
and are seen by queries over the union of all graphs; a store that applies an update operation
by operation (Virtuoso) may be left half switched when step 3 fails; and when step 3 times out
the store may still apply it later (push again to be sure).

Every HTTP request carries the ``User-Agent`` :data:`USER_AGENT` and a timeout (the
``remote_timeout`` setting: the most seconds to connect or to wait for more of the answer).
Refused connections, timeouts, non-2xx answers, partial answers (HTTP 206, ``X-SQL-State``) and
bodies that do not parse completely as what was asked for raise :class:`RemoteError` (exit 3).
Nothing is written locally.
"""

from __future__ import annotations

import ast
import http.client
import io
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

import pyoxigraph as ox
from rdflib import Graph, URIRef, Variable
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.query import Result
from SPARQLWrapper import POST, SPARQLWrapper
from SPARQLWrapper import SPARQLExceptions

from ._version import __version__
from .errors import RemoteError, UsageError
from .namespaces import GRAPH
from .queries import NamedQuery
from .store import bind_values
from .terms import to_oxigraph

if TYPE_CHECKING:
    from .catalogue import Catalogue

USER_AGENT = f"railgraph/{__version__} (+https://w3id.org/railgraph/)"

#: The prefix of every staging graph a push creates.
STAGING_PREFIX = "urn:railgraph:staging:"

_DATASET_PARAMETERS = ("default-graph-uri", "named-graph-uri")
_SELECT_MEDIA = "application/sparql-results+json"
_GRAPH_MEDIA = {"application/n-triples": "nt", "text/turtle": "turtle", "application/turtle": "turtle",
                "application/x-turtle": "turtle", "text/plain": "nt"}
_IRI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|\\^`]*$")
_EXCERPT = 300
_UPDATE = "INSERT"  # SPARQLWrapper sends any of its update kinds as an update


# -- endpoints ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Endpoints:
    """The URLs of one store: SPARQL query, SPARQL update and Graph Store Protocol."""

    query: str
    update: str
    store: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    @property
    def plain(self) -> Endpoints:
        """The same URLs without the query URL's dataset parameters (for reading named graphs)."""
        return Endpoints(self.query, self.update, self.store)

    @classmethod
    def derive(cls, query: str, *, update: str | None = None, store: str | None = None) -> Endpoints:
        """The endpoints of a store given its query URL (see the module docstring)."""
        parts = urllib.parse.urlsplit(_http_url(query, "--endpoint"))
        pairs = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        dataset = {name: tuple(v for k, v in pairs if k == name) for name in _DATASET_PARAMETERS}
        for value in dataset["default-graph-uri"] + dataset["named-graph-uri"]:
            _check_iri(value, "a graph named in --endpoint")
        kept = urllib.parse.urlencode([(k, v) for k, v in pairs if k not in _DATASET_PARAMETERS])
        base = urllib.parse.urlunsplit(parts._replace(query=kept, fragment=""))
        path = parts.path.rstrip("/")
        head, _, last = path.rpartition("/")
        if last in ("query", "sparql"):
            derived = {name: urllib.parse.urlunsplit(parts._replace(path=f"{head}/{name}", query="", fragment=""))
                       for name in ("update", "store")}
        else:
            derived = {"update": base, "store": base}
        return cls(query=base,
                   update=_http_url(update, "--update-endpoint") if update else derived["update"],
                   store=_http_url(store, "--store-endpoint") if store else derived["store"],
                   default_graphs=dataset["default-graph-uri"], named_graphs=dataset["named-graph-uri"])


def _http_url(url: str, option: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"{option} {url!r} is not an http(s) URL",
                         hint="give the full URL, e.g. http://127.0.0.1:7878/query")
    return url


def _check_iri(value: str, what: str) -> None:
    if not _IRI.match(value):
        raise UsageError(f"{what} must be an absolute IRI, got {value!r}",
                         hint="e.g. https://example.org/graph/railgraph")


# -- querying ----------------------------------------------------------------------------------

def named_query_text(named: NamedQuery, params: Mapping[str, str],
                     resolve: Callable[[str], URIRef]) -> str:
    """The text of ``named`` with its parameters written in as RDF terms, ready to send.

    An IRI parameter given without a colon (a slug, a licence identifier, a concept notation) is
    first turned into an IRI by ``resolve``, as :meth:`Catalogue.run_named` does locally.
    """
    return bind_values(named.text, named.bindings(params, resolve))


def query(endpoint: Endpoints | str, text: str, *, timeout: float) -> Result:
    """Run a SPARQL query on a remote endpoint and return its complete answer.

    SELECT and ASK answers are read as SPARQL JSON results, CONSTRUCT and DESCRIBE answers as
    N-Triples or Turtle; the whole body must parse before anything is returned.
    """
    endpoints = endpoint if isinstance(endpoint, Endpoints) else Endpoints.derive(endpoint)
    form = query_form(text)
    accept = _SELECT_MEDIA if form in ("SELECT", "ASK") else \
        "application/n-triples, text/turtle;q=0.9"
    body, media = _sparql(endpoints, text, form=form, accept=accept, timeout=timeout, what="query")
    url = endpoints.query
    if form in ("SELECT", "ASK"):
        if media != _SELECT_MEDIA:
            _garbage(url, f"answered {media or 'no content type'} where SPARQL JSON results "
                          f"({_SELECT_MEDIA}) were asked for")
        try:
            result = Result.parse(io.BytesIO(body), format="json")
            _ = len(result.bindings) if result.type == "SELECT" else result.askAnswer
        except Exception as exc:  # json, rdflib's ResultException, KeyError, NotImplementedError...
            _garbage(url, f"answered a body that is not valid SPARQL JSON results ({_first_line(exc)})", exc)
        if result.type != form:
            _garbage(url, f"answered a {result.type} result to a {form} query")
        return result
    if media not in _GRAPH_MEDIA:
        _garbage(url, f"answered {media or 'no content type'} where N-Triples or Turtle were asked for")
    graph = Graph()
    try:
        graph.parse(data=body.decode("utf-8"), format=_GRAPH_MEDIA[media])
    except Exception as exc:  # rdflib parser errors, UnicodeDecodeError
        _garbage(url, f"answered {media} that does not parse ({_first_line(exc)})", exc)
    result = Result(form)
    result.graph = graph
    return result


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; a SPARQL update is refused.

    rdflib's parser decides; a query it cannot parse (a store's own extension of SPARQL) is
    judged by its first form keyword outside comments, strings and IRIs, and is still only ever
    sent as a query, never as an update.
    """
    try:
        return _FORMS[parseQuery(text)[1].name]
    except Exception:  # pyparsing's ParseException, or a parse tree of another shape: not a query
        pass
    try:
        parseUpdate(text)
    except Exception:  # not an update either
        pass
    else:
        raise UsageError("this is a SPARQL update, which changes data; `railgraph query` only reads",
                         hint="run updates with the store's own tools")
    match = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", _NOT_CODE.sub(" ", text), re.IGNORECASE)
    if match is None:
        raise UsageError("cannot tell what kind of SPARQL query this is",
                         hint="a query starts (after PREFIX and BASE) with SELECT, ASK, CONSTRUCT or DESCRIBE")
    return match.group(1).upper()


_FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}
_NOT_CODE = re.compile(r'#[^\n]*|"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\\n])*"'
                       r"|'(?:\\.|[^'\\\n])*'|<[^<>\"{}|^`\\\s]*>")


# -- pushing -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PushReport:
    """What a push put in place: triples per live graph, and the catalogue graphs it dropped."""

    store: str
    graphs: dict[str, int]
    dropped: tuple[str, ...]

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


def check(endpoint: Endpoints | str, *, timeout: float, graph: str | None = None) -> None:
    """Fail fast, before a catalogue is loaded: ``graph`` is an IRI and the query URL answers ASK."""
    endpoints = endpoint if isinstance(endpoint, Endpoints) else Endpoints.derive(endpoint)
    if graph is not None:
        _check_graph(graph)
    query(endpoints.plain, "ASK {}", timeout=timeout)


def push(catalogue: Catalogue, endpoint: Endpoints | str, *, graph: str | None = None,
         timeout: float | None = None) -> PushReport:
    """Replace the catalogue's graphs in a remote store, all or nothing (see the module docstring).

    Without ``graph``: one named graph per source file and the inferred graph, as in
    :attr:`Catalogue.dataset`. With ``graph``: asserted and inferred triples together in that one
    graph. ``timeout`` defaults to the ``remote_timeout`` setting.
    """
    endpoints = endpoint if isinstance(endpoint, Endpoints) else Endpoints.derive(endpoint)
    timeout = float(catalogue.settings["remote_timeout"] if timeout is None else timeout)
    if timeout <= 0:
        raise UsageError(f"the timeout must be a positive number of seconds, got {timeout}")
    if graph is not None:
        _check_graph(graph)
    token = uuid.uuid4().hex

    def staging(live: object) -> str:
        return f"{STAGING_PREFIX}{token}:{live}"

    if graph is None:
        graphs = [g for g in catalogue.dataset.graphs() if g.identifier != DATASET_DEFAULT_GRAPH_ID]
        expected = {str(g.identifier): len(g) for g in graphs}
        payload = ox.serialize((ox.Quad(*(to_oxigraph(t) for t in triple), ox.NamedNode(staging(g.identifier)))
                                for g in graphs for triple in g), format=ox.RdfFormat.N_QUADS)
        upload = ("POST", endpoints.store, "application/n-quads")
    else:
        union = catalogue.union()
        expected = {graph: len(union)}
        payload = ox.serialize((ox.Triple(*(to_oxigraph(t) for t in triple)) for triple in union),
                               format=ox.RdfFormat.N_TRIPLES)
        upload = ("PUT", _with_query(endpoints.store, graph=staging(graph)), "application/n-triples")
    session = _Session(endpoints, timeout)
    try:
        session.send(upload[0], upload[1], payload, upload[2])
        found = session.staged_counts(STAGING_PREFIX + token + ":")
        for live, count in expected.items():
            if found.get(staging(live), 0) != count:
                raise RemoteError(f"{endpoints.store} holds {found.get(staging(live), 0):,} triples in "
                                  f"staging graph <{staging(live)}>, but railgraph sent {count:,}",
                                  hint="the upload was cut short or changed by the store; push again")
        stale = sorted(session.catalogue_graphs() - set(expected)) if graph is None else []
        operations = [f"DROP SILENT GRAPH <{iri}>" for iri in stale]
        operations += [f"MOVE GRAPH <{staging(live)}> TO GRAPH <{live}>" if count else
                       f"DROP SILENT GRAPH <{live}>" for live, count in sorted(expected.items())]
        session.update(" ;\n".join(operations), what="switch")
    except BaseException as error:  # a RemoteError, or an interrupt: clean up either way
        leftover = session.drop_quietly([staging(live) for live in expected])
        if leftover and isinstance(error, RemoteError):
            error.hint = (error.hint + "; " if error.hint else "") + \
                f"staging graphs named {STAGING_PREFIX}{token}:... may remain: {leftover}"
        raise
    return PushReport(store=endpoints.store, graphs=expected, dropped=tuple(stale))


def _check_graph(graph: str) -> None:
    _check_iri(graph, "--graph")
    if graph.startswith(STAGING_PREFIX):
        raise UsageError(f"--graph {graph!r} is a staging graph name", hint="name another graph")


def _with_query(url: str, **params: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = "&".join(p for p in (parts.query, urllib.parse.urlencode(params)) if p)
    return urllib.parse.urlunsplit(parts._replace(query=query))


class _Session:
    """The requests of one push, sharing the endpoints and the timeout."""

    def __init__(self, endpoints: Endpoints, timeout: float) -> None:
        self.endpoints = endpoints.plain  # a push reads named graphs: no dataset parameters
        self.timeout = timeout

    def send(self, method: str, url: str, body: bytes, media_type: str) -> None:
        """One Graph Store Protocol request (the upload)."""
        request = urllib.request.Request(url, data=body, method=method, headers={
            "Content-Type": media_type, "User-Agent": USER_AGENT})
        with _translated(url, "upload", self.timeout):
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()

    def select(self, text: str) -> Result:
        return query(self.endpoints, text, timeout=self.timeout)

    def staged_counts(self, prefix: str) -> dict[str, int]:
        result = self.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                             f"FILTER(STRSTARTS(STR(?g), {_string(prefix)})) }} GROUP BY ?g")
        counts: dict[str, int] = {}
        for row in result.bindings:
            try:
                counts[str(row[Variable("g")])] = int(row[Variable("n")])
            except (KeyError, ValueError) as exc:
                _garbage(self.endpoints.query, f"answered a triple count that is not a number ({exc})", exc)
        return counts

    def catalogue_graphs(self) -> set[str]:
        result = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } "
                             f"FILTER(STRSTARTS(STR(?g), {_string(str(GRAPH))})) }}")
        return {str(row[Variable("g")]) for row in result.bindings if Variable("g") in row}

    def update(self, text: str, *, what: str) -> None:
        _sparql(self.endpoints, text, form=_UPDATE, accept="*/*", timeout=self.timeout, what=what)

    def drop_quietly(self, graphs: list[str]) -> str | None:
        """Drop the staging graphs; on failure, say why instead of raising."""
        try:
            self.update(" ;\n".join(f"DROP SILENT GRAPH <{iri}>" for iri in graphs), what="clean-up")
        except RemoteError as error:
            return error.message
        return None


# -- HTTP --------------------------------------------------------------------------------------

def _sparql(endpoints: Endpoints, text: str, *, form: str, accept: str, timeout: float,
            what: str) -> tuple[bytes, str]:
    """POST a query (``form`` SELECT, ASK, CONSTRUCT or DESCRIBE) or an update (``form``
    :data:`_UPDATE`) with SPARQLWrapper; the whole body and its media type.
    """
    wrapper = SPARQLWrapper(endpoints.query, updateEndpoint=endpoints.update, agent=USER_AGENT)
    wrapper.setMethod(POST)
    wrapper.setOnlyConneg(True)
    # SPARQLWrapper's setTimeout() truncates to whole seconds (0.5 would mean none); urlopen takes a float
    wrapper.timeout = timeout  # type: ignore[assignment]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SPARQLWrapper guesses the form with a regex and warns
        wrapper.setQuery(text)
    wrapper.queryType = form  # what decides query or update is railgraph's, not the guess
    wrapper.addCustomHttpHeader("Accept", accept)
    for iri in endpoints.default_graphs:
        wrapper.addDefaultGraph(iri)
    for iri in endpoints.named_graphs:
        wrapper.addNamedGraph(iri)
    url = endpoints.update if form == _UPDATE else endpoints.query
    with _translated(url, what, timeout):
        response = wrapper.query().response
        try:
            status = response.status
            headers = response.headers
            body = response.read()
        finally:
            response.close()
    sql_state = headers.get("X-SQL-State")  # how Virtuoso marks an answer cut at its limits
    if status == 206 or sql_state:
        _garbage(url, f"answered a partial result (HTTP {status}" + (f", X-SQL-State {sql_state})" if sql_state else ")"),
                 hint="the store stopped at one of its own limits (time or rows); narrow the query "
                      "or raise the store's limit")
    return body, headers.get_content_type() if headers.get("Content-Type") else ""


@contextmanager
def _translated(url: str, what: str, timeout: float) -> Iterator[None]:
    """Turn every way an HTTP request can fail into a :class:`RemoteError` naming ``url``."""
    try:
        yield
    except SPARQLExceptions.SPARQLWrapperException as exc:
        status = _WRAPPER_STATUS.get(type(exc), "an error")
        _status_error(url, what, status, _wrapper_body(exc), exc)
    except urllib.error.HTTPError as exc:
        with exc:
            body = _read_quietly(exc)
        _status_error(url, what, f"HTTP {exc.code} {exc.reason}", body, exc)
    except TimeoutError as exc:
        _timed_out(url, what, timeout, exc)
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            _timed_out(url, what, timeout, exc)
        reason = exc.reason.strerror if isinstance(exc.reason, OSError) and exc.reason.strerror else exc.reason
        raise RemoteError(f"cannot reach {url} ({what}): {reason}",
                          hint="check the URL and that the store is running and reachable") from exc
    except (http.client.HTTPException, ConnectionError, OSError) as exc:
        raise RemoteError(f"{url} broke off the {what}: {_first_line(exc) or type(exc).__name__}",
                          hint="the store closed the connection or sent an incomplete answer; "
                               "check its log and try again") from exc


_WRAPPER_STATUS = {
    SPARQLExceptions.QueryBadFormed: "HTTP 400 Bad Request",
    SPARQLExceptions.Unauthorized: "HTTP 401 Unauthorized",
    SPARQLExceptions.EndPointNotFound: "HTTP 404 Not Found",
    SPARQLExceptions.URITooLong: "HTTP 414 URI Too Long",
    SPARQLExceptions.EndPointInternalError: "HTTP 500 Internal Server Error",
}


def _status_error(url: str, what: str, status: str, body: bytes, exc: Exception) -> NoReturn:
    code = status.split()[1] if status.startswith("HTTP ") else ""
    hints = {"400": "the store rejected the request; its message above says why",
             "401": "the store wants credentials; railgraph does not send any",
             "403": "the store refuses writes here: is it read-only, or is this the query URL?",
             "404": "check the URL (see docs/remote.md for each store's URLs, and "
                    "--update-endpoint / --store-endpoint to name them)",
             "405": "this URL does not accept that method: name the right one with "
                    "--update-endpoint or --store-endpoint",
             "429": "the store asks to slow down; try again later",
             "503": "the store is busy, starting or down; try again later"}
    detail = _excerpt(body)
    raise RemoteError(f"{url} answered {status} to the {what}" + (f": {detail}" if detail else ""),
                      hint=hints.get(code, "the store failed; check its log")) from exc


def _timed_out(url: str, what: str, timeout: float, exc: Exception) -> NoReturn:
    raise RemoteError(f"{url} did not answer the {what} within {timeout:g} s",
                      hint="raise it with --timeout or RAILGRAPH_REMOTE_TIMEOUT, or check the store") from exc


def _garbage(url: str, message: str, exc: Exception | None = None, *, hint: str | None = None) -> NoReturn:
    raise RemoteError(f"{url} {message}",
                      hint=hint or "is this the SPARQL endpoint itself, not a web page? "
                                   "a cut-off answer can also mean the store's own time limit stopped the query") from exc


def _wrapper_body(exc: Exception) -> bytes:
    """The response body SPARQLWrapper folded into its message (as the repr of bytes)."""
    _, found, text = str(exc).partition("Response:\n")
    if found:
        try:
            value = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError):
            return text.encode("utf-8", "replace")
        return value if isinstance(value, bytes) else str(value).encode("utf-8", "replace")
    return b""


def _read_quietly(exc: urllib.error.HTTPError) -> bytes:
    try:
        return exc.read(64 * 1024)
    except (OSError, http.client.HTTPException):
        return b""


def _excerpt(body: bytes) -> str:
    """The start of an error body, one line, printable characters only."""
    text = body[: _EXCERPT * 4].decode("utf-8", "replace")
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "…"


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _string(value: str) -> str:
    return str(ox.Literal(value))
