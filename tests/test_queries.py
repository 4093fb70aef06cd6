"""Every named query answers from the real data; parameters are checked and bound safely."""

from __future__ import annotations

import pytest

from railgraph.errors import UsageError

from .conftest import BIGCODE, BIGSCIENCE, CREATIVEML, ID, LICENCE, OPENRAIL_PP, RAIL_1, VOCAB, rows

FIVE = (BIGCODE, BIGSCIENCE, RAIL_1, CREATIVEML, OPENRAIL_PP)

# Clause ids as each text gives them: letters where it letters, numbers where it numbers,
# letters by position where it only bullets.
EXPECTED_CLAUSES = {
    BIGCODE: [chr(c) for c in range(ord("a"), ord("n") + 1)],
    BIGSCIENCE: [chr(c) for c in range(ord("a"), ord("m") + 1)],
    RAIL_1: [str(n) for n in range(1, 14)],
    CREATIVEML: [chr(c) for c in range(ord("a"), ord("k") + 1)],
    OPENRAIL_PP: [chr(c) for c in range(ord("a"), ord("k") + 1)],
}



@pytest.mark.parametrize("licence", FIVE)
def test_licence_restrictions_lists_every_clause_in_order(catalogue, licence: str) -> None:
    found = rows(catalogue, "licence-restrictions", licence=licence)
    assert [r["clauseId"] for r in found] == EXPECTED_CLAUSES[licence]
    assert all(r["restrictedUse"].startswith(VOCAB + "restricted-use/") for r in found)
    assert all(r["clause"] == f"{licence}/clause/{r['clauseId']}" for r in found)


def test_bigcode_clause_c_forbids_malware_and_f_is_conditional(catalogue) -> None:
    by_id = {r["clauseId"]: r for r in rows(catalogue, "licence-restrictions", licence=BIGCODE)}
    assert by_id["c"]["restrictedUse"] == VOCAB + "restricted-use/malware-generation"
    assert by_id["f"]["unless"] and by_id["f"]["scopes"]
    assert by_id["m"]["restrictedUse"] == VOCAB + "restricted-use/medical-advice"


def test_ancestors_of_bigcode_nearest_first(catalogue) -> None:
    found = rows(catalogue, "licence-ancestors", licence=BIGCODE)
    assert [r["ancestor"] for r in found] == [
        LICENCE + "codeml-openrail-m-v0-1", BIGSCIENCE, RAIL_1]
    assert [r["distance"] for r in found] == ["1", "2", "3"]


def test_of_the_five_rail_licences_only_bigcode_forbids_generating_malware(catalogue) -> None:
    found = rows(catalogue, "licences-forbidding-use", use=VOCAB + "restricted-use/malware-generation")
    assert [(r["licence"], r["clauseId"]) for r in found if r["licence"] in FIVE] == [(BIGCODE, "c")]


def test_a_narrower_use_finds_the_clause_on_the_broader_one(catalogue) -> None:
    broader = rows(catalogue, "licences-forbidding-use", use=VOCAB + "restricted-use/malware-generation")
    narrower = rows(catalogue, "licences-forbidding-use", use=VOCAB + "restricted-use/ransomware-generation")
    assert (BIGCODE, "c") in {(r["licence"], r["clauseId"]) for r in narrower}
    assert {(r["licence"], r["clauseId"]) for r in broader} <= {(r["licence"], r["clauseId"]) for r in narrower}


def test_medical_advice_is_forbidden_by_all_five(catalogue) -> None:
    found = rows(catalogue, "licences-forbidding-use", use=VOCAB + "restricted-use/medical-advice")
    assert {r["licence"] for r in found} >= set(FIVE)


def test_creativeml_dropped_two_restrictions_of_bigscience(catalogue) -> None:
    found = rows(catalogue, "licence-restriction-diff", a=BIGSCIENCE, b=CREATIVEML)
    assert sorted((r["change"], r["restrictedUse"].rsplit("/", 1)[-1], r["clauseA"]) for r in found) == [
        ("dropped", "impersonation", "g"),
        ("dropped", "machine-generated-content-dissemination", "e"),
    ]


def test_bigcode_against_bigscience_adds_malware_and_qualifies_others(catalogue) -> None:
    found = rows(catalogue, "licence-restriction-diff", a=BIGSCIENCE, b=BIGCODE)
    changes = {(r["change"], r["restrictedUse"].rsplit("/", 1)[-1]) for r in found}
    assert ("added", "malware-generation") in changes
    assert ("narrowed", "machine-generated-content-dissemination") in changes
    assert ("relaxed", "automated-decision-making") in changes
    assert not any(change == "dropped" for change, _ in changes)


def test_openrail_plus_plus_keeps_every_creativeml_restriction(catalogue) -> None:
    assert rows(catalogue, "licence-restriction-diff", a=CREATIVEML, b=OPENRAIL_PP) == []


def test_models_under_bigcode_include_starcoder_and_its_base(catalogue) -> None:
    found = {r["model"].rsplit("/", 1)[-1]: r for r in rows(catalogue, "licence-models", licence=BIGCODE)}
    assert {"starcoder", "starcoderbase", "starcoder2-15b"} <= set(found)
    assert found["starcoder"]["derivedFrom"] == ID + "model/starcoderbase"
    assert found["starcoder"]["huggingFaceId"] == "bigcode/starcoder"


def test_tools_by_lifecycle_stage_returns_only_entries_at_that_stage(catalogue) -> None:
    stage = VOCAB + "lifecycle-stage/plan-and-design"
    found = rows(catalogue, "tools-by-lifecycle-stage", stage=stage)
    from rdflib import URIRef
    from railgraph.namespaces import RG

    expected = {str(s) for s in catalogue.union().subjects(RG.lifecycleStage, URIRef(stage))
                if (s, None, RG.Tool) in catalogue.union() or (s, None, RG.Metric) in catalogue.union()}
    assert {r["entry"] for r in found} == expected


def test_facet_counts_cover_every_scheme_and_count_the_seed(catalogue) -> None:
    found = rows(catalogue, "facet-counts")
    schemes = {r["scheme"].rsplit("/", 1)[-1] for r in found}
    assert {"lifecycle-stage", "tool-type", "objective", "restricted-use", "licence-family"} <= schemes
    families = {r["concept"].rsplit("/", 1)[-1]: int(r["entries"]) for r in found
                if r["scheme"].endswith("/licence-family")}
    assert families["open-rail"] >= 4


def test_entries_by_kind_checks_the_allowed_values(catalogue) -> None:
    found = rows(catalogue, "entries-by-kind", kind="organisation")
    assert ID + "organisation/bigcode" in {r["entry"] for r in found}
    with pytest.raises(UsageError, match="allowed values"):
        catalogue.query("entries-by-kind", kind="planet")


def test_unknown_parameter_is_refused_with_the_known_ones(catalogue) -> None:
    with pytest.raises(UsageError, match="no parameter 'licnce'") as caught:
        catalogue.query("licence-models", licnce=BIGCODE)
    assert "licence (iri" in str(caught.value)


def test_iri_parameters_cannot_smuggle_query_text(catalogue) -> None:
    with pytest.raises(UsageError, match="absolute IRI"):
        catalogue.query("licence-models", licence="http://x> } ; DROP ALL ; <y")
    with pytest.raises(UsageError, match="unknown entry or concept"):
        catalogue.query("licence-models", licence="x> } ; DROP ALL ; <y")


def test_iri_parameters_accept_entry_and_licence_ids(catalogue) -> None:
    by_key = rows(catalogue, "licence-models", licence="bigcode-open-rail-m-v1")
    by_hf_id = rows(catalogue, "licence-models", licence="bigcode-openrail-m")
    assert by_key == by_hf_id == rows(catalogue, "licence-models", licence=BIGCODE)


def test_unknown_query_suggests_close_names(catalogue) -> None:
    with pytest.raises(UsageError, match="did you mean licence-models"):
        catalogue.query("licence-model")


def test_every_named_query_is_documented_and_tested() -> None:
    import re
    from pathlib import Path

    from .conftest import ROOT

    names = {p.stem for p in (ROOT / "queries").glob("*.rq")}
    source = "".join(p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("test_*.py"))
    tested = set(re.findall(r'"([a-z0-9-]+)"', source)) & names
    assert tested == names, f"no test names {sorted(names - tested)}"
    for name in names:
        assert (ROOT / "queries" / f"{name}.rq").read_text(encoding="utf-8").startswith("#+ summary:")
