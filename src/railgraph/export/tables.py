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

Everything is read from the catalogue's pyoxigraph store (one pass over the asserted triples, no
rdflib graph of the whole catalogue); tests hold the tables equal to the same tables read from the
rdflib graphs.

Known limit of CSVW 1.0: the ``valueUrl`` of a cell names one node, so a strict processor expands
``{+col}`` of a multi-valued IRI column once, with the list joined by commas (w3c/csvw#164). The
metadata still declares ``valueUrl`` and ``separator`` together, meaning one IRI per value, as
most readers and the tests take it.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import pyoxigraph as ox
from rdflib import URIRef

from ..errors import RailgraphError
from ..namespaces import DCTERMS, FOAF, PREFIX_OF, RDF, RDFS, RG, SKOS, XSD, split_iri
from ..store import union_quads

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
_TYPE = ox.NamedNode(RDF.type)
_COMMENT = ox.NamedNode(RDFS.comment)
_OTHER_BUILTINS = {str(RDF.HTML): "html", str(RDF.XMLLiteral): "xml",
                   "http://www.w3.org/ns/csvw#JSON": "json"}


class _Kind(NamedTuple):
    """What a column holds: IRIs, or literals of one language tag or datatype."""

    iri: bool
    lang: str
    datatype: str


#: Values by column key (predicate IRI, kind as :func:`_code` writes it), then by row IRI.
_Cells = defaultdict[tuple[str, str], dict[str, list[str]]]


@dataclass(frozen=True)
class _Column:
    name: str
    predicate: URIRef
    kind: _Kind
    cells: dict[str, list[str]]  # sorted values per row IRI
    separator: str | None
    note: str | None  # why a column holds inferred values


def render_tables(catalogue: Catalogue) -> dict[str, bytes]:
    """The CSV files, one per class, and ``csv-metadata.json``, by file name.

    Reads the catalogue's pyoxigraph store (:attr:`~railgraph.catalogue.Catalogue.oxstore`), never
    its rdflib graphs.
    """
    store = catalogue.oxstore
    files: dict[str, bytes] = {}
    descriptions = []
    with _no_cycle_collection():
        rows = {table: _rows(store, table.cls) for table in TABLES}
        found = _asserted_cells(store, rows)
        for table in TABLES:
            _add_flattened(store, table, rows[table], found[table])
            columns = _columns(table, found[table], store)
            files[table.file] = _csv(rows[table], columns)
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


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector: the tables are millions of small lists and tuples
    that form no cycles, and each full collection would walk them all again (at 100,000 tools this
    halves the time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _rows(store: ox.Store, cls: URIRef) -> list[str]:
    """The IRIs typed ``cls`` in the union of asserted and inferred triples, sorted."""
    typed = union_quads(store, None, _TYPE, ox.NamedNode(cls))
    return sorted({quad.subject.value for quad in typed if isinstance(quad.subject, ox.NamedNode)})


def _asserted_cells(store: ox.Store, rows: dict[Table, list[str]]) -> dict[Table, _Cells]:
    """Each table's asserted values, by column key and row, in one pass over the asserted
    triples: the store's default graph, the union of the sources' graphs (a set, so a triple in
    two source files is one value)."""
    wanted = {row: row for members in rows.values() for row in members}
    names: dict[str, str] = {}  # one string object per predicate and kind, so keys share them
    found: defaultdict[tuple[str, str, str], list[str]] = defaultdict(list)  # (row, predicate, kind)
    iri, literal, blank = ox.NamedNode, ox.Literal, ox.BlankNode
    for subject, predicate, value, _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        if type(subject) is not iri:
            continue
        row = wanted.get(subject.value)
        if row is None:
            continue
        kind = type(value)  # _code, inlined: this loop sees every asserted triple
        if kind is literal:
            language = value.language
            code = "@" + language if language else value.datatype.value
        elif kind is blank:
            continue
        else:
            code = ""
        text = predicate.value
        found[row, names.setdefault(text, text), names.setdefault(code, code)].append(value.value)
    cells: dict[Table, _Cells] = {table: defaultdict(dict) for table in rows}
    tables_of: defaultdict[str, list[tuple[_Cells, frozenset[str]]]] = defaultdict(list)
    for table, members in rows.items():
        target = (cells[table], frozenset(map(str, table.flattened)))
        for row in members:
            tables_of[row].append(target)
    for (row, predicate, code), values in found.items():
        for by_key, skipped in tables_of[row]:
            if predicate not in skipped:
                by_key[predicate, code][row] = values
    return cells


def _add_flattened(store: ox.Store, table: Table, rows: list[str], cells: _Cells) -> None:
    """Add the values of the table's flattened predicates, read from the union."""
    members = set(rows)
    for predicate in table.flattened:
        for subject, _, value, _ in union_quads(store, None, ox.NamedNode(predicate)):
            if isinstance(subject, ox.NamedNode) and subject.value in members \
                    and not isinstance(value, ox.BlankNode):
                cells[str(predicate), _code(value)].setdefault(subject.value, []).append(value.value)


def _columns(table: Table, cells: _Cells, store: ox.Store) -> list[_Column]:
    keys = {(URIRef(predicate), _kind(code)): (predicate, code) for predicate, code in cells}
    names = _names(list(keys))
    columns = []
    for (predicate, kind), key in keys.items():
        values = {row: sorted(set(found)) if len(found) > 1 else found
                  for row, found in cells[key].items()}
        multi = any(len(found) > 1 for found in values.values())
        separator = _separator(v for found in values.values() for v in found) if multi else None
        note = None
        if predicate in table.flattened:
            note = f"Inferred, not asserted. {_comment(store, predicate)}".strip()
        columns.append(_Column(names[predicate, kind], predicate, kind, values, separator, note))
    order = {predicate: index for index, predicate in enumerate(_PREFERRED)}
    return sorted(columns, key=lambda c: (order.get(c.predicate, len(order)), c.name))


def _comment(store: ox.Store, term: URIRef) -> str:
    """An ``rdfs:comment`` of ``term`` in the union, or ``""``."""
    for quad in union_quads(store, ox.NamedNode(term), _COMMENT):
        return quad.object.value
    return ""


def _code(value: ox.NamedNode | ox.Literal) -> str:
    """The kind of ``value`` as text: ``""`` for an IRI, ``@tag`` or the datatype IRI for a literal."""
    if isinstance(value, ox.Literal):
        return "@" + value.language if value.language else value.datatype.value
    return ""


def _kind(code: str) -> _Kind:
    """The :class:`_Kind` that :func:`_code` wrote as ``code``."""
    if not code:
        return _Kind(True, "", "")
    if code.startswith("@"):
        return _Kind(False, code[1:], "")
    return _Kind(False, "", code)


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
    text = "\n".join(values)
    for candidate in _SEPARATORS[:2]:  # the usual answers, found without a set of every character
        if candidate not in text:
            return candidate
    used = set(text)
    for candidate in _SEPARATORS:
        if candidate not in used:
            return candidate
    raise RailgraphError("no separator character is free: the values use every candidate")


def _csv(rows: list[str], columns: list[_Column]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["id"] + [column.name for column in columns])
    texts = [{row: neutralise((column.separator or "").join(values))
              for row, values in column.cells.items()} for column in columns]
    for row in rows:
        writer.writerow([neutralise(row)] + [text.get(row, "") for text in texts])
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
