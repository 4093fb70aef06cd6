"""RDF namespaces and the IRIs railgraph mints."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/railgraph/"
RG = Namespace(BASE + "ontology#")
RGSH = Namespace(BASE + "shapes#")
ID = Namespace(BASE + "id/")
VOCAB = Namespace(BASE + "vocab/")
GRAPH = Namespace(BASE + "graph/")
ODRL = Namespace("http://www.w3.org/ns/odrl/2/")
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
MLS = Namespace("http://www.w3.org/ns/mls#")
VANN = Namespace("http://purl.org/vocab/vann/")
CC = Namespace("http://creativecommons.org/ns#")
SH = Namespace("http://www.w3.org/ns/shacl#")

INFERRED_GRAPH = GRAPH["inferred"]

PREFIXES: dict[str, str] = {
    "rg": str(RG),
    "rgsh": str(RGSH),
    "dct": str(DCTERMS),
    "dcat": str(DCAT),
    "odrl": str(ODRL),
    "prov": str(PROV),
    "skos": str(SKOS),
    "foaf": str(FOAF),
    "schema": str(SCHEMA),
    "org": str(ORG),
    "adms": str(ADMS),
    "mls": str(MLS),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "vann": str(VANN),
    "cc": str(CC),
    "sh": str(SH),
}

#: The prefix of each namespace railgraph binds.
PREFIX_OF: dict[str, str] = {namespace: prefix for prefix, namespace in PREFIXES.items()}


def split_iri(iri: str) -> tuple[str, str]:
    """A term's namespace and local name: split after its last ``#``, else after its last ``/``."""
    cut = iri.rfind("#") if "#" in iri else iri.rfind("/")
    return iri[: cut + 1], iri[cut + 1:]


__all__ = [
    "ADMS", "BASE", "CC", "DCAT", "DCTERMS", "FOAF", "GRAPH", "ID", "INFERRED_GRAPH", "MLS",
    "ODRL", "ORG", "OWL", "PREFIXES", "PREFIX_OF", "PROV", "RDF", "RDFS", "RG", "RGSH", "SCHEMA", "SH",
    "SKOS", "VANN", "VOCAB", "XSD", "split_iri",
]
