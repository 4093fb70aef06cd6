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

Everything is read from the catalogue's pyoxigraph store (each row's subject looked up, no rdflib
graph of the whole catalogue), or from rows kept in the cache while their sources are unchanged
(see :mod:`.table_parts`); tests hold the tables equal to the same tables read from the rdflib
graphs.

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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import pyoxigraph as ox
from rdflib import URIRef

from .. import cache_reads, collector
from ..atomic import Chunks
from ..errors import RailgraphError
from ..namespaces import DCTERMS, FOAF, PREFIX_OF, RDF, RDFS, RG, SKOS, XSD, split_iri
from ..store import union_quads
from . import table_parts

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

_FILES = [table.file for table in TABLES]
_PREFERRED = (DCTERMS.title, RDFS.label, SKOS.prefLabel, FOAF.name, DCTERMS.description,
              SKOS.definition, RG.status)
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


@dataclass(frozen=True)
class _Column:
    name: str
    predicate: URIRef
    kind: _Kind
    key: table_parts.Key
    separator: str | None
    note: str | None  # why a column holds inferred values


def render_tables(catalogue: Catalogue) -> dict[str, bytes]:
    """The CSV files, one per class, and ``csv-metadata.json``, by file name.

    Reads the catalogue's pyoxigraph store (:attr:`~railgraph.catalogue.Catalogue.oxstore`), never
    its rdflib graphs; the rows of sources unchanged since the last tables were written come from
    the cache (see :mod:`.table_parts`).
    """
    return {name: b"".join(chunks) for name, chunks in table_chunks(catalogue).items()}


def table_chunks(catalogue: Catalogue) -> dict[str, Chunks]:
    """The files of :func:`render_tables` in chunks (a header, then line after line), not joined:
    the tools' table of 100,000 tools is 210 MB."""
    store = catalogue.oxstore
    with collector.paused():  # millions of small lists and tuples, in no cycle
        flattened = [_flattened(store, table) for table in TABLES]
        made = _made(catalogue, store, flattened)
        parts = made.parts.parts
        rendered = [made.rendered[part.key] if part.key in made.rendered else _fresh(store, part, flattened)
                    for part in parts]
        tables: dict[str, Chunks] = {}
        descriptions = []
        for index, table in enumerate(TABLES):
            columns = _columns(table, table_parts.merged(each[index].summary for each in rendered), store)
            lines = _table_lines(store, index, columns, parts, [each[index] for each in rendered], flattened)
            tables[table.file] = [_header(columns), *(line for _, line in lines)]
            descriptions.append(_table_description(table, columns))
        shares = {part.key: each for part, each in zip(parts, rendered) if part.key}
        origin = table_parts.write(catalogue.cache_dir(), _FILES, shares, on=made.origin)
        if cache_reads.keeping() and catalogue.inference_key is not None:  # build --watch: for the next tables
            for share in (share for each in shares.values() for share in each):
                share.cells = None  # read from the store again where the columns change
            catalogue.kept_tables = table_parts.Made(catalogue.inference_key, made.parts, shares, origin)
    metadata = {
        "@context": CSVW_CONTEXT,
        "dc:title": "railgraph catalogue tables",
        "dc:description": "The catalogue as one CSV table per class; each row is an entry and "
                          "each column one of its asserted properties.",
        "dialect": DIALECT,
        "tables": descriptions,
    }
    tables[METADATA_FILE] = [(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n").encode()]
    return tables


def prepare(catalogue: Catalogue) -> None:
    """Ready what the next tables of ``catalogue`` in this process are made from (``build
    --watch``, see :class:`~railgraph.export.table_parts.Made`), unless it is ready: its rows
    shared out to parts, and their shares the cache holds."""
    kept = catalogue.kept_tables
    if catalogue.inference_key is None or (kept is not None and kept.inference_key == catalogue.inference_key):
        return
    store = catalogue.oxstore
    with collector.paused():
        made = _made(catalogue, store, [_flattened(store, table) for table in TABLES])
        shares = {part.key: made.rendered[part.key] for part in made.parts.parts if part.key in made.rendered}
    catalogue.kept_tables = table_parts.Made(catalogue.inference_key, made.parts, shares, made.origin)


def _made(catalogue: Catalogue, store: ox.Store, flattened: list[dict[str, table_parts.Cells]]) -> table_parts.Made:
    """The catalogue's rows shared out to parts (under the same closure as the last tables this
    process made, only the groups of sources since edited are looked up in the store), and the
    shares of them at hand: those of the last tables (kept by content, so whatever the closure),
    else those the cache holds."""
    grouped, digests = catalogue.source_groups, catalogue.file_digests
    before = catalogue.kept_tables
    parts = None
    if before is not None and before.inference_key == catalogue.inference_key:
        parts = table_parts.parts_again(before.parts, grouped, digests, lambda subjects: _tables_of(store, subjects),
                                        flattened)
    if parts is None:
        parts = table_parts.parts_of(grouped, digests, [_rows(store, table.cls) for table in TABLES], flattened)
    if before is not None:
        return table_parts.Made(catalogue.inference_key, parts, before.rendered, before.origin)
    kept = table_parts.read(catalogue.cache_dir(), _FILES)
    return table_parts.Made(catalogue.inference_key, parts, kept, kept.origin)


def neutralise(text: str) -> str:
    """``text`` with a single quote in front where a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _rows(store: ox.Store, cls: URIRef) -> list[str]:
    """The IRIs typed ``cls`` in the union of asserted and inferred triples, sorted."""
    typed = union_quads(store, None, _TYPE, ox.NamedNode(cls))
    return sorted({quad.subject.value for quad in typed if isinstance(quad.subject, ox.NamedNode)})


def _tables_of(store: ox.Store, subjects: Iterable[str]) -> dict[str, list[int]]:
    """The indexes of the tables each of ``subjects`` is a row of (typed with their classes in the
    union of asserted and inferred triples), for those that are rows of any."""
    index_of = {ox.NamedNode(table.cls): index for index, table in enumerate(TABLES)}
    found: dict[str, list[int]] = {}
    for subject in subjects:
        indexes = {index_of.get(quad.object) for quad in union_quads(store, ox.NamedNode(subject), _TYPE)}
        indexes.discard(None)
        if indexes:
            found[subject] = sorted(cast(set[int], indexes))
    return found


def _table_lines(store: ox.Store, index: int, columns: list[_Column], parts: list[table_parts.Part],
                 shares: list[table_parts.Rendered],
                 flattened: list[dict[str, table_parts.Cells]]) -> list[table_parts.Line]:
    """The lines of the index-th table, sorted: each part's share, written again from the store
    where it was written for other ``columns`` (and then kept so)."""
    layout = [(column.key, column.separator) for column in columns]
    digest = table_parts.layout_digest(layout)
    lines: list[table_parts.Line] = []
    for part, share in zip(parts, shares):
        rows = part.rows[index]
        if share.layout != digest or len(share.lines) != len(rows):
            if share.cells is None:  # a kept part, written for other columns
                share.cells = _cells(store, part, index, flattened) if rows else {}
            share.lines, share.layout = _lines(share.cells, rows, layout), digest
        lines.extend(share.lines)
    lines.sort(key=itemgetter(0))
    return lines


def _flattened(store: ox.Store, table: Table) -> dict[str, table_parts.Cells]:
    """The values of the table's flattened predicates, read from the union, by subject (those of
    the table's rows among them)."""
    found: dict[str, table_parts.Cells] = {}
    for predicate in table.flattened:
        for subject, _, value, _ in union_quads(store, None, ox.NamedNode(predicate)):
            if isinstance(subject, ox.NamedNode) and not isinstance(value, ox.BlankNode):
                found.setdefault(subject.value, {}).setdefault((str(predicate), _code(value)), []).append(value.value)
    return found


def _fresh(store: ox.Store, part: table_parts.Part,
           flattened: list[dict[str, table_parts.Cells]]) -> list[table_parts.Rendered]:
    """A part the cache does not hold: its cells in each table, read from the store."""
    asserted = table_parts.cells_of(store, {row for members in part.rows for row in members})
    rendered = []
    for index, table in enumerate(TABLES):
        cells = table_parts.table_cells(asserted, part.rows[index], _skipped(table), flattened[index])
        rendered.append(table_parts.Rendered(table_parts.summary(cells), cells=cells))
    return rendered


def _cells(store: ox.Store, part: table_parts.Part, index: int,
           flattened: list[dict[str, table_parts.Cells]]) -> dict[str, table_parts.Cells]:
    """The cells of a part's rows in the index-th table, read from the store."""
    rows = part.rows[index]
    return table_parts.table_cells(table_parts.cells_of(store, rows), rows, _skipped(TABLES[index]),
                                   flattened[index])


def _skipped(table: Table) -> frozenset[str]:
    """The predicates whose asserted values a table leaves out: it flattens them from the union."""
    return frozenset(map(str, table.flattened))


def _columns(table: Table, found: dict[table_parts.Key, str | None], store: ox.Store) -> list[_Column]:
    """A table's columns, in order, from its column keys and their separators."""
    keys = {(URIRef(predicate), _kind(code)): (predicate, code) for predicate, code in found}
    names = _names(list(keys))
    columns = []
    for (predicate, kind), key in keys.items():
        note = None
        if predicate in table.flattened:
            note = f"Inferred, not asserted. {_comment(store, predicate)}".strip()
        columns.append(_Column(names[predicate, kind], predicate, kind, key, found[key], note))
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


def _header(columns: list[_Column]) -> bytes:
    """A table's header row: ``id``, then the name of each column."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(["id"] + [column.name for column in columns])
    return buffer.getvalue().encode("utf-8")


def _lines(cells: Mapping[str, table_parts.Cells], rows: Iterable[str],
           columns: table_parts.Layout) -> list[table_parts.Line]:
    """Each of ``rows`` as a CSV line (RFC 4180, CRLF), its cells in the order of ``columns``:
    the id, then each column's values, sorted and joined by its separator."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    ends: list[tuple[str, int]] = []
    for row in rows:
        row_cells = cells[row]
        texts = [neutralise(row)]
        for key, separator in columns:
            found = row_cells.get(key)
            if not found:
                texts.append("")
            elif len(found) == 1:
                texts.append(neutralise(found[0]))
            else:
                texts.append(neutralise((separator or "").join(sorted(set(found)))))
        writer.writerow(texts)
        ends.append((row, buffer.tell()))
    text = buffer.getvalue()
    written: list[table_parts.Line] = []
    start = 0
    for row, end in ends:
        written.append((row.encode("utf-8"), text[start:end].encode("utf-8")))
        start = end
    return written


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
