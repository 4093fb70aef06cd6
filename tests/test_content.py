"""The catalogue's content at real scale: counts, spread over the facets, sources on everything."""

from __future__ import annotations

from rdflib import URIRef

from railgraph.namespaces import ODRL, PROV, RDF, RG, SKOS

from .conftest import VOCAB


def test_counts_reach_the_catalogue_targets(catalogue) -> None:
    entries = catalogue.counts()["entries"]
    assert entries["licence"] >= 2200
    assert entries["tool"] + entries["metric"] - _licence_tools(catalogue) >= 80
    assert entries["use-case"] >= 20
    assert entries["model"] >= 30
    assert entries["organisation"] >= 40
    union = catalogue.union()
    assert len({m for m in union.subjects(RG.derivedFromModel, None)}) >= 5
    with_clauses = {lic for lic, clause in union.subject_objects(ODRL.prohibition)
                    if (clause, RDF.type, RG.UseRestriction) in union}
    assert len(with_clauses) >= 12


def _licence_tools(catalogue) -> int:
    union = catalogue.union()
    return len({s for s in union.subjects(RDF.type, RG.Tool) if (s, RDF.type, RG.Licence) in union})


def test_tools_and_metrics_cover_every_tool_type_objective_and_lifecycle_stage(catalogue) -> None:
    union = catalogue.union()
    for scheme, prop in (("tool-type", RG.toolType), ("lifecycle-stage", RG.lifecycleStage)):
        concepts = set(union.subjects(SKOS.inScheme, URIRef(VOCAB + scheme)))
        used = set(union.objects(None, prop))
        assert concepts <= used, f"no entry uses {sorted(concepts - used)}"
    objectives = {c for c in union.subjects(SKOS.inScheme, URIRef(VOCAB + "objective"))
                  if (c, SKOS.broader, None) in union}  # objectives, not the principles above them
    assert objectives <= set(union.objects(None, RG.objective))


def test_every_curated_entry_model_and_organisation_cites_a_source(catalogue) -> None:
    union = catalogue.union()
    for cls in (RG.CatalogueEntry, RG.Model, RG.Organisation):
        for subject in set(union.subjects(RDF.type, cls)):
            assert (subject, PROV.hadPrimarySource, None) in union, subject


def test_restricted_uses_are_one_scheme_shared_across_families(catalogue) -> None:
    found = catalogue.query("licences-forbidding-use",
                            use=VOCAB + "restricted-use/malware-generation")
    licences = {str(row.licence).rsplit("/", 1)[-1] for row in found}
    assert {"bigcode-openrail-m-license-agreement", "llama-2-community-license",
            "llama-3-1-community-license"} <= licences


def test_eu_ai_act_overlaps_are_related_matches_never_equivalences(catalogue) -> None:
    union = catalogue.union()
    article5 = [o for o in union.objects(None, SKOS.relatedMatch) if "eli/reg/2024/1689/art_5" in str(o)]
    assert len(article5) >= 3
    assert not any("eli/reg/2024/1689" in str(o) for o in union.objects(None, SKOS.exactMatch))
