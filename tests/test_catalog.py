"""The catalogue's DCAT-AP 3.0.0 + VoID self-description, checked with the SEMIC shapes."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections import Counter

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import VOID
from rdflib.term import Node

from railgraph.catalogue import Catalogue
from railgraph.errors import UsageError
from railgraph.export import FORMATS
from railgraph.export.catalog import MEDIA_TYPES, SPDX, Statistics, describe, statistics_of
from railgraph.namespaces import DCAT, ID, INFERRED_GRAPH, RDF, RG, SH, XSD
from railgraph.settings import Settings

from .conftest import BIGCODE, TESTS

STANDARDS = TESTS / "data" / "standards"
DCAT_AP = STANDARDS / "dcat-ap-3.0.0"
ISSUED = datetime.date(2026, 11, 29)
VERSION = "1.2.3"
BASE = "https://w3id.org/railgraph/"
ENDPOINT = "https://w3id.org/railgraph/sparql"
CATALOG = URIRef(BASE + "catalogue")
DATASET = URIRef(BASE + "catalogue/dataset")
INFERRED = URIRef(BASE + "catalogue/dataset/inferred")


@pytest.fixture(scope="module")
def files(catalogue: Catalogue) -> dict[str, bytes]:
    """Real exports of the catalogue, plus a small file in a sub-folder."""
    return {
        "catalogue.ttl": catalogue.export("ttl"),
        "catalogue.nt": catalogue.export("nt"),
        "catalogue.jsonld": catalogue.export("jsonld"),
        "inferred.nt": catalogue.export("nt", inferred=True),
        "csv/tools.csv": b"iri,title\n",
    }


@pytest.fixture(scope="module")
def description(catalogue: Catalogue, files: dict[str, bytes]) -> Graph:
    return describe(catalogue, files, version=VERSION, issued=ISSUED)


@pytest.fixture(scope="module")
def served(catalogue: Catalogue, files: dict[str, bytes]) -> Graph:
    return describe(catalogue, files, version=VERSION, issued=ISSUED, endpoint=ENDPOINT)


def results(data: Graph, shapes_file: str) -> list[tuple[Node, Node, Node | None, Node]]:
    """The top-level results of validating ``data``: (severity, component, path, focus node)."""
    _, report, _ = pyshacl.validate(data, shacl_graph=Graph().parse(DCAT_AP / shapes_file))
    found = []
    for result in report.objects(None, SH.result):
        found.append((report.value(result, SH.resultSeverity), report.value(result, SH.sourceConstraintComponent),
                      report.value(result, SH.resultPath), report.value(result, SH.focusNode)))
    return found


def distribution(graph: Graph, path: str) -> URIRef:
    found = URIRef(f"{DATASET}/distribution/{path}")
    assert (DATASET, DCAT.distribution, found) in graph, path
    return found


def number(graph: Graph, subject: Node, prop: URIRef) -> int:
    value = graph.value(subject, prop)
    assert isinstance(value, Literal), (subject, prop)
    return int(value.toPython())


# -- the SEMIC shapes --------------------------------------------------------------------------


def test_core_profile_reports_nothing(description: Graph, served: Graph) -> None:
    assert results(description, "html-shacl-shapes.ttl") == []
    assert results(served, "html-shacl-shapes.ttl") == []


def test_full_profile_reports_only_the_byte_size_quirk(description: Graph, files: dict[str, bytes]) -> None:
    found = results(description, "dcat-ap-SHACL.ttl")
    assert Counter((severity, component, path) for severity, component, path, _ in found) == {
        (SH.Violation, SH.DatatypeConstraintComponent, DCAT.byteSize): len(files)}
    assert {focus for *_, focus in found} == {distribution(description, path) for path in files}
    # with the DCAT-AP 3.0.0 datatype the full shapes want, nothing at all is reported
    retyped = Graph()
    for s, p, o in description:
        retyped.add((s, p, Literal(str(int(o.toPython())), datatype=XSD.nonNegativeInteger) if p == DCAT.byteSize else o))
    assert results(retyped, "dcat-ap-SHACL.ttl") == []


@pytest.mark.parametrize("shapes_file", ["html-shacl-range.ttl", "html-shacl-deprecateduris.ttl"])
def test_range_and_deprecation_shapes_report_nothing(description: Graph, served: Graph,
                                                     shapes_file: str) -> None:
    assert results(description, shapes_file) == []
    assert results(served, shapes_file) == []


def test_core_profile_catches_a_missing_access_url(description: Graph) -> None:
    broken = Graph()
    broken += description
    broken.remove((distribution(description, "catalogue.ttl"), DCAT.accessURL, None))
    assert [(component, path) for _, component, path, _ in results(broken, "html-shacl-shapes.ttl")] == [
        (SH.MinCountConstraintComponent, DCAT.accessURL)]


def test_vocabulary_shapes_report_only_their_quirks(served: Graph, files: dict[str, bytes]) -> None:
    found = results(served, "html-shacl-mdr-vocabularies.shape.ttl")
    violations = Counter((component, path) for severity, component, path, _ in found if severity == SH.Violation)
    assert violations == {(SH.NodeConstraintComponent, SPDX.algorithm): len(files)}  # the spdx pattern quirk
    warnings = {(path, focus) for severity, _, path, focus in found if severity == SH.Warning}
    assert warnings == {(URIRef("http://purl.org/dc/terms/publisher"), node) for node in (CATALOG, DATASET)}


# -- distributions -----------------------------------------------------------------------------


def test_every_file_is_a_distribution_with_size_checksum_and_download_url(
        description: Graph, files: dict[str, bytes]) -> None:
    assert len(set(description.objects(DATASET, DCAT.distribution))) == len(files)
    for path, data in files.items():
        node = distribution(description, path)
        assert description.value(node, DCAT.byteSize) == Literal(f"{len(data)}.0", datatype=XSD.decimal)
        checksum = description.value(node, SPDX.checksum)
        assert description.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        value = description.value(checksum, SPDX.checksumValue)
        assert value == Literal(hashlib.sha256(data).hexdigest(), datatype=XSD.hexBinary)
        url = URIRef(BASE + "dist/" + path)
        assert description.value(node, DCAT.downloadURL) == url
        assert description.value(node, DCAT.accessURL) == url
        media = MEDIA_TYPES["." + path.rsplit(".", 1)[1]]
        assert description.value(node, DCAT.mediaType) == media.iana
        assert description.value(node, URIRef("http://purl.org/dc/terms/format")) == media.file_type
    assert description.value(distribution(description, "csv/tools.csv"), DCAT.mediaType) == URIRef(
        "https://www.iana.org/assignments/media-types/text/csv")


def test_a_changed_file_changes_its_checksum_and_nothing_else(
        catalogue: Catalogue, description: Graph, files: dict[str, bytes]) -> None:
    changed = describe(catalogue, {**files, "catalogue.ttl": files["catalogue.ttl"] + b"\n"},
                       version=VERSION, issued=ISSUED)

    def checksums(graph: Graph) -> dict[str, Node | None]:
        return {path: graph.value(graph.value(distribution(graph, path), SPDX.checksum), SPDX.checksumValue)
                for path in files}

    before, after = checksums(description), checksums(changed)
    assert {path for path in files if before[path] != after[path]} == {"catalogue.ttl"}
    node = distribution(changed, "catalogue.ttl")
    assert number(changed, node, DCAT.byteSize) == len(files["catalogue.ttl"]) + 1


def test_a_different_base_iri_moves_the_catalogue_and_the_download_urls(
        catalogue: Catalogue, files: dict[str, bytes]) -> None:
    moved = describe(catalogue, files, version=VERSION, issued=ISSUED, base_iri="http://127.0.0.1:8000")
    assert (URIRef("http://127.0.0.1:8000/catalogue"), RDF.type, DCAT.Catalog) in moved
    urls = {str(url) for url in moved.objects(None, DCAT.downloadURL)}
    assert urls == {f"http://127.0.0.1:8000/dist/{path}" for path in files}
    assert not any(str(url).startswith(BASE) for url in moved.objects(None, VOID.dataDump))


def test_paths_must_be_relative_and_of_a_known_type(catalogue: Catalogue) -> None:
    for path in ("../catalogue.ttl", "/etc/catalogue.ttl", "catalogue.xyz", "README"):
        with pytest.raises(UsageError):
            describe(catalogue, {path: b""}, version=VERSION, issued=ISSUED)


def test_media_types_cover_the_exports_and_agree_with_the_export_registry() -> None:
    assert {".ttl", ".nt", ".jsonld", ".rdf", ".nq", ".trig", ".csv", ".json", ".html"} <= set(MEDIA_TYPES)
    for fmt in FORMATS.values():
        assert MEDIA_TYPES["." + fmt.extension.rsplit(".", 1)[1]].media_type == fmt.media_type, fmt.name
    for file_type in MEDIA_TYPES.values():
        assert str(file_type.file_type).startswith("http://publications.europa.eu/resource/authority/file-type/")
        assert str(file_type.iana) == "https://www.iana.org/assignments/media-types/" + file_type.media_type


# -- catalogue and release ---------------------------------------------------------------------


def test_the_catalogue_lists_the_dataset_with_release_licence_and_contact(description: Graph) -> None:
    assert (CATALOG, DCAT.dataset, DATASET) in description
    assert {DCAT.Dataset, VOID.Dataset} <= set(description.objects(DATASET, RDF.type))
    dct = "http://purl.org/dc/terms/"
    for subject in (CATALOG, DATASET):
        assert description.value(subject, URIRef(dct + "issued")) == Literal(ISSUED)
        assert description.value(subject, URIRef(str(DCAT) + "version")) == Literal(VERSION)
        assert description.value(subject, URIRef(dct + "publisher")) == URIRef(BASE)
    licence = URIRef("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0")
    assert description.value(CATALOG, URIRef(dct + "license")) == licence
    contact = description.value(DATASET, DCAT.contactPoint)
    assert description.value(contact, URIRef("http://www.w3.org/2006/vcard/ns#hasURL")) == URIRef(BASE)
    assert not any("mailto:" in str(o) for o in description.objects())


def test_the_endpoint_appears_only_when_given(description: Graph, served: Graph) -> None:
    assert (None, VOID.sparqlEndpoint, None) not in description
    assert (None, RDF.type, DCAT.DataService) not in description
    assert served.value(DATASET, VOID.sparqlEndpoint) == URIRef(ENDPOINT)
    service = served.value(CATALOG, DCAT.service)
    assert served.value(service, DCAT.endpointURL) == URIRef(ENDPOINT)
    assert served.value(service, DCAT.servesDataset) == DATASET


def test_same_input_gives_an_isomorphic_graph_with_iri_partitions(
        catalogue: Catalogue, description: Graph, files: dict[str, bytes]) -> None:
    again = describe(catalogue, files, version=VERSION, issued=ISSUED)
    assert isomorphic(description, again)
    partitions = [*description.objects(DATASET, VOID.classPartition),
                  *description.objects(DATASET, VOID.propertyPartition)]
    assert partitions and all(isinstance(p, URIRef) for p in partitions)
    assert URIRef(f"{DATASET}/class/rg-Tool") in partitions


# -- VoID --------------------------------------------------------------------------------------


def test_void_counts_the_asserted_graph(catalogue: Catalogue, description: Graph) -> None:
    asserted = catalogue.asserted
    assert number(description, DATASET, VOID.triples) == len(asserted)
    assert number(description, DATASET, VOID.entities) == len(
        {s for s in asserted.subjects() if isinstance(s, URIRef)})
    property_triples = [number(description, p, VOID.triples)
                        for p in description.objects(DATASET, VOID.propertyPartition)]
    assert sum(property_triples) == len(asserted)
    tools = asserted.query("SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a <%s> }" % RG.Tool)
    expected = int(next(iter(tools))[0])  # type: ignore[index]
    assert expected > 50
    partition = next(p for p in description.objects(DATASET, VOID.classPartition)
                     if description.value(p, VOID["class"]) == RG.Tool)
    assert number(description, partition, VOID.entities) == expected
    vocabularies = set(description.objects(DATASET, VOID.vocabulary))
    assert {URIRef(str(RG)), URIRef("http://www.w3.org/ns/odrl/2/")} <= vocabularies


def test_void_links_dumps_examples_and_the_inferred_subset(
        catalogue: Catalogue, description: Graph) -> None:
    dumps = {str(url).removeprefix(BASE + "dist/") for url in description.objects(DATASET, VOID.dataDump)}
    assert dumps == {"catalogue.ttl", "catalogue.nt", "catalogue.jsonld"}
    assert (DATASET, VOID.subset, INFERRED) in description
    assert number(description, INFERRED, VOID.triples) == len(catalogue.inferred)
    assert set(description.objects(INFERRED, VOID.dataDump)) == {URIRef(BASE + "dist/inferred.nt")}
    assert description.value(DATASET, VOID.uriSpace) == Literal("https://w3id.org/railgraph/id/")
    examples = set(description.objects(DATASET, VOID.exampleResource))
    assert URIRef(BIGCODE) in examples and len(examples) == 2
    tool = (examples - {URIRef(BIGCODE)}).pop()
    assert (tool, RDF.type, RG.Tool) in catalogue.asserted and str(tool).startswith(str(ID) + "tool/")
    assert tool == min(t for t in catalogue.asserted.subjects(RDF.type, RG.Tool)
                       if str(t).startswith(str(ID) + "tool/"))


# -- the store against the rdflib graphs -----------------------------------------------------------


@pytest.mark.parametrize("which", ["catalogue", "generated"])
def test_store_statistics_equal_the_rdflib_reference(request, generated_root, which: str) -> None:
    subject = request.getfixturevalue("catalogue") if which == "catalogue" \
        else Catalogue.load(generated_root)
    asserted = Statistics.of_store(subject.oxstore)
    assert asserted == Statistics.of(subject.asserted)
    assert any(iris < members for iris, members in asserted.instances.values())  # blank instances
    inferred = Statistics.of_store(subject.oxstore, INFERRED_GRAPH)
    assert inferred == Statistics.of(subject.inferred) and inferred.triples > 0


def test_the_inferred_counts_are_kept_beside_their_closure(generated_root, tmp_path, monkeypatch) -> None:
    settings = Settings.resolve({"cache_dir": str(tmp_path / "cache")}, environ={})
    first = statistics_of(Catalogue.load(generated_root, settings=settings))
    assert Statistics.from_json(first[1].to_json()) == first[1]
    counted: list[object] = []
    original = Statistics.of_store.__func__  # type: ignore[attr-defined]

    def counting(cls, store, graph=None):
        counted.append(graph)
        return original(cls, store, graph)

    monkeypatch.setattr(Statistics, "of_store", classmethod(counting))
    again = statistics_of(Catalogue.load(generated_root, settings=settings))
    assert again == first
    assert counted == [None]  # the asserted triples counted again; the inferred ones read back
    assert len(list((tmp_path / "cache").glob("inferred-*.void.json"))) == 1


def test_a_triple_in_two_source_files_counts_once(fresh_catalogue: Catalogue, tmp_path) -> None:
    before = Statistics.of_store(fresh_catalogue.oxstore)
    path = tmp_path / "again.ttl"
    path.write_text(f"<{BIGCODE}> a <{RG.ResponsibleAILicence}> .\n", encoding="utf-8")
    fresh_catalogue.add_file(path)
    store = fresh_catalogue.oxstore
    graphs = {quad.graph_name for quad in store.quads_for_pattern(
        ox.NamedNode(BIGCODE), ox.NamedNode(RDF.type), ox.NamedNode(RG.ResponsibleAILicence), None)}
    assert len(graphs - {ox.DefaultGraph()}) == 2  # the licence's own file and the new one
    after = Statistics.of_store(store)
    assert after == before == Statistics.of(fresh_catalogue.asserted)


# -- the copied standards ----------------------------------------------------------------------


def test_the_copied_shapes_are_the_ones_the_readme_records() -> None:
    recorded = dict((name, digest) for digest, name in
                    re.findall(r"^([0-9a-f]{64})  (\S+)$", (STANDARDS / "README.md").read_text(), re.M))
    copies = {p.relative_to(STANDARDS).as_posix(): p for p in DCAT_AP.iterdir()}
    assert set(recorded) == set(copies)
    for name, path in copies.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == recorded[name], name
