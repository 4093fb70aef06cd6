"""Catalogue data with hostile values, for the tests that check pages never run them as script."""

from __future__ import annotations

from pathlib import Path

#: Extra data with values that would run script if a page failed to escape them. It is real
#: catalogue data otherwise (a tool in a lifecycle stage, a concept, a model under a licence).
HOSTILE = """\
@prefix rg:   <https://w3id.org/railgraph/ontology#> .
@prefix dct:  <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .

<https://w3id.org/railgraph/id/tool/hostile-probe> a rg:Tool ;
    dct:title "Hostile probe <script>alert('title')</script>"@en ;
    dct:description "Probe \\"><img src=x onerror=alert('description')> and </script><script>alert('end')</script>."@en ;
    rg:status <https://w3id.org/railgraph/vocab/status/draft> ;
    rg:toolType <https://w3id.org/railgraph/vocab/tool-type/technical> ;
    rg:lifecycleStage <https://w3id.org/railgraph/vocab/lifecycle-stage/deploy> ;
    rg:objective <https://w3id.org/railgraph/vocab/objective/hostile-objective> ;
    foaf:homepage <javascript:alert('homepage')> .

<https://w3id.org/railgraph/vocab/objective/hostile-objective> a skos:Concept ;
    skos:inScheme <https://w3id.org/railgraph/vocab/objective> ;
    skos:prefLabel "Objective <img src=x onerror=alert('concept')>"@en ;
    skos:definition "A concept whose label tries to run script."@en .

<https://w3id.org/railgraph/id/model/hostile-model> a rg:Model ;
    dct:title "Model <svg onload=alert('model')>"@en ;
    rg:releasedUnder <https://w3id.org/railgraph/id/licence/bigcode-openrail-m-license-agreement> .
"""


def write_hostile(folder: Path) -> Path:
    """A data folder holding :data:`HOSTILE`, to pass as ``Catalogue.load(root, data=[folder])``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "hostile.ttl").write_text(HOSTILE, encoding="utf-8")
    return folder
