"""The CSV and JSON interchange format: one row (or object) per tool or metric (docs/imports.md).

Columns are named after the fields of the OECD.AI catalogue (``tool_types``, ``lifecycle_stages``,
``target_users``, ...); a header is matched loosely (case, spaces, ``(s)`` and a plural ``s`` do
not matter). Multi-valued cells separate values with ``|`` (JSON: an array). A controlled value is
given by its label, notation, slug or IRI; an organisation, licence or use case by slug or IRI
(a licence also by SPDX, ScanCode or Hugging Face id). Every row cites its source (``source_url``).

Reading (:func:`read_csv`, :func:`read_json`) needs no catalogue: an unreadable file (bad
encoding, bad syntax, an unknown or missing column) is an :class:`~railgraph.errors.InputError`
(exit 2) naming the line and column. Turning rows into entries (:func:`candidates`) needs the
catalogue; a row with a problem is rejected with its row number and field.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import Literal, URIRef

from .. import loading
from ..curation.schema import Schema
from ..curation.skeleton import SLUG
from ..errors import InputError, UsageError
from ..namespaces import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, RG, XSD
from .apply import Candidate, Provenance
from .report import Rejection

if TYPE_CHECKING:
    from ..catalogue import Catalogue

__all__ = ["COLUMNS", "Column", "Record", "candidates", "read_csv", "read_json"]

SEPARATOR = "|"
KINDS = ("tool", "metric")
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
CONTINENT = "http://publications.europa.eu/resource/authority/continent/"
_URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Column:
    """A column of the interchange format: its property and the form of its values."""

    name: str
    path: URIRef | None  # None: kind, slug and modified, which are not properties of the entry
    form: str  # text, url, date, concept, organisation, licence, use-case, country, scope, special
    multi: bool = False
    oecd: str = ""  # the field's label on oecd.ai


_C = Column
#: The columns, in the order of docs/imports.md. kind, slug, title, description and source_url
#: are required; the others may be left out or left empty.
COLUMNS: tuple[Column, ...] = (
    _C("kind", None, "special", oecd="(tool or metric)"),
    _C("slug", None, "special", oecd="(the OECD.AI slug)"),
    _C("title", DCTERMS.title, "text", oecd="Title"),
    _C("description", DCTERMS.description, "text", oecd="Description"),
    _C("source_url", PROV.hadPrimarySource, "url", oecd="(where the facts come from)"),
    _C("further_sources", DCTERMS.source, "url", True),
    _C("status", RG.status, "concept"),
    _C("issued", DCTERMS.issued, "date", oecd="Date added / release date"),
    _C("modified", None, "special"),
    _C("website", FOAF.homepage, "url", oecd="Link to tool / website"),
    _C("oecd_page", RG.oecdCataloguePage, "url"),
    _C("developing_organisations", RG.developedBy, "organisation", True, "Developing organisation(s)"),
    _C("tool_types", RG.toolType, "concept", True, "Tool type(s)"),
    _C("objectives", RG.objective, "concept", True, "Objective(s)"),
    _C("impacted_stakeholders", RG.impactedStakeholder, "concept", True, "Impacted stakeholders"),
    _C("purposes", RG.purpose, "concept", True, "Purpose(s)"),
    _C("target_sectors", RG.targetSector, "concept", True, "Target sector(s)"),
    _C("country_of_origin", RG.countryOfOrigin, "country", True, "Country of origin"),
    _C("lifecycle_stages", RG.lifecycleStage, "concept", True, "Lifecycle stage(s)"),
    _C("type_of_approach", RG.approachType, "concept", True, "Type of approach"),
    _C("maturity", RG.maturity, "concept", True, "Maturity"),
    _C("usage_rights", RG.usageRights, "concept", True, "Usage rights"),
    _C("license", DCTERMS.license, "licence", True, "License"),
    _C("target_groups", RG.targetGroup, "concept", True, "Target groups"),
    _C("target_users", RG.targetUser, "concept", True, "Target users"),
    _C("stakeholder_group", RG.stakeholderGroup, "concept", True, "Stakeholder group"),
    _C("validity", RG.validity, "concept", True, "Validity"),
    _C("enforcement", RG.enforcement, "concept", True, "Enforcement"),
    _C("geographical_scope", RG.geographicalScope, "scope", True, "Geographical scope"),
    _C("people_involved", RG.peopleInvolved, "concept", True, "People involved"),
    _C("required_skills", RG.requiredSkill, "concept", True, "Required skills"),
    _C("technology_platforms", RG.technologyPlatform, "concept", True, "Technology platforms"),
    _C("tags", DCAT.keyword, "text", True, "Tags"),
    _C("use_cases", RG.hasUseCase, "use-case", True, "Use cases"),
    _C("risk_management_stages", RG.riskManagementStage, "concept", True, "Risk management stage(s)"),
    _C("metric_type", RG.metricType, "concept", True, "Metric type"),
    _C("trustworthy_ai_relevance", RG.relevanceNote, "text", oecd="Trustworthy AI relevance"),
)
BY_NAME = {c.name: c for c in COLUMNS}
REQUIRED = ("kind", "slug", "title", "description", "source_url")
ALIASES = {"licence": "license", "homepage": "website", "link": "website", "url": "website",
           "source": "source_url", "primary_source": "source_url", "type": "kind",
           "developing_organization": "developing_organisations", "organisation": "developing_organisations",
           "relevance": "trustworthy_ai_relevance", "keyword": "tags", "date": "issued"}


@dataclass(frozen=True)
class Record:
    """One row (CSV) or object (JSON): its number, and column -> values (empty cells left out)."""

    number: int
    values: dict[str, list[str]]
    origin: str  # "tools.csv row 3"


# -- reading ------------------------------------------------------------------------------------


def column_name(header: str) -> str | None:
    """The column a header names (``"Tool type(s)"`` -> ``tool_types``), or None."""
    key = re.sub(r"[^a-z0-9]+", "_", header.lower().replace("(s)", "")).strip("_")
    stem = _stem(key)
    for name in BY_NAME:
        if _stem(name) == stem:
            return name
    for alias, name in ALIASES.items():
        if _stem(alias) == stem:
            return name
    return None


def _stem(key: str) -> str:
    return "_".join(word[:-1] if word.endswith("s") and len(word) > 3 else word for word in key.split("_"))


def _columns(headers: Sequence[str], path: Path, line: int | None = None,
             required: Sequence[str] = REQUIRED) -> list[str]:
    names: list[str] = []
    for number, header in enumerate(headers, start=1):
        name = column_name(header)
        if name is None:
            close = difflib.get_close_matches(header.lower(), list(BY_NAME), n=3, cutoff=0.5)
            raise InputError(f"unknown column {header!r}", path=path, line=line, column=number,
                             hint=(f"did you mean {', '.join(close)}? " if close else "") +
                             "docs/imports.md lists the columns")
        if name in names:
            raise InputError(f"column {header!r} repeats column {name!r}", path=path, line=line,
                             column=number, hint="give each field one column; separate values with |")
        names.append(name)
    missing = [name for name in required if name not in names]
    if missing:
        raise InputError(f"required column(s) missing: {', '.join(missing)}", path=path, line=line,
                         hint=f"the header must name {', '.join(REQUIRED)} (docs/imports.md)")
    return names


def _read_text(path: Path, max_bytes: int) -> str:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"file is {size:,} bytes, more than the {max_bytes:,} allowed", path=path,
                             hint="split the file, or raise RAILGRAPH_MAX_FILE_BYTES")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", path=path) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[:exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise InputError("file is not UTF-8", path=path, line=line, column=column,
                         hint="save the spreadsheet as CSV UTF-8 (in Excel: 'CSV UTF-8 (Comma "
                              "delimited)')") from exc


def read_csv(path: Path, *, max_bytes: int) -> list[Record]:
    """The rows of a CSV file (UTF-8; comma, semicolon or tab separated; header first)."""
    text = _read_text(path, max_bytes)
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        headers = next(reader, None)
        if headers is None:
            raise InputError("the file is empty", path=path, hint="the first line names the columns")
        names = _columns(headers, path, line=1)
        records = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            number = reader.line_num
            origin = f"{path.name} row {number}"
            if len(row) > len(names):
                raise InputError(f"row {number} has {len(row)} cells but the header names {len(names)} "
                                 "columns", path=path, line=number, column=len(names) + 1,
                                 hint="quote cells that contain the separator")
            values = {name: _split(name, cell) for name, cell in zip(names, row) if cell.strip()}
            records.append(Record(number, values, origin))
    except csv.Error as exc:
        raise InputError(f"invalid CSV: {exc}", path=path, line=reader.line_num,
                         hint="check the quotes on that line") from exc
    return records


def read_json(path: Path, *, max_bytes: int) -> list[Record]:
    """The objects of a JSON file: an array of objects, or ``{"entries": [...]}``."""
    text = _read_text(path, max_bytes)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno, column=exc.colno,
                         hint="fix the JSON at that position") from exc
    if isinstance(document, dict) and isinstance(document.get("entries"), list):
        document = document["entries"]
    if not isinstance(document, list):
        raise InputError("the JSON must be an array of objects (or an object with an \"entries\" array)",
                         path=path, line=1, column=1, hint="see the example in docs/imports.md")
    records = []
    for number, item in enumerate(document, start=1):
        if not isinstance(item, dict):
            raise InputError(f"entry {number} is a {type(item).__name__}, not an object", path=path,
                             hint="write one object per tool or metric")
        names = _columns(list(item), path, required=())
        values: dict[str, list[str]] = {}
        for (key, value), name in zip(item.items(), names):
            cells = value if isinstance(value, list) else [value]
            if not all(isinstance(cell, (str, int, float)) and not isinstance(cell, bool) for cell in cells):
                raise InputError(f"entry {number}: {key!r} must be a string or an array of strings",
                                 path=path, hint="write nested values as text: a slug, a label or an IRI")
            texts = [str(cell).strip() for cell in cells if str(cell).strip()]
            if texts:
                values[name] = texts if isinstance(value, list) else _split(name, texts[0])
        records.append(Record(number, values, f"{path.name} entry {number}"))
    return records


def _split(name: str, cell: str) -> list[str]:
    column = BY_NAME[name]
    parts = cell.split(SEPARATOR) if column.multi else [cell]
    return [part.strip() for part in parts if part.strip()]


# -- rows into entries --------------------------------------------------------------------------


class _Context:
    """What turning rows into entries needs from the catalogue, read once."""

    def __init__(self, catalogue: Catalogue) -> None:
        from ..catalogue import ENTRY_KINDS

        self.catalogue = catalogue
        self.schema = Schema.of(catalogue)
        self.fields = {kind: {f.path for f in self.schema.fields(ENTRY_KINDS[kind])} for kind in KINDS}
        self.concepts: dict[URIRef, dict[str, URIRef]] = {}

    def foreign(self, path: URIRef, kind: str) -> bool:
        """The ontology gives ``path`` a domain that ``kind`` is not in."""
        from ..catalogue import ENTRY_KINDS

        domains = set(self.schema.ontology.objects(path, RDFS.domain))
        return bool(domains) and not domains & set(self.schema.superclasses(ENTRY_KINDS[kind]))

    def concept(self, path: URIRef, value: str) -> URIRef:
        """The concept ``value`` names in the scheme of ``path``; if none, an IRI in that scheme that
        validation then reports with the closest allowed values."""
        scheme = self.schema.schemes.get(path)
        if scheme is None:
            raise UsageError(f"no concept scheme is known for {path}")
        if scheme not in self.concepts:
            names: dict[str, URIRef] = {}
            for concept in self.schema.concepts(scheme, include_deprecated=True):
                for name in (str(concept.iri), concept.slug, concept.notation, concept.label):
                    if name:
                        names.setdefault(name.casefold(), concept.iri)
            self.concepts[scheme] = names
        found = self.concepts[scheme].get(value.casefold())
        if found is not None:
            return found
        if _URL.match(value):
            return URIRef(value)
        slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "unknown"
        return URIRef(f"{scheme}/{slug}")


def candidates(records: list[Record], catalogue: Catalogue, provenance: Provenance) -> tuple[
        list[Candidate], list[Rejection]]:
    """Entries from ``records``; rows with a problem found before validation are rejected."""
    context = _Context(catalogue)
    found: list[Candidate] = []
    rejected: list[Rejection] = []
    seen: dict[tuple[str, str], list[Record]] = {}
    for record in records:
        key = (record.values.get("kind", [""])[0].lower(), record.values.get("slug", [""])[0])
        seen.setdefault(key, []).append(record)
    for record in records:
        key = (record.values.get("kind", [""])[0].lower(), record.values.get("slug", [""])[0])
        if key[1] and len(seen[key]) > 1:
            others = ", ".join(str(r.number) for r in seen[key] if r is not record)
            rejected.append(Rejection(record.origin, "slug", key[1],
                                      f"the same {key[0] or 'entry'} appears again in row(s) {others}",
                                      "give each entry one row; merge the rows", row=record.number))
            continue
        try:
            found.append(_candidate(record, context, provenance))
        except _Rejected as problem:
            rejected.append(problem.rejection)
    return found, rejected


class _Rejected(Exception):
    def __init__(self, rejection: Rejection) -> None:
        super().__init__(rejection.reason)
        self.rejection = rejection


def _candidate(record: Record, context: _Context, provenance: Provenance) -> Candidate:
    def reject(name: str | None, value: str | None, reason: str, fix: str = "",
               closest: tuple[str, ...] = ()) -> _Rejected:
        return _Rejected(Rejection(record.origin, name, value, reason, fix, closest, row=record.number))

    kind = record.values.get("kind", [""])[0].lower()
    if kind not in KINDS:
        raise reject("kind", kind, "the kind must be tool or metric", "write tool or metric")
    slug = record.values.get("slug", [""])[0]
    if not SLUG.match(slug) or len(slug) > 120:
        raise reject("slug", slug, "not a valid slug: lower-case letters and digits in words joined "
                     "by single hyphens", "use the OECD.AI slug where the entry is in that catalogue")
    iri = URIRef(f"https://w3id.org/railgraph/id/{kind}/{slug}")
    from ..catalogue import ENTRY_KINDS

    graph = loading.new_graph()
    graph.add((iri, RDF.type, ENTRY_KINDS[kind]))
    replaces: set[URIRef] = set()
    columns: dict[URIRef, str] = {}
    cells: dict[str, str] = {}
    modified = provenance.modified
    for name, values in record.values.items():
        column = BY_NAME[name]
        if name == "modified":
            if len(values) != 1 or not _DATE.match(values[0]):
                raise reject(name, values[0], "not a date", "write YYYY-MM-DD")
            modified = _date(values[0], reject, name)
            continue
        if column.path is None:
            continue
        if column.path not in context.fields[kind] and context.foreign(column.path, kind):
            raise reject(name, None, f"a {kind} has no field {name}",
                         f"leave the cell empty for a {kind}, or check the kind column")
        columns[column.path] = name
        replaces.add(column.path)
        for value in values:
            term = _value(column, value, context, reject)
            cells[str(term) if isinstance(term, URIRef) else term.n3()] = value
            graph.add((iri, column.path, term))
    if not record.values.get("status"):
        existing = (iri, RG.status, None) in context.catalogue.asserted
        if not existing:
            graph.add((iri, RG.status, URIRef("https://w3id.org/railgraph/vocab/status/unverified")))
            replaces.add(RG.status)
    columns[RG.status] = "status"
    return Candidate(kind, slug, graph, record.origin, frozenset(replaces),
                     Provenance(provenance.curator, modified, provenance.source_name), columns, cells,
                     record.number)


def _value(column: Column, value: str, context: _Context, reject: Any) -> Any:
    form = column.form
    if form == "text":
        return Literal(value, lang="en")
    if form == "url":
        if not _URL.match(value):
            raise reject(column.name, value, "not a web address", "write a full address, https://...")
        return URIRef(value)
    if form == "date":
        return Literal(_date(value, reject, column.name).isoformat(), datatype=XSD.date)
    if form == "concept":
        assert column.path is not None
        return context.concept(column.path, value)
    if form in ("organisation", "licence", "use-case"):
        try:
            return context.catalogue.resolve(value, kind=form)
        except UsageError as exc:
            hint = exc.hint or ""
            closest = tuple(hint[len("did you mean "):].rstrip("?").split(", ")) \
                if hint.startswith("did you mean ") else ()
            raise reject(column.name, value, f"no {form.replace('-', ' ')} of the catalogue is called {value!r}",
                         f"give the slug or IRI of a {form.replace('-', ' ')} in data/, or add it first "
                         f"(railgraph new {form})", closest) from None
    if form in ("country", "scope"):
        if _URL.match(value):
            return URIRef(value)
        code = value.upper().replace(" ", "_")
        if not re.fullmatch(r"[A-Z0-9_]+", code):
            raise reject(column.name, value, "not a country code", "write an ISO 3166 alpha-3 code such as USA")
        if form == "scope" and code.startswith("CONTINENT/"):
            return URIRef(CONTINENT + code.split("/", 1)[1])
        continents = {"EUROPE", "ASIA", "AFRICA", "OCEANIA", "NORTH_AMERICA", "SOUTH_AMERICA", "ANTARCTICA"}
        if form == "scope" and code in continents:
            return URIRef(CONTINENT + code)
        return URIRef(COUNTRY + code)
    raise AssertionError(form)


def _date(value: str, reject: Any, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise reject(name, value, "not a date", "write YYYY-MM-DD, e.g. 2023-05-04") from None
