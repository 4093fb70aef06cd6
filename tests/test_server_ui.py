"""The web UI of `railgraph serve`: search, facets, paging, check-use and the query page, over HTTP.

One real server (uvicorn on 127.0.0.1) serves the repository's catalogue plus a data file of
hostile values (tests/hostile.py); answers are compared with the catalogue's own methods.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import html5lib
import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rdflib import Graph, URIRef

from railgraph.catalogue import Catalogue
from railgraph.facets import FACETS
from railgraph.namespaces import RDF, RG
from railgraph.server.app import create_app
from railgraph.server.forms import PAGE_SIZE, PANEL_FACETS
from railgraph.settings import Settings

from .conftest import BIGCODE, rows
from .serving import running

VOCAB = "https://w3id.org/railgraph/vocab/"
PROBE = "https://w3id.org/railgraph/id/tool/hostile-probe"


@pytest.fixture(scope="module")
def client(hostile_catalogue: Catalogue) -> Iterator[httpx.Client]:
    with running(create_app(hostile_catalogue)) as url, httpx.Client(base_url=url, timeout=60) as http:
        yield http


def page(response: httpx.Response) -> ET.Element:
    """The response's HTML, parsed by the HTML5 algorithm (strictly: a parse error fails the test)."""
    assert response.headers["content-type"].startswith("text/html")
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(response.text)


def text(element: ET.Element | None) -> str:
    assert element is not None
    return " ".join("".join(element.itertext()).split())


def hits(tree: ET.Element) -> list[str]:
    return [text(a) for a in tree.iterfind(".//ol[@class='hits']/li/a[@class='title']")]


def hit_links(tree: ET.Element) -> list[str]:
    return [a.get("href", "") for a in tree.iterfind(".//ol[@class='hits']/li/a[@class='title']")]


def problems(tree: ET.Element) -> list[str]:
    return [text(li) for li in tree.iterfind(".//div[@class='problems']//li")]


def total(tree: ET.Element) -> int:
    return int(text(tree.find(".//p[@id='total']")).split()[0])


def facet_counts(tree: ET.Element, key: str) -> dict[str, tuple[int, bool]]:
    """Per concept slug of a facet of the panel: its count and whether it is ticked."""
    found = {}
    fieldset = tree.find(f".//fieldset[@data-facet='{key}']")
    assert fieldset is not None, key
    for label in fieldset.iterfind(".//label"):
        box = label.find("input")
        assert box is not None
        found[box.get("value", "")] = (int(text(label.find("span"))), box.get("checked") is not None)
    return found


def entries(catalogue: Catalogue) -> set[URIRef]:
    union = catalogue.union()
    return {s for cls in (RG.Tool, RG.Metric) for s in union.subjects(RDF.type, cls) if isinstance(s, URIRef)}


# -- home: search, facets, paging ------------------------------------------------------------------

def test_home_lists_every_tool_and_metric_a_page_at_a_time(client: httpx.Client,
                                                            hostile_catalogue: Catalogue) -> None:
    response = client.get("/")
    assert response.status_code == 200
    tree = page(response)
    everything = entries(hostile_catalogue)
    assert total(tree) == len(everything) > PAGE_SIZE
    first = hits(tree)
    assert len(first) == PAGE_SIZE
    assert first == sorted(first, key=str.casefold)
    seen = set(hit_links(tree))
    number = 2
    while (link := tree.find(".//nav[@class='pages']/a[@rel='next']")) is not None:
        assert parse_qs(urlsplit(link.get("href", "")).query)["page"] == [str(number)]
        tree = page(client.get(link.get("href", "")))
        seen |= set(hit_links(tree))
        number += 1
    assert number - 1 == -(-len(everything) // PAGE_SIZE)
    assert seen == {"/" + str(e).removeprefix("https://w3id.org/railgraph/") + ".html" for e in everything}


def test_search_ranks_as_the_catalogue_does_and_links_entity_pages(client: httpx.Client,
                                                                   hostile_catalogue: Catalogue) -> None:
    tree = page(client.get("/", params={"q": "fairness"}))
    expected = hostile_catalogue.search("fairness", limit=1000)
    assert total(tree) == len(expected)
    assert hits(tree) == [h.title for h in expected[:PAGE_SIZE]]
    assert hit_links(tree)[0] == "/" + expected[0].entry.removeprefix("https://w3id.org/railgraph/") + ".html"
    assert "fairness in title" in text(tree.find(".//ol[@class='hits']/li"))


def test_facet_panel_counts_match_the_catalogue(client: httpx.Client, hostile_catalogue: Catalogue) -> None:
    tree = page(client.get("/"))
    counts = hostile_catalogue.facets()
    for key in PANEL_FACETS:
        shown = facet_counts(tree, key)
        assert shown == {c.concept.removeprefix(f"{VOCAB}{key}/"): (c.count, False) for c in counts[key]}


def test_a_lifecycle_filter_narrows_results_and_the_other_facets(client: httpx.Client,
                                                                  hostile_catalogue: Catalogue) -> None:
    response = client.get("/", params={"lifecycle-stage": "deploy"})
    assert response.status_code == 200
    tree = page(response)
    chosen = {"lifecycle-stage": [f"{VOCAB}lifecycle-stage/deploy"]}
    counts = hostile_catalogue.facets(chosen)
    deploy = next(c for c in counts["lifecycle-stage"] if c.concept.endswith("/deploy"))
    assert total(tree) == deploy.count > 0
    assert facet_counts(tree, "tool-type") == {
        c.concept.removeprefix(f"{VOCAB}tool-type/"): (c.count, False) for c in counts["tool-type"]}
    # a facet's own values are alternatives: its counts ignore its own filter
    stages = facet_counts(tree, "lifecycle-stage")
    unfiltered = {c.concept.removeprefix(f"{VOCAB}lifecycle-stage/"): c.count
                  for c in hostile_catalogue.facets()["lifecycle-stage"]}
    assert {slug: count for slug, (count, _) in stages.items()} == unfiltered
    assert [slug for slug, (_, ticked) in stages.items() if ticked] == ["deploy"]
    active = tree.find(".//ul[@class='active']/li")
    assert "Lifecycle stage: Deploy" in text(active)
    remove = active.find("a") if active is not None else None
    assert remove is not None and remove.get("href") == "/"


def test_two_values_of_a_facet_are_alternatives_and_facets_combine(client: httpx.Client,
                                                                    hostile_catalogue: Catalogue) -> None:
    both = total(page(client.get("/?lifecycle-stage=deploy&lifecycle-stage=plan-and-design")))
    alone = [total(page(client.get("/", params={"lifecycle-stage": s}))) for s in ("deploy", "plan-and-design")]
    assert max(alone) <= both <= sum(alone)
    combined = client.get("/", params={"q": "fairness", "lifecycle-stage": "verify-and-validate",
                                       "tool-type": "technical"})
    expected = hostile_catalogue.search("fairness", {"lifecycle-stage": ["lifecycle-stage/verify-and-validate"],
                                                     "tool-type": ["tool-type/technical"]}, limit=1000)
    assert hits(page(combined)) == [h.title for h in expected[:PAGE_SIZE]]


def test_filters_other_than_the_panel_and_full_iris_work(client: httpx.Client,
                                                         hostile_catalogue: Catalogue) -> None:
    counts = hostile_catalogue.facets()
    most = max((c for key in FACETS if key not in PANEL_FACETS for c in counts[key]), key=lambda c: c.count)
    key = most.concept.removeprefix(VOCAB).split("/")[0]
    assert most.count > 0 and key not in PANEL_FACETS
    tree = page(client.get("/", params={key: most.concept}))
    assert total(tree) == most.count


def test_paging_keeps_the_search_and_reports_pages_that_do_not_exist(client: httpx.Client) -> None:
    tree = page(client.get("/", params={"lifecycle-stage": "verify-and-validate"}))
    pages = -(-total(tree) // PAGE_SIZE)
    assert pages >= 2
    following = tree.find(".//nav[@class='pages']/a[@rel='next']")
    assert following is not None
    assert parse_qs(urlsplit(following.get("href", "")).query) == {"lifecycle-stage": ["verify-and-validate"],
                                                                   "page": ["2"]}
    second = page(client.get(following.get("href", "")))
    assert not set(hits(second)) & set(hits(tree))
    beyond = client.get("/", params={"lifecycle-stage": "verify-and-validate", "page": pages + 5})
    assert beyond.status_code == 400
    assert f"there is no page {pages + 5}: the results fill {pages}" in problems(page(beyond))[0]
    assert hits(page(beyond)) and "aria-current" in beyond.text
    for bad in ("0", "-1", "two", "1e3"):
        response = client.get("/", params={"page": bad})
        assert response.status_code == 400
        assert "is not a page number" in problems(page(response))[0]


@pytest.mark.parametrize(("params", "message"), [
    ({"lifecycle-stage": "deploymnt"}, "unknown lifecycle-stage 'deploymnt' was ignored"),
    ({"lifecycle-stage": f"{VOCAB}objective/fairness"}, f"'{VOCAB}objective/fairness' is not a lifecycle-stage"),
    ({"q": "tab\x1b\x00"}, "control characters in the input were removed"),
    ({"lifecycle_stage": "deploy"}, "unknown filter 'lifecycle_stage' was ignored — did you mean lifecycle-stage?"),
    ({"q": "x" * 600}, "the search text is longer than 500 characters and was cut"),
])
def test_bad_filters_are_reported_and_the_rest_still_works(client: httpx.Client, params: dict[str, str],
                                                           message: str) -> None:
    response = client.get("/", params=params)
    assert response.status_code == 400
    tree = page(response)
    assert any(message in p for p in problems(tree)), problems(tree)
    assert tree.find(".//ol[@class='hits']") is not None


def test_hostile_search_input_is_shown_as_text(client: httpx.Client) -> None:
    attack = "\"><script>alert(1)</script><img src=x onerror=alert(2)>"
    response = client.get("/", params={"q": attack, "tool-type": attack, attack: "x"})
    assert response.status_code == 400
    assert "<script>alert" not in response.text and "<img src=x" not in response.text
    tree = page(response)
    box = tree.find(".//input[@id='q']")
    assert box is not None and box.get("value") == attack
    assert all("alert" not in (s.text or "") for s in tree.iter("script"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["q", "page", "lifecycle-stage", "objective", "tool-type", "x"]),
                          st.text(max_size=40)), max_size=4))
@example([("page", "²")])  # a Unicode digit that int() does not read
def test_no_query_string_breaks_the_home_page(client: httpx.Client, params: list[tuple[str, str]]) -> None:
    response = client.get("/?" + urlencode(params))
    assert response.status_code in (200, 400)
    page(response)


def test_hostile_catalogue_values_are_escaped_everywhere(client: httpx.Client) -> None:
    search = client.get("/", params={"q": "hostile probe"})
    tree = page(search)
    assert hits(tree)[0] == "Hostile probe <script>alert('title')</script>"
    objectives = facet_counts(tree, "objective")
    assert objectives["hostile-objective"] == (1, False)
    check = client.get("/check-use")
    models = [o.get("label") or text(o) for o in page(check).iterfind(".//datalist[@id='models']/option")]
    assert "Model <svg onload=alert('model')>" in models
    for response in (search, check, client.get("/", params={"objective": "hostile-objective"})):
        assert "<script>alert" not in response.text
        assert "<img src=x" not in response.text and "<svg onload" not in response.text
        assert all("alert" not in (s.text or "") for s in page(response).iter("script"))


def test_pages_forbid_inline_script_and_framing(client: httpx.Client) -> None:
    for path in ("/", "/check-use", "/query"):
        headers = client.get(path).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert headers["x-content-type-options"] == "nosniff"


def test_assets_are_served_by_the_server(client: httpx.Client) -> None:
    tree = page(client.get("/"))
    scripts = [s.get("src", "") for s in tree.iter("script") if s.get("src")]
    sheets = [link.get("href", "") for link in tree.iter("link") if link.get("rel") == "stylesheet"]
    assert scripts == ["/static/ui.js"] and "/static/ui.css" in sheets
    for url in scripts + sheets:
        assert url.startswith("/") and not url.startswith("//")  # nothing from a CDN
        response = client.get(url)
        assert response.status_code == 200 and response.content
    assert client.get("/static/../../secrets").status_code == 404
    assert client.get("/static/app.py").status_code == 404


def test_the_static_site_home_name_redirects_home(client: httpx.Client) -> None:
    response = client.get("/index.html?q=fairness", follow_redirects=False)
    assert response.status_code == 308 and response.headers["location"] == "/?q=fairness"


# -- check-use ---------------------------------------------------------------------------------------

def findings_table(tree: ET.Element) -> list[list[str]]:
    return [[text(td) for td in tr.iterfind("td")] for tr in tree.iterfind(".//table[@class='findings']/tbody/tr")]


def test_check_use_form_offers_the_restricted_uses(client: httpx.Client, hostile_catalogue: Catalogue) -> None:
    tree = page(client.get("/check-use"))
    offered = {o.get("value") for o in tree.iterfind(".//select[@id='purpose']/option") if o.get("value")}
    scheme = URIRef(VOCAB + "restricted-use")
    concepts = {str(c).removeprefix(VOCAB + "restricted-use/")
                for c in hostile_catalogue.asserted.subjects(URIRef("http://www.w3.org/2004/02/skos/core#inScheme"),
                                                             scheme)}
    assert offered == concepts
    licences = {o.get("value") for o in tree.iterfind(".//datalist[@id='licences']/option")}
    assert "bigcode-openrail-m-license-agreement" in licences


def test_check_use_shows_the_verdict_and_the_clauses(client: httpx.Client, hostile_catalogue: Catalogue) -> None:
    response = client.get("/check-use", params={"licence": "bigcode-openrail-m-license-agreement",
                                                "purpose": "malware-generation"})
    assert response.status_code == 200
    tree = page(response)
    expected = hostile_catalogue.check_use("malware-generation", licence="bigcode-openrail-m-license-agreement")
    assert text(tree.find(".//span[@id='verdict']")) == expected.verdict == "forbidden"
    table = findings_table(tree)
    assert [row[1] for row in table] == [f"{f.section} {f.clause_id}".strip() for f in expected.findings]
    clause = tree.find(".//table[@class='findings']/tbody/tr/td[2]/a")
    assert clause is not None
    assert clause.get("href") == "/" + expected.findings[0].clause.removeprefix("https://w3id.org/railgraph/") + ".html"


def test_check_use_for_a_model_follows_its_licence(client: httpx.Client, hostile_catalogue: Catalogue) -> None:
    tree = page(client.get("/check-use", params={"model": "hostile-model", "purpose": "malware-generation"}))
    expected = hostile_catalogue.check_use("malware-generation", model="hostile-model")
    assert text(tree.find(".//span[@id='verdict']")) == expected.verdict
    assert len(findings_table(tree)) == len(expected.findings) > 0
    considered = text(tree.find(".//section[@aria-live]/ul"))
    assert "is released under it" in considered


def test_check_use_of_an_unrestricted_use(client: httpx.Client, hostile_catalogue: Catalogue) -> None:
    purposes = [str(c).rsplit("/", 1)[-1] for c in hostile_catalogue.asserted.subjects(
        URIRef("http://www.w3.org/2004/02/skos/core#inScheme"), URIRef(VOCAB + "restricted-use"))]
    free = next(p for p in sorted(purposes)
                if hostile_catalogue.check_use(p, licence="bigcode-openrail-m-license-agreement").verdict
                == "unrestricted")
    tree = page(client.get("/check-use", params={"licence": "bigcode-openrail-m-license-agreement", "purpose": free}))
    assert text(tree.find(".//span[@id='verdict']")) == "unrestricted"
    assert tree.find(".//table[@class='findings']") is None


@pytest.mark.parametrize(("params", "message"), [
    ({"licence": "bigcode-openrail-n", "purpose": "malware-generation"}, "unknown licence 'bigcode-openrail-n'"),
    ({"licence": "mit", "model": "starcoder", "purpose": "malware-generation"},
     "give exactly one of a licence or a model"),
    ({"licence": "mit", "purpose": "lifecycle-stage/deploy"}, "is not a restricted use"),
    ({"licence": "mit"}, "choose the use to check"),
    ({"purpose": "malware-generation"}, "name a licence or a model"),
])
def test_check_use_errors_are_shown_in_the_page(client: httpx.Client, params: dict[str, str], message: str) -> None:
    response = client.get("/check-use", params=params)
    assert response.status_code == 400
    tree = page(response)
    assert any(message in p for p in problems(tree)), problems(tree)
    assert tree.find(".//span[@id='verdict']") is None


def test_unknown_check_use_fields_are_reported(client: httpx.Client) -> None:
    response = client.get("/check-use", params={"licence": "mit", "purpose": "malware-generation", "colour": "red"})
    assert response.status_code == 400
    assert any("unknown field 'colour' was ignored" in p for p in problems(page(response)))
    assert text(page(response).find(".//span[@id='verdict']")) == "unrestricted"


# -- the query page -----------------------------------------------------------------------------------

def result_table(tree: ET.Element) -> tuple[list[str], list[list[str]]]:
    table = tree.find(".//table[@class='results']")
    assert table is not None
    columns = [text(th) for th in table.iterfind("thead/tr/th")]
    return columns, [[text(td) for td in tr.iterfind("td")] for tr in table.iterfind("tbody/tr")]


def test_query_page_offers_every_named_query(client: httpx.Client, hostile_catalogue: Catalogue) -> None:
    tree = page(client.get("/query"))
    links = [a.get("href", "") for a in tree.iterfind(".//ul[@class='queries']/li/a")]
    assert sorted(links) == sorted(f"/query?name={q.name}" for q in hostile_catalogue.queries)
    editor = tree.find(".//textarea[@id='query']")
    assert editor is not None and "SELECT" in (editor.text or "")


def test_choosing_a_named_query_shows_its_parameters_as_fields(client: httpx.Client,
                                                                hostile_catalogue: Catalogue) -> None:
    named = hostile_catalogue.queries.get("licences-by-family")
    tree = page(client.get("/query", params={"name": named.name}))
    assert text(tree.find(".//h2[@id='named-title']")) == named.title
    select = tree.find(".//select[@name='param.family']")
    assert select is not None
    assert [o.get("value") for o in select.iterfind("option")] == list(named.parameters[0].allowed)
    assert tree.find(".//table[@class='results']") is None  # shown, not run
    free = page(client.get("/query", params={"name": "licence-restrictions"})).find(".//input[@name='param.licence']")
    assert free is not None and free.get("placeholder") == BIGCODE


def test_running_a_named_query_with_a_slug_gives_the_catalogues_answer(client: httpx.Client,
                                                                       hostile_catalogue: Catalogue) -> None:
    response = client.get("/query", params={"name": "licence-restrictions", "run": "1",
                                            "param.licence": "bigscience-openrail-m-license"})
    assert response.status_code == 200
    tree = page(response)
    columns, table = result_table(tree)
    expected = hostile_catalogue.query("licence-restrictions",
                                       licence="https://w3id.org/railgraph/id/licence/bigscience-openrail-m-license")
    assert columns == [str(v) for v in expected.vars or ()]
    assert sorted(table) == sorted([("" if v is None else str(v)) for v in row] for row in expected)
    assert len(table) > 3
    editor = tree.find(".//textarea[@id='query']")
    assert editor is not None and "<https://w3id.org/railgraph/id/licence/bigscience-openrail-m-license>" in (
        editor.text or "")


def test_a_named_query_runs_with_its_defaults(client: httpx.Client, hostile_catalogue: Catalogue) -> None:
    tree = page(client.get("/query", params={"name": "licence-models", "run": "1"}))
    _, table = result_table(tree)
    assert len(table) == len(rows(hostile_catalogue, "licence-models"))


def test_download_links_ask_the_endpoint_for_every_format(client: httpx.Client) -> None:
    tree = page(client.get("/query", params={"name": "entries-by-kind", "run": "1", "param.kind": "model"}))
    links = [a.get("href", "") for a in tree.iterfind(".//p[@class='downloads']/a")]
    formats = [parse_qs(urlsplit(link).query)["format"][0] for link in links]
    assert formats == ["json", "xml", "csv", "tsv"]
    query = parse_qs(urlsplit(links[0]).query)["query"][0]
    assert '"model"' in query and all(urlsplit(link).path == "/sparql" for link in links)
    types = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
             "csv": "text/csv", "tsv": "text/tab-separated-values"}
    for link, fmt in zip(links, formats):
        response = client.get(link)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(types[fmt])
    graph = page(client.get("/query", params={"query": "DESCRIBE <" + BIGCODE + ">"}))
    graph_formats = [parse_qs(urlsplit(a.get("href", "")).query)["format"][0]
                     for a in graph.iterfind(".//p[@class='downloads']/a")]
    assert graph_formats == ["ttl", "nt", "jsonld", "rdfxml"]


def test_ad_hoc_select_ask_and_construct(client: httpx.Client, hostile_catalogue: Catalogue) -> None:
    select = f"SELECT ?title WHERE {{ <{BIGCODE}> <http://purl.org/dc/terms/title> ?title }}"
    columns, table = result_table(page(client.get("/query", params={"query": select})))
    assert columns == ["title"] and table == [[str(r[0])] for r in hostile_catalogue.query(select)]
    ask = client.get("/query", params={"query": f"ASK {{ <{PROBE}> a <{RG.Tool}> }}"})
    assert text(page(ask).find(".//p[@id='boolean']")) == "true"
    construct = (f"CONSTRUCT {{ ?clause <{RG.clauseId}> ?id }} WHERE {{ <{BIGCODE}> "
                 f"<http://www.w3.org/ns/odrl/2/prohibition> ?clause . ?clause <{RG.clauseId}> ?id }}")
    response = client.post("/query", data={"query": construct})
    assert response.status_code == 200
    turtle = text(page(response).find(".//pre[@class='rdf']"))
    shown = Graph().parse(data=page(response).find(".//pre[@class='rdf']").text or "", format="turtle")
    assert "@prefix" in turtle or "<" in turtle
    assert set(shown) == set(hostile_catalogue.query(construct).graph)  # type: ignore[union-attr]


def test_result_cells_link_entity_pages_and_never_script(client: httpx.Client) -> None:
    query = ("SELECT ?tool ?home ?title WHERE { ?tool <http://xmlns.com/foaf/0.1/homepage> ?home ; "
             "<http://purl.org/dc/terms/title> ?title . FILTER(?tool = <" + PROBE + ">) }")
    response = client.get("/query", params={"query": query})
    tree = page(response)
    _, table = result_table(tree)
    assert table == [[PROBE, "javascript:alert('homepage')", "Hostile probe <script>alert('title')</script>"]]
    cells = tree.findall(".//table[@class='results']/tbody/tr/td")
    link = cells[0].find("a")
    assert link is not None and link.get("href") == "/id/tool/hostile-probe.html"
    assert cells[1].find("a") is None  # a javascript: IRI is shown, never linked
    assert "<script>alert" not in response.text


@pytest.mark.parametrize(("params", "status", "title", "message"), [
    ({"query": "SELECT ?s WHERE {\n  ?s ?p \n"}, 400, "Syntax error", "SPARQL syntax error"),
    ({"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}, 400, "Query refused",
     "SERVICE"),
    ({"query": "INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }"}, 400, "Query refused", ""),
    ({"query": "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }"}, 400, "Query refused", ""),
])
def test_query_errors_are_shown_with_their_status(client: httpx.Client, params: dict[str, str], status: int,
                                                 title: str, message: str) -> None:
    response = client.get("/query", params=params)
    assert response.status_code == status
    tree = page(response)
    assert text(tree.find(".//h2[@id='failure-title']")) == title
    assert message in text(tree.find(".//p[@class='message']"))
    editor = tree.find(".//textarea[@id='query']")
    assert editor is not None and editor.text == params["query"]  # kept for fixing


@pytest.fixture(scope="module")
def strict_client(hostile_catalogue: Catalogue) -> Iterator[httpx.Client]:
    """A server with a one-second deadline and a row cap of 5."""
    tight = Settings.resolve({"query_deadline": 1.0, "row_cap": 5})
    with running(create_app(hostile_catalogue, settings=tight)) as url, \
            httpx.Client(base_url=url, timeout=60) as http:
        yield http


def test_queries_stopped_by_the_deadline_or_the_row_cap_say_so(strict_client: httpx.Client) -> None:
    explosive = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    response = strict_client.get("/query", params={"query": explosive})
    assert response.status_code == 503
    tree = page(response)
    assert text(tree.find(".//h2[@id='failure-title']")) == "Query stopped at the deadline"
    assert "deadline of 1 s" in text(tree.find(".//p[@class='message']"))
    capped = strict_client.get("/query", params={"name": "entries-by-kind", "run": "1", "param.kind": "tool"})
    assert capped.status_code == 422
    tree = page(capped)
    assert text(tree.find(".//h2[@id='failure-title']")) == "Query stopped at the row cap"
    assert tree.find(".//table[@class='results']") is None  # never a truncated answer
    small = strict_client.get("/query", params={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 5"})
    assert small.status_code == 200 and len(result_table(page(small))[1]) == 5


def test_a_syntax_error_points_at_its_line_and_column(client: httpx.Client) -> None:
    tree = page(client.get("/query", params={"query": "SELECT ?s\nWHERE { ?s ?p ?o .\n  FILTER(?s = ) }"}))
    excerpt = text(tree.find(".//pre[@class='excerpt']"))
    assert excerpt.startswith("line 3: FILTER(?s = ) }")
    assert re.search(r"column \d+$", excerpt)


@pytest.mark.parametrize(("params", "status", "message"), [
    ({"name": "licence-restrictionz"}, 404, "unknown query 'licence-restrictionz'"),
    ({"name": "licences-by-family", "run": "1", "param.family": f"{VOCAB}licence-family/gpl"}, 400,
     f"parameter 'family' cannot be '{VOCAB}licence-family/gpl'"),
    ({"name": "licence-restrictions", "run": "1", "param.licence": "bigcode-openrail-n"}, 400,
     "unknown entry or concept 'bigcode-openrail-n'"),
    ({"name": "licence-restrictions", "run": "1", "param.colour": "red"}, 400, "has no parameter 'colour'"),
    ({"name": "licence-restrictions", "tab": "1"}, 400, "unknown field 'tab'"),
])
def test_named_query_mistakes_are_reported(client: httpx.Client, params: dict[str, str], status: int,
                                           message: str) -> None:
    response = client.get("/query", params=params)
    assert response.status_code == status
    assert any(message in p for p in problems(page(response))), problems(page(response))


def test_hostile_query_text_stays_in_the_editor(client: httpx.Client) -> None:
    attack = "SELECT * WHERE { ?s ?p '</textarea><script>alert(1)</script>' }"
    response = client.get("/query", params={"query": attack})
    assert "<script>alert" not in response.text
    editor = page(response).find(".//textarea[@id='query']")
    assert editor is not None and editor.text == attack


def test_a_file_posted_as_the_query_is_refused(client: httpx.Client) -> None:
    response = client.post("/query", files={"query": ("q.rq", b"ASK {}")})
    assert response.status_code == 400
    assert any("cannot be a file" in p for p in problems(page(response)))


def test_every_facet_key_is_accepted_as_a_filter(client: httpx.Client) -> None:
    for key in FACETS:
        assert client.get("/", params={key: ""}).status_code == 200


def test_pages_are_valid_html(client: httpx.Client) -> None:
    for path in ("/", "/?q=licence&page=1", "/check-use?licence=mit&purpose=malware-generation",
                 "/query?name=licence-ancestors&run=1"):
        page(client.get(path))
