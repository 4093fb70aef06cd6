"""Linked data over HTTP: 303s by Accept, representations, headers, the description, dumps, 404s."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, RDF, VOID

from railgraph.export.site import render_entity
from railgraph.server.app import create_app
from railgraph.views import index_for

from .conftest import BIGCODE
from .serving import running

TOOL = "id/tool/model-cards"
PARSERS = {"ttl": "turtle", "jsonld": "json-ld", "nt": "nt", "rdf": "xml"}
MEDIA = {"html": "text/html", "ttl": "text/turtle", "jsonld": "application/ld+json",
         "nt": "application/n-triples", "rdf": "application/rdf+xml"}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dist folder with two dumps, beside a file that must stay unreachable."""
    top = tmp_path_factory.mktemp("served")
    (top / "secret.txt").write_text("not for the web\n")
    folder = top / "dist"
    (folder / "csv").mkdir(parents=True)
    (folder / "catalogue.nt").write_text("<urn:x:a> <urn:x:b> <urn:x:c> .\n")
    (folder / "csv" / "tools.csv").write_text("id,title\n")
    (folder / "escape.txt").symlink_to(top / "secret.txt")
    return folder


@pytest.fixture(scope="module")
def http(catalogue, dist) -> Iterator[httpx.Client]:
    with running(create_app(catalogue, dist=dist)) as base, \
            httpx.Client(base_url=base, follow_redirects=False, timeout=60) as session:
        yield session


@pytest.mark.parametrize(("accept", "ext"), [
    ("text/html", "html"), ("text/turtle", "ttl"), ("application/ld+json", "jsonld"),
    ("application/n-triples", "nt"), ("application/rdf+xml", "rdf"), (None, "html"),
    ("text/turtle;q=0.4, application/ld+json;q=0.8", "jsonld"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
])
def test_iris_303_to_the_representation_accept_prefers(http, accept, ext) -> None:
    response = http.get("/" + TOOL, headers={"Accept": accept} if accept else {})
    assert response.status_code == 303
    assert response.headers["location"] == f"/{TOOL}.{ext}"
    assert "Accept" in response.headers["vary"]


@pytest.mark.parametrize("path", ["ontology", "vocab/lifecycle-stage", "graph/inferred",
                                  "graph/data/tools/model-cards.ttl", BIGCODE.split("railgraph/")[1] + "/clause/c"])
def test_every_kind_of_iri_dereferences(http, path) -> None:
    response = http.get("/" + path, headers={"Accept": "text/turtle"})
    assert response.status_code == 303 and response.headers["location"] == f"/{path}.ttl"
    document = http.get(response.headers["location"])
    assert document.status_code == 200
    assert len(Graph().parse(data=document.content, format="turtle")) > 0


@pytest.mark.parametrize("ext", list(PARSERS))
def test_rdf_representations_are_the_site_twins(http, catalogue, ext) -> None:
    response = http.get(f"/{TOOL}.{ext}")
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == MEDIA[ext]
    got = Graph().parse(data=response.content, format=PARSERS[ext])
    assert isomorphic(got, index_for(catalogue).describe(URIRef("https://w3id.org/railgraph/" + TOOL)))


def test_html_is_the_site_page_and_headers_name_the_alternates(http, catalogue) -> None:
    response = http.get(f"/{TOOL}.html")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.content == render_entity(catalogue, "https://w3id.org/railgraph/" + TOOL)
    assert response.headers["vary"].startswith("Accept")
    links = response.headers["link"]
    for ext, media in MEDIA.items():
        assert f'</{TOOL}.{ext}>; rel="alternate"; type="{media}"' in links
    assert http.get("/style.css").status_code == 200  # the page's stylesheet, at its relative path
    assert http.get("/id/tool.html").status_code == 200  # its list page


def test_406_when_no_representation_is_acceptable(http) -> None:
    assert http.get("/" + TOOL, headers={"Accept": "image/png"}).status_code == 406


@pytest.mark.parametrize("path", ["/id/tool/no-such-tool", "/id/tool/no-such-tool.ttl", "/vocab/nothing",
                                  "/graph/nothing.ttl", "/id/tool/model-cards.exe", "/nowhere"])
def test_unknown_iris_are_404_pages(http, path) -> None:
    page = http.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Not found" in page.text
    plain = http.get(path, headers={"Accept": "text/plain"})
    assert plain.status_code == 404 and plain.text.startswith("not found")


def test_hostile_paths_are_escaped_in_the_404_page(http) -> None:
    page = http.get("/id/<script>alert(1)</script>", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text


def test_dumps_are_served_from_dist(http) -> None:
    response = http.get("/dist/catalogue.nt")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/n-triples")
    assert response.text == "<urn:x:a> <urn:x:b> <urn:x:c> .\n"
    assert http.get("/dist/csv/tools.csv").status_code == 200


@pytest.mark.parametrize("path", ["/dist/../secret.txt", "/dist/%2e%2e/secret.txt", "/dist/..%2fsecret.txt",
                                  "/dist/csv/../../secret.txt", "/dist/escape.txt", "/dist/csv",
                                  "/dist/%2Fetc%2Fpasswd", "/dist//etc/passwd"])
def test_dist_paths_cannot_escape_the_folder(http, path) -> None:
    response = http.get(path)
    assert response.status_code == 404
    assert "not for the web" not in response.text


def test_catalog_and_void_describe_the_dumps_and_the_endpoint(http) -> None:
    turtle = http.get("/catalog", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and turtle.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=turtle.content, format="turtle")
    assert len(set(graph.subjects(RDF.type, DCAT.Catalog))) == 1
    assert URIRef("https://w3id.org/railgraph/dist/catalogue.nt") in set(graph.objects(None, DCAT.downloadURL))
    assert URIRef("https://w3id.org/railgraph/sparql") in set(graph.objects(None, VOID.sparqlEndpoint))
    void = http.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert void.status_code == 200
    assert isomorphic(Graph().parse(data=void.content, format="json-ld"), graph)
    assert http.get("/catalogue").headers["location"] == "/catalog"


def test_healthz(http, catalogue) -> None:
    health = http.get("/healthz").json()
    assert health["status"] == "ok" and health["triples"] > len(catalogue.asserted)
    assert health["version"] == json.loads(json.dumps(__import__("railgraph").__version__))
