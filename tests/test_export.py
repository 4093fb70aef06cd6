"""Exports: every RDF format is the same graph to rdflib and to pyoxigraph; the JSON-LD (compacted
and framed) needs no remote context and reads back through PyLD to the same triples."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from railgraph.catalogue import Catalogue
from railgraph.errors import InputError, UsageError
from railgraph.export import get_format, jsonld, serialize_statements
from railgraph.export.framed import frame_input
from railgraph.export.rdf import by_subject, serialize_lines, sorted_lines
from railgraph.namespaces import INFERRED_GRAPH, ODRL, PREFIXES, RDF, RG
from railgraph.settings import Settings
from railgraph.terms import to_oxigraph

from .conftest import BIGCODE, ROOT
from .graphs import OXIGRAPH_NAMES, parse_with_oxigraph, same_graph

RDFLIB_NAMES = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdfxml": "xml",
                "nq": "nquads", "trig": "trig"}
GRAPH_FORMATS = ["ttl", "nt", "jsonld", "rdfxml"]


@pytest.fixture(scope="module")
def exported(catalogue) -> dict[str, bytes]:
    return {fmt: catalogue.export(fmt) for fmt in [*GRAPH_FORMATS, "nq", "trig", "jsonld-framed"]}


def parse(data: bytes, fmt: str) -> Graph:
    return Graph().parse(data=data, format=RDFLIB_NAMES[fmt])


@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_each_format_is_the_asserted_graph_to_rdflib_and_to_pyoxigraph(catalogue, exported, fmt: str) -> None:
    assert same_graph(parse(exported[fmt], fmt), catalogue.asserted)
    assert same_graph(parse_with_oxigraph(exported[fmt], fmt)[None], catalogue.asserted)


@pytest.mark.parametrize("fmt", ["nq", "trig"])
def test_dataset_formats_keep_one_named_graph_per_source_and_the_inferred_graph(catalogue, exported,
                                                                                fmt: str) -> None:
    dataset = Dataset()
    dataset.parse(data=exported[fmt], format=RDFLIB_NAMES[fmt])
    by_oxigraph = parse_with_oxigraph(exported[fmt], fmt)
    names = {s.graph_iri for s in catalogue.sources} | {INFERRED_GRAPH}
    assert {g.identifier for g in dataset.graphs() if len(g)} == names
    assert set(by_oxigraph) == names
    for source in catalogue.sources[:5] + catalogue.sources[-5:]:
        assert isomorphic(dataset.graph(source.graph_iri), source.graph), source.path
        assert isomorphic(by_oxigraph[source.graph_iri], source.graph), source.path
    assert len(dataset.graph(INFERRED_GRAPH)) == len(catalogue.inferred)
    assert same_graph(by_oxigraph[INFERRED_GRAPH], catalogue.inferred)


def test_dumps_are_byte_for_byte_reproducible_across_processes(exported) -> None:
    """Another process, with another hash seed, writes every format to the same bytes."""
    script = ("import hashlib, json, railgraph; c = railgraph.load(%r); "
              "print(json.dumps({f: hashlib.sha256(c.export(f)).hexdigest() for f in %r}))"
              % (str(ROOT), sorted(exported)))
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                               env={**os.environ, "PYTHONHASHSEED": "12345"})
    there = json.loads(completed.stdout)
    assert there == {fmt: hashlib.sha256(data).hexdigest() for fmt, data in exported.items()}


def test_jsonld_is_compacted_with_the_shipped_context_inline(exported) -> None:
    document = json.loads(exported["jsonld"])
    shipped = json.loads((ROOT / "ontology" / "context.jsonld").read_text())["@context"]
    assert document["@context"] == shipped, "the context must be the shipped one, inline"
    seed = next(node for node in document["@graph"]
                if node["@id"] == "id:licence/bigcode-openrail-m-license-agreement")
    assert seed["title"] == "BigCode OpenRAIL-M License Agreement v1"
    assert set(seed["@type"]) == {"Tool", "ResponsibleAILicence"}
    assert "id:licence/bigcode-openrail-m-license-agreement/clause/c" in seed["prohibition"]
    entry_keys = {key for node in document["@graph"] if str(node["@id"]).startswith("id:")
                  for key in node}
    assert not {key for key in entry_keys if ":" in key}, "every entry property has a term"


def test_compacted_jsonld_reads_back_through_pyld_without_a_network(catalogue, exported,
                                                                    monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("a JSON-LD reader tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    assert same_graph(jsonld.to_rdf(json.loads(exported["jsonld"])), catalogue.asserted)


def test_a_remote_context_is_refused_not_fetched() -> None:
    remote = {"@context": "https://example.org/context.jsonld", "@id": "https://example.org/x",
              "name": "x"}
    with pytest.raises(InputError, match="does not fetch https://example.org/context.jsonld"):
        jsonld.to_rdf(remote)


def test_framed_jsonld_is_one_object_per_tool_or_metric(catalogue, exported) -> None:
    document = json.loads(exported["jsonld-framed"])
    assert isinstance(document["@context"], dict)
    union = catalogue.union()
    expected = {s for cls in (RG.Tool, RG.Metric) for s in union.subjects(RDF.type, cls)}
    ids = [node["@id"] for node in document["@graph"]]
    assert len(ids) == len(set(ids)) == len(expected)
    assert {URIRef(i.replace("id:", "https://w3id.org/railgraph/id/")) for i in ids} == expected


def test_framed_objects_nest_licence_restrictions_with_their_restricted_uses(catalogue, exported) -> None:
    document = json.loads(exported["jsonld-framed"])
    union = catalogue.union()
    licences = [licence for tool in document["@graph"] for licence in tool.get("license", [])]
    licences += [tool for tool in document["@graph"] if "prohibition" in tool]  # licences that are tools
    for licence in licences:
        iri = URIRef(licence["@id"].replace("id:", "https://w3id.org/railgraph/id/"))
        assert len(licence.get("prohibition", [])) == len(set(union.objects(iri, ODRL.prohibition)))
        for restriction in licence.get("prohibition", []):
            assert restriction["clauseId"] and restriction["label"]
            assert all("prefLabel" in use for use in restriction["restrictedUse"])
    seed = next(tool for tool in document["@graph"] if tool["@id"].endswith(BIGCODE.rsplit("/", 1)[1]))
    clauses = {r["clauseId"]: r for r in seed["prohibition"]}
    assert sorted(clauses) == list("abcdefghijklmn")
    assert "vocab:restricted-use/malware-generation" in {u["@id"] for u in clauses["c"]["restrictedUse"]}


def test_framed_jsonld_round_trips_through_pyld(catalogue, exported) -> None:
    document = json.loads(exported["jsonld-framed"])
    shown = frame_input(catalogue.asserted, catalogue.union())
    back = jsonld.to_rdf(document)
    assert isomorphic(back, shown)
    assert isomorphic(parse_with_oxigraph(exported["jsonld-framed"], "jsonld")[None], shown)
    assert not set(back) - set(catalogue.union()), "the view invents nothing"


def test_ntriples_dump_is_sorted_and_has_no_file_iris(exported) -> None:
    lines = exported["nt"].decode("utf-8").splitlines()
    assert lines == sorted(lines)
    assert "<file:" not in exported["nt"].decode("utf-8")


def test_inferred_export_holds_only_inferred_triples(catalogue) -> None:
    graph = parse(catalogue.export("nt", inferred=True), "nt")
    assert len(graph) == len(catalogue.inferred)


def test_inferred_ntriples_dumped_by_the_store_are_the_bytes_of_its_triples_written() -> None:
    uncached = Catalogue.load(ROOT, settings=Settings.resolve({"cache_dir": "none"}))  # dumped, not read back
    dumped = uncached.export("nt", inferred=True)
    lines = dumped.split(b"\n")
    assert lines.pop() == b"" and lines == sorted(set(lines)), "each line once, in order"
    assert set(lines) == set(ox.serialize(uncached.inferred_triples, format=ox.RdfFormat.N_TRIPLES).splitlines())
    assert dumped == serialize_statements(uncached.inferred_triples, get_format("nt"))


def test_inferred_turtle_is_written_from_the_stores_dump_without_making_its_triples() -> None:
    uncached = Catalogue.load(ROOT, settings=Settings.resolve({"cache_dir": "none"}))  # dumped, not read back
    dumped = uncached.export("ttl", inferred=True)
    assert "inferred_triples" not in uncached.__dict__, "no inferred triple was made a Python object"
    assert dumped == serialize_statements(uncached.inferred_triples, get_format("ttl"), PREFIXES)


@pytest.mark.parametrize("fmt", ["ttl", "rdfxml", "nt"])
def test_an_ntriples_document_is_written_whatever_its_order_and_duplicates(fmt: str) -> None:
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in _statements()]
    shuffled = ox.serialize(_shuffled(triples), format=ox.RdfFormat.N_TRIPLES)
    written = serialize_lines(shuffled, get_format(fmt), {"ex": EX})
    assert written == serialize_lines(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), get_format(fmt), {"ex": EX})
    read = {quad.triple for quad in ox.parse(written, format=OXIGRAPH_NAMES[fmt])}
    assert read == set(triples), "the same triples, blank-node labels kept"


def test_only_graph_formats_are_written_from_ntriples() -> None:
    with pytest.raises(UsageError, match="choose one of nt, ttl, rdfxml"):
        serialize_lines(b"", get_format("jsonld"))


def test_unknown_format_is_a_usage_error(catalogue) -> None:
    with pytest.raises(UsageError, match="choose one of ttl, nt, jsonld, rdfxml, nq, trig, jsonld-framed"):
        catalogue.export("docx")


@pytest.mark.parametrize("fmt", ["nq", "jsonld-framed"])
def test_whole_catalogue_formats_refuse_the_inferred_flag(catalogue, fmt: str) -> None:
    with pytest.raises(UsageError, match="drop --inferred"):
        catalogue.export(fmt, inferred=True)


@pytest.mark.parametrize(("name", "relative"), [("context", "ontology/context.jsonld"),
                                                ("frame", "ontology/frames/entries.jsonld")])
def test_a_broken_shipped_json_document_is_a_located_error(tmp_path, name: str, relative: str) -> None:
    import shutil

    import railgraph

    root = tmp_path / "root"
    for folder in ("ontology", "shapes", "queries", "data"):
        shutil.copytree(ROOT / folder, root / folder)
    (root / relative).write_text('{\n  "@context": {,\n}\n', encoding="utf-8")
    catalogue = railgraph.load(root)
    with pytest.raises(InputError) as caught:
        catalogue.export("jsonld-framed")
    assert caught.value.line == 2 and relative.rsplit("/", 1)[1] in str(caught.value.path)


# -- statements written by pyoxigraph -------------------------------------------------------------

EX = "http://example.org/"


def _statements() -> list[ox.Quad]:
    s, t = ox.NamedNode(EX + "s"), ox.NamedNode(EX + "t")
    p, q = ox.NamedNode(EX + "p"), ox.NamedNode(str(RDF.type))
    g, h = ox.NamedNode(EX + "graph/g"), ox.NamedNode(EX + "graph/h")
    awkward = ox.Literal("line\u2028separator\u0085next\x0cform\nfeed\r\"quoted\"\\", language="en")
    one = ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    blank = ox.BlankNode("b1")
    return [ox.Quad(s, p, awkward, g), ox.Quad(s, p, ox.Literal("b"), g), ox.Quad(s, q, t, g),
            ox.Quad(t, p, blank, h), ox.Quad(blank, p, one, h), ox.Quad(s, p, ox.Literal("b"), h)]


def _shuffled(items: list) -> list:
    import random

    shuffled = list(items)
    random.Random(7).shuffle(shuffled)
    return shuffled + shuffled[:2]  # duplicates too


@pytest.mark.parametrize("fmt", ["nt", "nq"])
def test_line_formats_are_one_sorted_statement_per_line_whatever_the_literals_hold(fmt: str) -> None:
    quads = _statements()
    data = serialize_statements(_shuffled(quads), get_format(fmt))
    lines = data.decode("utf-8").split("\n")
    assert lines[-1] == "" and lines[:-1] == sorted(set(lines[:-1]))
    expected = quads if fmt == "nq" else {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    assert len(lines) - 1 == len(set(expected))
    for line in lines[:-1]:  # every line is a statement on its own, U+2028 and U+0085 included
        assert len(list(ox.parse(line.encode("utf-8"), format=OXIGRAPH_NAMES[fmt]))) == 1
    read = set(ox.parse(data, format=OXIGRAPH_NAMES[fmt]))
    if fmt == "nt":
        read = {ox.Triple(q.subject, q.predicate, q.object) for q in read}
    assert read == set(expected)


@pytest.mark.parametrize("fmt", ["ttl", "trig", "rdfxml", "nt", "nq", "jsonld"])
def test_statement_order_and_duplicates_do_not_change_the_bytes(fmt: str) -> None:
    quads = _statements()
    prefixes = {"ex": EX, "unused": "http://unused.example/"}
    assert (serialize_statements(quads, get_format(fmt), prefixes, context={})
            == serialize_statements(_shuffled(quads), get_format(fmt), prefixes, context={}))


def test_turtle_groups_statements_by_subject_and_declares_only_the_prefixes_it_uses() -> None:
    prefixes = {"ex": EX, "unused": "http://unused.example/"}
    data = serialize_statements(_statements(), get_format("ttl"), prefixes)
    text = data.decode("utf-8")
    assert "@prefix ex: <http://example.org/> ." in text and "unused" not in text
    assert text.count("ex:s ") == 1, "one block per subject, with ; and ,"
    assert "ex:s a ex:t ;" in text, "types first"
    graph = Graph().parse(data=data, format="turtle")
    assert len(graph) == len({(q.subject, q.predicate, q.object) for q in _statements()})


_TYPED = b"<http://example.org/b> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/T> ."
_LINES = [b"<http://example.org/b> <http://example.org/p> \"2\" .", _TYPED,
          b"<http://example.org/a> <http://example.org/q> \"1\" .", b"<http://example.org/a/x> <http://example.org/p> \"3\" ."]


@pytest.mark.parametrize(("document", "expected"), [
    (b"", b""),
    (b"\n\n", b""),
    (b"<b> <p> <o> .\n<a> <p> <o> .", b"<a> <p> <o> .\n<b> <p> <o> .\n"),
    (b"<b> <p> <o> .\n\n<a> <p> <o> .\n<b> <p> <o> .\n", b"<a> <p> <o> .\n<b> <p> <o> .\n"),
])
def test_sorted_lines_end_each_line_and_keep_each_once(document: bytes, expected: bytes) -> None:
    assert sorted_lines(document) == expected


def test_by_subject_keeps_a_subjects_lines_together_types_first_each_once() -> None:
    document = b"\n".join([*_LINES, _TYPED, b""])
    assert by_subject(document) == b"\n".join([_LINES[3], _LINES[2], _TYPED, _LINES[0], b""])  # "/" < ">"


def test_trig_writes_each_graph_once() -> None:
    text = serialize_statements(_statements(), get_format("trig"), {"ex": EX}).decode("utf-8")
    assert text.count(" {\n") == 2 and "<http://example.org/graph/g> {" in text
    dataset = Dataset()
    dataset.parse(data=text, format="trig")
    assert len(dataset.graph(URIRef(EX + "graph/h"))) == 3


def test_serialize_and_serialize_statements_agree(catalogue) -> None:
    triples = [ox.Triple(*(to_oxigraph(term) for term in triple)) for triple in catalogue.asserted]
    prefixes = {prefix: str(namespace) for prefix, namespace in catalogue.asserted.namespaces()}
    for fmt in ("ttl", "nt", "jsonld"):
        assert (serialize_statements(reversed(triples), get_format(fmt), prefixes, catalogue.jsonld_context)
                == catalogue.export(fmt)), fmt


def test_turtle_writes_full_iris_rather_than_escape_a_slash_in_a_local_name(catalogue) -> None:
    """With the context's prefixes (id:, vocab:, ...), entry IRIs would read id:tool\\/x."""
    triples = [ox.Triple(*(to_oxigraph(term) for term in triple)) for triple in catalogue.asserted]
    prefixes = {key: value for key, value in catalogue.jsonld_context.items()
                if isinstance(value, str) and value.endswith(("/", "#"))}
    data = serialize_statements(triples, get_format("ttl"), prefixes)
    text = data.decode("utf-8")
    assert "\\/" not in text and "@prefix rg: <https://w3id.org/railgraph/ontology#> ." in text
    assert "<https://w3id.org/railgraph/id/licence/bigcode-openrail-m-license-agreement>" in text
    assert same_graph(Graph().parse(data=data, format="turtle"), catalogue.asserted)


@pytest.mark.parametrize("document", [
    {"b": [1, True, None, "é\u2028\"\\", {"z": -(2 ** 63), "a": 2 ** 64 - 1}], "a": {}, "c": [], "v": 1.1},
    {"float": 1e16, "small": 1e-05, "x": 0.1},
    {"huge": 2 ** 64, "negative": -(2 ** 63) - 1},
    [{"@id": "x", "@graph": [{"k": "\x1f"}]}],
])
def test_json_bytes_are_the_json_modules_whichever_writer_is_used(document) -> None:
    expected = (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    assert jsonld.dumps(document) == expected


def test_the_catalogue_json_ld_is_written_by_orjson_as_the_json_module_would(exported) -> None:
    document = json.loads(exported["jsonld"])
    assert jsonld._orjson_writes_alike(document)
    assert exported["jsonld"] == (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)
                                  + "\n").encode("utf-8")


@pytest.mark.parametrize("format_name", ["ttl", "rdfxml"])
@pytest.mark.parametrize("part_bytes", [200, 1 << 26])  # a subject's lines spread over several reads, or one part
def test_a_sorted_file_read_in_parts_is_written_as_its_lines_are(generated_root: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  format_name: str, part_bytes: int) -> None:
    from railgraph.export import rdf

    lines = Catalogue.load(generated_root, settings=Settings.resolve({"cache_dir": "none"})).export("nt", inferred=True)
    assert b"> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <" in lines
    path = tmp_path / "inferred.nt"
    path.write_bytes(lines)
    monkeypatch.setattr(rdf, "PART_BYTES", part_bytes)
    fmt = get_format(format_name)
    assert rdf.serialize_sorted_file(path, fmt, PREFIXES) == rdf.serialize_lines(lines, fmt, PREFIXES)
