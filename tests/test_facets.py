"""Facet counts and search over the tools and metrics."""

from __future__ import annotations

import pytest
from rdflib import URIRef

from railgraph.errors import UsageError
from railgraph.namespaces import RDF, RG

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
