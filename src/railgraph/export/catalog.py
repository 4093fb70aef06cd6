"""The catalogue's description of itself: DCAT-AP 3.0.0 and VoID.

https://semiceu.github.io/DCAT-AP/releases/3.0.0/ and https://www.w3.org/TR/void/

The catalogue ``{base}catalogue`` (``dcat:Catalog``) lists one dataset, ``{base}catalogue/dataset``
(``dcat:Dataset`` and ``void:Dataset``), whose ``dcat:distribution``\\ s are the files of a build.
The dataset IRI is the stable one rather than the release IRI ``{base}catalogue/{version}``: it is
what harvesters track from one release to the next, so two releases' descriptions differ only in
the facts that changed (version, dates, sizes, checksums, counts), not in every IRI; the release
shows as ``dcat:version`` and ``dct:issued``.

Its VoID statistics count the asserted graph (the main dump). The inferred triples are its
``void:subset`` ``{dataset}/inferred``, counted apart: they are entailed by the dataset and
published in their own dumps, never mixed into the asserted ones. Class and property partitions
get IRIs (``{dataset}/class/rg-Tool``), so equal input gives an equal graph and a clean diff.
The counts are SPARQL aggregates on the catalogue's pyoxigraph store (:meth:`Statistics.of_store`),
so no rdflib graph of the whole catalogue is built; tests hold them equal to :meth:`Statistics.of`.

The graph also states the types, labels and schemes of the outside terms it points at (EU
vocabulary concepts, IANA media types, URLs) that the DCAT-AP shapes check, so it can be checked
without fetching those vocabularies.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import quote

import orjson
import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import VOID
from rdflib.term import Node

from ..atomic import Written
from ..errors import UsageError
from ..inference import cached_dump
from ..loading import stable_blank_nodes
from ..namespaces import (BASE, DCAT, DCTERMS, FOAF, ID, INFERRED_GRAPH, OWL, PREFIX_OF, PREFIXES, RDF, RDFS,
                          RG, SKOS, XSD, split_iri)
from .rdf import FORMATS

if TYPE_CHECKING:
    from ..catalogue import Catalogue

__all__ = ["MEDIA_TYPES", "FileType", "Statistics", "catalogue_examples", "describe", "statistics_of",
           "touches_examples"]

SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
IANA = Namespace("https://www.iana.org/assignments/media-types/")
EU = Namespace("http://publications.europa.eu/resource/authority/")
ADMS_LICENCE_TYPE = Namespace("http://purl.org/adms/licencetype/")

PROJECT = URIRef(BASE)
PROJECT_NAME = "The railgraph project"
ONTOLOGY = URIRef(BASE + "ontology")
DATA_LICENCE = EU["licence/CC_BY_4_0"]
OUR_LICENCE_ENTRY = ID["licence/cc-by-4-0"]
SEED_LICENCE = ID["licence/bigcode-openrail-m-license-agreement"]
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
DCAT_VERSION = URIRef(str(DCAT) + "version")  # DCAT 3; rdflib's DCAT namespace predates it
_TYPE = ox.NamedNode(str(RDF.type))

#: EU data themes of the catalogue, with their English labels in the EU vocabulary.
THEMES = {EU["data-theme/TECH"]: "Science and technology"}
KEYWORDS = ("trustworthy AI", "responsible AI licence", "OpenRAIL", "AI tools", "AI metrics",
            "AI governance", "ODRL", "linked data", "knowledge graph")


@dataclass(frozen=True)
class FileType:
    """How DCAT-AP names a kind of file: its IANA media type and its EU file type."""

    media_type: str
    file_type: URIRef
    label: str

    @property
    def iana(self) -> URIRef:
        """The media type's IANA IRI, the value DCAT-AP expects for ``dcat:mediaType``."""
        return IANA[self.media_type]


#: File extension -> media type and EU file type (http://publications.europa.eu/resource/authority/file-type).
MEDIA_TYPES: dict[str, FileType] = {
    ".ttl": FileType("text/turtle", EU["file-type/RDF_TURTLE"], "Turtle"),
    ".nt": FileType("application/n-triples", EU["file-type/RDF_N_TRIPLES"], "N-Triples"),
    ".jsonld": FileType("application/ld+json", EU["file-type/JSON_LD"], "JSON-LD"),
    ".rdf": FileType("application/rdf+xml", EU["file-type/RDF_XML"], "RDF/XML"),
    ".nq": FileType("application/n-quads", EU["file-type/RDF_N_QUADS"], "N-Quads"),
    ".trig": FileType("application/trig", EU["file-type/RDF_TRIG"], "TriG"),
    ".csv": FileType("text/csv", EU["file-type/CSV"], "CSV"),
    ".json": FileType("application/json", EU["file-type/JSON"], "JSON"),
    ".html": FileType("text/html", EU["file-type/HTML"], "HTML"),
}

#: The RDF serialisations of whole graphs, by file extension.
_RDF_EXTENSIONS = {fmt.extension: fmt for fmt in FORMATS.values() if not fmt.view}
#: What the files of a build hold, by file name without extension.
_CONTENTS = {
    "catalogue": "Every asserted triple of the catalogue: ontology, vocabularies and data",
    "catalogue-framed": "Each tool and metric as one JSON-LD object, with what it refers to nested",
    "inferred": "The triples OWL 2 RL inference adds to the catalogue, kept apart from the asserted ones",
    "validation": "The SHACL validation report of the build",
}
_DATASET_CONTENTS = "The catalogue's named graphs: one per source file, and one of the inferred triples"


@dataclass
class Statistics:
    """VoID counts of one graph; an entity is a subject with an IRI."""

    triples: int
    entities: int
    instances: dict[Node, tuple[int, int]]  # class -> (instances with an IRI, all instances)
    properties: Counter[Node]

    @classmethod
    def of(cls, graph: Graph) -> Statistics:
        """Count the rdflib ``graph`` in one pass over its triples (the reference for :meth:`of_store`)."""
        subjects: set[Node] = set()
        typed: defaultdict[Node, set[Node]] = defaultdict(set)
        properties: Counter[Node] = Counter()
        for s, p, o in graph:
            properties[p] += 1
            if isinstance(s, URIRef):
                subjects.add(s)
            if p == RDF.type and isinstance(o, URIRef):
                typed[o].add(s)
        instances = {c: (sum(isinstance(s, URIRef) for s in members), len(members))
                     for c, members in typed.items()}
        return cls(len(graph), len(subjects), instances, properties)

    @classmethod
    def of_store(cls, store: ox.Store, graph: URIRef | None = None) -> Statistics:
        """Count the named ``graph`` of ``store`` with SPARQL aggregates; with no ``graph``, the
        asserted triples, each counted once: the store is laid out as the catalogue's (see
        :attr:`railgraph.catalogue.Catalogue.oxstore`), its default graph the union of the
        sources' graphs."""
        def scope(pattern: str) -> str:
            return pattern if graph is None else f"GRAPH <{graph}> {{ {pattern} }}"

        answer = store.query(f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ {scope('?s ?p ?o')} }} GROUP BY ?p")
        properties = Counter({URIRef(p.value): int(n.value) for p, n in answer})
        ((entities,),) = store.query(
            f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {scope('?s ?p ?o')} FILTER(isIRI(?s)) }}")
        instances: dict[Node, tuple[int, int]] = {}
        for c, iris, members in store.query(
                f"SELECT ?c (COUNT(DISTINCT ?iri) AS ?iris) (COUNT(DISTINCT ?s) AS ?all) "
                f"WHERE {{ {scope(f'?s <{RDF.type}> ?c')} FILTER(isIRI(?c)) "
                f"BIND(IF(isIRI(?s), ?s, ?none) AS ?iri) }} GROUP BY ?c"):
            instances[URIRef(c.value)] = (int(iris.value), int(members.value))
        return cls(sum(properties.values()), int(entities.value), instances, properties)

    def changed(self, store: ox.Store, removed: Collection[ox.Quad], added: Collection[ox.Quad]) -> Statistics:
        """These counts of the default graph of ``store`` (see :meth:`of_store`), once ``removed``
        were taken out of it (each was in it) and ``added`` put in (none was): what
        :meth:`of_store` counts then, reading only the changed triples' subjects (2.6 s of
        counting at 100,000 tools)."""
        properties = self.properties.copy()
        instances = dict(self.instances)
        for quads, sign in ((removed, -1), (added, 1)):
            for quad in quads:
                properties[URIRef(quad.predicate.value)] += sign
                if quad.predicate == _TYPE and isinstance(quad.object, ox.NamedNode):
                    iris, members = instances.get(URIRef(quad.object.value), (0, 0))
                    instances[URIRef(quad.object.value)] = (
                        iris + sign * isinstance(quad.subject, ox.NamedNode), members + sign)
        entities = self.entities
        taken, put = Counter(quad.subject for quad in removed), Counter(quad.subject for quad in added)
        for subject in taken.keys() | put.keys():
            if isinstance(subject, ox.NamedNode):
                now = sum(1 for _ in store.quads_for_pattern(subject, None, None, ox.DefaultGraph()))
                entities += (now > 0) - (now - put[subject] + taken[subject] > 0)
        return Statistics(self.triples - len(removed) + len(added), entities,
                          {cls: counts for cls, counts in instances.items() if counts[1]}, +properties)

    def vocabularies(self) -> set[URIRef]:
        """The namespaces of the classes and properties used."""
        return {URIRef(split_iri(str(term))[0]) for term in [*self.instances, *self.properties]}

    def to_json(self) -> bytes:
        """The counts as JSON (see :meth:`from_json`)."""
        return orjson.dumps({"triples": self.triples, "entities": self.entities,
                             "instances": {str(c): list(n) for c, n in self.instances.items()},
                             "properties": {str(p): n for p, n in self.properties.items()}})

    @classmethod
    def from_json(cls, data: bytes) -> Statistics:
        """The counts :meth:`to_json` wrote (classes and properties are IRIs)."""
        found = orjson.loads(data)
        return cls(found["triples"], found["entities"],
                   {URIRef(c): (iris, members) for c, (iris, members) in found["instances"].items()},
                   Counter({URIRef(p): n for p, n in found["properties"].items()}))


def statistics_of(catalogue: Catalogue) -> tuple[Statistics, Statistics]:
    """The VoID counts of the asserted and of the inferred triples of ``catalogue``; the latter
    are kept in the cache beside the closure they count (4.9 s of counting at 100,000 tools,
    which an edit that inference does not read leaves as they were)."""
    store = catalogue.oxstore
    inferred = cached_dump(catalogue.cache_dir(), catalogue.inference_key, ".void.json",
                           lambda: Statistics.of_store(store, INFERRED_GRAPH).to_json())
    return catalogue.asserted_counts or Statistics.of_store(store), Statistics.from_json(inferred)


def describe(catalogue: Catalogue, files: Mapping[str, bytes | Written], *, version: str,
             issued: datetime.date, base_iri: str = BASE, endpoint: str | None = None,
             statistics: tuple[Statistics, Statistics] | None = None,
             examples: Sequence[URIRef] | None = None) -> Graph:
    """The DCAT-AP 3.0.0 and VoID description of ``catalogue`` and the build ``files``.

    ``files`` maps each file's path relative to ``dist/`` to its bytes (or their size and digest,
    once written); each becomes a distribution
    downloadable at ``{base_iri}dist/{path}``. ``endpoint`` is the SPARQL endpoint, when one is served.
    ``statistics`` are those of :func:`statistics_of`, and ``examples`` those of :func:`catalogue_examples`,
    when they were found already.
    """
    base_iri = base_iri if base_iri.endswith("/") else base_iri + "/"
    catalog = URIRef(base_iri + "catalogue")
    dataset = URIRef(f"{catalog}/dataset")
    inferred = URIRef(f"{dataset}/inferred")
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in {**PREFIXES, "void": str(VOID), "spdx": str(SPDX),
                              "vcard": str(VCARD)}.items():
        graph.bind(prefix, namespace)
    add = graph.add
    released = Literal(issued)

    _describe_outside_terms(graph)
    add((catalog, RDF.type, DCAT.Catalog))
    add((catalog, DCTERMS.title, Literal("railgraph", lang="en")))
    add((catalog, DCTERMS.description, Literal(
        "A linked-data catalogue of tools and metrics for trustworthy AI, with responsible AI "
        "licences modelled clause by clause.", lang="en")))
    add((catalog, DCAT.dataset, dataset))
    add((catalog, DCAT.themeTaxonomy, EU["data-theme"]))
    add((catalog, DCAT_VERSION, Literal(version)))
    add((catalog, OWL.versionInfo, Literal(version)))
    add((catalog, DCTERMS.license, DATA_LICENCE))
    _add_publication(graph, catalog, released)

    add((dataset, RDF.type, DCAT.Dataset))
    add((dataset, RDF.type, VOID.Dataset))
    add((dataset, DCTERMS.title, Literal("The railgraph catalogue", lang="en")))
    add((dataset, DCTERMS.description, Literal(
        "Tools and metrics for trustworthy AI as in the OECD.AI catalogue, responsible AI licences "
        "described clause by clause in ODRL, and the organisations, models, use cases and "
        "controlled vocabularies they refer to, with the OWL ontology that defines them.",
        lang="en")))
    add((dataset, DCAT_VERSION, Literal(version)))
    add((dataset, DCTERMS.conformsTo, ONTOLOGY))
    add((dataset, DCTERMS.license, DATA_LICENCE))
    add((dataset, DCAT.contactPoint, _contact_point(graph)))
    for theme in THEMES:
        add((dataset, DCAT.theme, theme))
    for keyword in KEYWORDS:
        add((dataset, DCAT.keyword, Literal(keyword, lang="en")))
    _add_publication(graph, dataset, released)

    dumps: dict[URIRef, list[URIRef]] = {dataset: [], inferred: []}
    for path in sorted(files):
        download = _add_distribution(graph, dataset, path, files[path], base_iri)
        if _is_dump(path):
            dumps[inferred if PurePosixPath(path).stem == "inferred" else dataset].append(download)

    store = catalogue.oxstore
    asserted, inferred_statistics = statistics or statistics_of(catalogue)
    _add_statistics(graph, dataset, asserted, partitions=True)
    add((dataset, VOID.uriSpace, Literal(str(ID))))
    for example in examples if examples is not None else catalogue_examples(store):
        add((dataset, VOID.exampleResource, example))
    add((dataset, VOID.subset, inferred))
    add((inferred, RDF.type, VOID.Dataset))
    add((inferred, DCTERMS.title, Literal("Inferred triples of the railgraph catalogue", lang="en")))
    add((inferred, DCTERMS.description, Literal(
        "What OWL 2 RL inference adds to the asserted triples; not counted in the parent "
        "dataset's statistics, which cover the asserted triples only.", lang="en")))
    _add_statistics(graph, inferred, inferred_statistics, partitions=False)
    for subject, downloads in dumps.items():
        for download in downloads:
            add((subject, VOID.dataDump, download))
    if endpoint is not None:
        _add_endpoint(graph, catalog, dataset, URIRef(endpoint))
    described = stable_blank_nodes(graph, "catalog")  # checksums and contact point, same labels each run
    for prefix, namespace in graph.namespaces():
        described.bind(prefix, namespace, replace=True)
    return described


def _add_publication(graph: Graph, resource: URIRef, released: Literal) -> None:
    """Who publishes ``resource``, in which language and when (the catalogue and the dataset)."""
    for prop in (DCTERMS.publisher, DCTERMS.creator):
        graph.add((resource, prop, PROJECT))
    graph.add((resource, DCTERMS.language, EU["language/ENG"]))
    graph.add((resource, DCTERMS.issued, released))
    graph.add((resource, DCTERMS.modified, released))


def _describe_outside_terms(graph: Graph) -> None:
    """The agent, licence, standards and EU concepts the description points at."""
    add = graph.add
    add((PROJECT, RDF.type, FOAF.Agent))
    add((PROJECT, RDF.type, FOAF.Organization))
    add((PROJECT, FOAF.name, Literal(PROJECT_NAME)))
    add((DATA_LICENCE, RDF.type, DCTERMS.LicenseDocument))
    add((DATA_LICENCE, DCTERMS.type, ADMS_LICENCE_TYPE.Attribution))
    add((DATA_LICENCE, RDFS.seeAlso, OUR_LICENCE_ENTRY))
    _concept(graph, ADMS_LICENCE_TYPE.Attribution, "Attribution", URIRef(ADMS_LICENCE_TYPE + "1.0"))
    add((ONTOLOGY, RDF.type, DCTERMS.Standard))
    add((EU["language/ENG"], RDF.type, DCTERMS.LinguisticSystem))
    add((EU["language/ENG"], SKOS.inScheme, EU["language"]))
    add((EU["data-theme"], RDF.type, SKOS.ConceptScheme))
    add((EU["data-theme"], DCTERMS.title, Literal("Data theme", lang="en")))
    for theme, label in THEMES.items():
        _concept(graph, theme, label, EU["data-theme"])
    add((SPDX.checksumAlgorithm_sha256, RDF.type, SPDX.ChecksumAlgorithm))


def _concept(graph: Graph, concept: URIRef, label: str, scheme: URIRef) -> None:
    graph.add((concept, RDF.type, SKOS.Concept))
    graph.add((concept, SKOS.prefLabel, Literal(label, lang="en")))
    graph.add((concept, SKOS.inScheme, scheme))


def _contact_point(graph: Graph) -> BNode:
    """A fresh contact-point node for the project (one per use, so Turtle nests it)."""
    node = BNode()
    graph.add((node, RDF.type, VCARD.Organization))
    graph.add((node, RDF.type, VCARD.Kind))
    graph.add((node, VCARD.fn, Literal(PROJECT_NAME)))
    graph.add((node, VCARD.hasURL, PROJECT))
    return node


def _add_distribution(graph: Graph, dataset: URIRef, path: str, data: bytes | Written, base_iri: str) -> URIRef:
    """Add ``path`` as a distribution of ``dataset``; return its download URL."""
    facts = data if isinstance(data, Written) else Written.of(data)
    file_type = _file_type(path)
    quoted = quote(path, safe="/")
    distribution = URIRef(f"{dataset}/distribution/{quoted}")
    download = URIRef(f"{base_iri}dist/{quoted}")
    checksum = BNode()
    add = graph.add
    add((dataset, DCAT.distribution, distribution))
    add((distribution, RDF.type, DCAT.Distribution))
    add((distribution, DCTERMS.title, Literal(path)))
    add((distribution, DCTERMS.description, Literal(f"{_contents(path)}, as {file_type.label}.", lang="en")))
    add((distribution, DCAT.accessURL, download))
    add((distribution, DCAT.downloadURL, download))
    add((download, RDF.type, RDFS.Resource))
    add((distribution, DCAT.mediaType, file_type.iana))
    add((file_type.iana, RDF.type, DCTERMS.MediaType))
    add((distribution, DCTERMS.format, file_type.file_type))
    add((file_type.file_type, RDF.type, DCTERMS.MediaTypeOrExtent))
    add((file_type.file_type, SKOS.inScheme, EU["file-type"]))
    # xsd:decimal, as the DCAT-AP 3.0.0 core shapes require; the full shapes want
    # xsd:nonNegativeInteger and no literal satisfies both (SEMICeu/DCAT-AP issues 399, 422)
    add((distribution, DCAT.byteSize, Literal(f"{facts.size}.0", datatype=XSD.decimal)))  # canonical form
    add((distribution, SPDX.checksum, checksum))
    add((checksum, RDF.type, SPDX.Checksum))
    add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    add((checksum, SPDX.checksumValue, Literal(facts.sha256, datatype=XSD.hexBinary)))
    add((distribution, DCTERMS.license, DATA_LICENCE))
    return download


def _file_type(path: str) -> FileType:
    """The type of the file at ``path``, which must be relative and have a known extension."""
    parts = PurePosixPath(path).parts
    if not parts or path.startswith("/") or ".." in parts or "\\" in path:
        raise UsageError(f"{path!r} is not a path relative to dist/",
                         hint="give paths such as 'catalogue.ttl' or 'csv/tools.csv'")
    suffix = PurePosixPath(path).suffix
    if suffix not in MEDIA_TYPES:
        raise UsageError(f"no media type is known for {path!r}",
                         hint=f"add {suffix or 'its extension'} to railgraph.export.catalog.MEDIA_TYPES")
    return MEDIA_TYPES[suffix]


def _is_dump(path: str) -> bool:
    """Is ``path`` a whole-graph RDF dump (``catalogue.*`` or ``inferred.*`` at the top level)?"""
    name = PurePosixPath(path)
    return len(name.parts) == 1 and name.stem in ("catalogue", "inferred") and name.suffix in _RDF_EXTENSIONS


def _contents(path: str) -> str:
    name = PurePosixPath(path)
    rdf = _RDF_EXTENSIONS.get(name.suffix)
    if name.stem == "catalogue" and rdf is not None and rdf.quads:
        return _DATASET_CONTENTS
    return _CONTENTS.get(name.stem, f"The file {path} of the catalogue's build")


def _add_statistics(graph: Graph, subject: URIRef, stats: Statistics, *, partitions: bool) -> None:
    add = graph.add
    add((subject, VOID.triples, Literal(stats.triples)))
    add((subject, VOID.entities, Literal(stats.entities)))
    add((subject, VOID.classes, Literal(len(stats.instances))))
    add((subject, VOID.properties, Literal(len(stats.properties))))
    for vocabulary in stats.vocabularies():
        add((subject, VOID.vocabulary, vocabulary))
    if not partitions:
        return
    for cls, (entities, instances) in stats.instances.items():
        partition = URIRef(f"{subject}/class/{_slug(cls)}")
        add((subject, VOID.classPartition, partition))
        add((partition, VOID["class"], cls))
        add((partition, VOID.entities, Literal(entities)))
        add((partition, VOID.distinctSubjects, Literal(instances)))
    for prop, triples in stats.properties.items():
        partition = URIRef(f"{subject}/property/{_slug(prop)}")
        add((subject, VOID.propertyPartition, partition))
        add((partition, VOID.property, prop))
        add((partition, VOID.triples, Literal(triples)))


def touches_examples(quads: Iterable[ox.Quad]) -> bool:
    """Whether asserted triples taken out or put in may change :func:`catalogue_examples`: a
    triple of the seed licence, or one typing a tool."""
    seed, tool = ox.NamedNode(SEED_LICENCE), ox.NamedNode(RG.Tool)
    return any(quad.subject == seed or (quad.predicate == _TYPE and quad.object == tool) for quad in quads)


def catalogue_examples(store: ox.Store) -> list[URIRef]:
    """The example resources of the description: the seed licence and the first tool entry
    (``.../id/tool/...``, by IRI), if asserted. A build finds them beside its exports: 0.25 s at
    100,000 tools."""
    found = []
    if bool(store.query(f"ASK {{ <{SEED_LICENCE}> ?p ?o }}")):  # the default graph: the asserted triples
        found.append(SEED_LICENCE)
    # the least by code point, as Python sorts: pyoxigraph finds it (0.2 s at 100,000 tools,
    # where sorting them all in Python takes 0.7 s)
    for (first,) in store.query(f"SELECT (MIN(STR(?t)) AS ?first) WHERE {{ ?t a <{RG.Tool}> "
                                f"FILTER(isIRI(?t) && STRSTARTS(STR(?t), \"{ID['tool/']}\")) }}"):
        if first is not None:
            found.append(URIRef(first.value))
    return found


def _add_endpoint(graph: Graph, catalog: URIRef, dataset: URIRef, endpoint: URIRef) -> None:
    service = URIRef(f"{catalog}/service")
    add = graph.add
    add((dataset, VOID.sparqlEndpoint, endpoint))
    add((catalog, DCAT.service, service))
    add((service, RDF.type, DCAT.DataService))
    add((service, DCTERMS.title, Literal("The railgraph SPARQL endpoint", lang="en")))
    add((service, DCAT.endpointURL, endpoint))
    add((endpoint, RDF.type, RDFS.Resource))
    add((service, DCAT.servesDataset, dataset))
    add((service, DCTERMS.conformsTo, SPARQL_PROTOCOL))
    add((SPARQL_PROTOCOL, RDF.type, DCTERMS.Standard))
    add((service, DCTERMS.publisher, PROJECT))
    add((service, DCTERMS.license, DATA_LICENCE))
    add((service, DCAT.contactPoint, _contact_point(graph)))


def _slug(term: Node) -> str:
    """``{prefix}-{local name}``; a namespace without a known prefix is named by a short digest."""
    namespace, local = split_iri(str(term))
    prefix = PREFIX_OF.get(namespace) or "ns" + hashlib.sha256(namespace.encode()).hexdigest()[:8]
    return quote(f"{prefix}-{local}" if local else prefix, safe="-._~")
