"""Dereferenceable IRIs: ``/id/...``, ``/vocab/...``, ``/graph/...`` and ``/ontology``.

An IRI's own path answers ``303 See Other`` to the representation the client's ``Accept``
prefers; the path plus an extension (``.html``, ``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``) answers
that representation. HTML pages are the static site's (:mod:`railgraph.export.site`), served at
the same paths so their relative links work; an entity's RDF is its description as the site's
twins hold it; a graph's RDF is the named graph. Rendered representations are kept in an LRU
cache, and :class:`RepeatLookups` answers a repeated ``GET`` of one with the exact response the
application sent the first time, before routing, so a repeated lookup is a dictionary hit.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import UsageError
from ..export.jsonld import context_for
from ..export.rdf import get_format, serialize
from ..export.site import Links, environment, render_entity, render_page
from ..namespaces import BASE, INFERRED_GRAPH
from . import negotiation

if TYPE_CHECKING:
    from ..catalogue import Catalogue
    from ..views import ViewIndex

#: Representations by extension: (media type, export format name or "html"), in order of preference.
REPRESENTATIONS: dict[str, tuple[str, str]] = {
    "html": ("text/html", "html"),
    "ttl": ("text/turtle", "ttl"),
    "jsonld": ("application/ld+json", "jsonld"),
    "nt": ("application/n-triples", "nt"),
    "rdf": ("application/rdf+xml", "rdfxml"),
}
_EXTENSION_OF = {media: ext for ext, (media, _) in REPRESENTATIONS.items()}
_OFFERS = tuple(_EXTENSION_OF)

#: Rendered representations kept in memory.
CACHE_SIZE = 8192

_GRAPH_PAGE = """{% extends "base.html" %}
{% block title %}Graph {{ name }}{% endblock %}
{% block main %}
<h1>Named graph</h1>
<p><code>{{ name }}</code>: {{ size }} triples.
{% for ext, media in formats %}<a href="{{ ext }}">{{ media }}</a>{% if not loop.last %} · {% endif %}{% endfor %}</p>
<h2>Resources described</h2>
<ul>
{% for subject in subjects %}<li>{{ term(subject) }}</li>
{% endfor %}
</ul>
{% endblock %}
"""

_NOT_FOUND_PAGE = """{% extends "base.html" %}
{% block title %}Not found{% endblock %}
{% block main %}
<h1>Not found</h1>
<p>Nothing is published at <code>{{ path }}</code>. {{ message }}</p>
<p><a href="{{ site('index.html') }}">Browse the catalogue</a></p>
{% endblock %}
"""


class LinkedData:
    """The catalogue's resources by path, and their cached representations."""

    def __init__(self, catalogue: Catalogue, index: ViewIndex) -> None:
        self.catalogue = catalogue
        self.index = index
        self.entities = {path: node for node, path in index.pages.items()}
        self.graphs: dict[str, Graph] = {str(source.graph_iri)[len(BASE):]: source.graph
                                         for source in catalogue.sources}
        self.graphs[str(INFERRED_GRAPH)[len(BASE):]] = catalogue.inferred
        self.ontology = self.graphs.get("graph/ontology/railgraph.ttl", Graph())
        self._cache: OrderedDict[str, bytes] = OrderedDict()

    def exists(self, path: str) -> bool:
        """Whether ``path`` (without a leading slash) is the path of a published IRI."""
        return path in self.entities or path in self.graphs or path == "ontology"

    def split(self, path: str) -> tuple[str, str] | None:
        """``(resource path, extension)`` of a representation's path, or None."""
        stem, dot, ext = path.rpartition(".")
        if dot and ext in REPRESENTATIONS and self.exists(stem):
            return stem, ext
        return None

    def representation(self, path: str, ext: str) -> bytes:
        """The bytes of resource ``path`` as ``ext`` (rendered once, then cached)."""
        key = f"{path}.{ext}"
        data = self._cache.get(key)
        if data is None:
            data = self._render(path, ext)
            self._cache[key] = data
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return data

    def _render(self, path: str, ext: str) -> bytes:
        fmt = REPRESENTATIONS[ext][1]
        if path in self.entities:
            node = self.entities[path]
            if fmt == "html":
                return render_entity(self.catalogue, str(node))
            description = self.index.describe(node)
            return serialize(description, get_format(fmt), context_for(description, self.catalogue.jsonld_context))
        graph = self.ontology if path == "ontology" else self.graphs[path]
        if fmt == "html":
            return render_page(self.catalogue, "ontology.html") if path == "ontology" else self._graph_page(path, graph)
        return self.catalogue.serialize(graph, fmt)

    def _graph_page(self, path: str, graph: Graph) -> bytes:
        links = Links(self.index, f"{path}.html")
        name = path.rsplit("/", 1)[-1]
        subjects = sorted({s for s in graph.subjects() if isinstance(s, URIRef)}, key=str)
        template = environment().from_string(_GRAPH_PAGE)
        return template.render(
            name=BASE + path, size=len(graph), subjects=[self.index.term(s) for s in subjects],
            formats=[(f"{name}.{ext}", media) for ext, (media, fmt) in REPRESENTATIONS.items() if fmt != "html"],
            site=links.site, term=links.term, stylesheet=links.site("style.css")).encode("utf-8")

    def alternates(self, request: Request, path: str) -> str:
        """The ``Link`` header naming every representation of ``path``."""
        root = request.scope.get("root_path", "")
        return ", ".join(f'<{root}/{path}.{ext}>; rel="alternate"; type="{media}"'
                         for ext, (media, _) in REPRESENTATIONS.items())


async def resource(request: Request) -> Response:
    """An IRI (303 to a representation) or one representation of it."""
    data: LinkedData = request.app.state.linked_data
    path = request.url.path[len(request.scope.get("root_path", "")):].lstrip("/")
    if data.exists(path):
        media = negotiation.choose(request.headers.get("accept"), _OFFERS)
        if media is None:
            return Response(f"{BASE}{path} is available as {', '.join(_OFFERS)}\n", status_code=406,
                            media_type="text/plain; charset=utf-8", headers={"Vary": "Accept"})
        root = request.scope.get("root_path", "")
        return RedirectResponse(f"{root}/{path}.{_EXTENSION_OF[media]}", status_code=303,
                                headers={"Vary": "Accept", "Link": data.alternates(request, path)})
    found = data.split(path)
    if found is not None:
        stem, ext = found
        body = data.representation(stem, ext)
        return Response(body, media_type=negotiation.with_charset(REPRESENTATIONS[ext][0]),
                        headers={"Vary": "Accept", "Link": data.alternates(request, stem)})
    if path.startswith("id/") and path.endswith(".html"):  # the site's list pages, e.g. id/tool.html
        try:
            return Response(render_page(data.catalogue, path), media_type="text/html; charset=utf-8")
        except UsageError:
            pass
    return not_found(request, "No entry, concept, graph or ontology term has this IRI.")


class RepeatLookups:
    """ASGI middleware: a repeated ``GET`` of a representation answered from memory, before routing.

    The first ``GET`` of a representation path goes through the whole application (routing, the
    handler, the CORS middleware); its ``200`` response (status, headers and body) is recorded
    and sent again, unchanged, for the next ``GET`` of the same path. A representation's response
    depends only on its path, so the answer is the same bytes the application would send. Requests
    with an ``Origin`` header (CORS), another method or a ``root_path`` always take the full path.
    At most ``size`` responses are kept (least recently used first out).
    """

    def __init__(self, app: ASGIApp, data: LinkedData, size: int = CACHE_SIZE) -> None:
        self.app = app
        self.data = data
        self.size = size
        self._sent: OrderedDict[str, tuple[list[tuple[bytes, bytes]], bytes]] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope.get("root_path") \
                or any(name == b"origin" for name, _ in scope["headers"]):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        sent = self._sent.get(path)
        if sent is not None:
            self._sent.move_to_end(path)
            await send({"type": "http.response.start", "status": 200, "headers": sent[0]})
            await send({"type": "http.response.body", "body": sent[1]})
            return
        if path.startswith("//") or self.data.split(path[1:]) is None:
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, self._recorder(path, send))

    def _recorder(self, path: str, send: Send) -> Send:
        """``send``, keeping a complete ``200`` response sent in one body message."""
        start: list[Message] = []

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                start[:] = [message] if message["status"] == 200 else []
            elif start and message["type"] == "http.response.body" and not message.get("more_body"):
                self._sent[path] = (list(start[0].get("headers", [])), bytes(message.get("body", b"")))
                if len(self._sent) > self.size:
                    self._sent.popitem(last=False)
            else:
                start.clear()
            await send(message)

        return record


def not_found(request: Request, message: str) -> Response:
    """A 404 page (HTML for browsers, plain text otherwise)."""
    path = request.url.path
    if negotiation.choose(request.headers.get("accept"), ("text/html", "text/plain")) == "text/html":
        data: LinkedData = request.app.state.linked_data
        links = Links(data.index, path.lstrip("/") or "index.html")
        page = environment().from_string(_NOT_FOUND_PAGE).render(
            path=path, message=message, site=links.site, stylesheet=links.site("style.css"))
        return Response(page, status_code=404, media_type="text/html; charset=utf-8")
    return Response(f"not found: {path}\n  hint: {message}\n", status_code=404, media_type="text/plain; charset=utf-8")
