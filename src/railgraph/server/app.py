"""The ASGI application behind ``railgraph serve``: the endpoint, linked data, dumps and the UI.

``create_app`` builds the Starlette app over one loaded catalogue; its lifespan starts and stops
the query runner's worker processes. ``serve`` runs it with uvicorn (bound to 127.0.0.1 unless
told otherwise, with an access log).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from functools import cached_property
from pathlib import Path

from rdflib import Graph
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from .._version import __version__
from ..catalogue import Catalogue
from ..export.catalog import MEDIA_TYPES, describe
from ..export.site import stylesheet
from ..settings import Settings
from ..views import index_for
from . import linked_data, negotiation, sparql, ui
from .runner import ProcessRunner
from .state import ServerState

log = logging.getLogger("railgraph.server")


class _Description:
    """The DCAT-AP and VoID description of the served catalogue and the dumps in ``dist``."""

    def __init__(self, catalogue: Catalogue, dist: Path | None) -> None:
        self.catalogue = catalogue
        self.dist = dist

    @cached_property
    def graph(self) -> Graph:
        from ..build import release_date

        files: dict[str, bytes] = {}
        if self.dist is not None and self.dist.is_dir():
            for path in sorted(self.dist.rglob("*")):
                name = path.relative_to(self.dist).as_posix()
                found = _inside(self.dist, name)
                if found and found.suffix in MEDIA_TYPES and not name.startswith(("site/", "catalog.")):
                    files[name] = found.read_bytes()
        base = self.catalogue.settings["base_iri"]
        base = base if base.endswith("/") else base + "/"
        return describe(self.catalogue, files, version=__version__, issued=release_date(self.catalogue.root),
                        base_iri=base, endpoint=base + "sparql")

    def render(self, fmt: str) -> bytes:
        return self._rendered.setdefault(fmt, self.catalogue.serialize(self.graph, fmt))

    @cached_property
    def _rendered(self) -> dict[str, bytes]:
        return {}


_RDF_EXTENSIONS = {"ttl": "text/turtle", "jsonld": "application/ld+json", "nt": "application/n-triples",
                   "rdf": "application/rdf+xml"}
_FORMAT_OF = {"ttl": "ttl", "jsonld": "jsonld", "nt": "nt", "rdf": "rdfxml"}


def create_app(catalogue: Catalogue, *, dist: Path | None = None, settings: Settings | None = None) -> Starlette:
    """The application serving ``catalogue`` (and the dumps built into ``dist``, when given).

    ``settings`` overrides the catalogue's own (the query deadline and row cap are read from it).
    """
    settings = settings or catalogue.settings
    index = index_for(catalogue)
    runner = ProcessRunner(catalogue, deadline=settings["query_deadline"], row_cap=settings["row_cap"])
    state = ServerState(catalogue, index, runner)
    description = _Description(catalogue, dist.resolve() if dist is not None else None)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await runner.start()
        log.info("railgraph %s: %d triples, %d query workers", __version__, runner.triples, runner.workers)
        try:
            yield
        finally:
            await runner.close()

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok", "version": __version__, "triples": runner.triples})

    async def catalog(request: Request) -> Response:
        ext = request.path_params.get("ext")
        if ext is None:
            media = negotiation.choose(request.headers.get("accept"), tuple(_RDF_EXTENSIONS.values()))
            if media is None:
                return sparql.problem(sparql.NotAcceptable("the catalogue description is available as "
                                                           + ", ".join(_RDF_EXTENSIONS.values())), 406)
            ext = next(e for e, m in _RDF_EXTENSIONS.items() if m == media)
        elif ext not in _RDF_EXTENSIONS:
            return linked_data.not_found(request, "The description is at catalog.ttl, .jsonld, .nt and .rdf.")
        return Response(description.render(_FORMAT_OF[ext]), headers={"Vary": "Accept"},
                        media_type=negotiation.with_charset(_RDF_EXTENSIONS[ext]))

    async def download(request: Request) -> Response:
        found = _inside(description.dist, request.path_params["file"])
        if found is None:
            return linked_data.not_found(request, "The dumps of the build are listed in /catalog.")
        media = MEDIA_TYPES.get(found.suffix)
        return FileResponse(found, media_type=media.media_type if media else "application/octet-stream")

    async def style(request: Request) -> Response:
        return Response(stylesheet(), media_type="text/css; charset=utf-8")

    async def missing(request: Request, exc: Exception) -> Response:
        return linked_data.not_found(request, "Nothing is served at this path.")

    routes: list[BaseRoute] = [
        Route("/sparql", sparql.endpoint, methods=["GET", "POST", "OPTIONS"], name="sparql"),
        Route("/healthz", healthz),
        Route("/.well-known/void", catalog),
        Route("/catalog", catalog),
        Route("/catalog.{ext}", catalog),
        Route("/catalogue", lambda request: RedirectResponse("/catalog", status_code=303)),
        Route("/dist/{file:path}", download),
        Route("/style.css", style),
        Route("/ontology", linked_data.resource),
        Route("/ontology.{ext}", linked_data.resource),
        Route("/id/{rest:path}", linked_data.resource),
        Route("/vocab/{rest:path}", linked_data.resource),
        Route("/graph/{rest:path}", linked_data.resource),
    ]
    routes += ui.routes(state)
    resources = linked_data.LinkedData(catalogue, index)
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: missing}, middleware=[
        Middleware(linked_data.RepeatLookups, data=resources),  # outside CORS: it records what CORS sent
        Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "OPTIONS"],
                   allow_headers=["Accept", "Content-Type"], expose_headers=["Link", "Location", "Vary"])])
    app.state.railgraph = state
    app.state.linked_data = resources
    return app


def _inside(folder: Path | None, name: str) -> Path | None:
    """The file ``name`` inside ``folder``, or None (missing, a folder, or outside it)."""
    if folder is None:
        return None
    try:
        found = (folder / name).resolve()
        found.relative_to(folder)
    except (ValueError, OSError):
        return None
    return found if found.is_file() else None


def serve(catalogue: Catalogue, host: str = "127.0.0.1", port: int = 8000, dist: Path | None = None) -> None:
    """Serve ``catalogue`` with uvicorn until interrupted (an access log goes to stderr)."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    uvicorn.run(create_app(catalogue, dist=dist), host=host, port=port, access_log=True, log_level="info")


__all__ = ["create_app", "serve"]
