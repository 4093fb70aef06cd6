"""The static HTML site: a page and three RDF twins per entity, valid HTML5, relative links,
embedded schema.org JSON-LD, and hostile values rendered harmless."""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path

import html5lib
import pytest
from pyld import jsonld
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from railgraph.catalogue import Catalogue
from railgraph.export.site import DOWNLOADS, downloads_among, render_entity, render_site
from railgraph.namespaces import BASE, OWL, RDF, RG, SCHEMA, SKOS

from .conftest import BIGCODE, BIGSCIENCE, RAIL_1

KINDS = {
    "tool": RG.Tool, "metric": RG.Metric, "licence": RG.Licence, "use-restriction": RG.UseRestriction,
    "licence-duty": RG.LicenceDuty, "licence-permission": RG.LicencePermission,
    "organisation": RG.Organisation, "model": RG.Model, "use-case": RG.UseCase,
    "concept": SKOS.Concept, "concept-scheme": SKOS.ConceptScheme,
}
TWINS = {"ttl": ("turtle", "text/turtle"), "jsonld": ("json-ld", "application/ld+json"),
         "nt": ("nt", "application/n-triples")}
SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
HREF = re.compile(r'href="([^"]*)"')


@pytest.fixture(scope="module")
def site(catalogue: Catalogue) -> dict[str, bytes]:
    return render_site(catalogue)


@pytest.fixture(scope="module")
def register_licences(catalogue: Catalogue) -> set[URIRef]:
    """Licences (and exceptions) described only by the generated register."""
    curated = catalogue.curated()
    union = catalogue.union()
    licences = set(union.subjects(RDF.type, RG.Licence)) | set(union.subjects(RDF.type, RG.LicenceException))
    return {s for s in licences if (s, RDF.type, None) not in curated}


def path_of(iri: URIRef) -> str:
    return str(iri)[len(BASE):]


def text(site: dict[str, bytes], path: str) -> str:
    return site[path].decode("utf-8")


def description(graph: Graph, node: URIRef) -> Graph:
    """The concise bounded description, computed here independently of the site code."""
    found = Graph()
    todo, seen = [node], set()
    while todo:
        subject = todo.pop()
        if subject not in seen:
            seen.add(subject)
            for p, o in graph.predicate_objects(subject):
                found.add((subject, p, o))
                if isinstance(o, BNode):
                    todo.append(o)
    return found


def sample(pages: list[str], every: int) -> list[str]:
    return sorted(pages)[::every]


# -- pages and twins -------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_every_entity_has_a_page_and_three_twins(catalogue, site, kind: str) -> None:
    entities = {e for e in catalogue.union().subjects(RDF.type, KINDS[kind])
                if not str(e).startswith(str(RG))}  # the duty actions are ontology terms
    assert entities, kind
    for entity in entities:
        path = path_of(entity)
        page = text(site, f"{path}.html")
        name = posixpath.basename(path)
        for ext, (_, media) in TWINS.items():
            assert f"{path}.{ext}" in site
            assert f'<link rel="alternate" type="{media}" href="{name}.{ext}">' in page


def test_pages_sit_at_the_path_of_their_iri(site) -> None:
    licence = path_of(URIRef(BIGCODE))
    assert f"{licence}.html" in site and f"{licence}/clause/c.html" in site
    assert "vocab/objective.html" in site and "vocab/objective/robustness.html" in site
    assert {f"id/{kind}.html" for kind in ("tool", "metric", "licence", "use-case", "model",
                                            "organisation")} <= set(site)


def test_twins_hold_the_entity_description(catalogue, site, register_licences) -> None:
    union = catalogue.union()
    hand = [p for p, n in _pages(site) if n not in register_licences]
    register = [p for p, n in _pages(site) if n in register_licences]
    checked = 0
    for path in hand + sample(register, 40):
        node = URIRef(BASE + path)
        expected = description(union, node)
        assert len(expected) > 0
        for ext, (fmt, _) in TWINS.items():
            parsed = Graph().parse(data=site[f"{path}.{ext}"], format=fmt)
            assert isomorphic(parsed, expected), f"{path}.{ext}"
        checked += 1
    assert checked > 900


def _pages(site: dict[str, bytes]) -> list[tuple[str, URIRef]]:
    return [(key[:-5], URIRef(BASE + key[:-5])) for key in site
            if key.endswith(".html") and f"{key[:-5]}.ttl" in site]


def test_the_site_is_the_same_when_rendered_again(catalogue, site) -> None:
    node = BIGCODE + "/clause/f"  # a clause: its twins hold a blank node
    assert render_entity(catalogue, node) == site[f"{path_of(URIRef(node))}.html"]
    assert site["id/licence.html"].count(b"<li>") > 2000


# -- HTML --------------------------------------------------------------------------------------

def test_pages_are_valid_html5(site, register_licences) -> None:
    register = {f"{path_of(n)}.html" for n in register_licences}
    pages = [k for k in site if k.endswith(".html")]
    checked = [k for k in pages if k not in register] + sample([k for k in pages if k in register], 50)
    for page in checked:
        document = html5lib.HTMLParser(strict=True).parse(site[page])  # raises on a parse error
        assert document is not None
        head = text(site, page)[:400]
        assert head.startswith("<!doctype html>\n<html lang=\"en\">") and '<meta charset="utf-8">' in head
        assert "<title>" in head
        assert "<script src" not in text(site, page) and 'href="//' not in text(site, page)  # no external assets
    assert len(checked) > 1000


def test_relative_links_resolve(site) -> None:
    ontology_ids = set(re.findall(r'id="([^"]+)"', text(site, "ontology.html")))
    pages = ["index.html", "ontology.html", "id/licence.html", "vocab/restricted-use.html",
             f"{path_of(URIRef(BIGCODE))}.html", f"{path_of(URIRef(BIGCODE))}/clause/f.html",
             "vocab/objective/fairness.html"] + sample([k for k in site if k.endswith(".html")], 60)
    for page in pages:
        for href in HREF.findall(text(site, page)):
            if href.startswith(("http://", "https://")):
                continue
            target, _, anchor = href.partition("#")
            assert ":" not in target, f"{page}: {href}"
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), target)) if target else page
            if resolved.startswith("../"):
                assert page == "index.html" and href[3:] in {f for f, _ in DOWNLOADS}, href
                continue
            assert resolved in site, f"{page} links to {href}, which is not in the site"
            if anchor:
                assert resolved == "ontology.html" and anchor in ontology_ids, f"{page}: {href}"


def test_licence_page_shows_clauses_lineage_and_models(site) -> None:
    page = text(site, f"{path_of(URIRef(BIGCODE))}.html")
    clauses = re.findall(r'href="bigcode-openrail-m-license-agreement/clause/([a-n])\.html"', page)
    assert clauses[:14] == list("abcdefghijklmn")
    restrictions = page[page.index("<h2>Use restrictions</h2>"):page.index("<h2>Permissions</h2>")]
    assert "restricted-use/malware-generation.html" in restrictions
    assert "restriction-condition/disclosed-as-machine-generated.html" in restrictions
    lineage = page[page.index("<h2>Lineage</h2>"):]
    assert lineage.index("codeml-openrail-m-v0-1.html") < lineage.index(
        f"{posixpath.basename(BIGSCIENCE)}.html") < lineage.index(f"{posixpath.basename(RAIL_1)}.html")
    assert "../model/starcoder.html" in page
    assert "duty/flow-down.html" in page and "permission/distribute.html" in page


def test_licence_list_puts_hand_modelled_licences_first(site) -> None:
    page = text(site, "id/licence.html")
    assert page.index("licence/bigcode-openrail-m-license-agreement.html") < page.index(
        "From the licence register") < page.index("licence/scancode-ms-net-library.html")


def test_scheme_page_counts_the_entries_using_each_concept(catalogue, site) -> None:
    users = {s for s in catalogue.union().subjects(None, URIRef(BASE + "vocab/objective/robustness"))
             if str(s).startswith(BASE + "id/")}
    page = text(site, "vocab/objective.html")
    item = page[page.index('href="objective/robustness.html"'):]
    assert re.match(r'[^<]*</a>\s*<span class="count">(\d+) entries', item).group(1) == str(len(users))


def test_ontology_page_lists_every_class_and_property(catalogue, site) -> None:
    page = text(site, "ontology.html")
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    terms = {t for kind in kinds for t in catalogue.asserted.subjects(RDF.type, kind) if str(t).startswith(str(RG))}
    assert len(terms) > 60
    actions = set(catalogue.asserted.subjects(RDF.type, SKOS.Concept)) - {
        c for c in catalogue.asserted.subjects(RDF.type, SKOS.Concept) if not str(c).startswith(str(RG))}
    assert actions
    for term in terms | actions:
        assert f'id="{str(term)[len(str(RG)):]}"' in page, term
    for concept in catalogue.asserted.subjects(RDF.type, SKOS.Concept):
        if str(concept).startswith(BASE + "vocab/"):
            assert f'href="{path_of(concept)}.html"' in page, concept


# -- embedded JSON-LD --------------------------------------------------------------------------

def _embedded(page: str) -> dict:
    scripts = SCRIPT.findall(page)
    assert len(scripts) == 1
    return json.loads(scripts[0])


def _refuse(url: str, options: object = None) -> dict:
    raise AssertionError(f"tried to fetch {url}")


def test_embedded_jsonld_has_an_inline_context_and_reads_offline(site) -> None:
    for path in (path_of(URIRef(BIGCODE)), "id/tool/adversarial-robustness-toolbox",
                 "id/organisation/ibm", "vocab/objective/robustness", "vocab/objective",
                 "id/licence/scancode-ms-net-library"):
        data = _embedded(text(site, f"{path}.html"))
        assert data["@context"] == {"@vocab": "https://schema.org/"}
        node = URIRef(BASE + path)
        graph = Graph().parse(data=json.dumps(data), format="json-ld")
        assert graph.value(node, SCHEMA.name) is not None
        quads = jsonld.to_rdf(data, {"format": "application/n-quads", "documentLoader": _refuse})
        assert f"<{node}> <https://schema.org/name>" in quads
    tool = _embedded(text(site, "id/tool/adversarial-robustness-toolbox.html"))
    assert tool["@type"] == "SoftwareApplication"
    assert tool["creator"][0]["@id"] == BASE + "id/organisation/ibm"
    assert {"@id": BASE + "id/licence/mit", "name": "MIT License"} in tool["license"]
    assert "evasion" in tool["keywords"]
    assert _embedded(text(site, "vocab/objective/robustness.html"))["@type"] == "DefinedTerm"


# -- hostile values ----------------------------------------------------------------------------

HOSTILE = """\
@prefix rg:   <https://w3id.org/railgraph/ontology#> .
@prefix dct:  <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .

<https://w3id.org/railgraph/id/tool/hostile> a rg:Tool ;
    dct:title "<script>alert(1)</script>"@en ;
    dct:description "Quote \\"><img src=x onerror=alert(1)> and </script><script>alert(2)</script>"@en ;
    rg:status <https://w3id.org/railgraph/vocab/status/draft> ;
    foaf:homepage <javascript:alert(1)> ;
    dct:source <https://example.org/?a=1&b='x'> .
"""


def test_hostile_values_are_harmless(fresh_catalogue: Catalogue, tmp_path: Path) -> None:
    path = tmp_path / "hostile.ttl"
    path.write_text(HOSTILE, encoding="utf-8")
    fresh_catalogue.add_file(path)
    iri = BASE + "id/tool/hostile"
    page = render_entity(fresh_catalogue, iri).decode("utf-8")
    assert "<script>alert" not in page and "<img" not in page
    assert 'href="javascript:' not in page and "javascript:alert(1)" in page  # shown, not linked
    assert page.count("</script>") == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    html5lib.HTMLParser(strict=True).parse(page)
    data = _embedded(page)
    assert data["name"] == "<script>alert(1)</script>"
    assert "</script><script>alert(2)</script>" in data["description"]
    graph = Graph().parse(data=json.dumps(data), format="json-ld")
    assert graph.value(URIRef(iri), SCHEMA.name) == Literal("<script>alert(1)</script>")


def test_home_page_links_only_the_downloads_that_were_written(site) -> None:
    assert downloads_among({"catalogue.nt", "csv/tools.csv", "site/index.html"}) == (
        ("catalogue.nt", "N-Triples"), ("csv/", "CSV tables"))
    linked = set(re.findall(r'href="\.\./([^"]+)"', text(site, "index.html")))
    assert linked == {name for name, _ in DOWNLOADS}  # render_site without `available` links all
