"""View models: everything a page shows about one entity, gathered from the catalogue's graph.

The static site (:mod:`railgraph.export.site`) and the web server render these; nothing here
writes files or knows HTML. Pages read the union of asserted and inferred triples; a value that
only inference gives is marked ``inferred``, and an inferred value that merely repeats another
value of the same entity under a super-property (``dct:subject`` for every facet, ``dct:creator``
for ``rg:developedBy``) is *implied* and kept apart, so pages stay readable.

Lookups go through rdflib's triple indexes and label maps built once per catalogue
(:func:`index_for`); no SPARQL query runs per entity.
"""

from __future__ import annotations

import re
import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.term import Node

from .catalogue import ENTRY_KINDS, Catalogue
from .loading import new_graph
from .namespaces import (BASE, DCAT, DCTERMS, FOAF, GRAPH, ID, ODRL, OWL, PREFIXES, RDF, RDFS, RG,
                         SKOS, VOCAB)
from .status import is_deprecated

#: Kinds that get a list page, with the label of one entry and of the list.
LIST_KINDS: dict[str, tuple[str, str]] = {
    "tool": ("tool", "Tools"),
    "metric": ("metric", "Metrics"),
    "licence": ("licence", "Licences"),
    "use-case": ("use case", "Use cases"),
    "model": ("AI model", "AI models"),
    "organisation": ("organisation", "Organisations"),
}

#: The kind of a page, decided by the first class (in this order) the entity has.
_KIND_BY_CLASS: tuple[tuple[URIRef, str], ...] = (
    (RG.UseRestriction, "use-restriction"),
    (RG.LicenceDuty, "licence-duty"),
    (RG.LicencePermission, "licence-permission"),
    (RG.Licence, "licence"),
    (RG.LicenceException, "licence-exception"),
    (RG.Tool, "tool"),
    (RG.Metric, "metric"),
    (RG.UseCase, "use-case"),
    (RG.Model, "model"),
    (RG.Organisation, "organisation"),
    (SKOS.ConceptScheme, "concept-scheme"),
    (SKOS.Concept, "concept"),
    (RG.TextLocation, "text-location"),
)

KIND_LABELS: dict[str, str] = {
    "use-restriction": "use restriction", "licence-duty": "licence duty",
    "licence-permission": "licence permission", "licence": "licence",
    "licence-exception": "licence exception", "tool": "tool", "metric": "metric",
    "use-case": "use case", "model": "AI model", "organisation": "organisation",
    "concept-scheme": "concept scheme", "concept": "concept", "text-location": "text location",
    "resource": "resource",
}

_LABEL_PREDICATES = (DCTERMS.title, SKOS.prefLabel, RDFS.label, FOAF.name)
_TEXT_PREDICATES = (DCTERMS.description, SKOS.definition, RDFS.comment)
_LEADING = (DCTERMS.title, RDFS.label, SKOS.prefLabel, FOAF.name, DCTERMS.description,
            SKOS.definition, RG.relevanceNote)
_SAFE_SEGMENT = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*")
_REGISTER = str(GRAPH["data/register/"])
_ONTOLOGY = URIRef(BASE + "ontology")


# -- the view models ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """An RDF term as a page shows it: an IRI (with its label), a literal, or a blank node."""

    text: str
    iri: str | None = None
    label: str | None = None
    language: str | None = None
    datatype: str | None = None
    inferred: bool = False
    nested: tuple[Property, ...] = ()  # a blank node's own statements

    @property
    def display(self) -> str:
        return self.label or self.text


@dataclass(frozen=True)
class Property:
    """One predicate of an entity and its values."""

    predicate: Term
    values: tuple[Term, ...]


@dataclass(frozen=True)
class Reference:
    """A statement ``subject predicate <this entity>`` made elsewhere in the catalogue."""

    subject: Term
    predicate: Term
    inferred: bool


@dataclass(frozen=True)
class Clause:
    """A use restriction of a licence."""

    term: Term
    clause_id: str
    section: str
    description: str | None
    restricted_uses: tuple[Term, ...]
    scopes: tuple[Term, ...]
    conditions: tuple[Term, ...]


@dataclass(frozen=True)
class Rule:
    """A permission or duty of a licence (a permission lists its duties)."""

    term: Term
    clause_id: str
    section: str
    description: str | None
    actions: tuple[Term, ...]
    duties: tuple[Term, ...] = ()


@dataclass(frozen=True)
class LicenceDetails:
    """What a licence page adds: clauses, rules, lineage and the models under it."""

    restrictions: tuple[Clause, ...]
    permissions: tuple[Rule, ...]
    duties: tuple[Rule, ...]
    ancestors: tuple[Term, ...]  # the rg:basedOn chain, nearest first
    based_on_it: tuple[Term, ...]
    models: tuple[Term, ...]


@dataclass(frozen=True)
class ConceptNode:
    """A concept in its scheme's hierarchy, with the entries that use it."""

    term: Term
    notation: str | None
    definition: str | None
    users: tuple[Term, ...]
    children: tuple[ConceptNode, ...]


@dataclass(frozen=True)
class EntityView:
    """Everything the page of one entity shows."""

    iri: str
    kind: str
    title: str
    description: str | None
    types: tuple[Term, ...]
    parents: tuple[Term, ...]  # entities whose IRI contains this one's, outermost first
    properties: tuple[Property, ...]
    implied: tuple[Property, ...]
    referenced_by: tuple[Reference, ...]
    schema_org: dict[str, Any]
    licence: LicenceDetails | None = None
    concepts: tuple[ConceptNode, ...] = ()  # for a concept scheme: its hierarchy

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass(frozen=True)
class ListItem:
    term: Term
    description: str | None
    identifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListSection:
    heading: str | None
    items: tuple[ListItem, ...]


@dataclass(frozen=True)
class KindList:
    """The list page of one kind of entry."""

    kind: str
    title: str
    sections: tuple[ListSection, ...]

    @property
    def count(self) -> int:
        return sum(len(s.items) for s in self.sections)


@dataclass(frozen=True)
class SchemeSummary:
    term: Term
    description: str | None
    concepts: int


@dataclass(frozen=True)
class HomeView:
    """The home page: counts per kind and the concept schemes."""

    counts: tuple[tuple[str, str, int], ...]  # (kind, list title, entries)
    parts: tuple[tuple[str, int], ...]  # (label, count) of clauses, duties, concepts, ...
    schemes: tuple[SchemeSummary, ...]


@dataclass(frozen=True)
class TermDoc:
    """An ontology term as the ontology page documents it."""

    term: Term
    anchor: str
    comment: str | None
    parents: tuple[Term, ...]
    domain: tuple[Term, ...]
    range: tuple[Term, ...]


@dataclass(frozen=True)
class ConceptDoc:
    term: Term
    notation: str | None
    definition: str | None
    broader: tuple[Term, ...]


@dataclass(frozen=True)
class SchemeDoc:
    term: Term
    description: str | None
    concepts: tuple[ConceptDoc, ...]


@dataclass(frozen=True)
class OntologyView:
    """The ontology documentation page."""

    iri: str
    title: str
    description: str | None
    version: str | None
    sections: tuple[tuple[str, tuple[TermDoc, ...]], ...]  # (heading, terms)
    schemes: tuple[SchemeDoc, ...]


# -- building them -----------------------------------------------------------------------------

def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders ``2`` before ``10`` and ``3.2(a)`` before ``3.2(b)``."""
    return tuple((0, int(part)) if part.isdigit() else (1, part.casefold())
                 for part in re.findall(r"\d+|[^\W\d_]+", text))


def page_path(iri: str) -> str | None:
    """Where an entity IRI's page lives, without extension (``id/tool/x``), or None.

    Only IRIs of entries (``id/{kind}/{slug}...``) and vocabularies (``vocab/{scheme}...``) with
    plain path segments have pages.
    """
    if not iri.startswith(BASE):
        return None
    segments = iri[len(BASE):].split("/")
    if segments[0] not in ("id", "vocab") or len(segments) < (3 if segments[0] == "id" else 2):
        return None
    if not all(_SAFE_SEGMENT.fullmatch(s) for s in segments[1:]):
        return None
    return "/".join(segments)


class ViewIndex:
    """Label maps and lookups over one catalogue, built once and shared by every page."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.graph = catalogue.union()
        self.asserted = catalogue.asserted
        self._inferred = {t for t in catalogue.inferred if t not in catalogue.asserted}
        self.labels = self._labels()
        self.pages: dict[URIRef, str] = {}
        for subject in set(self.graph.subjects()):
            if isinstance(subject, URIRef) and (path := page_path(str(subject))) is not None:
                self.pages[subject] = path
        self.ontology_terms = {s for s in set(self.graph.subjects(RDFS.isDefinedBy, _ONTOLOGY))
                               if isinstance(s, URIRef)}
        self._super = self._super_properties()
        self._facts: dict[Node, dict[Node, list[Node]]] = {}
        self._qnames: dict[str, str | None] = {}
        self.curated: set[Node] = set()
        for source in catalogue.sources:
            if not str(source.graph_iri).startswith(_REGISTER):
                self.curated.update(source.graph.subjects(RDF.type, None))

    def _labels(self) -> dict[Node, str]:
        labels: dict[Node, str] = {}
        for predicate in reversed(_LABEL_PREDICATES):
            best: dict[Node, Literal] = {}
            for subject, value in self.graph.subject_objects(predicate):
                if isinstance(value, Literal) and (subject not in best or
                                                   _literal_rank(value) < _literal_rank(best[subject])):
                    best[subject] = value
            labels.update({s: str(v) for s, v in best.items()})
        return labels

    def _super_properties(self) -> dict[Node, set[Node]]:
        direct: dict[Node, set[Node]] = defaultdict(set)
        for sub, sup in self.graph.subject_objects(RDFS.subPropertyOf):
            if sub != sup:
                direct[sub].add(sup)
        closure: dict[Node, set[Node]] = {}
        for prop in direct:
            found: set[Node] = set()
            frontier = list(direct[prop])
            while frontier:
                parent = frontier.pop()
                if parent not in found and parent != prop:
                    found.add(parent)
                    frontier.extend(direct.get(parent, ()))
            closure[prop] = found
        return closure

    # -- terms ------------------------------------------------------------------------------

    def facts(self, node: Node) -> dict[Node, list[Node]]:
        """The node's values per predicate (looked up once, then remembered)."""
        if node not in self._facts:
            found: dict[Node, list[Node]] = defaultdict(list)
            for p, o in self.graph.predicate_objects(node):
                found[p].append(o)
            self._facts[node] = dict(found)
        return self._facts[node]

    def objects(self, node: Node, predicate: Node) -> list[Node]:
        return self.facts(node).get(predicate, [])

    def describe(self, node: URIRef) -> Graph:
        """The entity's concise bounded description: its triples and the blank nodes they reach.

        Blank nodes get canonical labels, so the same description always serialises the same.
        """
        description = new_graph()
        triples = []
        seen: set[Node] = set()
        todo: list[Node] = [node]
        while todo:
            subject = todo.pop()
            if subject in seen:
                continue
            seen.add(subject)
            for p, values in self.facts(subject).items():
                for o in values:
                    triples.append((subject, p, o))
                    if isinstance(o, BNode):
                        todo.append(o)
        if len(seen) > 1:
            bnodes = new_graph()
            bnodes.addN((s, p, o, bnodes) for s, p, o in triples)
            triples = list(to_canonical_graph(bnodes))
        description.addN((s, p, o, description) for s, p, o in sorted(triples))
        return description

    def qname(self, iri: str) -> str | None:
        """``prefix:local`` for an IRI in a known namespace."""
        if iri not in self._qnames:
            self._qnames[iri] = self._qname(iri)
        return self._qnames[iri]

    def _qname(self, iri: str) -> str | None:
        best: tuple[str, str] | None = None
        for prefix, namespace in PREFIXES.items():
            if iri.startswith(namespace) and (best is None or len(namespace) > len(best[1])):
                best = (prefix, namespace)
        if best is None:
            return None
        local = iri[len(best[1]):]
        return f"{best[0]}:{local}" if local and "/" not in local and "#" not in local else None

    def label(self, node: Node) -> str:
        """A readable name: the entity's title or label, else a prefixed name, else the IRI."""
        if node in self.labels:
            return self.labels[node]
        text = str(node)
        if isinstance(node, URIRef):
            return self.qname(text) or text
        return text

    def term(self, node: Node, inferred: bool = False, _seen: frozenset[Node] = frozenset()) -> Term:
        if isinstance(node, Literal):
            datatype = self.qname(str(node.datatype)) or str(node.datatype) if node.datatype else None
            return Term(str(node), language=node.language, datatype=datatype, inferred=inferred)
        if isinstance(node, BNode):
            nested = () if node in _seen else self._statements(node, _seen | {node})[0]
            return Term("", inferred=inferred, nested=nested)
        text = str(node)
        label = self.labels.get(node) or self.qname(text)
        return Term(text, iri=text, label=label, inferred=inferred)

    def terms(self, nodes: Iterable[Node]) -> tuple[Term, ...]:
        return tuple(sorted((self.term(n) for n in set(nodes)), key=_term_key))

    def predicate(self, predicate: Node) -> Term:
        text = str(predicate)
        return Term(text, iri=text, label=self.labels.get(predicate) or self.qname(text))

    def text(self, node: Node) -> str | None:
        """The entity's description (or definition, or comment) in the best language."""
        for predicate in _TEXT_PREDICATES:
            values = [v for v in self.objects(node, predicate) if isinstance(v, Literal)]
            if values:
                return str(min(values, key=_literal_rank))
        return None

    def value(self, node: Node, predicate: URIRef) -> str | None:
        values = sorted(str(v) for v in self.objects(node, predicate))
        return values[0] if values else None

    def is_inferred(self, s: Node, p: Node, o: Node) -> bool:
        return (s, p, o) in self._inferred

    def is_implied(self, s: Node, p: Node, o: Node) -> bool:
        """Whether the inferred ``s p o`` repeats a value ``s`` has under a sub-property of ``p``."""
        return any(q != p and p in self._super.get(q, ()) and o in values
                   for q, values in self.facts(s).items())

    def _statements(self, subject: Node,
                    seen: frozenset[Node] = frozenset()) -> tuple[tuple[Property, ...], tuple[Property, ...]]:
        """The subject's properties (rdf:type aside for IRIs), split into shown and implied."""
        shown: dict[Node, list[Term]] = defaultdict(list)
        implied: dict[Node, list[Term]] = defaultdict(list)
        for p, values in self.facts(subject).items():
            if p == RDF.type and isinstance(subject, URIRef):
                continue
            for o in values:
                inferred = self.is_inferred(subject, p, o)
                target = implied if inferred and self.is_implied(subject, p, o) else shown
                target[p].append(self.term(o, inferred, seen))
        return self._properties(shown), self._properties(implied)

    def _properties(self, values: dict[Node, list[Term]]) -> tuple[Property, ...]:
        def order(p: Node) -> tuple[int, str, str]:
            leading = _LEADING.index(p) if p in _LEADING else len(_LEADING)  # type: ignore[arg-type]
            return leading, self.label(p).casefold(), str(p)
        return tuple(Property(self.predicate(p), tuple(sorted(values[p], key=_term_key)))
                     for p in sorted(values, key=order))

    # -- one entity ---------------------------------------------------------------------------

    def kind(self, node: Node) -> str:
        types = set(self.objects(node, RDF.type))
        return next((kind for cls, kind in _KIND_BY_CLASS if cls in types), "resource")

    def title(self, node: URIRef) -> str:
        if node in self.labels:
            return self.labels[node]
        parent = self.parents(node)
        last = str(node).rstrip("/").rsplit("/", 1)[-1]
        return f"{parent[-1].display}: {last}" if parent else last

    def parents(self, node: URIRef) -> tuple[Term, ...]:
        text = str(node)
        found = []
        while "/" in text[len(BASE):]:
            text = text.rsplit("/", 1)[0]
            if URIRef(text) in self.pages:
                found.append(self.term(URIRef(text)))
        return tuple(reversed(found))

    def references(self, node: Node) -> tuple[Reference, ...]:
        """Named subjects that point at ``node``, implied super-property repeats left out."""
        rows = []
        for s, p in set(self.graph.subject_predicates(node)):
            if not isinstance(s, URIRef):
                continue
            inferred = self.is_inferred(s, p, node)
            if inferred and self.is_implied(s, p, node):
                continue
            rows.append(Reference(self.term(s), self.predicate(p), inferred))
        return tuple(sorted(rows, key=lambda r: (r.predicate.display.casefold(), r.predicate.text,
                                                 _term_key(r.subject))))

    def users(self, concept: Node) -> tuple[Term, ...]:
        """The entries (anything under ``id/``) that use a concept."""
        return self.terms(r for r in {s for s, _ in self.graph.subject_predicates(concept)}
                          if isinstance(r, URIRef) and str(r).startswith(str(ID)))

    def entity(self, node: URIRef) -> EntityView:
        """The view of one entity's page."""
        kind = self.kind(node)
        types = set(self.objects(node, RDF.type))
        shown, implied = self._statements(node)
        return EntityView(
            iri=str(node), kind=kind, title=self.title(node), description=self.text(node),
            types=tuple(sorted((self.term(t, self.is_inferred(node, RDF.type, t)) for t in types),
                               key=_term_key)),
            parents=self.parents(node), properties=shown, implied=implied,
            referenced_by=self.references(node), schema_org=self.schema_org(node, kind),
            licence=self.licence(node) if kind == "licence" else None,
            concepts=self.hierarchy(node) if kind == "concept-scheme" else ())

    def licence(self, node: URIRef) -> LicenceDetails:
        """Clauses in clause order, permissions with their duties, lineage and models."""
        clauses = tuple(Clause(
            term=self.term(c), clause_id=self.value(c, RG.clauseId) or "",
            section=self.value(c, RG.section) or "", description=self.text(c),
            restricted_uses=self.terms(self.objects(c, RG.restrictedUse)),
            scopes=self.terms(self.objects(c, RG.scope)),
            conditions=self.terms(self.objects(c, RG.unlessCondition)),
        ) for c in self._in_clause_order(self.objects(node, ODRL.prohibition)))
        permissions = self._in_clause_order(self.objects(node, ODRL.permission))
        duties = self._in_clause_order({d for p in permissions for d in self.objects(p, ODRL.duty)})
        ancestors: list[Node] = []
        frontier = sorted(self.objects(node, RG.basedOn))
        while frontier:
            ancestor = frontier.pop(0)
            if ancestor not in ancestors and ancestor != node:
                ancestors.append(ancestor)
                frontier.extend(sorted(self.objects(ancestor, RG.basedOn)))
        return LicenceDetails(
            restrictions=clauses,
            permissions=tuple(self._rule(p, self._in_clause_order(self.objects(p, ODRL.duty)))
                              for p in permissions),
            duties=tuple(self._rule(d) for d in duties),
            ancestors=tuple(self.term(a) for a in ancestors),
            based_on_it=self.terms(self.graph.subjects(RG.basedOn, node)),
            models=self.terms(self.graph.subjects(RG.releasedUnder, node)))

    def _rule(self, node: Node, duties: Iterable[Node] = ()) -> Rule:
        return Rule(term=self.term(node), clause_id=self.value(node, RG.clauseId) or "",
                    section=self.value(node, RG.section) or "", description=self.text(node),
                    actions=self.terms(self.objects(node, ODRL.action)),
                    duties=tuple(self.term(d) for d in duties))

    def _in_clause_order(self, nodes: Iterable[Node]) -> list[Node]:
        return sorted(set(nodes), key=lambda n: (natural_key(self.value(n, RG.clauseId) or ""),
                                                 self.label(n).casefold(), str(n)))

    def hierarchy(self, scheme: Node) -> tuple[ConceptNode, ...]:
        """A scheme's concepts as a tree along ``skos:broader``, each with the entries using it."""
        members = set(self.graph.subjects(SKOS.inScheme, scheme))
        children: dict[Node, list[Node]] = defaultdict(list)
        roots = []
        for concept in members:
            parents = [b for b in self.objects(concept, SKOS.broader) if b in members]
            for parent in parents:
                children[parent].append(concept)
            if not parents:
                roots.append(concept)

        def key(c: Node) -> tuple[Any, ...]:
            return natural_key(self.value(c, SKOS.notation) or ""), self.label(c).casefold(), str(c)

        def build(concept: Node, path: frozenset[Node]) -> ConceptNode:
            return ConceptNode(self.term(concept), self.value(concept, SKOS.notation),
                               self.text(concept), self.users(concept),
                               tuple(build(c, path | {c}) for c in sorted(children[concept], key=key)
                                     if c not in path))
        return tuple(build(r, frozenset({r})) for r in sorted(roots, key=key))

    # -- schema.org ---------------------------------------------------------------------------

    def schema_org(self, node: URIRef, kind: str) -> dict[str, Any]:
        """The entity as schema.org JSON-LD with an inline context (no remote document needed)."""
        schema_type = {
            "organisation": "Organization", "concept": "DefinedTerm", "concept-scheme": "DefinedTermSet",
            "text-location": "Thing", "resource": "Thing",
        }.get(kind, "CreativeWork")
        if kind in ("tool", "licence") and VOCAB["tool-type/technical"] in self.objects(node, RG.toolType):
            schema_type = "SoftwareApplication"
        data: dict[str, Any] = {"@context": {"@vocab": "https://schema.org/"}, "@id": str(node),
                                "@type": schema_type, "url": str(node), "name": self.title(node)}
        description = self.text(node)
        if description:
            data["description"] = description
        rg_types = sorted(str(t) for t in self.objects(node, RDF.type) if str(t).startswith(str(RG)))
        if rg_types:
            data["additionalType"] = rg_types
        links = {
            "license": list(self.objects(node, DCTERMS.license)) + list(self.objects(node, RG.releasedUnder)),
            "creator": list(self.objects(node, RG.developedBy)),
            "isBasedOn": list(self.objects(node, RG.basedOn)) + list(self.objects(node, RG.derivedFromModel)),
            "sameAs": list(self.objects(node, RG.wikidata)),
            "inDefinedTermSet": list(self.objects(node, SKOS.inScheme)),
            "hasDefinedTerm": list(self.graph.subjects(SKOS.inScheme, node)),
            "isPartOf": [p.iri for p in self.parents(node)[-1:] if p.iri and str(node).startswith(str(ID))],
        }
        for key, targets in links.items():
            iris = sorted({str(t) for t in targets if str(t).startswith(("http://", "https://"))})
            if iris:
                data[key] = [self._schema_ref(URIRef(i), key) for i in iris]
        keywords = sorted({str(k) for k in self.objects(node, DCAT.keyword)})
        if keywords:
            data["keywords"] = keywords
        identifiers = sorted({str(v) for p in (RG.spdxId, RG.scancodeKey, RG.huggingFaceId)
                              for v in self.objects(node, p)})
        if identifiers:
            data["identifier"] = identifiers
        notation = self.value(node, SKOS.notation)
        if notation:
            data["termCode"] = notation
        issued = self.value(node, DCTERMS.issued)
        if issued:
            data["datePublished"] = issued
        return data

    def _schema_ref(self, target: URIRef, key: str) -> dict[str, str]:
        ref = {"@id": str(target)}
        if key == "creator":
            ref["@type"] = "Organization"
        if target in self.labels:
            ref["name"] = self.labels[target]
        return ref

    # -- lists, home, ontology ----------------------------------------------------------------

    def kind_list(self, kind: str) -> KindList:
        """The entries of one kind; licences: hand-modelled first, then the register, then exceptions.

        Deprecated entries keep their pages but are listed last, in a section of their own.
        """
        members = [s for s in set(self.graph.subjects(RDF.type, ENTRY_KINDS[kind])) if s in self.pages]
        deprecated = [m for m in members if is_deprecated(self.graph, m)]
        members = [m for m in members if m not in deprecated]
        if kind != "licence":
            sections = [ListSection(None, self._items(members))]
        else:
            exceptions = [s for s in set(self.graph.subjects(RDF.type, RG.LicenceException)) if s in self.pages]
            sections = [
                ListSection("Hand-modelled licences", self._items(m for m in members if m in self.curated)),
                ListSection("From the licence register", self._items(m for m in members if m not in self.curated)),
                ListSection("Licence exceptions", self._items(exceptions)),
            ]
        if deprecated:
            sections.append(ListSection("Deprecated", self._items(deprecated)))
        return KindList(kind, LIST_KINDS[kind][1], tuple(sections))

    def _items(self, nodes: Iterable[Node]) -> tuple[ListItem, ...]:
        items = []
        for term in self.terms(nodes):
            node = URIRef(term.text)
            identifiers = tuple(sorted({str(v) for p in (RG.spdxId, RG.scancodeKey)
                                        for v in self.objects(node, p)}))
            items.append(ListItem(term, self.text(node), identifiers))
        return tuple(items)

    def schemes(self) -> tuple[Node, ...]:
        return tuple(sorted((s for s in set(self.graph.subjects(RDF.type, SKOS.ConceptScheme))
                             if s in self.pages), key=str))

    def home(self) -> HomeView:
        """Entries per kind, the parts of licences, and the concept schemes."""
        def count(cls: URIRef) -> int:
            return len({s for s in self.graph.subjects(RDF.type, cls) if s in self.pages})

        parts = (("use restrictions (clauses)", RG.UseRestriction), ("licence permissions", RG.LicencePermission),
                 ("licence duties", RG.LicenceDuty), ("licence exceptions", RG.LicenceException),
                 ("concept schemes", SKOS.ConceptScheme), ("concepts", SKOS.Concept))
        return HomeView(
            counts=tuple((kind, title, count(ENTRY_KINDS[kind])) for kind, (_, title) in LIST_KINDS.items()),
            parts=tuple((label, count(cls)) for label, cls in parts),
            schemes=tuple(SchemeSummary(self.term(s), self.text(s), len(set(self.graph.subjects(SKOS.inScheme, s))))
                          for s in self.schemes()))

    def ontology(self) -> OntologyView:
        """Every class and property of the rg: ontology, and every concept scheme's concepts."""
        terms = sorted((t for t in self.ontology_terms if str(t).startswith(str(RG))), key=str)
        groups: dict[str, list[TermDoc]] = {name: [] for name in (
            "Classes", "Object properties", "Datatype properties", "Annotation properties", "Other terms")}
        for term in terms:
            types = set(self.objects(term, RDF.type))
            group = ("Classes" if OWL.Class in types else
                     "Object properties" if OWL.ObjectProperty in types else
                     "Datatype properties" if OWL.DatatypeProperty in types else
                     "Annotation properties" if OWL.AnnotationProperty in types else "Other terms")
            stated = self.asserted  # the ontology as written, without the inferred closure
            parents = [p for relation in (RDFS.subClassOf, RDFS.subPropertyOf, ODRL.includedIn)
                       for p in stated.objects(term, relation) if p != term and isinstance(p, URIRef)]
            groups[group].append(TermDoc(
                self.term(term), str(term).rsplit("#", 1)[-1], self.text(term), self.terms(parents),
                self.terms(stated.objects(term, RDFS.domain)), self.terms(stated.objects(term, RDFS.range))))
        schemes = []
        for scheme in self.schemes():
            members = set(self.graph.subjects(SKOS.inScheme, scheme))
            concepts = sorted(members, key=lambda c: (natural_key(self.value(c, SKOS.notation) or ""),
                                                      self.label(c).casefold(), str(c)))
            schemes.append(SchemeDoc(self.term(scheme), self.text(scheme), tuple(
                ConceptDoc(self.term(c), self.value(c, SKOS.notation), self.text(c),
                           self.terms(self.objects(c, SKOS.broader))) for c in concepts)))
        return OntologyView(
            iri=str(_ONTOLOGY), title=self.labels.get(_ONTOLOGY, "railgraph ontology"),
            description=self.text(_ONTOLOGY), version=self.value(_ONTOLOGY, OWL.versionInfo),
            sections=tuple((name, tuple(docs)) for name, docs in groups.items() if docs),
            schemes=tuple(schemes))


def _literal_rank(value: Literal) -> tuple[int, str]:
    language = value.language or ""
    return (0 if language == "en" else 1 if not language else 2), language + str(value)


def _term_key(term: Term) -> tuple[str, str, str, str]:
    return term.display.casefold(), term.text, term.language or "", repr(term.nested) if term.nested else ""


_INDEXES: weakref.WeakKeyDictionary[Catalogue, ViewIndex] = weakref.WeakKeyDictionary()


def index_for(catalogue: Catalogue) -> ViewIndex:
    """The catalogue's view index, built on first use and again after the catalogue changes."""
    index = _INDEXES.get(catalogue)
    if index is None or index.graph is not catalogue.union():
        index = _INDEXES[catalogue] = ViewIndex(catalogue)
    return index
