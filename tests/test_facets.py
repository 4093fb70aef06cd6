"""Facet counts and search over the tools and metrics."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import URIRef

from railgraph import facets
from railgraph.catalogue import Catalogue
from railgraph.errors import UsageError
from railgraph.namespaces import DCAT, DCTERMS, RDF, RG
from railgraph.settings import Settings

from .conftest import ID, VOCAB


def entries_with(catalogue, prop, concept: str) -> set[str]:
    union = catalogue.union()
    return {str(s) for s in union.subjects(prop, URIRef(VOCAB + concept))
            if (s, RDF.type, RG.Tool) in union or (s, RDF.type, RG.Metric) in union}


def test_facet_counts_match_the_data(catalogue) -> None:
    counts = {f.concept: f.count for f in catalogue.facets()["tool-type"]}
    for concept in ("technical", "procedural", "educational"):
        expected = entries_with(catalogue, RG.toolType, f"tool-type/{concept}")
        assert counts[VOCAB + f"tool-type/{concept}"] == len(expected) > 0


def test_a_principle_counts_the_entries_filed_under_its_objectives(catalogue) -> None:
    counts = {f.concept: f.count for f in catalogue.facets()["objective"]}
    fairness = entries_with(catalogue, RG.objective, "objective/fairness")
    assert counts[VOCAB + "objective/principle-human-centred-values"] >= len(fairness)


def test_filters_narrow_every_facet(catalogue) -> None:
    deploy = VOCAB + "lifecycle-stage/deploy"
    filtered = catalogue.facets({"lifecycle-stage": ["deploy"]})
    stage_counts = {f.concept: f.count for f in filtered["lifecycle-stage"]}
    total = len(entries_with(catalogue, RG.lifecycleStage, "lifecycle-stage/deploy"))
    assert stage_counts[deploy] == total
    at_deploy = entries_with(catalogue, RG.lifecycleStage, "lifecycle-stage/deploy")
    for facet in filtered["tool-type"]:
        kind = facet.concept.removeprefix(VOCAB)
        assert facet.count == len(at_deploy & entries_with(catalogue, RG.toolType, kind)), kind


def test_search_ranks_title_matches_first_and_explains_them(catalogue) -> None:
    hits = catalogue.search("fairness")
    assert hits and all(h.score > 0 for h in hits)
    assert hits == sorted(hits, key=lambda h: (-h.score, h.title.lower()))
    assert "fairness in title" in hits[0].matched
    assert ID + "tool/fairlearn" in {h.entry for h in catalogue.search("fairlearn")}


def test_search_respects_facet_filters(catalogue) -> None:
    hits = catalogue.search("privacy", {"tool-type": ["educational"]})
    educational = entries_with(catalogue, RG.toolType, "tool-type/educational")
    assert all(h.entry in educational for h in hits)


def test_unknown_facet_or_value_is_a_usage_error(catalogue) -> None:
    with pytest.raises(UsageError, match="did you mean lifecycle-stage"):
        catalogue.facets({"lifecyle": ["deploy"]})
    with pytest.raises(UsageError, match="unknown concept"):
        catalogue.search("x", {"lifecycle-stage": ["deplo-y-ment"]})


def test_cli_search(run_cli) -> None:
    result = run_cli("search", "fairness toolkit", "--facet", "tool-type=technical", "--limit", "3")
    assert result.code == 0
    assert "AI Fairness 360" in result.out.splitlines()[0]
    assert len(result.out.strip().splitlines()) <= 3


def test_search_scores_every_entry_as_the_rule_says(catalogue) -> None:
    """The index's answer against the rule of the module docstring, applied to the graph directly."""
    union, query = catalogue.union(), "fairness toolkit"
    expected = {}
    for entry in {s for cls in (RG.Tool, RG.Metric) for s in union.subjects(RDF.type, cls)}:
        title = str(union.value(entry, DCTERMS.title) or entry)
        fields = ((3, facets.words(title)), (2, facets.words(" ".join(map(str, union.objects(entry, DCAT.keyword))))),
                  (1, facets.words(str(union.value(entry, DCTERMS.description) or ""))))
        score = sum(points for word in query.split() for points, found in fields if word in found)
        score += 5 if query in " ".join(facets.words(title)) else 0
        if score:
            expected[str(entry)] = score
    hits = catalogue.search(query, limit=len(expected) + 1)
    assert {h.entry: h.score for h in hits} == expected and len(expected) > 5


def _answers(index: facets.FacetIndex) -> tuple[object, ...]:
    deploy = {"lifecycle-stage": [URIRef(VOCAB + "lifecycle-stage/deploy")]}
    return (index.facets(), index.facets(deploy), index.search("fairness toolkit"),
            index.search("privacy", deploy, limit=100), [e.iri for e in index.matching(deploy)])


def test_the_index_reads_back_from_json(catalogue) -> None:
    built = facets.FacetIndex(catalogue.union())
    text = built.to_json("sources-1")
    again = facets.FacetIndex.from_json(text, "sources-1")
    assert again is not None and _answers(again) == _answers(built)
    assert facets.FacetIndex.from_json(text, "sources-2") is None
    for corrupt in (text[: len(text) // 2], "[]", text.replace(f'"format":{facets.INDEX_FORMAT}', '"format":0'),
                    text.replace('"entries":[[', '"entries":[["x"],[', 1)):
        assert facets.FacetIndex.from_json(corrupt, "sources-1") is None


def test_an_on_disk_store_keeps_the_index_until_a_source_changes(generated_root, tmp_path, monkeypatch) -> None:
    root = Path(shutil.copytree(generated_root, tmp_path / "root"))
    settings = Settings.resolve({"store": str(tmp_path / "store"), "cache_dir": "none"})
    first = Catalogue.load(root, settings=settings)
    answers = _answers(first._facet_index)
    assert (tmp_path / "store" / facets.INDEX_FILE).is_file()

    builds: list[int] = []
    build = facets.FacetIndex.__init__

    def counted(self, graph) -> None:
        builds.append(len(graph))
        build(self, graph)

    monkeypatch.setattr(facets.FacetIndex, "__init__", counted)
    reopened = Catalogue.load(root, settings=settings)
    assert _answers(reopened._facet_index) == answers and builds == []

    tool = root / "data" / "tools" / "tool-0001.ttl"
    text = tool.read_text(encoding="utf-8")
    title = text.split('dct:title "', 1)[1].split('"', 1)[0]
    tool.write_text(text.replace(title, "Zebrafish ledger", 1), encoding="utf-8")
    changed = Catalogue.load(root, settings=settings)
    assert [h.title for h in changed.search("zebrafish")] == ["Zebrafish ledger"] and len(builds) == 1
    (tmp_path / "store" / facets.INDEX_FILE).write_text("not an index", encoding="utf-8")
    assert Catalogue.load(root, settings=settings).search("zebrafish") and len(builds) == 2


def test_deprecated_entries_leave_counts_search_and_the_main_list(fresh_catalogue: Catalogue,
                                                                   tmp_path: Path) -> None:
    from railgraph.views import ViewIndex

    aequitas = URIRef(ID + "tool/aequitas")
    before = {hit.entry for hit in fresh_catalogue.search("aequitas")}
    assert str(aequitas) in before
    marked = tmp_path / "deprecate.ttl"
    marked.write_text(f"<{aequitas}> <https://w3id.org/railgraph/ontology#status> "
                      f"<{VOCAB}status/deprecated> .\n", encoding="utf-8")
    fresh_catalogue.add_file(marked)
    assert str(aequitas) not in {hit.entry for hit in fresh_catalogue.search("aequitas")}
    assert str(aequitas) not in {str(e.iri) for e in fresh_catalogue._facet_index.matching(None)}
    sections = ViewIndex(fresh_catalogue).kind_list("tool").sections
    assert [s.heading for s in sections] == [None, "Deprecated"]
    assert [item.term.iri for item in sections[1].items] == [str(aequitas)]
    assert str(aequitas) not in {item.term.iri for item in sections[0].items}


def _reference_search(index: facets.FacetIndex, text: str, filters, limit: int = 20) -> list[tuple]:
    """The ranking of the module docstring, computed entry by entry."""
    query = list(dict.fromkeys(facets.words(text)))
    allowed = {e.iri for e in index.matching(filters)}
    found = []
    for i, entry in enumerate(index.entries):
        if entry.iri not in allowed:
            continue
        score, reasons = 0, []
        for word in query:
            for field, points in (("title", 3), ("tags", 2), ("description", 1)):
                if index._postings[field].get(word, 0) >> i & 1:
                    score, reasons = score + points, reasons + [f"{word} in {field}"]
        if query and " ".join(query) in index._titles[i]:
            score, reasons = score + 5, reasons + ["whole query in title"]
        if score:
            found.append((-score, entry.title.lower(), i, str(entry.iri), score, tuple(reasons)))
    return [(iri, score, reasons) for *_, iri, score, reasons in sorted(found)[:limit]]


@pytest.mark.parametrize("text", ["fairness", "fairness toolkit", "explainability scanner", "synthetic tool",
                                  "metric", "zzz-no-such-word", ""])
def test_search_ranks_as_scoring_each_entry_would(generated_root: Path, text: str) -> None:
    catalogue = Catalogue.load(generated_root)
    index = facets.FacetIndex(catalogue.oxstore)
    deploy = {"lifecycle-stage": [URIRef(VOCAB + "lifecycle-stage/deploy")]}
    for filters, limit in ((None, 20), (deploy, 7), (None, 500)):
        hits = [(h.entry, h.score, h.matched) for h in index.search(text, filters, limit)]
        assert hits == _reference_search(index, text, filters, limit)
