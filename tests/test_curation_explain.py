"""Plain-word explanations of validation results, with the fix and the closest allowed values."""

from __future__ import annotations

from pathlib import Path

import pytest

import railgraph
from railgraph.catalogue import Catalogue
from railgraph.curation.explain import Explanation, explain, render
from railgraph.validation import ValidationReport

from .curation_helpers import copy_root

BAD = """\
@prefix rg:   <https://w3id.org/railgraph/ontology#> .
@prefix dct:  <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .

<https://w3id.org/railgraph/id/tool/curation-bad> a rg:Tool ;
    dct:title "No language tag" ;
    rg:status <https://w3id.org/railgraph/vocab/status/draft> ;
    rg:lifecycleStage <https://w3id.org/railgraph/vocab/lifecycle-stage/deply> ;
    dct:license <https://w3id.org/railgraph/id/licence/apache-2> ;
    prov:hadPrimarySource <https://example.org/curation-bad> .
"""


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Catalogue, list[Explanation], Path]:
    root = copy_root(tmp_path_factory.mktemp("explain") / "catalogue")
    path = root / "data" / "tools" / "curation-bad.ttl"
    path.write_text(BAD, encoding="utf-8")
    catalogue = railgraph.load(root)
    report = catalogue.validate([path])
    return catalogue, explain(report, catalogue), path


def by_field(explanations: list[Explanation], field: str) -> Explanation:
    return next(e for e in explanations if e.field == field)


def test_every_result_is_explained_with_its_file_and_line(checked) -> None:
    catalogue, explanations, path = checked
    assert len(explanations) == len(catalogue.validate([path]).results)
    assert all(e.where == f"{path}:5" or e.where == "data/tools/curation-bad.ttl:5" for e in explanations)
    assert {e.severity for e in explanations} == {"Violation", "Warning"}


def test_a_misspelt_concept_gets_the_closest_concepts_of_its_scheme(checked) -> None:
    explanation = by_field(checked[1], "rg:lifecycleStage")
    assert "is not a concept of the lifecycle-stage scheme" in explanation.problem
    assert explanation.closest[0].startswith("<https://w3id.org/railgraph/vocab/lifecycle-stage/deploy>")
    assert "lifecycle-stage.ttl" in explanation.fix


def test_a_reference_to_an_unknown_licence_gets_the_closest_licences(checked) -> None:
    explanation = by_field(checked[1], "dct:license")
    assert "must point to a rg:Licence" in explanation.problem
    assert "<https://w3id.org/railgraph/id/licence/apache-2-0>" in explanation.closest


def test_a_missing_field_and_a_wrong_language_say_so_in_words(checked) -> None:
    missing = by_field(checked[1], "dct:description")
    assert "dct:description is missing" in missing.problem and missing.value is None
    assert missing.closest == ()
    untagged = by_field(checked[1], "dct:title")
    assert 'the value "No language tag" of dct:title must be text tagged with the language "en"' in untagged.problem


def test_render_gives_one_block_per_result_with_the_fix(checked) -> None:
    text = render(checked[1])
    assert text.count("    fix: ") == len(checked[1])
    assert "closest allowed values: <https://w3id.org/railgraph/vocab/lifecycle-stage/deploy> (Deploy)" in text


def test_a_report_without_results_has_nothing_to_explain(checked) -> None:
    assert explain(ValidationReport(), checked[0]) == []
    assert render([]) == ""
