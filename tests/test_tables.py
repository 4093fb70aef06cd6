"""CSV export: one table per class, with CSVW metadata precise enough to give back the triples."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from railgraph.catalogue import Catalogue
from railgraph.export.catalog import describe
from railgraph.export.tables import FORMULA_STARTS, TABLES, Table, neutralise, render_tables
from railgraph.namespaces import DCAT, ODRL, RDF, RG, SKOS, XSD

from .conftest import BIGCODE, ID, VOCAB

Triple = tuple[Node, Node, Node]
CSV_FILES = [table.file for table in TABLES]
HOSTILE = ID + "tool/zz-hostile"
HOSTILE_TOOL = r"""
@prefix rg:   <https://w3id.org/railgraph/ontology#> .
@prefix dct:  <http://purl.org/dc/terms/> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<https://w3id.org/railgraph/id/tool/zz-hostile> a rg:Tool ;
    dct:title "=HYPERLINK(\"http://evil\",\"x\")"@en ;
    dct:description "@SUM(1+1)"@en ;
    rdfs:comment "\tcmd"@en ;
    rg:status <https://w3id.org/railgraph/vocab/status/unverified> ;
    prov:hadPrimarySource <https://example.org/hostile> ;
    rg:toolType <https://w3id.org/railgraph/vocab/tool-type/technical> ;
    dcat:keyword "fairness|robustness"@en , "plain"@en .
"""


@pytest.fixture(scope="module")
def tables(catalogue: Catalogue) -> dict[str, bytes]:
    return render_tables(catalogue)


@pytest.fixture(scope="module")
def metadata(tables: dict[str, bytes]) -> dict[str, Any]:
    return json.loads(tables["csv-metadata.json"])


def schema(metadata: dict[str, Any], file: str) -> dict[str, Any]:
    (table,) = [t for t in metadata["tables"] if t["url"] == file]
    return table["tableSchema"]


def read(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def expand(template: str, values: dict[str, str]) -> str:
    """RFC 6570 reserved expansion ``{+name}``, the only template form the metadata uses."""
    safe = ":/?#[]@!$&'()*+,;=-._~%"
    expanded = re.sub(r"\{\+(\w+)\}", lambda m: quote(values[m.group(1)], safe=safe), template)
    assert "{" not in expanded, template
    return expanded


def literal(text: str, column: dict[str, Any]) -> Literal:
    datatype = column["datatype"]
    if "lang" in column:
        assert datatype == "string"
        return Literal(text, lang=column["lang"])
    if isinstance(datatype, dict):
        return Literal(text, datatype=URIRef(datatype["@id"]))
    return Literal(text) if datatype == "string" else Literal(text, datatype=XSD[datatype])


def csvw_triples(table_schema: dict[str, Any], data: bytes) -> set[Triple]:
    """What a CSVW-to-RDF processor makes of ``data`` (minimal mode), one IRI per listed value."""
    return set(csvw_triple_list(table_schema, data))


def csvw_triple_list(table_schema: dict[str, Any], data: bytes) -> list[Triple]:
    """:func:`csvw_triples` as a list: a value written twice comes out twice."""
    header, *rows = read(data)
    columns = table_schema["columns"]
    assert header == [column["name"] for column in columns]
    triples: list[Triple] = []
    for cells in rows:
        row = dict(zip(header, cells, strict=True))
        subject = URIRef(expand(table_schema["aboutUrl"], row))
        for column in columns:
            text = row[column["name"]]
            if column.get("suppressOutput") or text == "":
                continue
            items = text.split(column["separator"]) if "separator" in column else [text]
            for item in items:
                value: Node = URIRef(expand(column["valueUrl"], {column["name"]: item})) \
                    if "valueUrl" in column else literal(item, column)
                triples.append((subject, URIRef(column["propertyUrl"]), value))
    return triples


def plain(node: Node) -> Node:
    """``node`` with ``^^xsd:string`` dropped (the same literal in RDF 1.1)."""
    if isinstance(node, Literal) and node.datatype == XSD.string:
        return Literal(str(node))
    return node


def asserted_triples(graph: Graph, subjects: set[URIRef]) -> set[Triple]:
    return {(s, p, plain(o)) for s in subjects for p, o in graph.predicate_objects(s)
            if not isinstance(o, BNode)}


def subjects_of(rows: list[list[str]]) -> set[URIRef]:
    return {URIRef(cells[0]) for cells in rows[1:]}


def reference(catalogue: Catalogue, table: Table) -> tuple[list[URIRef], list[Triple]]:
    """What a table holds, read from the rdflib graphs: its rows (sorted) and their triples (sorted)."""
    union = catalogue.union()
    rows = sorted({s for s in union.subjects(RDF.type, table.cls) if isinstance(s, URIRef)}, key=str)
    triples = {(s, p, plain(o)) for s in rows for p, o in catalogue.asserted.predicate_objects(s)
               if not isinstance(o, BNode) and p not in table.flattened}
    triples |= {(s, p, plain(o)) for s in rows for p in table.flattened for o in union.objects(s, p)
                if not isinstance(o, BNode)}
    return rows, sorted(triples)


# -- files, dialect and rows ---------------------------------------------------------------------


def test_one_csv_per_class_and_the_metadata(tables, metadata) -> None:
    assert list(tables) == CSV_FILES + ["csv-metadata.json"]
    assert [t["url"] for t in metadata["tables"]] == CSV_FILES
    assert metadata["@context"] == ["http://www.w3.org/ns/csvw", {"@language": "en"}]
    assert metadata["dialect"]["lineTerminators"] == ["\r\n"]
    assert metadata["dialect"]["delimiter"] == "," and metadata["dialect"]["encoding"] == "utf-8"


@pytest.mark.parametrize("file", CSV_FILES)
def test_each_csv_parses_and_its_header_is_the_metadata(tables, metadata, file: str) -> None:
    data = tables[file]
    assert not data.startswith(b"\xef\xbb\xbf") and data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")  # CRLF ends every record
    header, *rows = read(data)
    table_schema = schema(metadata, file)
    assert header == [column["name"] for column in table_schema["columns"]]
    assert header[0] == "id" and len(set(header)) == len(header)
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9_]*", name) for name in header)
    assert all(len(cells) == len(header) for cells in rows)
    ids = [cells[0] for cells in rows]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


@pytest.mark.parametrize(("file", "cls"), [
    ("tools.csv", RG.Tool), ("metrics.csv", RG.Metric), ("licences.csv", RG.Licence),
    ("use-restrictions.csv", RG.UseRestriction), ("concepts.csv", SKOS.Concept),
])
def test_rows_are_every_resource_of_the_class_in_the_union(catalogue, tables, file, cls) -> None:
    expected = {s for s in catalogue.union().subjects(RDF.type, cls) if isinstance(s, URIRef)}
    assert subjects_of(read(tables[file])) == expected


def test_a_licence_typed_only_by_a_subclass_is_a_licence_row(catalogue, tables) -> None:
    assert (URIRef(BIGCODE), RDF.type, RG.Licence) not in catalogue.asserted
    ids = subjects_of(read(tables["licences.csv"]))
    assert URIRef(BIGCODE) in ids
    assert len(ids) > 2300  # the register is in


def test_columns_come_in_the_preferred_order(tables) -> None:
    header = read(tables["tools.csv"])[0]
    assert header[:4] == ["id", "title", "description", "status"]
    assert header[4:] == sorted(header[4:])
    assert read(tables["use-restrictions.csv"])[0][:3] == ["id", "label", "description"]


def test_multi_valued_cells_are_sorted_and_joined(tables, metadata) -> None:
    header, *rows = read(tables["tools.csv"])
    (art,) = [dict(zip(header, cells)) for cells in rows
              if cells[0] == ID + "tool/adversarial-robustness-toolbox"]
    (objective,) = [c for c in schema(metadata, "tools.csv")["columns"] if c["name"] == "objective"]
    assert objective["separator"] == "|"
    assert art["objective"] == f"{VOCAB}objective/robustness|{VOCAB}objective/security"
    assert art["keyword"] == "adversarial attacks|adversarial defences|evasion|poisoning"


def test_rendering_is_deterministic(catalogue, tables) -> None:
    assert render_tables(catalogue) == tables


# -- the store against the rdflib graphs -----------------------------------------------------------


@pytest.fixture(scope="module")
def generated(generated_root: Path) -> Catalogue:
    return Catalogue.load(generated_root)


@pytest.mark.parametrize("which", ["catalogue", "generated"])
def test_every_table_holds_what_the_rdflib_graphs_hold(request, which: str) -> None:
    """Rows and cells, read from the store, equal the reference read from rdflib; no value twice."""
    subject: Catalogue = request.getfixturevalue(which)
    files = render_tables(subject)
    metadata = json.loads(files["csv-metadata.json"])
    for table in TABLES:
        rows, triples = reference(subject, table)
        assert [URIRef(cells[0]) for cells in read(files[table.file])[1:]] == rows, table.file
        assert sorted(csvw_triple_list(schema(metadata, table.file), files[table.file])) == triples, \
            table.file


def test_a_triple_in_two_source_files_is_written_once(fresh_catalogue: Catalogue, tmp_path: Path) -> None:
    art = ID + "tool/adversarial-robustness-toolbox"
    path = tmp_path / "again.ttl"
    path.write_text(f'<{art}> <{DCAT.keyword}> "evasion"@en ; a <{RG.Tool}> .\n', encoding="utf-8")
    fresh_catalogue.add_file(path)
    graphs = {quad.graph_name for quad in fresh_catalogue.oxstore.quads_for_pattern(
        ox.NamedNode(art), ox.NamedNode(DCAT.keyword), ox.Literal("evasion", language="en"), None)}
    assert len(graphs - {ox.DefaultGraph()}) == 2  # the tool's own file and the new one
    header, *rows = read(render_tables(fresh_catalogue)["tools.csv"])
    (row,) = [dict(zip(header, cells)) for cells in rows if cells[0] == art]
    assert row["keyword"] == "adversarial attacks|adversarial defences|evasion|poisoning"
    assert row["type"] == str(RG.Tool)


def test_the_tables_and_the_description_never_build_the_rdflib_graphs(
        fresh_catalogue: Catalogue, tables, monkeypatch: pytest.MonkeyPatch) -> None:
    _ = fresh_catalogue.oxstore

    def refuse(self: Catalogue) -> None:
        raise AssertionError("an rdflib graph of the whole catalogue was built")

    for name in ("asserted", "inferred", "dataset", "union", "_union"):
        monkeypatch.setattr(Catalogue, name, property(refuse), raising=False)
    assert render_tables(fresh_catalogue) == tables
    described = describe(fresh_catalogue, {"catalogue.nt": b""}, version="1",
                         issued=datetime.date(2026, 1, 1))
    assert len(described) > 100


# -- the metadata ----------------------------------------------------------------------------------


def test_every_table_has_a_title_description_key_and_subject(metadata) -> None:
    for table in metadata["tables"]:
        assert table["dc:title"] and table["dc:description"]
        table_schema = table["tableSchema"]
        assert table_schema["primaryKey"] == "id" and table_schema["aboutUrl"] == "{+id}"
        id_column = table_schema["columns"][0]
        assert id_column["name"] == "id" and id_column["suppressOutput"] is True


def test_columns_say_how_their_values_become_rdf(metadata) -> None:
    columns = {c["name"]: c for c in schema(metadata, "tools.csv")["columns"]}
    assert columns["title"]["propertyUrl"] == "http://purl.org/dc/terms/title"
    assert (columns["title"]["datatype"], columns["title"]["lang"]) == ("string", "en")
    assert "separator" not in columns["title"]
    assert columns["tool_type"]["valueUrl"] == "{+tool_type}"
    assert columns["tool_type"]["datatype"] == "anyURI"
    assert columns["type"]["propertyUrl"] == str(RDF.type)
    assert columns["issued"]["datatype"] == "date" and "lang" not in columns["issued"]
    licence_columns = {c["name"]: c for c in schema(metadata, "licences.csv")["columns"]}
    assert licence_columns["osi_approved"]["datatype"] == "boolean"
    assert licence_columns["scancode_key"]["datatype"] == "string"
    assert "lang" not in licence_columns["scancode_key"]
    for table in metadata["tables"]:
        for column in table["tableSchema"]["columns"][1:]:
            assert column["propertyUrl"].startswith(("http://", "https://"))
            assert ("valueUrl" in column) == (column["datatype"] == "anyURI")


def test_blank_nodes_are_flattened_never_written(catalogue, tables, metadata) -> None:
    columns = {c["name"]: c for c in schema(metadata, "use-restrictions.csv")["columns"]}
    assert str(ODRL.constraint) not in {c.get("propertyUrl") for c in columns.values()}
    assert "Inferred" in columns["restricted_use"]["dc:description"]
    header, *rows = read(tables["use-restrictions.csv"])
    clause_a = dict(zip(header, [r for r in rows if r[0] == BIGCODE + "/clause/a"][0]))
    assert clause_a["restricted_use"] == VOCAB + "restricted-use/violation-of-applicable-law"
    blank_ids = {str(node) for triple in catalogue.asserted for node in triple
                 if isinstance(node, BNode)}
    for file in CSV_FILES:
        cells = {cell for cells in read(tables[file]) for cell in cells}
        assert not {item for cell in cells for item in re.split("[|¦]", cell)} & blank_ids


# -- CSVW back to RDF ------------------------------------------------------------------------------


@pytest.mark.parametrize("file", ["tools.csv", "licences.csv", "use-restrictions.csv"])
def test_the_metadata_turns_each_row_back_into_its_asserted_triples(catalogue, tables, metadata,
                                                                    file: str) -> None:
    triples = csvw_triples(schema(metadata, file), tables[file])
    subjects = subjects_of(read(tables[file]))
    expected = asserted_triples(catalogue.asserted, subjects)
    if file == "use-restrictions.csv":  # plus the flattened purpose constraint, inferred
        expected |= {(s, RG.restrictedUse, o) for s in subjects
                     for o in catalogue.union().objects(s, RG.restrictedUse)}
    assert triples - expected == set()
    assert expected - triples == set()


# -- hostile values ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+2", "@SUM(1+1)", "\tcmd", "\rcmd", "\0x"])
def test_formula_starts_are_neutralised(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert text.startswith(FORMULA_STARTS)


@pytest.mark.parametrize("text", ["", "a=b", "https://w3id.org/x", "'=quoted", " =1"])
def test_other_text_is_left_alone(text: str) -> None:
    assert neutralise(text) == text


def test_hostile_values_are_neutralised_and_separators_round_trip(
        fresh_catalogue: Catalogue, tmp_path: Path) -> None:
    path = tmp_path / "zz-hostile.ttl"
    path.write_text(HOSTILE_TOOL, encoding="utf-8")
    fresh_catalogue.add_file(path)
    tables = render_tables(fresh_catalogue)
    assert b'"\'=HYPERLINK(""http://evil"",""x"")"' in tables["tools.csv"]
    for file in CSV_FILES:
        for cells in read(tables[file]):
            assert not any(cell.startswith(FORMULA_STARTS) for cell in cells), file
    header, *rows = read(tables["tools.csv"])
    (row,) = [dict(zip(header, cells)) for cells in rows if cells[0] == HOSTILE]
    assert row["title"] == "'=HYPERLINK(\"http://evil\",\"x\")"
    assert row["description"] == "'@SUM(1+1)"
    assert row["comment"] == "'\tcmd"

    metadata = json.loads(tables["csv-metadata.json"])
    columns = {c["name"]: c for c in schema(metadata, "tools.csv")["columns"]}
    assert columns["keyword"]["separator"] not in "|,"  # a value holds "|": another one is chosen
    neutralised = {URIRef(columns[name]["propertyUrl"]) for name in ("title", "description",
                                                                     "comment")}
    triples = csvw_triples(schema(metadata, "tools.csv"), tables["tools.csv"])
    mine = {(p, o) for s, p, o in triples if s == URIRef(HOSTILE) and p not in neutralised}
    expected = {(p, o) for _, p, o in asserted_triples(fresh_catalogue.asserted, {URIRef(HOSTILE)})
                if p not in neutralised}
    assert mine == expected
    assert {o for p, o in mine if p == DCAT.keyword} == {Literal("fairness|robustness", lang="en"),
                                                         Literal("plain", lang="en")}
