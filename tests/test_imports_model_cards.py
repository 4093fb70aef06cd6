"""Hugging Face model cards: models linked to their licence and base model, an unknown licence
rejected with the card and field, unsafe front matter refused (railgraph.imports.model_cards)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import DCTERMS, PROV

import railgraph
from railgraph.errors import InputError
from railgraph.imports import model_cards
from railgraph.namespaces import RG

from .conftest import TESTS
from .curation_helpers import invoke
from .test_imports_interchange import mini_root, snapshot

CARDS = TESTS / "data" / "imports" / "model-cards"
MODEL = "https://w3id.org/railgraph/id/model/"
LICENCE = "https://w3id.org/railgraph/id/licence/"


def test_a_folder_of_cards_imports_with_licences_and_base_models_resolved(tmp_path: Path, catalogue) -> None:
    root = mini_root(tmp_path / "root")
    run = invoke("import", "model-cards", str(CARDS), cwd=root)
    assert run.code == 1, run.err  # Codestral's licence is unknown
    assert "model-cards: 2 created, 2 updated, 0 unchanged, 1 rejected" in run.out
    rejected = [line for line in run.out.splitlines() if line.startswith("rejected:")]
    assert rejected == ["rejected: mistralai/Codestral-22B-v0.1/README.md: license_name ('mnpl'): the catalogue "
                        "has no licence with this id (Hugging Face, SPDX, ScanCode or slug)"]
    assert "note: deepseek-ai/deepseek-coder-7b-instruct-v1.5/README.md: base_model " \
           "'deepseek-ai/deepseek-coder-7b-base-v1.5' is not in the catalogue" in run.out

    original = catalogue.asserted
    imported = railgraph.load(root)
    graph = imported.asserted
    instruct = URIRef(MODEL + "starcoder2-15b-instruct-v0-1")
    assert graph.value(instruct, RG.releasedUnder) == URIRef(LICENCE + "bigcode-openrail-m-license-agreement")
    assert graph.value(instruct, RG.derivedFromModel) == URIRef(MODEL + "starcoder2-15b")
    assert str(graph.value(instruct, RG.huggingFaceId)) == "bigcode/starcoder2-15b-instruct-v0.1"
    assert graph.value(instruct, PROV.hadPrimarySource) == \
        URIRef("https://huggingface.co/bigcode/starcoder2-15b-instruct-v0.1")
    assert str(graph.value(instruct, RG.importedFrom)) == "bigcode/starcoder2-15b-instruct-v0.1/README.md"
    zephyr = URIRef(MODEL + "zephyr-7b-beta")  # an existing model, found by its Hugging Face id
    assert graph.value(zephyr, RG.derivedFromModel) == URIRef(MODEL + "mistral-7b-v0-1")
    assert graph.value(zephyr, RG.releasedUnder) == URIRef(LICENCE + "mit")
    assert set(graph.objects(zephyr, PROV.wasDerivedFrom)) == {
        URIRef("https://huggingface.co/datasets/HuggingFaceH4/ultrachat_200k"),
        URIRef("https://huggingface.co/datasets/HuggingFaceH4/ultrafeedback_binarized")}
    # fields the card does not carry are kept
    assert graph.value(zephyr, DCTERMS.title) == original.value(zephyr, DCTERMS.title)
    assert graph.value(zephyr, DCTERMS.description) == original.value(zephyr, DCTERMS.description)
    deepseek = URIRef(MODEL + "deepseek-coder-7b-instruct-v1-5")  # license: other + license_name
    assert graph.value(deepseek, RG.releasedUnder) == URIRef(LICENCE + "deepseek-license-agreement-1-0")
    assert graph.value(deepseek, RG.derivedFromModel) is None  # not invented
    assert not (root / "data" / "models" / "codestral-22b-v0-1.ttl").exists()
    assert imported.validate().conforms

    before = snapshot(root / "data")
    again = invoke("import", "model-cards", str(CARDS), cwd=root)
    assert "0 created, 0 updated, 4 unchanged, 1 rejected" in again.out
    assert snapshot(root / "data") == before


def card(folder: Path, front: str, owner: str = "example-org", name: str = "example-model") -> Path:
    path = folder / owner / name / "README.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front}\n---\n\nA test card.\n", encoding="utf-8")
    return path


BOMB = "\n".join(["a: &a [x, x, x, x, x, x, x, x, x]"] +
                 [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]" for i in range(8)])


@pytest.mark.parametrize(("front", "message", "line"), [
    (BOMB, "YAML aliases are not allowed", 3),
    ("license: mit\ntags: [" + ", ".join(["tag"] * 20_000) + "]", "more than the 64,000 allowed", 2),
    ("license: mit\nbase_model: [unclosed", "invalid YAML front matter", 3),
    ("- just\n- a list", "must be a mapping", 2),
])
def test_unsafe_or_broken_front_matter_is_refused(tmp_path: Path, front: str, message: str, line: int) -> None:
    path = card(tmp_path, front)
    with pytest.raises(InputError, match=message) as caught:
        model_cards.read_cards(tmp_path, max_bytes=10_000_000)
    assert (caught.value.path, caught.value.line) == (path, line)


def test_a_card_without_front_matter_or_unclosed_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "o" / "m" / "README.md"
    path.parent.mkdir(parents=True)
    path.write_text("# A model\n", encoding="utf-8")
    with pytest.raises(InputError, match="no YAML front matter"):
        model_cards.read_cards(tmp_path, max_bytes=10_000)
    path.write_text("---\nlicense: mit\n", encoding="utf-8")
    with pytest.raises(InputError, match="not closed"):
        model_cards.read_cards(tmp_path, max_bytes=10_000)
    path.write_bytes(b"---\nlicense: caf\xe9\n---\n")
    with pytest.raises(InputError, match="not UTF-8"):
        model_cards.read_cards(tmp_path, max_bytes=10_000)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no README.md"):
        model_cards.read_cards(empty, max_bytes=10_000)


@pytest.mark.parametrize(("relative", "model_id"), [
    ("bigcode/starcoder", "bigcode/starcoder"),
    ("models--bigcode--starcoder", "bigcode/starcoder"),
    ("bigcode--starcoder", "bigcode/starcoder"),
    ("cards/bigcode/starcoder", "bigcode/starcoder"),
])
def test_the_model_id_comes_from_the_folder_the_card_is_in(tmp_path: Path, relative: str, model_id: str) -> None:
    path = tmp_path / relative / "README.md"
    path.parent.mkdir(parents=True)
    path.write_text("---\nlicense: mit\n---\n", encoding="utf-8")
    [read] = model_cards.read_cards(tmp_path, max_bytes=10_000)
    assert read.model_id == model_id and read.meta == {"license": "mit"}


def test_an_unknown_licence_field_is_rejected_with_the_card_and_the_field(tmp_path: Path, catalogue) -> None:
    from railgraph.imports.report import ImportReport

    card(tmp_path, "license: not-a-licence\nbase_model: bigcode/starcoder")
    card(tmp_path, "license: bigcode-openrail-m\ntags: [code, 'base_model:bigcode/starcoderbase']", name="tagged")
    report = ImportReport("cards")
    found = model_cards.candidates(model_cards.read_cards(tmp_path, max_bytes=10_000), catalogue,
                                   URIRef("https://w3id.org/railgraph/"), report)
    [rejection] = report.rejected
    assert (rejection.origin, rejection.field, rejection.value) == \
        ("example-org/example-model/README.md", "license", "not-a-licence")
    [tagged] = found  # a base model given as a tag stands in for base_model
    assert tagged.graph.value(tagged.iri, RG.derivedFromModel) == URIRef(MODEL + "starcoderbase")
