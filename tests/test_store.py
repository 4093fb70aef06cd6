"""The embedded store: pyoxigraph answers every named query as rdflib (the reference) does, in
memory and on disk, and binds parameters as terms, never as query text."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef

from railgraph import catalogue as catalogue_module
from railgraph import inference
from railgraph.atomic import finish_removals
from railgraph.catalogue import Catalogue
from railgraph.errors import InputError
from railgraph.namespaces import INFERRED_GRAPH
from railgraph.settings import Settings
from railgraph.store import (DIGEST_FILE, LAYOUT, OxigraphStore, RdflibStore, bind_values, count_triples,
                             names_dataset, union_quads, union_query)

from .conftest import BIGCODE, ROOT


def answers(result) -> Counter:
    """A query answer as a multiset of rows (blank nodes made anonymous: their labels differ)."""
    if result.type == "ASK":
        return Counter([result.askAnswer])
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return Counter(tuple("_:" if isinstance(t, BNode) else t for t in triple) for triple in result.graph)
    return Counter(tuple("_:" if isinstance(row.get(v), BNode) else row.get(v) for v in result.vars)
                   for row in (r.asdict() and {k: r[k] for k in result.vars} for r in result))


@pytest.fixture(scope="module")
def stores(catalogue) -> tuple[OxigraphStore, RdflibStore]:
    return catalogue.store, RdflibStore(catalogue.dataset)


def cases(root: Path = ROOT) -> list[tuple[str, dict[str, str]]]:
    """Every named query with its defaults, and each again with every enumerated value."""
    from railgraph.queries import QueryLibrary

    found: list[tuple[str, dict[str, str]]] = []
    for named in QueryLibrary(root / "queries"):
        found.append((named.name, {}))
        for parameter in named.parameters:
            found.extend((named.name, {parameter.name: value}) for value in parameter.allowed[:4])
    found += [("licence-restrictions", {"licence": "creativeml-openrail-m"}),
              ("licence-ancestors", {"licence": BIGCODE}),
              ("licence-restriction-diff", {"a": "creativeml-openrail-m", "b": "creativeml-openrail-plus-plus-m"}),
              ("licences-forbidding-use", {"use": "https://w3id.org/railgraph/vocab/restricted-use/ransomware"})]
    return found


@pytest.mark.parametrize(("name", "params"), cases(), ids=lambda c: c if isinstance(c, str) else
                         ",".join(f"{k}={v.rsplit('/', 1)[-1]}" for k, v in c.items()) or "defaults")
def test_every_named_query_gets_the_same_answer_from_both_stores(catalogue, stores, name, params) -> None:
    oxigraph, reference = stores
    named = catalogue.queries.get(name)
    resolved = {k: str(catalogue.resolve_any(v)) if ":" not in v and any(
        p.name == k and p.type == "iri" for p in named.parameters) else v for k, v in params.items()}
    bindings = named.bindings(resolved)
    expected = answers(reference.query(named.text, bindings))
    assert answers(oxigraph.query(named.text, bindings)) == expected
    assert params or sum(expected.values()) or name in EMPTY_BY_DESIGN, "defaults should give an answer"


#: Queries whose default answer on the real catalogue is legitimately empty.
EMPTY_BY_DESIGN = {"entries-missing-recommended-fields", "unverified-concepts"}


def test_the_catalogue_queries_through_oxigraph_by_default(catalogue) -> None:
    assert isinstance(catalogue.store, OxigraphStore)
    assert len(catalogue.store) >= len(catalogue.asserted)


def test_rdflib_is_the_reference_engine_by_setting() -> None:
    catalogue = Catalogue.load(ROOT, settings=Settings.resolve({"query_engine": "rdflib"}))
    assert isinstance(catalogue.store, RdflibStore)
    rows = list(catalogue.query("licence-restrictions", licence="bigcode-openrail-m-license-agreement"))
    assert len(rows) == 14


def test_an_unknown_engine_is_refused() -> None:
    from railgraph.errors import UsageError

    with pytest.raises(UsageError, match="RAILGRAPH_QUERY_ENGINE"):
        Settings.resolve(environ={"RAILGRAPH_QUERY_ENGINE": "virtuoso"})


def test_a_bound_value_stays_one_term() -> None:
    hostile = Literal('x" } ; DROP ALL ; SELECT * { "')
    text = bind_values("SELECT ?t WHERE { ?s ?p ?_t }", {"_t": hostile})
    assert text == 'SELECT ?t WHERE { ?s ?p "x\\" } ; DROP ALL ; SELECT * { \\"" }'
    with pytest.raises(ValueError):
        bind_values("SELECT ?s WHERE { ?_s ?p ?o }", {"_s": URIRef("http://x> } DROP ALL {")})


def test_substitution_binds_everywhere_but_in_comments_and_strings() -> None:
    text = '# ?_x\nSELECT ?a WHERE { { ?a ?p ?_x FILTER(?_x != "?_x") } UNION { ?_xy ?q <http://e/x> } }'
    bound = bind_values(text, {"_x": URIRef("http://example.org/v")})
    assert bound == ('# ?_x\nSELECT ?a WHERE { { ?a ?p <http://example.org/v> FILTER(<http://example.org/v> '
                     '!= "?_x") } UNION { ?_xy ?q <http://e/x> } }')


@pytest.mark.parametrize("text", [
    "SELECT ?_x WHERE { ?s ?p ?_x }", "SELECT ?s WHERE { BIND(1 AS ?_x) }",
    "SELECT ?s WHERE { ?s ?p ?_x } ORDER BY ?_x", "SELECT ?s WHERE { ?s ?p ?_x } GROUP BY ?s ?_x",
    "SELECT ?s WHERE { ?s ?p ?o FILTER(BOUND(?_x)) }", "SELECT ?s WHERE { VALUES ?_x { 1 } ?s ?p ?_x }"])
def test_a_parameter_is_a_constant(text: str) -> None:
    with pytest.raises(InputError, match="projected, assigned, grouped or ordered by"):
        bind_values(text, {"_x": URIRef("http://example.org/v")})


@pytest.mark.parametrize(("text", "message"), [
    ("SELECT * WHERE { ?s ?p ?_x }", "must name its columns"),
    ("SELECT ?o WHERE { ?s ?p ?o FILTER(?o<?_x&&?o>1) }", "spaces around the comparison"),
])
def test_ambiguous_parameter_uses_are_refused(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        bind_values(text, {"_x": Literal(3)})


def test_a_comparison_with_spaces_and_unicode_names_bind_correctly() -> None:
    bound = bind_values("SELECT ?o WHERE { ?s ?p ?o FILTER(?o < ?_x && ?_xé > 1) }", {"_x": Literal(3)})
    assert "?o < \"3\"^^<http://www.w3.org/2001/XMLSchema#integer> && ?_xé > 1" in bound


def test_a_blank_node_is_not_a_parameter() -> None:
    with pytest.raises(InputError, match="blank node"):
        bind_values("SELECT ?s WHERE { ?s ?p ?_x }", {"_x": BNode("b0")})


def test_an_on_disk_store_is_reopened_while_the_sources_are_unchanged(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    loads: list[int] = []

    def nquads() -> bytes:
        loads.append(1)
        return b"<http://example.org/s> <http://example.org/p> \"o\" <http://example.org/g> .\n"

    first = OxigraphStore.on_disk(folder, "digest-1", nquads)
    assert len(first) == 1 and (folder / DIGEST_FILE).read_text().strip() == "digest-1"
    del first
    again = OxigraphStore.on_disk(folder, "digest-1", nquads)
    assert len(again) == 1 and len(loads) == 1, "an unchanged store is reopened, not reloaded"
    del again
    OxigraphStore.on_disk(folder, "digest-2", nquads)
    assert len(loads) == 2 and (folder / DIGEST_FILE).read_text().strip() == "digest-2"
    finish_removals()  # the store replaced is removed in the background
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"], "no staging folder is left"


def test_a_store_load_that_fails_leaves_the_earlier_store(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    OxigraphStore.on_disk(folder, "digest-1", lambda: b"<http://e.org/s> <http://e.org/p> <http://e.org/o> .\n")
    with pytest.raises(SyntaxError):
        OxigraphStore.on_disk(folder, "digest-2", lambda: b"<http://e.org/s> <broken")
    assert (folder / DIGEST_FILE).read_text().strip() == "digest-1"
    assert len(OxigraphStore.on_disk(folder, "digest-1", lambda: b"")) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


def test_a_folder_that_is_not_a_store_is_never_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "precious"
    folder.mkdir()
    (folder / "thesis.tex").write_text("years of work", encoding="utf-8")
    with pytest.raises(InputError, match="not written by railgraph"):
        OxigraphStore.on_disk(folder, "digest", lambda: b"")
    assert (folder / "thesis.tex").read_text(encoding="utf-8") == "years of work"


def test_query_with_store_flag_keeps_the_store_on_disk(run_cli, tmp_path: Path) -> None:
    folder = tmp_path / "store"
    result = run_cli("query", "licence-restrictions", "--store", str(folder), "--format", "json",
                     "--param", "licence=bigcode-openrail-m-license-agreement")
    assert result.code == 0, result.err
    assert (folder / DIGEST_FILE).is_file()


@pytest.mark.parametrize("text", [
    "ASK { ?s a <https://w3id.org/railgraph/ontology#Tool> }",
    "CONSTRUCT { ?s a ?c } WHERE { ?s a ?c } LIMIT 5",
    "DESCRIBE <https://w3id.org/railgraph/id/licence/mit>",
])
def test_ask_construct_and_describe_answer_like_rdflib(stores, text: str) -> None:
    oxigraph, reference = stores
    mine, theirs = oxigraph.query(text, {}), reference.query(text, {})
    assert mine.type == ("CONSTRUCT" if theirs.type == "DESCRIBE" else theirs.type)  # both give a graph
    if mine.type == "ASK":
        assert mine.askAnswer is theirs.askAnswer is True
    elif "LIMIT" in text:
        assert len(mine.graph) == 5
    else:  # DESCRIBE is the engine's choice (SPARQL 1.1, 16.4); both give the entry's statements
        mit = URIRef("https://w3id.org/railgraph/id/licence/mit")
        assert {t for t in mine.graph if t[0] == mit} == {t for t in theirs.graph if t[0] == mit} != set()


def test_a_catalogue_reopened_unchanged_reads_its_inferred_graph_back(tmp_path: Path, monkeypatch) -> None:
    settings = Settings.resolve({"cache_dir": str(tmp_path)})
    first = Catalogue.load(ROOT, settings=settings)
    expected = sorted(str(row) for row in first.query("entries-by-kind"))
    assert list(tmp_path.glob("inferred-*.nt"))
    monkeypatch.setattr(inference, "infer_into", None)  # would fail if inferred again
    second = Catalogue.load(ROOT, settings=settings)
    second.__dict__["dataset"] = None  # the store is made from the sources, never from rdflib graphs
    assert len(second.inferred_triples) == len(first.inferred_triples)
    assert sorted(str(row) for row in second.query("entries-by-kind")) == expected


def test_the_inferred_triples_are_kept_once_in_their_own_graph(catalogue) -> None:
    store = catalogue.oxstore
    inferred = ox.NamedNode(str(INFERRED_GRAPH))
    triples = [quad.triple for quad in store.quads_for_pattern(None, None, None, inferred)]
    assert triples
    assert not any(ox.Quad(t.subject, t.predicate, t.object) in store for t in triples), \
        "no inferred triple is copied into the default graph, nor asserted"
    asserted = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    assert count_triples(store) == asserted + len(triples)


def test_a_query_reads_the_asserted_and_the_inferred_triples(catalogue) -> None:
    store = catalogue.oxstore
    inferred = next(iter(store.quads_for_pattern(None, None, None, ox.NamedNode(str(INFERRED_GRAPH)))))
    ask = f"ASK {{ {inferred.subject} {inferred.predicate} {inferred.object} }}"
    assert not store.query(ask), "the store's own default graph holds the asserted triples only"
    assert union_query(store, ask)
    assert catalogue.query(ask).askAnswer
    assert inferred.triple in {quad.triple for quad in union_quads(store, inferred.subject, inferred.predicate)}


def test_a_query_naming_its_dataset_keeps_it() -> None:
    store = ox.Store()
    subject, predicate = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
    store.add(ox.Quad(subject, predicate, ox.Literal("asserted")))
    store.add(ox.Quad(subject, predicate, ox.Literal("other"), ox.NamedNode("http://example.org/g")))
    text = "SELECT ?o {} WHERE {{ ?s ?p ?o }}"
    assert [row["o"].value for row in union_query(store, text.format(""))] == ["asserted"]
    assert [row["o"].value for row in union_query(store, text.format("FROM <http://example.org/g>"))] == ["other"]
    assert list(union_query(store, text.format("FROM NAMED <http://example.org/g>"))) == [], \
        "FROM NAMED alone leaves an empty default graph"


@pytest.mark.parametrize(("text", "names"), [
    ("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }", True),
    ("select * from named <http://example.org/g> { graph ?g { ?s ?p ?o } }", True),
    ("SELECT ?from WHERE { ?s ex:from ?from }", False),
    ('SELECT * WHERE { ?s ?p "FROM" } # FROM <http://example.org/g>', False),
    ("SELECT * WHERE { ?s <http://example.org/FROM> ?o }", False),
])
def test_a_dataset_clause_is_told_from_the_same_word_elsewhere(text: str, names: bool) -> None:
    assert names_dataset(text) is names


def test_an_on_disk_store_of_another_layout_is_rebuilt(tmp_path: Path, monkeypatch) -> None:
    settings = Settings.resolve({"store": str(tmp_path / "store"), "cache_dir": str(tmp_path / "cache")})
    Catalogue.load(ROOT, settings=settings).store
    digest = (tmp_path / "store" / DIGEST_FILE).read_text()
    monkeypatch.setattr(catalogue_module, "LAYOUT", LAYOUT - 1)  # a store written by an earlier version
    Catalogue.load(ROOT, settings=settings).store
    assert (tmp_path / "store" / DIGEST_FILE).read_text() != digest
