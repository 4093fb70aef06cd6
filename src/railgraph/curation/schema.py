"""What the shapes and the ontology say about each kind of entry: its fields, which are required,
and which concept scheme (or list) a controlled field takes its values from.

Nothing here is a hard-coded list. For a class, its fields are

1. the property shapes of node shapes that target the class or a superclass (``sh:targetClass``),
   with ``sh:minCount`` >= 1 making a field required (violation shapes) or recommended (warning
   shapes);
2. the properties a SPARQL-targeted shape requires of the class: a target query that selects
   ``?this rdf:type/rdfs:subClassOf* C`` with ``FILTER NOT EXISTS { ?this P ?x }``;
3. the ontology's properties whose ``rdfs:domain`` is the class or a superclass;
4. the ontology's properties that have no ``rdfs:domain`` and that entries of the class in the
   catalogue already use (the ontology leaves them open; existing entries show where they fit).

A field's concept scheme comes from the SPARQL constraint that checks it: a query that binds the
property as ``?path`` and tests ``skos:inScheme <scheme>`` (the shapes check controlled values that
way, see shapes/violations.ttl). ``sh:in`` lists give the allowed values directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from rdflib import Graph, Literal, URIRef, Variable
from rdflib.collection import Collection
from rdflib.paths import MulPath, Path as RdfPath, SequencePath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from ..namespaces import OWL, PREFIX_OF, PREFIXES, RDF, RDFS, RG, SH, SKOS, split_iri

if TYPE_CHECKING:
    from ..catalogue import Catalogue

__all__ = ["Concept", "Field", "Schema", "curie"]

_STATUS = URIRef("https://w3id.org/railgraph/vocab/status")
_DEPRECATED = URIRef("https://w3id.org/railgraph/vocab/status/deprecated")


def curie(term: Node) -> str:
    """``dct:title`` for a term in a bound namespace, else ``<iri>``."""
    namespace, local = split_iri(str(term))
    prefix = PREFIX_OF.get(namespace)
    return f"{prefix}:{local}" if prefix and local else f"<{term}>"


@dataclass(frozen=True)
class Concept:
    """A concept a controlled field may take."""

    iri: URIRef
    slug: str
    label: str
    notation: str


@dataclass
class Field:
    """One property of a class, with what the shapes and the ontology ask of it."""

    path: URIRef
    label: str
    required: bool = False
    recommended: bool = False
    max_count: int | None = None
    datatype: URIRef | None = None
    language: str | None = None
    node_kind: URIRef | None = None
    range_class: URIRef | None = None
    pattern: str | None = None
    allowed: tuple[Node, ...] = ()
    scheme: URIRef | None = None
    comment: str = ""

    @property
    def is_object(self) -> bool:
        return self.node_kind == SH.IRI or self.range_class is not None or self.scheme is not None \
            or any(isinstance(value, URIRef) for value in self.allowed)


@dataclass
class Schema:
    """The shapes and the ontology of a catalogue, read once."""

    ontology: Graph  # the asserted catalogue: ontology, vocabularies and data
    shapes: Graph
    entry_classes: tuple[URIRef, ...] = ()  # the classes of the kinds of entry
    _fields: dict[URIRef, list[Field]] = field(default_factory=dict)
    _used: dict[URIRef, set[URIRef]] = field(default_factory=dict)

    @classmethod
    def of(cls, catalogue: Catalogue) -> Schema:
        from ..catalogue import ENTRY_KINDS

        return cls(catalogue.asserted, catalogue.shapes, tuple(ENTRY_KINDS.values()))

    # -- classes -------------------------------------------------------------------------------

    def superclasses(self, cls: URIRef) -> list[URIRef]:
        """``cls`` and its superclasses (rdfs:subClassOf*), nearest first."""
        seen: list[URIRef] = []
        frontier = [cls]
        while frontier:
            node = frontier.pop(0)
            if isinstance(node, URIRef) and node not in seen:
                seen.append(node)
                frontier.extend(self.ontology.objects(node, RDFS.subClassOf))
        return seen

    def subclasses(self, cls: URIRef) -> set[URIRef]:
        """``cls`` and every class below it."""
        found = {cls}
        frontier = [cls]
        while frontier:
            for sub in self.ontology.subjects(RDFS.subClassOf, frontier.pop()):
                if isinstance(sub, URIRef) and sub not in found:
                    found.add(sub)
                    frontier.append(sub)
        return found

    def label(self, term: Node) -> str:
        for predicate in (RDFS.label, SKOS.prefLabel, SH.name):
            for graph in (self.ontology, self.shapes):
                value = graph.value(term, predicate)
                if value is not None:
                    return str(value)
        return curie(term)

    # -- fields --------------------------------------------------------------------------------

    def fields(self, cls: URIRef) -> list[Field]:
        """The fields of ``cls``: required first, then recommended, then the rest by label."""
        if cls not in self._fields:
            self._fields[cls] = self._collect(cls)
        return self._fields[cls]

    def _collect(self, cls: URIRef) -> list[Field]:
        supers = self.superclasses(cls)
        found: dict[URIRef, Field] = {}

        def get(path: URIRef) -> Field:
            if path not in found:
                found[path] = Field(path, self.label(path), comment=str(
                    self.ontology.value(path, RDFS.comment) or ""))
            return found[path]

        for node_shape in sorted(s for c in supers for s in self.shapes.subjects(SH.targetClass, c)):
            for shape in self.shapes.objects(node_shape, SH.property):
                path = self.shapes.value(shape, SH.path)
                if isinstance(path, URIRef):
                    self._apply(get(path), shape, node_shape)
        for target_class, path, severity in self._sparql_requirements:
            if target_class in supers:
                get(path).required |= severity == SH.Violation
                get(path).recommended |= severity == SH.Warning
        inverses = set(self.ontology.objects(None, OWL.inverseOf))
        for prop in sorted(self._properties | self._used_by(cls)):
            domains = set(self.ontology.objects(prop, RDFS.domain))
            if prop not in inverses and (domains & set(supers) or (not domains and prop in self._used_by(cls))):
                get(prop)
        for item in found.values():
            self._from_ontology(item)
        found.pop(RDF.type, None)
        return sorted(found.values(), key=lambda f: (not f.required, not f.recommended, f.label.lower()))

    def _apply(self, item: Field, shape: Node, node_shape: Node) -> None:
        value = self.shapes.value
        name = value(shape, SH.name)
        if name is not None and item.label == curie(item.path):
            item.label = str(name)
        severity = value(shape, SH.severity) or value(node_shape, SH.severity) or SH.Violation
        min_count = value(shape, SH.minCount)
        if isinstance(min_count, Literal) and int(min_count) >= 1:
            item.required |= severity == SH.Violation
            item.recommended |= severity != SH.Violation
        max_count = value(shape, SH.maxCount)
        if isinstance(max_count, Literal):
            item.max_count = int(max_count) if item.max_count is None else min(item.max_count, int(max_count))
        item.datatype = value(shape, SH.datatype) or item.datatype  # type: ignore[assignment]
        item.node_kind = value(shape, SH.nodeKind) or item.node_kind  # type: ignore[assignment]
        item.range_class = value(shape, SH["class"]) or item.range_class  # type: ignore[assignment]
        pattern = value(shape, SH.pattern)
        item.pattern = str(pattern) if pattern is not None else item.pattern
        languages = value(shape, SH.languageIn)
        if languages is not None:
            item.language = str(next(iter(Collection(self.shapes, languages)), "")) or None
        allowed = value(shape, SH["in"])
        if allowed is not None:
            item.allowed = tuple(Collection(self.shapes, allowed))

    def _from_ontology(self, item: Field) -> None:
        if item.path in self.schemes:
            item.scheme = self.schemes[item.path]
        ranges = [r for r in self.ontology.objects(item.path, RDFS.range) if isinstance(r, URIRef)]
        for kind in ranges:
            if kind == RDF.langString:
                item.language = item.language or "en"
            elif str(kind).startswith(str(PREFIXES["xsd"])):
                item.datatype = item.datatype or kind
            elif kind != SKOS.Concept and item.range_class is None:
                item.range_class = kind
        if (item.path, RDF.type, OWL.ObjectProperty) in self.ontology and item.node_kind is None:
            item.node_kind = SH.IRI
        if not (item.datatype or item.language or item.node_kind or item.range_class or item.allowed):
            self._from_usage(item)

    def _from_usage(self, item: Field) -> None:
        """A field neither shapes nor ontology type: take the form its values have in the data."""
        values = [o for _s, o in zip(range(50), self.ontology.objects(None, item.path))]
        if values and all(isinstance(v, URIRef) for v in values):
            item.node_kind = SH.IRI
        elif values and all(isinstance(v, Literal) and v.language for v in values):
            item.language = str(values[0].language)  # type: ignore[union-attr]
        elif values and all(isinstance(v, Literal) and v.datatype for v in values):
            item.datatype = values[0].datatype  # type: ignore[union-attr]

    @cached_property
    def _properties(self) -> set[URIRef]:
        """The properties the rg: ontology declares."""
        return {p for kind in (OWL.ObjectProperty, OWL.DatatypeProperty)
                for p in self.ontology.subjects(RDF.type, kind)
                if isinstance(p, URIRef) and str(p).startswith(str(RG))}

    def _used_by(self, cls: URIRef) -> set[URIRef]:
        """Properties used by instances of ``cls`` that are not also of another kind of entry."""
        if cls in self._used:
            return self._used[cls]
        related = self.subclasses(cls) | set(self.superclasses(cls))
        others = {c for kind in self.entry_classes if kind not in related for c in self.subclasses(kind)}
        instances = {s for t in self.subclasses(cls) for s in self.ontology.subjects(RDF.type, t)}
        used: set[URIRef] = set()
        for subject in instances:
            if not any((subject, RDF.type, other) in self.ontology for other in others):
                used.update(p for p in self.ontology.predicates(subject, None) if isinstance(p, URIRef))
        self._used[cls] = used
        return used

    # -- controlled values ---------------------------------------------------------------------

    @cached_property
    def schemes(self) -> dict[URIRef, URIRef]:
        """Property -> the concept scheme its values must come from (read from the SPARQL shapes)."""
        found: dict[URIRef, URIRef] = {}
        for constraint in sorted(self.shapes.subjects(RDF.type, SH.SPARQLConstraint)):
            algebra = self._algebra(constraint, "inScheme")
            if algebra is None:
                continue
            paths = {node["expr"] for node in _nodes(algebra) if node.name == "Extend"
                     and node.get("var") == Variable("path") and isinstance(node.get("expr"), URIRef)}
            schemes = {o for _s, p, o, _negated in _triples(algebra) if p == SKOS.inScheme and isinstance(o, URIRef)}
            if len(paths) == 1 and len(schemes) == 1:
                found.setdefault(paths.pop(), schemes.pop())
        return found

    @cached_property
    def _sparql_requirements(self) -> list[tuple[URIRef, URIRef, URIRef]]:
        """(class, property, severity) for SPARQL targets that select members lacking a property."""
        found = []
        for node_shape, target in sorted(self.shapes.subject_objects(SH.target)):
            algebra = self._algebra(target, "NOT EXISTS")
            if algebra is None:
                continue
            classes = {o for s, p, o, negated in _triples(algebra) if not negated and s == Variable("this")
                       and isinstance(p, SequencePath) and p.args[0] == RDF.type
                       and all(isinstance(a, MulPath) and a.path == RDFS.subClassOf for a in p.args[1:])
                       and isinstance(o, URIRef)}
            missing = {p for s, p, o, negated in _triples(algebra) if negated and s == Variable("this")
                       and isinstance(p, URIRef) and isinstance(o, Variable)}
            severity = self.shapes.value(node_shape, SH.severity) or SH.Violation
            found += [(c, p, severity) for c in classes for p in missing]  # type: ignore[misc]
        return found

    def _algebra(self, node: Node, needle: str) -> CompValue | None:
        """The algebra of the query of ``node`` when its text holds ``needle`` (parsing is slow)."""
        text = self.shapes.value(node, SH.select)
        if text is None or needle not in str(text):
            return None
        try:
            return prepareQuery(str(text), initNs=PREFIXES).algebra
        except Exception:  # a query pyshacl would reject too; it names no field we can use
            return None

    def concepts(self, scheme: URIRef, *, include_deprecated: bool = False) -> list[Concept]:
        """The concepts of ``scheme`` (deprecated ones left out unless asked), by slug."""
        found = []
        for concept in set(self.ontology.subjects(SKOS.inScheme, scheme)):
            if not isinstance(concept, URIRef):
                continue
            if not include_deprecated and self.is_deprecated(concept):
                continue
            found.append(Concept(concept, str(concept).rsplit("/", 1)[-1],
                                 str(self.ontology.value(concept, SKOS.prefLabel) or ""),
                                 str(self.ontology.value(concept, SKOS.notation) or "")))
        return sorted(found, key=lambda c: c.slug)

    def is_deprecated(self, node: Node) -> bool:
        """Marked ``owl:deprecated true`` or with the deprecated status."""
        return (node, RG.status, _DEPRECATED) in self.ontology or \
            any(o.toPython() is True for o in self.ontology.objects(node, OWL.deprecated) if isinstance(o, Literal))

    def status_scheme(self) -> URIRef:
        return _STATUS


def _nodes(value: Any) -> Iterator[CompValue]:
    """Every algebra node below ``value``."""
    if isinstance(value, CompValue):
        yield value
        for child in value.values():
            yield from _nodes(child)
    elif isinstance(value, (list, tuple)) and not isinstance(value, RdfPath):
        for child in value:
            yield from _nodes(child)


def _triples(value: Any, negated: bool = False) -> Iterator[tuple[Any, Any, Any, bool]]:
    """Every triple pattern below ``value``, with whether it sits inside NOT EXISTS."""
    if isinstance(value, CompValue):
        inside = negated or value.name == "Builtin_NOTEXISTS"
        for triple in value.get("triples") or ():
            if len(triple) == 3:
                yield triple[0], triple[1], triple[2], inside
        for key, child in value.items():
            if key != "triples":
                yield from _triples(child, inside)
    elif isinstance(value, (list, tuple)):
        for child in value:
            yield from _triples(child, negated)
