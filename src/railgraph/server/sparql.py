"""``/sparql``: the SPARQL 1.1 Protocol endpoint (query only) and its Service Description.

https://www.w3.org/TR/sparql11-protocol/ and https://www.w3.org/TR/sparql11-service-description/

Queries come by GET (``?query=``), by URL-encoded POST (``query=``) or by direct POST
(``application/sparql-query``); ``default-graph-uri`` and ``named-graph-uri`` may name catalogue
graphs. Updates (``application/sparql-update``, an ``update`` field) answer 403: the catalogue is
read-only. GET without a query answers the Service Description.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF
from starlette.requests import Request
from starlette.responses import Response

from ..errors import InputError, NotAcceptable, QueryLimitError, RailgraphError, UsageError
from ..export.catalog import PROJECT
from ..namespaces import INFERRED_GRAPH
from . import negotiation
from .state import ServerState

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")

#: Most bytes a request body may hold.
MAX_BODY_BYTES = 400_000

#: The W3C format IRIs of every media type the endpoint answers in.
RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                  "Turtle", "N-Triples", "JSON-LD", "RDF_XML")

#: HTTP status of each way a query can fail.
STATUS_OF_LIMIT = {"deadline": 503, "busy": 503, "row_cap": 422}

_CORS_ALLOW = "GET, POST, OPTIONS"
_FORM = "application/x-www-form-urlencoded"


async def endpoint(request: Request) -> Response:
    """The one handler of ``/sparql`` (GET, POST, OPTIONS)."""
    state: ServerState = request.app.state.railgraph
    if request.method == "OPTIONS":
        return Response(status_code=204, headers={"Allow": _CORS_ALLOW})
    try:
        fields = await _fields(request)
    except _Refused as refused:
        return problem(refused.error, refused.status)
    if fields.get("update"):
        return problem(UsageError("updates are not accepted: this catalogue is read-only",
                                  hint="send SELECT, ASK, CONSTRUCT or DESCRIBE queries"), 403)
    queries = fields.get("query", [])
    chosen = negotiation.format_accept(fields.get("format", []) + fields.get("output", []))
    accept = chosen or request.headers.get("accept")
    if not queries:
        return service_description(state, request, accept)
    if len(queries) > 1:
        return problem(UsageError("the request gives more than one query", hint="send exactly one query"), 400)
    try:
        answer = await state.runner.run(queries[0], accept or "*/*",
                                        default_graphs=tuple(fields.get("default-graph-uri", [])),
                                        named_graphs=tuple(fields.get("named-graph-uri", [])))
    except RailgraphError as error:
        return problem(error, status_of(error))
    return Response(answer.body, media_type=answer.media_type, headers={"Vary": "Accept"})


def status_of(error: RailgraphError) -> int:
    """The HTTP status of a failed query."""
    if isinstance(error, NotAcceptable):
        return 406
    if isinstance(error, QueryLimitError):
        return STATUS_OF_LIMIT.get(error.limit, 503)
    if isinstance(error, (InputError, UsageError)):
        return 400
    return 500


def problem(error: RailgraphError, status: int) -> Response:
    """A plain-text error response that says what is wrong and what to do."""
    headers = {"Retry-After": "5"} if isinstance(error, QueryLimitError) and error.limit == "busy" else {}
    return Response(str(error) + "\n", status_code=status, media_type="text/plain; charset=utf-8",
                    headers=headers)


class _Refused(Exception):
    """A request the protocol layer turns away before reading a query."""

    def __init__(self, error: RailgraphError, status: int) -> None:
        super().__init__(error.message)
        self.error, self.status = error, status


async def _fields(request: Request) -> dict[str, list[str]]:
    """The protocol's parameters from the URL and, for POST, from the body."""
    fields: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        fields.setdefault(key, []).append(value)
    if request.method != "POST":
        return fields
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/sparql-update":
        return {**fields, "update": ["(body)"]}
    if content_type not in (_FORM, "application/sparql-query"):
        raise _Refused(UsageError(f"content type {content_type or '(none)'!r} is not accepted",
                                  hint=f"POST a query as {_FORM} (query=...) or as application/sparql-query"), 415)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise _Refused(UsageError(f"the request body is larger than {MAX_BODY_BYTES:,} bytes",
                                      hint="send a shorter query"), 413)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Refused(InputError("the request body is not UTF-8", hint="encode the query as UTF-8"), 400) from exc
    if content_type == "application/sparql-query":
        return {**fields, "query": fields.get("query", []) + [text]}
    for key, value in parse_qsl(text, keep_blank_values=True):
        fields.setdefault(key, []).append(value)
    return fields


def service_description(state: ServerState, request: Request, accept: str | None) -> Response:
    """The SPARQL Service Description of this endpoint, in the RDF format the client prefers."""
    media_type = negotiation.choose(accept, negotiation.GRAPH_TYPES)
    if media_type is None:
        return problem(NotAcceptable("the service description is available as "
                                     + ", ".join(negotiation.GRAPH_TYPES)), 406)
    names = sorted({str(source.graph_iri) for source in state.catalogue.sources} | {str(INFERRED_GRAPH)})
    graph = describe_service(str(request.url_for("sparql")), names)
    name = {"text/turtle": "ttl", "application/n-triples": "nt", "application/ld+json": "jsonld",
            "application/rdf+xml": "rdfxml"}[media_type]
    return Response(state.catalogue.serialize(graph, name), media_type=negotiation.with_charset(media_type),
                    headers={"Vary": "Accept"})


def describe_service(endpoint: str, names: list[str]) -> Graph:
    """``sd:Service`` for ``endpoint``: the language, result formats and default dataset."""
    graph = Graph(bind_namespaces="none")
    graph.bind("sd", SD)
    graph.bind("dct", DCTERMS)
    service = URIRef(endpoint)
    dataset, default = BNode("dataset"), BNode("default")
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, DCTERMS.title, Literal("The railgraph SPARQL endpoint (read-only)", lang="en")))
    graph.add((service, DCTERMS.publisher, PROJECT))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    for name in RESULT_FORMATS:
        graph.add((service, SD.resultFormat, FORMATS[name]))
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((default, DCTERMS.description, Literal(
        "The union of every named graph: the asserted catalogue and the inferred triples", lang="en")))
    for number, name in enumerate(names):
        named = BNode(f"graph{number}")
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
    return graph

