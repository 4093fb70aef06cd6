"""The licence register: reproducible, merged with hand-modelled licences, exceptions apart."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from railgraph.namespaces import DCTERMS, OWL, RDF, RG
from railgraph.register import import_register, slug

from .conftest import ID, ROOT


@pytest.fixture(scope="module")
def regenerated(catalogue, tmp_path_factory) -> Path:
    """A copy of the root with the register imported afresh."""
    copy = tmp_path_factory.mktemp("root")
    shutil.copytree(ROOT / "data" / "register" / "sources", copy / "data" / "register" / "sources")
    import_register(copy, catalogue.curated())
    return copy


@pytest.mark.parametrize("name", ["scancode.ttl", "spdx.ttl"])
def test_committed_register_is_what_the_import_writes(regenerated: Path, name: str) -> None:
    committed = (ROOT / "data" / "register" / name).read_bytes()
    assert (regenerated / "data" / "register" / name).read_bytes() == committed, \
        "run `railgraph import register` and commit the result"


def test_hand_modelled_licences_keep_their_iri_and_are_found_by_identifier(catalogue) -> None:
    union = catalogue.union()
    for licence, key in catalogue.curated().subject_objects(RG.scancodeKey):
        keys = set(union.objects(licence, RG.scancodeKey))
        assert keys == {key}, f"{licence} has ScanCode keys {keys}"
        assert (licence, RG.listedIn, URIRef("https://scancode-licensedb.aboutcode.org/")) in union, \
            f"{licence} ({key}) is not found in the register"
        assert catalogue.resolve(str(key), kind="licence") == licence


def test_no_licence_iri_carries_two_titles_or_two_scancode_keys(catalogue) -> None:
    union = catalogue.union()
    for licence in set(union.subjects(RDF.type, RG.Licence)):
        assert len(set(union.objects(licence, DCTERMS.title))) <= 1, licence
        assert len(set(union.objects(licence, RG.scancodeKey))) <= 1, licence


def test_openrail_plus_plus_carries_its_newer_scancode_key(catalogue) -> None:
    licence = catalogue.resolve("bigscience-open-rail-m2", kind="licence")
    assert licence == URIRef(ID + "licence/creativeml-openrail-plus-plus-m")


def test_exceptions_are_kept_apart_from_licences(catalogue) -> None:
    union = catalogue.union()
    exception = URIRef(ID + "licence/spdx-classpath-exception-2-0")
    assert (exception, RDF.type, RG.LicenceException) in union
    assert (exception, RDF.type, RG.Licence) not in union


def test_deprecated_spdx_id_stays_resolvable_and_points_to_its_replacement(catalogue) -> None:
    union = catalogue.union()
    old = URIRef(ID + "licence/spdx-gpl-2-0")
    assert (old, OWL.deprecated, Literal(True)) in union
    assert union.value(old, DCTERMS.isReplacedBy) == URIRef(ID + "licence/spdx-gpl-2-0-only")
    assert catalogue.resolve("GPL-2.0", kind="licence") == old


def test_spdx_flags_are_imported(catalogue) -> None:
    union = catalogue.union()
    mit = catalogue.resolve("MIT", kind="licence")
    assert (mit, RG.osiApproved, Literal(True)) in union


def test_register_counts(catalogue) -> None:
    counts = catalogue.counts()["entries"]
    assert counts["licence"] >= 2200


def test_slug_keeps_distinct_ids_distinct() -> None:
    assert slug("GPL-2.0+") != slug("GPL-2.0")
    assert slug("x11-xconsortium_veillard") != slug("x11-xconsortium-veillard")
