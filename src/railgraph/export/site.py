"""The static HTML site: a page per entity at the path of its IRI, its RDF twins, and the index,
list, concept-scheme and ontology pages.

Every link between pages is relative, so the site works from ``file://`` and under any path.
Output is a pure function of the catalogue: the same catalogue gives the same bytes.
"""

from __future__ import annotations

import functools
import json
import posixpath
from collections.abc import Collection, Iterable, Sequence
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from rdflib import URIRef

from .. import views
from ..catalogue import Catalogue
from ..errors import UsageError
from ..namespaces import BASE, RG
from .jsonld import context_for
from .rdf import get_format, serialize

#: The RDF twins written beside every entity page: (extension, format name, media type).
TWINS = (("ttl", "ttl", "text/turtle"), ("jsonld", "jsonld", "application/ld+json"),
         ("nt", "nt", "application/n-triples"))

#: Downloads beside the site folder, linked from the home page.
DOWNLOADS = (("catalogue.ttl", "Turtle"), ("catalogue.nt", "N-Triples"), ("catalogue.jsonld", "JSON-LD"),
             ("catalogue-framed.jsonld", "JSON-LD, one object per entry"),
             ("catalog.ttl", "DCAT catalogue description"), ("csv/", "CSV tables"))

STYLESHEET = "style.css"


def render_site(catalogue: Catalogue, available: Collection[str] | None = None) -> dict[str, bytes]:
    """Every file of the site, by path relative to the site folder.

    ``available`` names the files written beside the site; the home page links only the
    :data:`DOWNLOADS` among them (a folder such as ``csv/`` counts when a file lies in it).
    """
    index = views.index_for(catalogue)
    renderer = _Renderer(index)
    downloads = DOWNLOADS if available is None else downloads_among(available)
    files: dict[str, bytes] = {STYLESHEET: _stylesheet(), "index.html": renderer.home(downloads),
                               "ontology.html": renderer.ontology()}
    for kind in views.LIST_KINDS:
        files[f"id/{kind}.html"] = renderer.kind_list(kind)
    formats = {ext: get_format(name) for ext, name, _ in TWINS}
    for node, path in sorted(index.pages.items()):
        files[f"{path}.html"] = renderer.entity(node)
        description = index.describe(node)
        context = context_for(description, catalogue.jsonld_context)  # a short inline context
        for ext, fmt in formats.items():
            files[f"{path}.{ext}"] = serialize(description, fmt, context)
    return files


def downloads_among(available: Collection[str]) -> tuple[tuple[str, str], ...]:
    """The :data:`DOWNLOADS` among the files ``available`` (a folder counts when a file lies in it)."""
    return tuple((name, label) for name, label in DOWNLOADS
                 if name in available or (name.endswith("/") and any(a.startswith(name) for a in available)))


def render_entity(catalogue: Catalogue, iri: str) -> bytes:
    """The HTML page of one entity (for the site and the server)."""
    index = views.index_for(catalogue)
    node = URIRef(iri)
    if node not in index.pages:
        raise UsageError(f"no page for {iri!r}", hint="entities under id/ and vocab/ have pages")
    return _Renderer(index).entity(node)


def render_page(catalogue: Catalogue, name: str) -> bytes:
    """One site page other than an entity's (``index.html``, ``ontology.html``, ``id/{kind}.html``)."""
    renderer = _Renderer(views.index_for(catalogue))
    if name == "index.html":
        return renderer.home()
    if name == "ontology.html":
        return renderer.ontology()
    kind = name.removeprefix("id/").removesuffix(".html")
    if name == f"id/{kind}.html" and kind in views.LIST_KINDS:
        return renderer.kind_list(kind)
    raise UsageError(f"no site page {name!r}", hint="index.html, ontology.html and id/{kind}.html exist")


def stylesheet() -> bytes:
    """The site's stylesheet."""
    return _stylesheet()


def script_json(data: Any) -> Markup:
    """JSON safe inside a ``<script>`` element: ``<``, ``>`` and ``&`` become ``\\u`` escapes."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def relative(target: str, page: str) -> str:
    """The link from the page at ``page`` to the site file ``target`` (both site-relative)."""
    start = posixpath.dirname(page)
    if not start:
        return target
    page_parts, target_parts = start.split("/"), target.split("/")
    common = 0
    while (common < len(page_parts) and common < len(target_parts) - 1
           and page_parts[common] == target_parts[common]):
        common += 1
    return "../" * (len(page_parts) - common) + "/".join(target_parts[common:])


def _stylesheet() -> bytes:
    return resources.files("railgraph").joinpath("templates", STYLESHEET).read_bytes()


def _summary(text: str | None, limit: int = 220) -> str:
    """The first sentence of ``text``, cut at a word boundary past ``limit`` characters."""
    if not text:
        return ""
    sentence = text.split(". ", 1)[0].rstrip(".") + "."
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0] + "…"


class Links:
    """HTML for terms on one page: catalogue IRIs link relatively, http(s) IRIs as they are, and
    any other IRI (``javascript:``, ``file:``, ...) is shown as text, never as a link."""

    def __init__(self, index: views.ViewIndex, page: str) -> None:
        self.index = index
        self.page = page
        self._cache: dict[str, str | None] = {}

    def site(self, path: str) -> str:
        """The link to a file of the site."""
        return relative(path, self.page)

    def href(self, iri: str) -> str | None:
        if iri in self._cache:
            return self._cache[iri]
        node = URIRef(iri)
        link: str | None = None
        if node in self.index.pages:
            link = self.site(self.index.pages[node] + ".html")
        elif iri == BASE:
            link = self.site("index.html")
        elif iri == BASE + "ontology":
            link = self.site("ontology.html")
        elif iri.startswith(str(RG)) and node in self.index.ontology_terms:
            link = self.site("ontology.html") + "#" + iri[len(str(RG)):]
        elif iri.startswith(("http://", "https://")) and not iri.startswith(BASE):
            link = iri
        self._cache[iri] = link
        return link

    def term(self, term: views.Term) -> Markup:
        if term.iri is not None:
            url = self.href(term.iri)
            title = f' title="{escape(term.iri)}"' if term.label and url == term.iri else ""
            html = (f'<a href="{escape(url)}"{title}>{escape(term.display)}</a>' if url is not None
                    else f"<code>{escape(term.display)}</code>")
        elif term.nested:
            html = self.properties(term.nested, "nested")
        else:
            lang = f' lang="{escape(term.language)}"' if term.language else ""
            datatype = f' title="{escape(term.datatype)}"' if term.datatype else ""
            html = f'<span class="literal"{lang}{datatype}>{escape(term.text)}</span>'
        if term.inferred:
            html += ' <small class="inferred">inferred</small>'
        return Markup(html)

    def terms(self, terms: Iterable[views.Term]) -> Markup:
        return Markup(", ".join(self.term(t) for t in terms))

    def properties(self, properties: Iterable[views.Property], css_class: str = "properties") -> Markup:
        rows = [f'<dl class="{escape(css_class)}">']
        for prop in properties:
            rows.append(f"<dt>{self.term(prop.predicate)}</dt>")
            rows.extend(f"<dd>{self.term(v)}</dd>" for v in prop.values)
        rows.append("</dl>")
        return Markup("\n".join(rows))


@functools.cache
def environment() -> Environment:
    """The Jinja2 environment of the package's templates (autoescaping every .html template)."""
    env = Environment(loader=PackageLoader("railgraph", "templates"),
                      autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["summary"] = _summary
    env.globals.update(list_kinds=views.LIST_KINDS, downloads=DOWNLOADS)
    return env


class _Renderer:
    """Renders the pages of one catalogue with the package's templates."""

    def __init__(self, index: views.ViewIndex) -> None:
        self.index = index
        self.env = environment()

    def _render(self, template: str, page: str, **context: Any) -> bytes:
        links = Links(self.index, page)
        text = self.env.get_template(template).render(
            site=links.site, term=links.term, terms=links.terms, properties=links.properties,
            stylesheet=links.site(STYLESHEET), **context)
        return text.encode("utf-8")

    def entity(self, node: URIRef) -> bytes:
        view = self.index.entity(node)
        path = self.index.pages[node]
        base = posixpath.basename(path)
        template = {"licence": "licence.html", "concept-scheme": "scheme.html"}.get(view.kind, "entity.html")
        top = path.split("/")[1] if path.startswith("id/") else ""
        return self._render(template, f"{path}.html", view=view, json_ld=script_json(view.schema_org),
                            twins=[(f"{base}.{ext}", media, ext) for ext, _, media in TWINS],
                            listing=(f"id/{top}.html", views.LIST_KINDS[top][1]) if top in views.LIST_KINDS else None)

    def kind_list(self, kind: str) -> bytes:
        return self._render("list.html", f"id/{kind}.html", view=self.index.kind_list(kind))

    def home(self, downloads: Sequence[tuple[str, str]] = DOWNLOADS) -> bytes:
        return self._render("index.html", "index.html", view=self.index.home(), downloads=downloads)

    def ontology(self) -> bytes:
        return self._render("ontology.html", "ontology.html", view=self.index.ontology())
