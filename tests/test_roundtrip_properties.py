"""Property: a generated catalogue entry survives every export format and railgraph's own reader.

hypothesis makes entries with titles and descriptions in any Unicode (quotes, backslashes,
newlines, control characters, right-to-left text), language tags, several values per field, dates
and IRIs of the catalogue's shape. Each entry is exported in every graph and dataset format and
read back by the strict reader (:mod:`railgraph.rdf_input`, through :func:`railgraph.loading.parse_file`);
the graph read back must be isomorphic to the one exported.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from railgraph import loading
from railgraph.export.rdf import FORMATS, load_context, serialize
from railgraph.namespaces import RG
from railgraph.rdf_input import ContextAllowList

from .conftest import ROOT
from .graphs import same_graph

CONTEXT = load_context(ROOT / "ontology" / "context.jsonld")
ALLOWED = ContextAllowList(ROOT, ("ontology/context.jsonld",))
GRAPH_FORMATS = [name for name, fmt in FORMATS.items() if not fmt.view and not fmt.quads]
DATASET_FORMATS = [name for name, fmt in FORMATS.items() if fmt.quads]
SOURCE = loading.graph_iri_for("data/tools/generated.ttl")
KINDS = ("tool", "metric", "licence", "model", "organisation", "use-case")
SCHEMA = URIRef("https://schema.org/keywords")

_NOT_IN_XML = "".join(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF]))
slugs = st.from_regex(r"[a-z0-9]{1,12}(-[a-z0-9]{1,8}){0,3}", fullmatch=True)
#: Any character XML can carry (the reader refuses the others: tests/test_loading.py).
texts = st.text(st.characters(exclude_categories=("Cs",), exclude_characters=_NOT_IN_XML), min_size=1, max_size=60)
languages = st.sampled_from(["en", "en-GB", "de", "fr-CA", "zh-Hant", "pt-BR", "ar", "x-private"])
literals = st.one_of(
    st.builds(lambda text, lang: Literal(text, lang=lang), texts, languages),
    st.builds(Literal, texts),
    st.builds(lambda day: Literal(day.isoformat(), datatype=XSD.date),
              st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 12, 31))),
    st.builds(lambda number: Literal(str(number), datatype=XSD.integer), st.integers(-10**12, 10**12)),
)
web_iris = st.builds(lambda host, path: URIRef(f"https://{host}.example.org/{path}"), slugs, slugs)


@st.composite
def entries(draw: st.DrawFn) -> Graph:
    """One to three catalogue entries with several values per field, and a blank node part."""
    graph = loading.new_graph()
    for _ in range(draw(st.integers(1, 3))):
        entry = URIRef(f"https://w3id.org/railgraph/id/{draw(st.sampled_from(KINDS))}/{draw(slugs)}")
        graph.add((entry, RDF.type, RG.Tool))
        for title in draw(st.lists(literals, min_size=1, max_size=3)):
            graph.add((entry, DCTERMS.title, title))
        for description in draw(st.lists(literals, max_size=2)):
            graph.add((entry, DCTERMS.description, description))
        for keyword in draw(st.lists(texts, max_size=3)):
            graph.add((entry, SCHEMA, Literal(keyword, lang="en")))
        for page in draw(st.lists(web_iris, max_size=2)):
            graph.add((entry, DCTERMS.source, page))
        if draw(st.booleans()):
            part = BNode()
            graph.add((entry, DCTERMS.relation, part))
            graph.add((part, DCTERMS.title, draw(literals)))
    return graph


def lower_languages(graph: Graph) -> Graph:
    """``graph`` with language tags in lower case (pyoxigraph lowercases them; rdflib keeps them)."""
    lowered = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.language:
            o = Literal(str(o), lang=o.language.lower())
        lowered.add((s, p, o))
    return lowered


def read_back(data: bytes, suffix: str, folder: Path) -> Graph:
    path = folder / f"export{suffix}"
    path.write_bytes(data)
    return loading.parse_file(path, max_bytes=10_000_000, max_literal_chars=1_000_000, contexts=ALLOWED)


PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("name", GRAPH_FORMATS)
@PROPERTY
@given(graph=entries())
def test_every_graph_format_round_trips(tmp_path: Path, name: str, graph: Graph) -> None:
    fmt = FORMATS[name]
    read = read_back(serialize(graph, fmt, CONTEXT), fmt.extension, tmp_path)
    assert same_graph(lower_languages(read), lower_languages(graph))


@pytest.mark.parametrize("name", DATASET_FORMATS)
@PROPERTY
@given(graph=entries())
def test_every_dataset_format_round_trips_with_its_graph_name(tmp_path: Path, name: str, graph: Graph) -> None:
    fmt = FORMATS[name]
    dataset = Dataset()
    dataset.graph(SOURCE).__iadd__(graph)
    data = serialize(dataset, fmt, CONTEXT)
    assert same_graph(lower_languages(read_back(data, fmt.extension, tmp_path)), lower_languages(graph))
    named = Dataset()
    named.parse(data=data, format=fmt.rdflib_name)
    assert same_graph(lower_languages(named.graph(SOURCE)), lower_languages(graph))
