"""CSV export: one table per class, described by CSV on the Web metadata (W3C CSVW, "Metadata
Vocabulary for Tabular Data").

:func:`render_tables` writes one CSV file per class (``tools.csv``, ``licences.csv``, ...) and
``csv-metadata.json``, which maps every column back to its RDF property, so that a CSVW processor
turns each row back into the asserted triples of its entry.

- Rows: every IRI typed with the table's class in the union of asserted and inferred triples (a
  licence typed only ``rg:ResponsibleAILicence`` is a ``rg:Licence``), sorted by IRI.
- Columns: ``id`` (the IRI, the ``aboutUrl`` of the row), then one column per asserted predicate
  and kind of value (IRI, language tag or datatype) the rows carry, named after the predicate's
  local name in snake case (``tool_type``; qualified by its prefix, ``dct_source``, where two
  predicates share a local name; suffixed by the kind where one predicate has several); titles,
  labels, descriptions, definitions and status first, the rest by name. Only asserted values are
  written. Blank nodes never appear: their columns are left out, and the purpose constraint of a
  use restriction is flattened into ``restricted_use`` (``rg:restrictedUse``, inferred from the
  constraint's ``odrl:rightOperand``).
- Multi-valued cells: the values, sorted, joined by the column's ``separator``: ``|`` unless a
  value of that column contains it, else the first of ``¦`` and the private-use characters that no
  value contains. CSVW has no escape for separators, so a value is never split wrongly.
- Dialect: RFC 4180 (comma, double quote doubled inside a quoted field, CRLF line ends), UTF-8
  without a byte order mark, one header row holding the column names.
- Spreadsheet safety (OWASP "CSV Injection"): a cell whose text starts with ``=``, ``+``, ``-``,
  ``@``, a tab, a carriage return or NUL gets a single quote in front, so Excel and LibreOffice
  show it as text and never run it as a formula. A CSVW processor reads the quote as part of the
  value; the catalogue holds no such value today.

Known limit of CSVW 1.0: the ``valueUrl`` of a cell names one node, so a strict processor expands
``{+col}`` of a multi-valued IRI column once, with the list joined by commas (w3c/csvw#164). The
metadata still declares ``valueUrl`` and ``separator`` together, meaning one IRI per value, as
most readers and the tests take it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from rdflib import BNode, Graph, Literal, URIRef

from ..errors import RailgraphError
from ..namespaces import DCTERMS, FOAF, PREFIX_OF, RDF, RDFS, RG, SKOS, XSD, split_iri

if TYPE_CHECKING:
    from ..catalogue import Catalogue

CSVW_CONTEXT: list[Any] = ["http://www.w3.org/ns/csvw", {"@language": "en"}]
METADATA_FILE = "csv-metadata.json"
DIALECT: dict[str, Any] = {
    "encoding": "utf-8", "delimiter": ",", "quoteChar": '"', "doubleQuote": True,
    "lineTerminators": ["\r\n"], "header": True, "headerRowCount": 1, "trim": False,
}
#: First characters that make a spreadsheet evaluate a cell (OWASP CSV injection, ASVS 1.2.10).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


@dataclass(frozen=True)
class Table:
    """One CSV file: the rows of one class."""

    file: str
    cls: URIRef
    title: str
    description: str
    flattened: tuple[URIRef, ...] = ()  # predicates read from the union, not the asserted triples


TABLES: tuple[Table, ...] = (
    Table("tools.csv", RG.Tool, "Tools",
          "Tools for trustworthy AI, with the OECD catalogue's fields."),
    Table("metrics.csv", RG.Metric, "Metrics", "Metrics for trustworthy AI."),
    Table("licences.csv", RG.Licence, "Licences",
          "Every licence: the hand-modelled ones and the register imported from the ScanCode "
          "LicenseDB and the SPDX License List."),
    Table("use-restrictions.csv", RG.UseRestriction, "Use restrictions",
          "One per prohibition clause of a licence; restricted_use is the restricted-use concept "
          "the clause's purpose constraint names.", (RG.restrictedUse,)),
    Table("licence-duties.csv", RG.LicenceDuty, "Licence duties",
          "Duties attached to licence permissions."),
    Table("licence-permissions.csv", RG.LicencePermission, "Licence permissions",
          "What a licence allows, clause by clause."),
    Table("organisations.csv", RG.Organisation, "Organisations",
          "Developers of tools and models, and licensors."),
    Table("models.csv", RG.Model, "Models", "AI models and the licences they are released under."),
    Table("use-cases.csv", RG.UseCase, "Use cases",
          "Uses of tools and metrics, with their sectors and lifecycle stages."),
    Table("concepts.csv", SKOS.Concept, "Concepts", "SKOS concepts of the controlled vocabularies."),
    Table("concept-schemes.csv", SKOS.ConceptScheme, "Concept schemes",
          "The controlled vocabularies, one scheme per facet."),
)

_PREFERRED = (DCTERMS.title, RDFS.label, SKOS.prefLabel, FOAF.name, DCTERMS.description,
              SKOS.definition, RG.status)
_SEPARATORS = "|¦" + "".join(map(chr, range(0xE000, 0xF900)))
_XSD_BUILTINS = frozenset((
    "anyAtomicType anyURI base64Binary boolean byte date dateTime dateTimeStamp dayTimeDuration "
    "decimal double duration float gDay gMonth gMonthDay gYear gYearMonth hexBinary int integer "
    "language long Name negativeInteger NMTOKEN nonNegativeInteger nonPositiveInteger "
    "normalizedString positiveInteger QName short string time token unsignedByte unsignedInt "
    "unsignedLong unsignedShort yearMonthDuration").split())
_OTHER_BUILTINS = {str(RDF.HTML): "html", str(RDF.XMLLiteral): "xml",
                   "http://www.w3.org/ns/csvw#JSON": "json"}


class _Kind(NamedTuple):
    """What a column holds: IRIs, or literals of one language tag or datatype."""

    iri: bool
    lang: str
    datatype: str


@dataclass(frozen=True)
class _Column:
    name: str
    predicate: URIRef
    kind: _Kind
    cells: dict[URIRef, list[str]]  # sorted values per row
    separator: str | None
    note: str | None  # why a column holds inferred values


def render_tables(catalogue: Catalogue) -> dict[str, bytes]:
    """The CSV files, one per class, and ``csv-metadata.json``, by file name."""
    asserted, union = catalogue.asserted, catalogue.union()
    files: dict[str, bytes] = {}
    descriptions = []
    for table in TABLES:
        rows = sorted({s for s in union.subjects(RDF.type, table.cls) if isinstance(s, URIRef)},
                      key=str)
        columns = _columns(table, rows, asserted, union)
        files[table.file] = _csv(rows, columns)
        descriptions.append(_table_description(table, columns))
    metadata = {
        "@context": CSVW_CONTEXT,
        "dc:title": "railgraph catalogue tables",
        "dc:description": "The catalogue as one CSV table per class; each row is an entry and "
                          "each column one of its asserted properties.",
        "dialect": DIALECT,
        "tables": descriptions,
    }
    files[METADATA_FILE] = (json.dumps(metadata, indent=2, ensure_ascii=False) + "\n").encode()
    return files


def neutralise(text: str) -> str:
    """``text`` with a single quote in front where a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _columns(table: Table, rows: list[URIRef], asserted: Graph, union: Graph) -> list[_Column]:
    cells: dict[tuple[URIRef, _Kind], dict[URIRef, list[str]]] = defaultdict(dict)
    for row in rows:
        pairs = [(p, o) for p, o in asserted.predicate_objects(row) if p not in table.flattened]
        pairs += [(p, o) for p in table.flattened for o in union.objects(row, p)]
        for predicate, value in pairs:
            if not isinstance(value, BNode):
                key = (URIRef(predicate), _kind_of(value))
                cells[key].setdefault(row, []).append(str(value))
    names = _names(list(cells))
    columns = []
    for (predicate, kind), by_row in cells.items():
        values = {row: sorted(found) for row, found in by_row.items()}
        multi = any(len(found) > 1 for found in values.values())
        separator = _separator(v for found in values.values() for v in found) if multi else None
        note = None
        if predicate in table.flattened:
            note = f"Inferred, not asserted. {union.value(predicate, RDFS.comment) or ''}".strip()
        columns.append(_Column(names[predicate, kind], predicate, kind, values, separator, note))
    order = {predicate: index for index, predicate in enumerate(_PREFERRED)}
    return sorted(columns, key=lambda c: (order.get(c.predicate, len(order)), c.name))


def _kind_of(value: object) -> _Kind:
    if isinstance(value, Literal):
        if value.language:
            return _Kind(False, value.language, "")
        return _Kind(False, "", str(value.datatype or XSD.string))
    return _Kind(True, "", "")


def _names(keys: list[tuple[URIRef, _Kind]]) -> dict[tuple[URIRef, _Kind], str]:
    """Column names: the local name; prefixed where local names clash; kind-suffixed if needed."""
    predicates = sorted({p for p, _ in keys}, key=str)
    local = {p: "type" if p == RDF.type else _snake(split_iri(p)[1]) for p in predicates}
    taken = {"id"} | ({"type"} if RDF.type in local else set())
    clash = {p for p in predicates if p != RDF.type and (
        local[p] in taken or sum(local[q] == local[p] for q in predicates) > 1)}
    base = {p: f"{_prefix(p)}_{local[p]}" if p in clash else local[p] for p in predicates}
    kinds: dict[URIRef, list[_Kind]] = defaultdict(list)
    for predicate, kind in keys:
        kinds[predicate].append(kind)
    names = {}
    for predicate, kind in keys:
        name = base[predicate]
        if len(kinds[predicate]) > 1:
            name += "_" + ("iri" if kind.iri else _snake(kind.lang or split_iri(kind.datatype)[1]))
        names[predicate, kind] = name
    if len(set(names.values())) < len(names):
        raise RailgraphError(f"two columns would share a name among {sorted(names.values())}")
    return names


def _snake(text: str) -> str:
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", text).lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_") or "value"


def _prefix(predicate: URIRef) -> str:
    namespace = split_iri(predicate)[0]
    return PREFIX_OF.get(namespace) or _snake(namespace.rstrip("#/").rsplit("/", 1)[-1])


def _separator(values: Iterable[str]) -> str:
    used = set().union(*values)
    for candidate in _SEPARATORS:
        if candidate not in used:
            return candidate
    raise RailgraphError("no separator character is free: the values use every candidate")


def _csv(rows: list[URIRef], columns: list[_Column]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["id"] + [column.name for column in columns])
    for row in rows:
        writer.writerow([neutralise(str(row))] + [
            neutralise((column.separator or "").join(column.cells.get(row, [])))
            for column in columns])
    return buffer.getvalue().encode("utf-8")


def _table_description(table: Table, columns: list[_Column]) -> dict[str, Any]:
    return {
        "url": table.file,
        "dc:title": table.title,
        "dc:description": f"{table.description} One row per resource typed {_curie(table.cls)} "
                          "(asserted or inferred), sorted by IRI.",
        "tableSchema": {
            "columns": [{"name": "id", "titles": "id", "datatype": "anyURI", "required": True,
                         "suppressOutput": True}] + [_column_description(c) for c in columns],
            "primaryKey": "id",
            "aboutUrl": "{+id}",
        },
    }


def _column_description(column: _Column) -> dict[str, Any]:
    description: dict[str, Any] = {"name": column.name, "titles": column.name,
                                   "propertyUrl": str(column.predicate)}
    if column.kind.iri:
        description["datatype"] = "anyURI"
        description["valueUrl"] = "{+" + column.name + "}"
    else:
        description["datatype"] = _datatype(column.kind)
        if column.kind.lang:
            description["lang"] = column.kind.lang
    if column.separator:
        description["separator"] = column.separator
    if column.note:
        description["dc:description"] = column.note
    return description


def _datatype(kind: _Kind) -> str | dict[str, str]:
    if kind.lang:
        return "string"
    namespace, local = split_iri(kind.datatype)
    if namespace == str(XSD) and local in _XSD_BUILTINS:
        return local
    if kind.datatype in _OTHER_BUILTINS:
        return _OTHER_BUILTINS[kind.datatype]
    return {"base": "string", "@id": kind.datatype}


def _curie(iri: URIRef) -> str:
    namespace, local = split_iri(iri)
    return f"{PREFIX_OF[namespace]}:{local}" if namespace in PREFIX_OF else str(iri)
