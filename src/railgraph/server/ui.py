"""The web UI: search with facet filters, the check-use form and the query page.

Pages are rendered on the server with the site's Jinja2 templates (autoescaped) and work without
JavaScript; ``/static/ui.js`` only makes them quicker to use (filters apply on change, choosing a
named query opens it, Ctrl+Enter runs the editor). Entity and licence pages are the linked-data
pages of :mod:`railgraph.server.linked_data`; this module links to them.

Every page answers ``200``, or ``400`` (``404`` for an unknown named query, the query's own status
for a refused or stopped query) with the problems shown above the form; hostile input is escaped
by the templates and never reaches a query as text.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from rdflib import URIRef
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from .. import facets as facet_module
from ..errors import InputError, QueryLimitError, QueryRefused, RailgraphError, UsageError
from ..export.site import environment
from ..licensing import UseCheck
from ..namespaces import RDF, RG, VOCAB
from ..queries import NamedQuery
from ..store import bind_values
from ..views import ConceptNode
from . import forms
from .forms import PAGE_SIZE, PANEL_FACETS, Problem
from .results import ACCEPT, DOWNLOADS, Shown, link, show
from .sparql import status_of
from .state import ServerState

#: Sent with every UI page: scripts and styles only from this server, no plugins, no framing.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

#: Files the pages load, served from the package's templates folder.
ASSETS = {"ui.css": "text/css; charset=utf-8", "ui.js": "text/javascript; charset=utf-8"}


def routes(state: ServerState) -> list[BaseRoute]:
    """The UI's routes, for :func:`railgraph.server.app.create_app` to mount."""
    ui = WebUI(state)
    return [
        Route("/", ui.home, methods=["GET"], name="ui-home"),
        Route("/index.html", ui.index_html, methods=["GET"]),
        Route("/check-use", ui.check_use, methods=["GET"], name="ui-check-use"),
        Route("/query", ui.query, methods=["GET", "POST"], name="ui-query"),
        Route("/static/{name}", ui.asset, methods=["GET"], name="ui-asset"),
    ]


# -- view models -------------------------------------------------------------------------------

@dataclass(frozen=True)
class FacetValue:
    slug: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    key: str
    label: str
    values: tuple[FacetValue, ...]


@dataclass(frozen=True)
class ActiveFilter:
    facet: str
    label: str
    remove: str  # the URL of the same search without this filter


@dataclass(frozen=True)
class Result:
    href: str | None
    title: str
    kind: str
    summary: str | None
    matched: tuple[str, ...]


@dataclass(frozen=True)
class Purpose:
    slug: str
    label: str
    depth: int


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


class WebUI:
    """The UI's request handlers over one :class:`ServerState`."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.catalogue = state.catalogue
        self.views = state.views
        self.env = environment()
        self._browse: facet_module.FacetIndex | None = None
        self._purposes: tuple[Purpose, ...] | None = None
        self._subjects: tuple[tuple[Choice, ...], tuple[Choice, ...]] | None = None
        self._assets: dict[str, bytes] = {}

    # -- plumbing ---------------------------------------------------------------------------

    def site(self, path: str) -> str:
        """The URL of a page of this server (``index.html`` is the home page)."""
        return f"{self.state.base_path}/" + ("" if path == "index.html" else path)

    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        html = self.env.get_template(f"server/{template}").render(
            site=self.site, stylesheet=self.site("style.css"), **context)
        return Response(html, status_code=status, media_type="text/html; charset=utf-8",
                        headers=SECURITY_HEADERS)

    def href(self, iri: str) -> str | None:
        return link(iri, self.views, self.state.base_path)

    async def index_html(self, request: Request) -> Response:
        """The static site's home page name (linked from entity pages) answers with the home page."""
        target = self.site("index.html") + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(target, status_code=308)

    async def asset(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSETS:
            raise HTTPException(404, f"no asset {name!r}")  # the app's 404 page
        if name not in self._assets:
            self._assets[name] = resources.files("railgraph").joinpath("templates", "server", name).read_bytes()
        return Response(self._assets[name], media_type=ASSETS[name],
                        headers={"Cache-Control": "public, max-age=3600", **SECURITY_HEADERS})

    # -- home: search and facets ------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        form = forms.read_search(request.query_params.multi_items())
        return await run_in_threadpool(self._home, form)

    def _home(self, form: forms.SearchForm) -> Response:
        problems = list(form.problems)
        filters, chosen = self._resolve_filters(form, problems)
        counts = self.catalogue.facets(filters)
        panel = []
        for key, label in PANEL_FACETS.items():
            # a facet's own choices are ORed, so its counts ignore its own filter
            values = counts[key] if key not in filters else \
                self.catalogue.facets({k: v for k, v in filters.items() if k != key})[key]
            prefix = f"{VOCAB}{key}/"
            panel.append(Facet(key, label, tuple(
                FacetValue(v.concept[len(prefix):], v.label, v.count, v.concept in filters.get(key, ()))
                for v in values if v.concept.startswith(prefix))))
        labels = {v.concept: v.label for values in counts.values() for v in values}
        active = tuple(ActiveFilter(PANEL_FACETS.get(key, key), labels.get(iri, raw),
                                    form.url(self.site("index.html"), without=(key, raw)))
                       for key, raw, iri in chosen)
        results = self._results(form.text, filters)
        pages = max(1, math.ceil(len(results) / PAGE_SIZE))
        page = form.page
        if page > pages:
            problems.append(Problem(f"there is no page {page}: the results fill {pages}",
                                    hint="the last page is shown"))
            page = pages
        shown = [self._result(*found) for found in results[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]]
        here = self.site("index.html")
        return self.render(
            "home.html", 400 if problems else 200, here="index.html", form=form, problems=problems, panel=panel,
            active=active, results=shown, total=len(results), page=page, pages=pages,
            first=(page - 1) * PAGE_SIZE + 1,
            previous=form.url(here, page=page - 1) if page > 1 else None,
            next=form.url(here, page=page + 1) if page < pages else None,
            page_url=lambda n: form.url(here, page=n), page_numbers=_page_numbers(page, pages))

    def _resolve_filters(self, form: forms.SearchForm, problems: list[Problem]
                         ) -> tuple[dict[str, list[str]], list[tuple[str, str, str]]]:
        """The form's filters as concept IRIs per facet, and each valid one as (facet, given, IRI)."""
        filters: dict[str, list[str]] = {}
        chosen: list[tuple[str, str, str]] = []
        for key, values in form.filters.items():
            for raw in values:
                try:
                    concept = str(self.catalogue.resolve_concept(raw if ":" in raw else f"{key}/{raw}"))
                except UsageError as error:
                    problems.append(Problem(f"unknown {key} {raw!r} was ignored", error.hint))
                    continue
                if not concept.startswith(f"{VOCAB}{key}/"):
                    problems.append(Problem(f"{raw!r} is not a {key} and was ignored",
                                            hint=f"choose a concept of {VOCAB}{key}"))
                    continue
                filters.setdefault(key, []).append(concept)
                chosen.append((key, raw, concept))
        return filters, chosen

    def _results(self, text: str, filters: dict[str, list[str]]) -> list[tuple[str, str, tuple[str, ...]]]:
        """Every matching entry as (IRI, title, why it matched): ranked for a text, else by title."""
        if text:
            hits = self.catalogue.search(text, filters, limit=len(self._index().entries))
            return [(h.entry, h.title, h.matched) for h in hits]
        # no text: every entry the filters allow (the catalogue's search only ranks by text)
        entries = self._index().matching({k: [URIRef(v) for v in vs] for k, vs in filters.items()})
        return sorted(((str(e.iri), e.title, ()) for e in entries), key=lambda r: (r[1].casefold(), r[0]))

    def _index(self) -> facet_module.FacetIndex:
        if self._browse is None:
            self._browse = facet_module.FacetIndex(self.catalogue.oxstore)
        return self._browse

    def _result(self, iri: str, title: str, matched: tuple[str, ...]) -> Result:
        node = URIRef(iri)
        summary = self.views.text(node)
        return Result(self.href(iri), title, self.views.kind(node), summary, matched)

    # -- check-use ----------------------------------------------------------------------------

    async def check_use(self, request: Request) -> Response:
        form = forms.read_check_use(request.query_params.multi_items())
        return await run_in_threadpool(self._check_use, form)

    def _check_use(self, form: forms.CheckUseForm) -> Response:
        problems = list(form.problems)
        result: UseCheck | None = None
        if form.asked:
            try:
                result = self.catalogue.check_use(form.purpose, licence=form.licence or None,
                                                  model=form.model or None)
            except RailgraphError as error:
                problems.append(Problem.of(error))
        licences, models = self._check_use_subjects()
        return self.render("check_use.html", 400 if problems else 200, here="check-use", form=form, problems=problems,
                           result=result, purposes=self._check_use_purposes(), licences=licences,
                           models=models, href=self.href)

    def _check_use_purposes(self) -> tuple[Purpose, ...]:
        if self._purposes is None:
            prefix = f"{VOCAB}restricted-use/"

            def walk(nodes: Iterable[ConceptNode], depth: int) -> Iterable[Purpose]:
                for node in nodes:
                    iri = node.term.iri or ""
                    if iri.startswith(prefix):
                        yield Purpose(iri[len(prefix):], node.term.display, depth)
                    yield from walk(node.children, depth + 1)

            self._purposes = tuple(walk(self.views.hierarchy(VOCAB["restricted-use"]), 0))
        return self._purposes

    def _check_use_subjects(self) -> tuple[tuple[Choice, ...], tuple[Choice, ...]]:
        """Suggestions for the form: licences with use restrictions, and models."""
        if self._subjects is None:
            graph = self.views.graph

            def choices(nodes: Iterable[Any]) -> tuple[Choice, ...]:
                found = {Choice(str(n).rsplit("/", 1)[-1], self.views.label(n)) for n in nodes
                         if isinstance(n, URIRef)}
                return tuple(sorted(found, key=lambda c: (c.label.casefold(), c.value)))

            self._subjects = (choices(graph.subjects(RDF.type, RG.ResponsibleAILicence)),
                              choices(graph.subjects(RDF.type, RG.Model)))
        return self._subjects

    # -- query --------------------------------------------------------------------------------

    async def query(self, request: Request) -> Response:
        pairs: list[tuple[str, str]] = list(request.query_params.multi_items())
        problems: list[Problem] = []
        if request.method == "POST":
            try:
                async with request.form(max_files=1) as posted:
                    for key, value in posted.multi_items():
                        if isinstance(value, UploadFile):
                            problems.append(Problem(f"field {key[:60]!r} cannot be a file",
                                                    hint="paste the query text"))
                        else:
                            pairs.append((key, value))
            except HTTPException as error:  # a body Starlette cannot read as a form
                problems.append(Problem(f"the posted form cannot be read: {error.detail}",
                                        hint="post application/x-www-form-urlencoded or multipart/form-data"))
        form = forms.read_query(pairs)
        problems.extend(form.problems)
        status = 200
        named: NamedQuery | None = None
        if form.name:
            try:
                named = self.catalogue.queries.get(form.name)
            except UsageError as error:
                problems.append(Problem.of(error))
                status = 404
        text: str | None = None
        if form.ad_hoc:
            text = form.text
        elif named is not None and form.run:
            try:
                text = await run_in_threadpool(self._bind, named, form.values)
            except RailgraphError as error:
                problems.append(Problem.of(error))
        shown: Shown | None = None
        failure: RailgraphError | None = None
        if text is not None:
            try:
                answer = await self.state.runner.run(text, ACCEPT)
                shown = await run_in_threadpool(show, answer, self.views, self.state.base_path)
            except RailgraphError as error:
                failure = error
                status = status_of(error)  # as /sparql answers the same query
        if problems and status == 200:
            status = 400
        editor = text if text is not None else (form.text or _STARTER)
        return await run_in_threadpool(
            self.render, "query.html", status, here="query", form=form, problems=problems, named=named,
            queries=sorted(self.catalogue.queries, key=lambda q: q.title.casefold()),
            fields=self._fields(named, form) if named is not None else (), shown=shown,
            failure=failure, failure_kind=_failure_kind(failure), excerpt=_excerpt(text, failure),
            ran=text, editor=editor, downloads=self._downloads(text, shown),
            param_prefix=forms.PARAM_PREFIX)

    def _bind(self, named: NamedQuery, values: dict[str, str]) -> str:
        """The named query's text with its parameters substituted, ids resolved as the CLI does."""
        return bind_values(named.text, named.bindings(values, self.catalogue.resolve_any))

    def _fields(self, named: NamedQuery, form: forms.QueryForm) -> tuple[dict[str, Any], ...]:
        fields = []
        for parameter in named.parameters:
            fields.append({
                "name": parameter.name, "type": parameter.type, "language": parameter.language,
                "required": parameter.required and parameter.default is None,
                "default": parameter.default or "", "value": form.values.get(parameter.name, ""),
                "choices": tuple(Choice(a, self.views.label(URIRef(a)) if parameter.type == "iri" else a)
                                 for a in parameter.allowed),
            })
        return tuple(fields)

    def _downloads(self, text: str | None, shown: Shown | None) -> tuple[tuple[str, str], ...]:
        if text is None or shown is None:
            return ()
        return tuple((f"{self.site('sparql')}?{urlencode({'query': text, 'format': fmt})}", label)
                     for fmt, label in DOWNLOADS[shown.form])


_STARTER = """\
PREFIX rg:  <https://w3id.org/railgraph/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>

SELECT ?tool ?title
WHERE {
  ?tool a rg:Tool ;
        dct:title ?title .
}
ORDER BY ?title
LIMIT 20
"""


def _page_numbers(page: int, pages: int) -> list[int | None]:
    """Page links to show: the first, the last and two either side of the current (None: a gap)."""
    wanted = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    numbers: list[int | None] = []
    for number in wanted:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def _failure_kind(error: RailgraphError | None) -> str | None:
    if error is None:
        return None
    if isinstance(error, QueryRefused):
        return "refused"
    if isinstance(error, QueryLimitError):
        return error.limit
    if isinstance(error, InputError):
        return "syntax"
    return "error"


def _excerpt(text: str | None, error: RailgraphError | None) -> tuple[int, str, int] | None:
    """The line of ``text`` a syntax error points at, with its number and the column (1-based)."""
    if text is None or not isinstance(error, InputError) or error.line is None:
        return None
    lines = text.splitlines()
    if not 0 < error.line <= len(lines):
        return None
    return error.line, lines[error.line - 1], max(1, error.column or 1)


__all__ = ["routes", "WebUI", "SECURITY_HEADERS"]
