"""Facet counts and text search over the tools and metrics, like the OECD.AI filter panel.

Facets are the controlled fields of an entry, keyed by the name of their concept scheme
(``lifecycle-stage``, ``objective``, ...). Counting and filtering are hierarchical: an entry
filed under a concept also counts, and matches a filter, under every broader concept.

Search ranks entries by a relevance a reader can check: for every word of the query, 3 points if
it is a word of the title, 2 if it is a word of a tag, 1 if it is a word of the description,
plus 5 when the whole query appears in the title. Each hit says which fields matched.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.term import Node

from .namespaces import DCAT, DCTERMS, RDF, RG, SKOS

#: Facet key (the concept scheme's name) -> the property that holds it.
FACETS: dict[str, URIRef] = {
    "tool-type": RG.toolType,
    "objective": RG.objective,
    "lifecycle-stage": RG.lifecycleStage,
    "stakeholder-group": RG.stakeholderGroup,
    "target-user": RG.targetUser,
    "target-group": RG.targetGroup,
    "impacted-stakeholder": RG.impactedStakeholder,
    "purpose": RG.purpose,
    "target-sector": RG.targetSector,
    "approach-type": RG.approachType,
    "maturity": RG.maturity,
    "usage-rights": RG.usageRights,
    "validity": RG.validity,
    "enforcement": RG.enforcement,
    "people-involved": RG.peopleInvolved,
    "required-skill": RG.requiredSkill,
    "technology-platform": RG.technologyPlatform,
    "risk-management-stage": RG.riskManagementStage,
    "metric-type": RG.metricType,
    "licence-family": RG.licenceFamily,
}

Filters = dict[str, list[URIRef]]
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class FacetCount:
    """How many entries (matching the filters) fall under a concept."""

    concept: str
    label: str
    count: int


@dataclass(frozen=True)
class SearchHit:
    """An entry found by :func:`FacetIndex.search`, with the reason for its score."""

    entry: str
    title: str
    kind: str
    score: int
    matched: tuple[str, ...]


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@dataclass
class _Entry:
    iri: URIRef
    kind: str
    title: str
    title_words: set[str]
    tag_words: set[str]
    description_words: set[str]
    values: dict[str, set[Node]] = field(default_factory=dict)  # facet -> concepts and their broaders


class FacetIndex:
    """Tools and metrics with their facet values (broader concepts included) and their words."""

    def __init__(self, graph: Graph) -> None:
        self._labels: dict[Node, str] = {c: str(l) for c, l in graph.subject_objects(SKOS.prefLabel)}
        self._schemes: dict[Node, set[Node]] = defaultdict(set)
        for concept, scheme in graph.subject_objects(SKOS.inScheme):
            self._schemes[scheme].add(concept)
        broader = _broader_closure(graph)
        self.entries: list[_Entry] = []
        for kind, cls in (("tool", RG.Tool), ("metric", RG.Metric)):
            for iri in sorted(s for s in set(graph.subjects(RDF.type, cls)) if isinstance(s, URIRef)):
                title = str(graph.value(iri, DCTERMS.title) or iri)
                tags = " ".join(str(t) for t in graph.objects(iri, DCAT.keyword))
                description = str(graph.value(iri, DCTERMS.description) or "")
                entry = _Entry(iri, kind, title, set(words(title)), set(words(tags)), set(words(description)))
                for key, prop in FACETS.items():
                    direct = set(graph.objects(iri, prop))
                    entry.values[key] = direct | {b for d in direct for b in broader.get(d, ())}
                self.entries.append(entry)

    def matching(self, filters: Filters | None) -> list[_Entry]:
        """Entries that, for every filtered facet, have one of the chosen concepts (or narrower)."""
        chosen = {k: set(v) for k, v in (filters or {}).items() if v}
        return [e for e in self.entries if all(e.values[k] & concepts for k, concepts in chosen.items())]

    def facets(self, filters: Filters | None = None) -> dict[str, list[FacetCount]]:
        """Per facet, every concept of its scheme with the number of matching entries under it."""
        entries = self.matching(filters)
        result: dict[str, list[FacetCount]] = {}
        for key in FACETS:
            scheme = URIRef(f"https://w3id.org/railgraph/vocab/{key}")
            counts = [FacetCount(str(c), self._labels.get(c, str(c)),
                                 sum(1 for e in entries if c in e.values[key]))
                      for c in self._schemes.get(scheme, ())]
            result[key] = sorted(counts, key=lambda f: (-f.count, f.label))
        return result

    def search(self, text: str, filters: Filters | None = None, limit: int = 20) -> list[SearchHit]:
        """Entries ranked by the relevance described in the module docstring."""
        query_words = list(dict.fromkeys(words(text)))
        phrase = " ".join(query_words)
        hits: list[SearchHit] = []
        for entry in self.matching(filters):
            score, matched = 0, []
            for word in query_words:
                for field_name, field_words, points in (("title", entry.title_words, 3),
                                                        ("tags", entry.tag_words, 2),
                                                        ("description", entry.description_words, 1)):
                    if word in field_words:
                        score += points
                        matched.append(f"{word} in {field_name}")
            if phrase and phrase in " ".join(words(entry.title)):
                score += 5
                matched.append("whole query in title")
            if score:
                hits.append(SearchHit(str(entry.iri), entry.title, entry.kind, score, tuple(matched)))
        hits.sort(key=lambda h: (-h.score, h.title.lower()))
        return hits[:limit]


def _broader_closure(graph: Graph) -> dict[Node, set[Node]]:
    closure: dict[Node, set[Node]] = {}
    for concept in set(graph.subjects(SKOS.broader, None)):
        seen: set[Node] = set()
        frontier = list(graph.objects(concept, SKOS.broader))
        while frontier:
            node = frontier.pop()
            if node not in seen:
                seen.add(node)
                frontier.extend(graph.objects(node, SKOS.broader))
        closure[concept] = seen
    return closure
