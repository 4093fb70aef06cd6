"""check-use and diff: verdicts with their clauses across licence families and derived models."""

from __future__ import annotations

import json

import pytest

from railgraph.errors import UsageError

from .conftest import ID, VOCAB

BIGCODE = ID + "licence/bigcode-openrail-m-license-agreement"


@pytest.mark.parametrize(("kwargs", "purpose", "verdict", "clauses"), [
    ({"licence": "bigcode-openrail-m"}, "malware-generation", "forbidden", {(BIGCODE, "c")}),
    ({"licence": "bigcode-openrail-m"}, "ransomware-generation", "forbidden", {(BIGCODE, "c")}),
    ({"licence": "bigcode-openrail-m"}, "machine-generated-content-dissemination", "conditional",
     {(BIGCODE, "f")}),
    ({"licence": "bigscience-openrail-m"}, "malware-generation", "unrestricted", set()),
    ({"model": "llama-2-7b-chat"}, "malware-generation", "forbidden",
     {(ID + "licence/llama-2-community-license", "1.7")}),
    ({"licence": "mit"}, "malware-generation", "unrestricted", set()),
    ({"model": "olmo-7b"}, "medical-advice", "unrestricted", set()),
    ({"model": "stable-diffusion-2-1"}, "medical-advice", "forbidden",
     {(ID + "licence/creativeml-openrail-plus-plus-m", "j")}),
])
def test_check_use_verdicts(catalogue, kwargs, purpose, verdict, clauses) -> None:
    result = catalogue.check_use(purpose, **kwargs)
    assert result.verdict == verdict
    assert {(f.licence, f.clause_id) for f in result.findings} == clauses


def test_a_derived_model_inherits_the_restrictions_its_parent_licence_passes_on(catalogue) -> None:
    result = catalogue.check_use("malware-generation", model="wizardcoder-15b-v1-0")
    assert result.verdict == "forbidden"
    assert {(f.licence, f.clause_id) for f in result.findings} == {(BIGCODE, "c")}
    reasons = {c.licence: c.reason for c in result.considered}
    assert "derives from StarCoder" in reasons[BIGCODE]
    assert ID + "licence/bigscience-openrail-m-license" in reasons  # and keeps its own licence


def test_conditional_findings_name_their_scope_and_condition(catalogue) -> None:
    (finding,) = catalogue.check_use("machine-generated-content-dissemination",
                                     licence=BIGCODE).findings
    assert finding.scopes and finding.unless
    assert finding.text_location and "bigcode-open-rail-m-v1.LICENSE" in finding.text_location


def test_unknown_purpose_or_non_restricted_use_is_a_usage_error(catalogue) -> None:
    with pytest.raises(UsageError, match="did you mean"):
        catalogue.check_use("malwar", licence=BIGCODE)
    with pytest.raises(UsageError, match="not a restricted use"):
        catalogue.check_use("fairness", licence=BIGCODE)
    with pytest.raises(UsageError, match="exactly one"):
        catalogue.check_use("malware-generation")


def changes(catalogue, a: str, b: str) -> set[tuple[str, str, str]]:
    return {(d.change, d.kind, d.subject.rsplit("/", 1)[-1].rsplit("#", 1)[-1])
            for d in catalogue.diff(a, b)}


def test_diff_creativeml_against_bigscience_names_the_two_dropped_restrictions(catalogue) -> None:
    assert changes(catalogue, "bigscience-openrail-m-license", "creativeml-openrail-m") == {
        ("dropped", "restriction", "impersonation"),
        ("dropped", "restriction", "machine-generated-content-dissemination")}


def test_diff_openrail_plus_plus_only_drops_the_latest_version_duty(catalogue) -> None:
    assert changes(catalogue, "creativeml-openrail-m", "creativeml-openrail-plus-plus-m") == {
        ("dropped", "duty", "useLatestVersion")}


def test_diff_bigcode_against_bigscience(catalogue) -> None:
    found = changes(catalogue, "bigscience-openrail-m-license", BIGCODE)
    assert ("added", "restriction", "malware-generation") in found
    assert ("narrowed", "restriction", "machine-generated-content-dissemination") in found
    assert ("relaxed", "restriction", "automated-decision-making") in found
    assert ("added", "duty", "documentModifications") in found


def test_cli_check_use_exit_codes(run_cli) -> None:
    forbidden = run_cli("check-use", "--model", "starcoder", "--purpose", "ransomware-generation")
    assert forbidden.code == 1 and "forbidden" in forbidden.out and "clause c" in forbidden.out
    allowed = run_cli("check-use", "--licence", "mit", "--purpose", "malware-generation")
    assert allowed.code == 0 and allowed.out.startswith("unrestricted")
    unknown = run_cli("check-use", "--model", "starcodr", "--purpose", "malware-generation")
    assert unknown.code == 2 and "did you mean" in unknown.err


def test_cli_diff_exit_codes_and_json(run_cli) -> None:
    same = run_cli("diff", "mit", "mit")
    assert same.code == 0
    different = run_cli("diff", "creativeml-openrail-m", "creativeml-openrail-plus-plus-m", "--format", "json")
    assert different.code == 1
    assert [d["change"] for d in json.loads(different.out)] == ["dropped"]
