"""What changed between two catalogue graphs: entries added, removed, deprecated and changed field
by field, licences whose clauses changed, and concepts added, removed or deprecated.

An entry is a subject typed with one of the entry classes (tool, metric, licence, use case, model,
organisation); a licence's parts are the subjects whose IRI extends the licence's IRI
(``.../clause/c``, ``.../duty/...``, ``.../permission/...``, ``.../text``); a concept is a
``skos:Concept``. A blank-node value (an ODRL constraint) is compared by its content, written as
``[ p o ; ... ]``, so equal graphs give no change whatever their blank-node labels.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ..namespaces import DCTERMS, FOAF, OWL, RDF, RG, SKOS
from ..loading import new_graph
from .schema import curie

__all__ = ["Change", "Changelog", "FieldChange", "compare"]

_DEPRECATED = URIRef("https://w3id.org/railgraph/vocab/status/deprecated")
_KINDS = {"tool": RG.Tool, "metric": RG.Metric, "licence": RG.Licence, "use-case": RG.UseCase,
          "model": RG.Model, "organisation": RG.Organisation}
_LICENCE_CLASSES = (RG.Licence, RG.ResponsibleAILicence)
_NAMES = new_graph().namespace_manager  # writes datatypes as xsd:boolean, ...


@dataclass(frozen=True)
class FieldChange:
    """One field of a resource: the values it gained and lost."""

    field: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Change:
    """A resource added, removed, deprecated or changed."""

    change: str  # added, removed, deprecated or changed
    iri: str
    kind: str  # the kind of entry, "clause" (a licence part) or the concept's scheme
    title: str
    fields: tuple[FieldChange, ...] = ()
    licence: str | None = None  # for a licence part: its licence


@dataclass
class Changelog:
    """The changes from release ``previous`` to release ``version``."""

    version: str
    previous: str | None
    entries: list[Change] = field(default_factory=list)
    clauses: list[Change] = field(default_factory=list)
    concepts: list[Change] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # entries per kind in ``version``

    @property
    def empty(self) -> bool:
        return not (self.entries or self.clauses or self.concepts)

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "previous": self.previous, "counts": self.counts,
                "entries": [asdict(c) for c in self.entries],
                "licence_clauses": [asdict(c) for c in self.clauses],
                "concepts": [asdict(c) for c in self.concepts]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_markdown(self) -> str:
        lines = [f"# railgraph {self.version}", ""]
        counts = ", ".join(f"{n:,} {kind}" for kind, n in self.counts.items())
        if self.previous is None:
            lines += [f"First release: {counts}.", ""]
            return "\n".join(lines)
        lines += [f"Changes since {self.previous}. Entries now: {counts}.", ""]
        if self.empty:
            lines += ["No change.", ""]
        for title, changes in (("Entries", self.entries), ("Licence clauses", self.clauses),
                               ("Concepts", self.concepts)):
            if not changes:
                continue
            lines += [f"## {title}", ""]
            for change in changes:
                lines.append(f"- {change.change} {change.kind} {change.title} <{change.iri}>")
                for item in change.fields:
                    lines += [f"  - {item.field}: + {value}" for value in item.added]
                    lines += [f"  - {item.field}: - {value}" for value in item.removed]
            lines.append("")
        return "\n".join(lines)

    def to_text(self) -> str:
        return self.to_markdown()


def compare(old: Graph | None, new: Graph, *, version: str, previous: str | None) -> Changelog:
    """The changes from ``old`` (None for a first release) to ``new``."""
    log = Changelog(version, previous, counts={k: len(_members(new, c)) for k, c in _KINDS.items()})
    if old is None:
        return log
    old_entries, new_entries = _entries(old), _entries(new)
    for iri in sorted(set(old_entries) | set(new_entries)):
        kind = new_entries.get(iri) or old_entries[iri]
        change = _change(old, new, iri, kind, iri in old_entries, iri in new_entries)
        if change is not None:
            log.entries.append(change)
    old_licences = {i for i, k in old_entries.items() if _is_licence(old, i)}
    new_licences = {i for i, k in new_entries.items() if _is_licence(new, i)}
    for licence in sorted(old_licences | new_licences):
        parts = _parts(old, licence) | _parts(new, licence)
        for part in sorted(parts):
            change = _change(old, new, part, "clause", part in _parts(old, licence), part in _parts(new, licence))
            if change is not None:
                log.clauses.append(Change(change.change, change.iri, change.kind, change.title,
                                          change.fields, licence=str(licence)))
    old_concepts, new_concepts = _concepts(old), _concepts(new)
    for iri in sorted(old_concepts | new_concepts):
        scheme = new.value(iri, SKOS.inScheme) or old.value(iri, SKOS.inScheme)
        kind = f"concept of {str(scheme).rsplit('/', 1)[-1]}" if scheme is not None else "concept"
        change = _change(old, new, iri, kind, iri in old_concepts, iri in new_concepts)
        if change is not None:
            log.concepts.append(change)
    return log


def _change(old: Graph, new: Graph, iri: URIRef, kind: str, before: bool, after: bool) -> Change | None:
    title = _title(new, iri) if after else _title(old, iri)
    if not before:
        return Change("added", str(iri), kind, title)
    if not after:
        return Change("removed", str(iri), kind, title)
    fields = _fields(old, new, iri)
    if not fields:
        return None
    deprecated = _deprecated(new, iri) and not _deprecated(old, iri)
    return Change("deprecated" if deprecated else "changed", str(iri), kind, title, fields)


def _fields(old: Graph, new: Graph, iri: URIRef) -> tuple[FieldChange, ...]:
    before, after = _description(old, iri), _description(new, iri)
    changes = []
    for predicate in sorted(set(before) | set(after), key=curie):
        gained = tuple(sorted(after.get(predicate, set()) - before.get(predicate, set())))
        lost = tuple(sorted(before.get(predicate, set()) - after.get(predicate, set())))
        if gained or lost:
            changes.append(FieldChange(curie(predicate), gained, lost))
    return tuple(changes)


def _description(graph: Graph, iri: Node) -> dict[Node, set[str]]:
    values: dict[Node, set[str]] = {}
    for predicate, value in graph.predicate_objects(iri):
        values.setdefault(predicate, set()).add(_show(graph, value, set()))
    return values


def _show(graph: Graph, value: Node, seen: set[Node]) -> str:
    """A value as text; a blank node by its content, so labels do not matter."""
    if isinstance(value, BNode):
        if value in seen:
            return "[]"
        inner = sorted(f"{curie(p)} {_show(graph, o, seen | {value})}" for p, o in graph.predicate_objects(value))
        return "[ " + " ; ".join(inner) + " ]"
    if isinstance(value, Literal):
        return value.n3(_NAMES)
    return curie(value)


def _members(graph: Graph, cls: URIRef) -> set[URIRef]:
    classes = {cls} | ({RG.ResponsibleAILicence} if cls == RG.Licence else set())
    return {s for c in classes for s in graph.subjects(RDF.type, c) if isinstance(s, URIRef)}


def _entries(graph: Graph) -> dict[URIRef, str]:
    found: dict[URIRef, str] = {}
    for kind, cls in _KINDS.items():
        for subject in sorted(_members(graph, cls)):
            found.setdefault(subject, kind)
    return found


def _is_licence(graph: Graph, iri: URIRef) -> bool:
    return any((iri, RDF.type, cls) in graph for cls in _LICENCE_CLASSES)


def _parts(graph: Graph, licence: URIRef) -> set[URIRef]:
    prefix = str(licence) + "/"
    return {o for o in graph.objects(licence, None) if isinstance(o, URIRef) and str(o).startswith(prefix)} | \
        {s for part in list(graph.objects(licence, None)) if isinstance(part, URIRef) and str(part).startswith(prefix)
         for s in graph.objects(part, None) if isinstance(s, URIRef) and str(s).startswith(prefix)}


def _concepts(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects(RDF.type, SKOS.Concept) if isinstance(s, URIRef)
            and (s, SKOS.inScheme, None) in graph}


def _deprecated(graph: Graph, iri: URIRef) -> bool:
    return (iri, RG.status, _DEPRECATED) in graph or (iri, OWL.deprecated, Literal(True)) in graph


def _title(graph: Graph, iri: Node) -> str:
    for predicate in (DCTERMS.title, FOAF.name, SKOS.prefLabel):
        value = graph.value(iri, predicate)
        if value is not None:
            return f'"{value}"'
    return ""
