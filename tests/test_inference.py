"""OWL 2 RL inference: kept apart from the asserted triples, and the entailments queries rely on."""

from __future__ import annotations

from rdflib import URIRef

from railgraph.namespaces import ODRL, RDF, RG

from .conftest import ID, VOCAB

BIGCODE = URIRef(ID + "licence/bigcode-openrail-m-license-agreement")


def test_inferred_triples_are_not_in_the_asserted_graph(catalogue) -> None:
    assert len(catalogue.inferred) > 0
    assert not any(triple in catalogue.asserted for triple in catalogue.inferred)


def test_ancestors_follow_transitively_from_based_on(catalogue) -> None:
    ancestors = set(catalogue.inferred.objects(BIGCODE, RG.hasAncestor))
    assert {URIRef(ID + "licence/codeml-openrail-m-v0-1"),
            URIRef(ID + "licence/bigscience-openrail-m-license"),
            URIRef(ID + "licence/bigscience-bloom-responsible-ai-license-rail-1-0")} <= ancestors


def test_restricted_use_is_inferred_from_the_odrl_purpose_constraint(catalogue) -> None:
    clause = URIRef(ID + "licence/bigcode-openrail-m-license-agreement/clause/c")
    assert (clause, RG.restrictedUse, URIRef(VOCAB + "restricted-use/malware-generation")) in catalogue.inferred
    assert (clause, RG.restrictedUse, None) not in catalogue.asserted


def test_subclass_types_are_inferred(catalogue) -> None:
    assert (BIGCODE, RDF.type, ODRL.Set) in catalogue.inferred
    assert (BIGCODE, RDF.type, RG.Licence) in catalogue.inferred


def test_derived_models_reach_their_ancestors(catalogue) -> None:
    starcoder = URIRef(ID + "model/starcoder")
    assert (starcoder, RG.hasAncestor, URIRef(ID + "model/starcoderbase")) in catalogue.union()


def test_no_trivial_or_vocabulary_triples_are_kept(catalogue) -> None:
    from railgraph.namespaces import OWL

    assert (None, OWL.sameAs, None) not in catalogue.inferred
    assert (None, RDF.type, OWL.Thing) not in catalogue.inferred
