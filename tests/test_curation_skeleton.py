"""`railgraph new`: skeletons from the shapes, valid Turtle, validating once filled, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef

import railgraph
from railgraph.catalogue import ENTRY_KINDS, Catalogue
from railgraph.curation.schema import Schema, curie
from railgraph.curation.skeleton import FOLDERS, new_entry, skeleton
from railgraph.namespaces import RDF, RG, SKOS
from railgraph.validation import ValidationReport

from .conftest import ROOT
from .curation_helpers import copy_root, fill, invoke

ID = "https://w3id.org/railgraph/id/"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_root(tmp_path_factory.mktemp("skeleton") / "catalogue")


@pytest.fixture(scope="module")
def loaded() -> Catalogue:
    """The repository's catalogue, without inference (the schema reads asserted triples only)."""
    return railgraph.load(ROOT)


@pytest.fixture(scope="module")
def schema(loaded: Catalogue) -> Schema:
    return Schema.of(loaded)


@pytest.fixture(scope="module")
def reports(root: Path) -> dict[str, ValidationReport]:
    """One skeleton per kind written by ``new_entry``, validated unfilled and then filled."""
    catalogue = railgraph.load(root)
    paths = [new_entry(catalogue, kind, f"curation-{kind}").path for kind in FOLDERS]
    unfilled = railgraph.load(root).validate(paths)
    for path in paths:
        path.write_text(fill(path.read_text(encoding="utf-8")), encoding="utf-8")
    filled = railgraph.load(root).validate(paths)
    for path in paths:
        path.unlink()
    return {"unfilled": unfilled, "filled": filled}


@pytest.mark.parametrize("kind", list(FOLDERS))
def test_a_skeleton_is_valid_turtle_with_the_type_and_draft_status(schema: Schema, kind: str) -> None:
    text = skeleton(schema, kind, "curation-example")
    graph = Graph().parse(data=text, format="turtle")
    iri = URIRef(f"{ID}{kind}/curation-example")
    assert set(graph) == {(iri, RDF.type, ENTRY_KINDS[kind]),
                          (iri, RG.status, URIRef("https://w3id.org/railgraph/vocab/status/draft"))}
    for field in schema.fields(ENTRY_KINDS[kind]):
        marker = "required" if field.required else "recommended" if field.recommended else "optional"
        assert field.path == RG.status or any(
            line.lstrip().startswith(f"# {curie(field.path)} ") and f"# {marker}:" in line
            for line in text.splitlines()), curie(field.path)


def test_required_fields_come_from_the_violation_shapes(schema: Schema) -> None:
    tool = {curie(f.path) for f in schema.fields(RG.Tool) if f.required}
    assert {"dct:title", "dct:description", "rg:status"} <= tool
    assert "prov:hadPrimarySource" in tool  # required by a SPARQL-targeted shape, not a minCount
    assert {"rg:toolType", "rg:objective"} <= {curie(f.path) for f in schema.fields(RG.Tool) if f.recommended}
    assert "rg:releasedUnder" in {curie(f.path) for f in schema.fields(RG.Model) if f.required}
    assert "dcat:keyword" not in {curie(f.path) for f in schema.fields(RG.Tool) if f.required}


def test_controlled_fields_list_every_current_concept_of_their_scheme(schema: Schema, loaded: Catalogue) -> None:
    text = skeleton(schema, "tool", "curation-example")
    field = next(f for f in schema.fields(RG.Tool) if f.path == RG.lifecycleStage)
    assert field.scheme == URIRef("https://w3id.org/railgraph/vocab/lifecycle-stage")
    concepts = set(loaded.asserted.subjects(SKOS.inScheme, field.scheme))
    assert concepts
    block = text.split("# rg:lifecycleStage ", 1)[1].split("\n    # rg:", 1)[0]
    for concept in concepts:
        assert f"#     {str(concept).rsplit('/', 1)[-1]} " in block


@pytest.mark.parametrize("kind", list(FOLDERS))
def test_a_filled_skeleton_validates(reports: dict[str, ValidationReport], kind: str) -> None:
    iri = f"{ID}{kind}/curation-{kind}"
    assert [r.message for r in reports["filled"].violations if r.focus_node == iri] == []


@pytest.mark.parametrize("kind", [k for k in FOLDERS if k != "licence"])  # a licence needs only a title
def test_an_unfilled_skeleton_names_its_missing_required_fields(reports: dict[str, ValidationReport],
                                                                 schema: Schema, kind: str) -> None:
    iri = f"{ID}{kind}/curation-{kind}"
    results = [r for r in reports["unfilled"].violations if r.focus_node == iri]
    required = [f.path for f in schema.fields(ENTRY_KINDS[kind]) if f.required and f.path != RG.status]
    assert required
    for path in required:  # a SPARQL shape reports no sh:resultPath but names the field
        assert any(r.path == str(path) or r.message.startswith(f"{curie(path)} ") for r in results), path


def test_new_writes_the_skeleton_and_says_where(root: Path) -> None:
    result = invoke("new", "use-case", "curation-command", cwd=root)
    path = root / "data" / "use-cases" / "curation-command.ttl"
    try:
        assert result.code == 0, result.err
        assert result.out.strip() == f"wrote {path}"
        assert f"railgraph validate {path}" in result.err
        assert "a rg:UseCase" in path.read_text(encoding="utf-8")
    finally:
        path.unlink(missing_ok=True)


@pytest.mark.parametrize("slug", ["Bad_Slug", "trailing-", "a--b", "spaces here", "x" * 200])
def test_an_invalid_slug_exits_2(root: Path, slug: str) -> None:
    result = invoke("new", "tool", slug, cwd=root)
    assert result.code == 2
    assert "not a valid slug" in result.err


def test_a_slug_taken_by_an_entry_of_another_kind_exits_2_naming_the_file(root: Path) -> None:
    result = invoke("new", "metric", "aequitas", cwd=root)
    assert result.code == 2
    assert str(root / "data" / "tools" / "aequitas.ttl") in result.err
    assert not (root / "data" / "metrics" / "aequitas.ttl").exists()


def test_a_slug_taken_in_the_register_exits_2_naming_the_file(root: Path, loaded: Catalogue) -> None:
    register = next(s for s in sorted(loaded.asserted.subjects(RDF.type, RG.Licence))
                    if str(s).startswith(ID + "licence/")
                    and (loaded.locate(s) or ("",))[0].startswith("data/register/"))
    slug = str(register).rsplit("/", 1)[-1]
    result = invoke("new", "licence", slug, cwd=root)
    assert result.code == 2
    assert "data/register/" in result.err
    assert not (root / "data" / "licences" / f"{slug}.ttl").exists()


def test_an_unknown_kind_is_a_usage_error(root: Path) -> None:
    assert invoke("new", "dataset", "x", cwd=root).code == 2
