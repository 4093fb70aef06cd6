"""The competency-question queries of the library answer correctly on the real data.

Expected values come from the data files (data/, ontology/vocabularies/); where a query answers
for the whole catalogue, its answer is also checked against a direct traversal of the graph.
"""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS

from railgraph.errors import UsageError
from railgraph.namespaces import ODRL, RG

from .conftest import BIGCODE, BIGSCIENCE, CREATIVEML, ID, LICENCE, OPENRAIL_PP, RAIL_1, VOCAB, rows

MODEL = ID + "model/"
TOOL = ID + "tool/"
METRIC = ID + "metric/"
USE_CASE = ID + "use-case/"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"

CODEML = LICENCE + "codeml-openrail-m-v0-1"
DEEPSEEK = LICENCE + "deepseek-license-agreement-1-0"



def tools_and_metrics(graph, subjects) -> set[str]:
    return {str(s) for s in subjects
            if (s, RDF.type, RG.Tool) in graph or (s, RDF.type, RG.Metric) in graph}


def narrower_or_same(graph, concept: URIRef) -> set[URIRef]:
    found, todo = {concept}, [concept]
    while todo:
        for child in graph.subjects(SKOS.broader, todo.pop()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def ancestors(graph, node: URIRef, step: URIRef) -> set[URIRef]:
    found, todo = set(), [node]
    while todo:
        for parent in graph.objects(todo.pop(), step):
            if parent not in found:
                found.add(parent)
                todo.append(parent)
    return found


# -- tools and metrics by facet ---------------------------------------------------------------

def test_tools_by_objective_fairness_has_fairlearn_and_the_fairness_metrics(catalogue) -> None:
    found = rows(catalogue, "tools-by-objective", objective=VOCAB + "objective/fairness")
    entries = {r["entry"]: r for r in found}
    # data/tools/fairlearn.ttl and the six metrics filed under fairness in data/metrics/
    assert entries[TOOL + "fairlearn"]["kind"] == str(RG.Tool)
    assert {METRIC + m for m in ("demographic-parity-difference", "disparate-impact-ratio",
                                 "equal-opportunity-difference", "equalized-odds-difference",
                                 "predictive-parity", "theil-index")} <= set(entries)
    assert entries[METRIC + "theil-index"]["kind"] == str(RG.Metric)
    assert {r["objective"] for r in found} == {VOCAB + "objective/fairness"}
    graph = catalogue.union()
    expected = tools_and_metrics(graph, graph.subjects(RG.objective, URIRef(VOCAB + "objective/fairness")))
    assert set(entries) == expected


def test_tools_by_objective_under_a_principle_finds_its_objectives(catalogue) -> None:
    principle = URIRef(VOCAB + "objective/principle-human-centred-values")
    found = rows(catalogue, "tools-by-objective", objective=str(principle))
    graph = catalogue.union()
    concepts = narrower_or_same(graph, principle)
    assert URIRef(VOCAB + "objective/fairness") in concepts
    assert {r["objective"] for r in found} <= {str(c) for c in concepts}
    assert (TOOL + "fairlearn", VOCAB + "objective/fairness") in {(r["entry"], r["objective"]) for r in found}
    expected = {(str(s), str(c)) for c in concepts for s in graph.subjects(RG.objective, c)
                if str(s) in tools_and_metrics(graph, [s])}
    assert {(r["entry"], r["objective"]) for r in found} == expected
    titles = [(r["title"], r["entry"], r["objective"]) for r in found]
    assert titles == sorted(titles)


def test_tools_by_stakeholder_group_academia(catalogue) -> None:
    found = rows(catalogue, "tools-by-stakeholder-group",
                 group=VOCAB + "stakeholder-group/academia")
    # the nine tool files that give rg:stakeholderGroup academia
    assert {r["entry"] for r in found} == {TOOL + t for t in (
        "helm", "ethics-canvas", "ai-ethics-and-governance-in-practice", "aequitas",
        "understanding-artificial-intelligence-ethics-and-safety",
        "assessing-and-mitigating-bias-and-discrimination-in-ai", "elements-of-ai", "smartnoise",
        "opendp-library")}
    with pytest.raises(UsageError, match="allowed values"):
        catalogue.query("tools-by-stakeholder-group", group=VOCAB + "objective/fairness")


def test_tools_by_tool_type_educational_with_developers(catalogue) -> None:
    found = {r["tool"]: r for r in rows(catalogue, "tools-by-tool-type",
                                        type=VOCAB + "tool-type/educational")}
    assert set(found) == {TOOL + t for t in (
        "ai-ethics-and-governance-in-practice",
        "assessing-and-mitigating-bias-and-discrimination-in-ai", "elements-of-ai",
        "machine-learning-crash-course-fairness-module", "practical-data-ethics-fast-ai",
        "state-of-ai-ethics-report")}
    # data/tools/elements-of-ai.ttl: developed by MinnaLearn and the University of Helsinki
    assert found[TOOL + "elements-of-ai"]["developers"] == "MinnaLearn, University of Helsinki"
    assert found[TOOL + "machine-learning-crash-course-fairness-module"]["developers"] == "Google"
    technical = {r["tool"] for r in rows(catalogue, "tools-by-tool-type",
                                         type=VOCAB + "tool-type/technical")}
    assert TOOL + "fairlearn" in technical
    with pytest.raises(UsageError, match="allowed values"):
        catalogue.query("tools-by-tool-type", type=VOCAB + "tool-type/software")


def test_tools_by_usage_rights_with_their_licence(catalogue) -> None:
    open_source = {r["tool"]: r for r in rows(catalogue, "tools-by-usage-rights",
                                              rights=VOCAB + "usage-rights/open-source")}
    assert open_source[TOOL + "fairlearn"]["licence"] == LICENCE + "mit"
    assert open_source[TOOL + "fairlearn"]["licenceTitle"] == "MIT License"
    free = rows(catalogue, "tools-by-usage-rights", rights=VOCAB + "usage-rights/free-of-charge")
    assert {r["tool"] for r in free} == {TOOL + t for t in (
        "ethical-design-and-use-of-automated-decision-systems", "practical-data-ethics-fast-ai",
        "dataset-nutrition-label", "elements-of-ai")}
    graph = catalogue.union()
    assert set(open_source) == {str(s) for s in graph.subjects(
        RG.usageRights, URIRef(VOCAB + "usage-rights/open-source"))}


def test_tools_by_country_tells_origin_from_scope(catalogue) -> None:
    found = rows(catalogue, "tools-by-country", country=COUNTRY + "GBR")
    assert {(r["entry"].rsplit("/", 1)[-1], r["relation"]) for r in found} == {
        ("algorithmic-transparency-recording-standard", "origin"),
        ("algorithmic-transparency-recording-standard", "scope"),
        ("ai-ethics-and-governance-in-practice", "origin"),
        ("ai-ethics-and-governance-in-practice", "scope"),
        ("understanding-artificial-intelligence-ethics-and-safety", "origin"),
        ("understanding-artificial-intelligence-ethics-and-safety", "scope"),
        ("assessing-and-mitigating-bias-and-discrimination-in-ai", "origin"),
    }
    nzl = {r["entry"] for r in rows(catalogue, "tools-by-country", country=COUNTRY + "NZL")}
    assert nzl == {TOOL + "algorithm-impact-assessment-toolkit-new-zealand",
                   TOOL + "algorithm-charter-for-aotearoa-new-zealand"}


# -- organisations and use cases --------------------------------------------------------------

def test_entries_by_organisation_google_spans_every_kind(catalogue) -> None:
    found = {r["entry"]: r["kind"] for r in rows(catalogue, "entries-by-organisation",
                                                 organisation=ID + "organisation/google")}
    assert found[LICENCE + "gemma-terms-of-use"] == "licence"
    assert found[MODEL + "gemma-7b"] == "model"
    assert found[METRIC + "perspective-api-toxicity-score"] == "metric"
    assert found[TOOL + "model-card-toolkit"] == "tool"
    assert "use-case" in found.values()
    graph = catalogue.union()
    assert set(found) == {str(s) for s in graph.subjects(RG.developedBy, URIRef(ID + "organisation/google"))}


def test_entries_by_organisation_counts_an_oecd_licence_as_a_licence(catalogue) -> None:
    found = {r["entry"]: r["kind"] for r in rows(catalogue, "entries-by-organisation",
                                                 organisation=ID + "organisation/bigcode")}
    # BigCode OpenRAIL-M is both rg:Tool and rg:ResponsibleAILicence in its data file
    assert found[BIGCODE] == "licence"
    assert found[MODEL + "starcoder"] == "model"
    assert found[USE_CASE + "using-bigcode-open-and-responsible-ai-license"] == "use-case"


def test_use_cases_of_entry_follow_both_directions(catalogue) -> None:
    fairlearn = rows(catalogue, "use-cases-of-entry", entry=TOOL + "fairlearn")
    assert fairlearn == [{
        "useCase": USE_CASE + "fairlearn-credit-loan-adjudication-ey-microsoft",
        "title": "Assessing and mitigating unfairness in a loan adjudication model with Fairlearn "
                 "(EY and Microsoft)",
        "sectors": "Financial and insurance activities"}]
    aia = {r["useCase"] for r in rows(catalogue, "use-cases-of-entry",
                                      entry=TOOL + "algorithmic-impact-assessment-tool")}
    assert aia == {
        USE_CASE + "ircc-aia-advanced-analytics-triage-of-overseas-temporary-resident-visa-applications",
        USE_CASE + "ircc-aia-spouse-or-common-law-partner-in-canada-advanced-analytics"}
    licence = rows(catalogue, "use-cases-of-entry", entry=BIGCODE)
    assert [r["useCase"] for r in licence] == [USE_CASE + "using-bigcode-open-and-responsible-ai-license"]
    assert rows(catalogue, "use-cases-of-entry", entry=TOOL + "captum") == []


def test_use_cases_of_every_entry_match_the_links(catalogue) -> None:
    graph = catalogue.asserted
    linked: dict[URIRef, set[str]] = {}
    for entry, use_case in graph.subject_objects(RG.hasUseCase):
        linked.setdefault(entry, set()).add(str(use_case))
    for use_case, entry in graph.subject_objects(RG.usesEntry):
        linked.setdefault(entry, set()).add(str(use_case))
    assert URIRef(METRIC + "perspective-api-toxicity-score") in linked
    for entry, expected in linked.items():
        assert {r["useCase"] for r in rows(catalogue, "use-cases-of-entry", entry=str(entry))} == expected


# -- licences ---------------------------------------------------------------------------------

def test_licences_by_family_open_rail_oldest_first(catalogue) -> None:
    found = rows(catalogue, "licences-by-family", family=VOCAB + "licence-family/open-rail")
    # the six licence files with rg:licenceFamily open-rail; CodeML has no issue date
    assert [r["licence"] for r in found] == [CODEML, BIGSCIENCE, CREATIVEML, OPENRAIL_PP, BIGCODE, DEEPSEEK]
    assert [r.get("issued") for r in found] == [
        None, "2022-08-18", "2022-08-22", "2022-11-24", "2023-05-04", "2023-10-23"]
    responsible = {r["licence"]: r["responsible"] for r in found}
    assert responsible[CODEML] == "false" and responsible[BIGCODE] == "true"
    with pytest.raises(UsageError, match="allowed values"):
        catalogue.query("licences-by-family", family=VOCAB + "licence-category/copyleft")


def test_licences_by_category_leaves_out_deprecated_and_exceptions(catalogue) -> None:
    category = URIRef(VOCAB + "licence-category/copyleft")
    found = rows(catalogue, "licences-by-category", category=str(category))
    by_licence = {r["licence"]: r for r in found}
    assert by_licence[LICENCE + "spdx-gpl-3-0-only"]["spdxId"] == "GPL-3.0-only"
    assert by_licence[LICENCE + "scancode-flowplayer-gpl-3-0"]["title"] == "Flowplayer GPL 3.0"
    assert LICENCE + "scancode-broadcom-dual" not in by_licence  # owl:deprecated true
    assert LICENCE + "scancode-civicrm-exception-to-agpl-3-0" not in by_licence  # an exception
    assert len(by_licence) == len(found)
    graph = catalogue.union()
    expected = {str(s) for s in graph.subjects(RG.licenceCategory, category)
                if (s, RDF.type, RG.Licence) in graph and (s, OWL.deprecated, Literal(True)) not in graph}
    assert set(by_licence) == expected
    titles = [(r["title"], r["licence"]) for r in found]
    assert titles == sorted(titles)


@pytest.mark.parametrize(("identifier", "matched_by", "value"), [
    ("bigcode-openrail-m", RG.huggingFaceId, "bigcode-openrail-m"),
    ("bigcode-open-rail-m-v1", RG.scancodeKey, "bigcode-open-rail-m-v1"),
    ("LicenseRef-scancode-bigcode-open-rail-m-v1", RG.spdxId, "LicenseRef-scancode-bigcode-open-rail-m-v1"),
])
def test_licence_by_identifier_finds_bigcode_by_each_identifier(
        catalogue, identifier: str, matched_by: URIRef, value: str) -> None:
    assert rows(catalogue, "licence-by-identifier", identifier=identifier) == [{
        "licence": BIGCODE, "title": "BigCode OpenRAIL-M License Agreement v1",
        "matchedBy": str(matched_by), "value": value}]


def test_licence_by_identifier_ignores_case_and_follows_replacements(catalogue) -> None:
    # data/licences/mit.ttl: scancode key mit, SPDX id MIT, Hugging Face id mit
    mit = rows(catalogue, "licence-by-identifier", identifier="Mit")
    assert {(r["licence"], r["matchedBy"], r["value"]) for r in mit} == {
        (LICENCE + "mit", str(RG.scancodeKey), "mit"),
        (LICENCE + "mit", str(RG.spdxId), "MIT"),
        (LICENCE + "mit", str(RG.huggingFaceId), "mit")}
    # data/register/spdx.ttl: the deprecated SPDX id GPL-2.0 is replaced by GPL-2.0-only,
    # whose ScanCode key is gpl-2.0
    gpl = {r["licence"]: r for r in rows(catalogue, "licence-by-identifier", identifier="GPL-2.0")}
    assert gpl[LICENCE + "spdx-gpl-2-0"]["replacedBy"] == LICENCE + "spdx-gpl-2-0-only"
    assert gpl[LICENCE + "spdx-gpl-2-0-only"]["matchedBy"] == str(RG.scancodeKey)
    assert rows(catalogue, "licence-by-identifier", identifier="bigcode/starcoder") == []  # a model
    assert rows(catalogue, "licence-by-identifier", identifier="no-such-licence") == []


def test_licence_descendants_of_bigscience_openrail_m(catalogue) -> None:
    found = rows(catalogue, "licence-descendants", licence=BIGSCIENCE)
    distance = {r["descendant"]: int(r["distance"]) for r in found}
    # rg:basedOn in data/licences/: CreativeML, CodeML and DeepSeek on BigScience OpenRAIL-M,
    # OpenRAIL++ on CreativeML, BigCode on CodeML
    assert distance == {CREATIVEML: 1, CODEML: 1, DEEPSEEK: 1, OPENRAIL_PP: 2, BIGCODE: 2}
    assert {r["descendant"]: r["basedOn"] for r in found}[BIGCODE] == CODEML
    assert [int(r["distance"]) for r in found] == sorted(distance.values())
    assert rows(catalogue, "licence-descendants", licence=BIGCODE) == []


def test_licence_descendants_agree_with_the_based_on_chains(catalogue) -> None:
    graph = catalogue.asserted
    for licence in (RAIL_1, BIGSCIENCE, CREATIVEML):
        expected = {str(s) for s in set(graph.subjects(RG.basedOn))
                    if URIRef(licence) in ancestors(graph, s, RG.basedOn)}
        assert {r["descendant"] for r in rows(catalogue, "licence-descendants", licence=licence)} == expected


def test_licence_duties_of_bigcode(catalogue) -> None:
    found = rows(catalogue, "licence-duties", licence=BIGCODE)
    distribute = BIGCODE + "/permission/distribute"
    # paragraph 5 of data/licences/bigcode-openrail-m-license-agreement.ttl
    assert [(r["clauseId"], r["action"], r["permission"]) for r in found] == [
        ("5.1", str(ODRL.nextPolicy), distribute),
        ("5.2(a)", str(RG.giveLicenceCopy), distribute),
        ("5.2(b)", str(RG.documentModifications), distribute),
        ("5.2(c)", str(RG.retainNotices), distribute),
    ]
    assert found[0]["duty"] == BIGCODE + "/duty/flow-down"
    assert found[0]["section"] == "Paragraph 5"
    assert found[0]["permissionAction"] == str(ODRL.distribute)
    assert found[0]["label"] == "Pass the use restrictions on"


def test_licence_duties_of_creativeml_include_both_flow_down_duties(catalogue) -> None:
    found = rows(catalogue, "licence-duties", licence=CREATIVEML)
    flow_down = {(r["clauseId"], r["duty"].rsplit("/", 1)[-1]) for r in found
                 if r["action"] == str(ODRL.nextPolicy)}
    assert flow_down == {("4(a)", "flow-down"), ("5", "bind-users")}
    # data/licences/mit.ttl: keep the notice and give a copy, both on copying and on sharing;
    # nothing is passed on
    mit = rows(catalogue, "licence-duties", licence=LICENCE + "mit")
    assert {(r["action"], r["permission"].rsplit("/", 1)[-1]) for r in mit} == {
        (str(RG.retainNotices), "reproduce"), (str(RG.giveLicenceCopy), "reproduce"),
        (str(RG.retainNotices), "distribute"), (str(RG.giveLicenceCopy), "distribute")}


def test_restricted_use_domains_count_clauses_under_each_domain(catalogue) -> None:
    found = {r["domain"]: r for r in rows(catalogue, "restricted-use-domains")}
    graph = catalogue.union()
    scheme = URIRef(VOCAB + "restricted-use")
    domains = set(graph.subjects(SKOS.topConceptOf, scheme))
    assert URIRef(VOCAB + "restricted-use/malware") in domains
    assert set(found) == {str(d) for d in domains}
    for domain in domains:
        uses = narrower_or_same(graph, domain)
        clauses = {c for use in uses for c in graph.subjects(RG.restrictedUse, use)}
        licences = {lic for c in clauses for lic in graph.subjects(ODRL.prohibition, c)}
        assert (int(found[str(domain)]["clauses"]), int(found[str(domain)]["licences"])) == \
            (len(clauses), len(licences)), domain
    # BigCode clause c forbids generating malware
    assert int(found[VOCAB + "restricted-use/malware"]["clauses"]) >= 1
    counts = [int(r["clauses"]) for r in rows(catalogue, "restricted-use-domains")]
    assert counts == sorted(counts, reverse=True)


# -- models -----------------------------------------------------------------------------------

def test_model_derivatives_of_starcoderbase(catalogue) -> None:
    found = {r["derivative"]: r for r in rows(catalogue, "model-derivatives", model=MODEL + "starcoderbase")}
    # rg:derivedFromModel in data/models/: starcoder and starcoderplus on starcoderbase,
    # octocoder and wizardcoder-15b-v1-0 on starcoder
    assert {m: int(r["distance"]) for m, r in found.items()} == {
        MODEL + "starcoder": 1, MODEL + "starcoderplus": 1,
        MODEL + "octocoder": 2, MODEL + "wizardcoder-15b-v1-0": 2}
    assert found[MODEL + "wizardcoder-15b-v1-0"]["derivedFrom"] == MODEL + "starcoder"
    assert found[MODEL + "wizardcoder-15b-v1-0"]["licence"] == BIGSCIENCE
    assert found[MODEL + "starcoder"]["licence"] == BIGCODE
    assert rows(catalogue, "model-derivatives", model=MODEL + "starcoder2-15b") == []


def test_model_derivatives_agree_with_the_derivation_chains(catalogue) -> None:
    graph = catalogue.asserted
    models = set(graph.subjects(RDF.type, RG.Model))
    for model in (MODEL + "stable-diffusion-v1-1", MODEL + "llama-2-7b", MODEL + "mistral-7b-v0-1"):
        expected = {str(m) for m in models if URIRef(model) in ancestors(graph, m, RG.derivedFromModel)}
        assert {r["derivative"] for r in rows(catalogue, "model-derivatives", model=model)} == expected
        assert expected


def test_inherited_restrictions_list_every_derivative_of_a_flow_down_licence(catalogue) -> None:
    graph = catalogue.asserted
    flow_down = {lic for duty in graph.subjects(ODRL.action, ODRL.nextPolicy)
                 for permission in graph.subjects(ODRL.duty, duty)
                 for lic in graph.subjects(ODRL.permission, permission)}
    assert {URIRef(BIGCODE), URIRef(CREATIVEML)} <= flow_down
    assert URIRef(LICENCE + "apache-2-0") not in flow_down
    expected = {(str(m), str(a)) for m in graph.subjects(RDF.type, RG.Model)
                for a in ancestors(graph, m, RG.derivedFromModel)
                if set(graph.objects(a, RG.releasedUnder)) & flow_down}
    found = {(r["derivative"], r["ancestor"]): r for r in rows(catalogue, "inherited-restrictions")}
    assert set(found) == expected
    # zephyr-7b-beta derives from mistral-7b-v0-1, released under Apache 2.0: nothing to inherit
    assert not any(d == MODEL + "zephyr-7b-beta" for d, _ in found)
    starcoder = found[(MODEL + "starcoder", MODEL + "starcoderbase")]
    assert (starcoder["ancestorLicence"], starcoder["licence"], starcoder["sameLineage"]) == \
        (BIGCODE, BIGCODE, "true")
    assert starcoder["flowDownClauses"] == "5.1"
    # wizardcoder-15b-v1-0 is released under BigScience OpenRAIL-M, an ancestor of BigCode's licence
    wizard = found[(MODEL + "wizardcoder-15b-v1-0", MODEL + "starcoder")]
    assert (wizard["licence"], wizard["sameLineage"]) == (BIGSCIENCE, "false")
    bloomz = found[(MODEL + "bloomz", MODEL + "bloom")]
    assert (bloomz["ancestorLicence"], bloomz["flowDownClauses"]) == (RAIL_1, "4.1, 5")


# -- curation ---------------------------------------------------------------------------------

def test_entries_missing_recommended_fields_agree_with_the_data(catalogue) -> None:
    graph = catalogue.union()
    expected = set()
    for kind, fields in ((RG.Tool, (RG.toolType, RG.objective, RG.lifecycleStage)),
                         (RG.Metric, (RG.objective, RG.lifecycleStage))):
        for entry in set(graph.subjects(RDF.type, kind)):
            expected |= {(str(entry), str(field)) for field in fields
                         if (entry, field, None) not in graph}
    found = rows(catalogue, "entries-missing-recommended-fields")
    assert {(r["entry"], r["missing"]) for r in found} == expected
    assert len(found) == len(expected)
    # the BigCode licence is an OECD tool entry without tool type, objective or lifecycle stage
    assert {(BIGCODE, str(RG.toolType)), (BIGCODE, str(RG.objective))} <= expected
    assert not any(r["entry"] == TOOL + "fairlearn" for r in found)
    assert not any(r["kind"] == str(RG.Metric) and r["missing"] == str(RG.toolType) for r in found)


def test_unverified_concepts_with_their_scheme(catalogue) -> None:
    found = {r["concept"]: r for r in rows(catalogue, "unverified-concepts")}
    # ontology/vocabularies/approach-type.ttl marks hybrid unverified; objective.ttl fairness verified
    assert found[VOCAB + "approach-type/hybrid"]["scheme"] == VOCAB + "approach-type"
    assert found[VOCAB + "approach-type/hybrid"]["label"] == "Hybrid"
    assert VOCAB + "objective/fairness" not in found
    graph = catalogue.union()
    expected = {str(c) for c in graph.subjects(RG.status, URIRef(VOCAB + "status/unverified"))
                if (c, RDF.type, SKOS.Concept) in graph}
    assert set(found) == expected
    ordered = [(r["scheme"], r["label"]) for r in rows(catalogue, "unverified-concepts")]
    assert ordered == sorted(ordered)


def test_every_library_query_runs_on_its_defaults(catalogue) -> None:
    names = ["tools-by-objective", "tools-by-stakeholder-group", "tools-by-tool-type",
             "tools-by-usage-rights", "entries-by-organisation", "tools-by-country",
             "licences-by-family", "licences-by-category", "licence-by-identifier",
             "licence-descendants", "model-derivatives", "inherited-restrictions",
             "use-cases-of-entry", "entries-missing-recommended-fields", "unverified-concepts",
             "licence-duties", "restricted-use-domains"]
    for name in names:
        named = catalogue.queries.get(name)
        assert named.description and named.tags, name
        assert all(p.default is not None for p in named.parameters), name
        assert rows(catalogue, name), name
