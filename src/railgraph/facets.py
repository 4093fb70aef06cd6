"""Facet counts and text search over the tools and metrics, like the OECD.AI filter panel.

Facets are the controlled fields of an entry, keyed by the name of their concept scheme
(``lifecycle-stage``, ``objective``, ...). Counting and filtering are hierarchical: an entry
filed under a concept also counts, and matches a filter, under every broader concept.

Search ranks entries by a relevance a reader can check: for every word of the query, 3 points if
it is a word of the title, 2 if it is a word of a tag, 1 if it is a word of the description,
plus 5 when the whole query appears in the title. Each hit says which fields matched.

Both answer from an index built once from the union graph; beside an on-disk store it is kept in
a file and read back while the store holds the same sources (:func:`load_or_build`).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node
from rdflib.util import from_n3

from .atomic import write_file_atomically
from .errors import InputError
from .namespaces import DCAT, DCTERMS, OWL, RG, SKOS
from .status import DEPRECATED
from .store import union_query
from .terms import to_oxigraph

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
_SCHEME = "https://w3id.org/railgraph/vocab/"
#: The fields search reads, with the points a word found in each is worth.
_FIELDS = (("title", 3), ("tags", 2), ("description", 1))
_PHRASE_POINTS = 5  # the whole query in the title

#: The file that keeps an index beside an on-disk store, and the version of what it holds.
INDEX_FILE = "facets.json"
INDEX_FORMAT = 2  # 2: deprecated entries left out


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


@dataclass(frozen=True)
class _Entry:
    iri: URIRef
    kind: str
    title: str


def _mask(indices: Iterable[int], size: int) -> int:
    """The set ``indices`` as the bits of one integer (bit i set: entry i is in it)."""
    bits = bytearray((size + 7) // 8)
    for i in indices:
        bits[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(bits, "little")


def _add(planes: list[int], mask: int, points: int) -> None:
    """Add ``points`` to the score of every entry in ``mask`` (bit-sliced: ``planes[b]`` holds bit b
    of every entry's score), with a ripple carry over whole integers."""
    for bit in range(points.bit_length()):
        carry = mask if points >> bit & 1 else 0
        position = bit
        while carry:
            while len(planes) <= position:
                planes.append(0)
            planes[position], carry = planes[position] ^ carry, planes[position] & carry
            position += 1


def _members(mask: int) -> Iterator[int]:
    """The indices of the bits set in ``mask``, in increasing order."""
    text = format(mask, "b")[::-1]
    found = text.find("1")
    while found >= 0:
        yield found
        found = text.find("1", found + 1)


class FacetIndex:
    """Tools and metrics with their facet values (broader concepts included) and their words.

    Kept as postings: per facet value and per word of each field, the set of entries holding it,
    as the bits of an integer, so that a count is an ``&`` and a ``bit_count`` and a search reads
    only the entries holding a query word. :meth:`to_json` and :meth:`from_json` keep it in a file
    (see :func:`load_or_build`).
    """

    def __init__(self, graph: Graph | ox.Store) -> None:
        """Index the tools and metrics of ``graph``: an rdflib graph, or the default graph of a
        pyoxigraph store (read with a few SPARQL queries, however large it is)."""
        if isinstance(graph, Graph):
            store = ox.Store()
            store.bulk_extend(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in graph)
            graph = store

        def rows(query: str) -> list[tuple[str, ...]]:
            return [tuple(None if term is None else term.value for term in solution)
                    for solution in union_query(graph, _PREFIXES + query)]

        labels = dict(rows("SELECT ?c ?l WHERE { ?c skos:prefLabel ?l }"))
        schemes: dict[str, set[str]] = defaultdict(set)
        for concept, scheme in rows("SELECT ?c ?s WHERE { ?c skos:inScheme ?s }"):
            schemes[scheme].add(concept)
        broader = _closure(rows("SELECT ?c ?b WHERE { ?c skos:broader ?b }"))
        found = sorted(rows(_ENTRIES), key=lambda row: (row[1] != str(RG.Tool), row[0]))
        number = {row[0]: index for index, row in enumerate(found)}
        entries = [_Entry(URIRef(iri), "tool" if cls == str(RG.Tool) else "metric", title or iri)
                   for iri, cls, title in found]
        texts: dict[str, dict[int, list[str]]] = {name: defaultdict(list) for name, _ in _FIELDS}
        for index, entry in enumerate(entries):
            texts["title"][index].append(entry.title)
        for field, query in (("tags", _TAGS), ("description", _DESCRIPTIONS)):
            for iri, text in rows(query):
                if iri in number:
                    texts[field][number[iri]].append(text)
        postings: dict[str, dict[str, list[int]]] = {name: defaultdict(list) for name, _ in _FIELDS}
        for name, by_entry in texts.items():
            for index, parts in sorted(by_entry.items()):
                for word in set(words(" ".join(parts))):
                    postings[name][word].append(index)
        keys = {str(prop): key for key, prop in FACETS.items()}
        direct: dict[tuple[str, int], set[str]] = defaultdict(set)
        for iri, prop, value in rows(_FACET_VALUES):
            if iri in number:
                direct[keys[prop], number[iri]].add(value)
        values: dict[str, dict[Node, list[int]]] = {key: defaultdict(list) for key in FACETS}
        for (key, index), held in sorted(direct.items()):
            for value in held | {b for d in held for b in broader.get(d, ())}:
                values[key][URIRef(value)].append(index)
        members = {URIRef(scheme): sorted(URIRef(c) for c in concepts) for scheme, concepts in schemes.items()
                   if scheme.startswith(_SCHEME)}
        self._setup(entries, {c: labels[str(c)] for m in members.values() for c in m if str(c) in labels},
                    members,
                    {key: {v: _mask(found, len(entries)) for v, found in by_value.items()}
                     for key, by_value in values.items()},
                    {name: {w: _mask(found, len(entries)) for w, found in by_word.items()}
                     for name, by_word in postings.items()})

    def _setup(self, entries: list[_Entry], labels: dict[Node, str], schemes: dict[Node, list[Node]],
               values: dict[str, dict[Node, int]], postings: dict[str, dict[str, int]]) -> None:
        self.entries = entries
        self._labels = labels
        self._schemes = schemes
        self._values = values
        self._postings = postings
        self._all = (1 << len(entries)) - 1
        self._titles = [" ".join(words(e.title)) for e in entries]
        self._title_text = "\n".join(self._titles)  # a phrase never holds a line break
        self._title_starts = list(accumulate((len(t) + 1 for t in self._titles[:-1]), initial=0))
        order = sorted(range(len(entries)), key=lambda i: (entries[i].title.lower(), i))
        self._rank = [0] * len(entries)
        for position, i in enumerate(order):
            self._rank[i] = position

    def _match(self, filters: Filters | None) -> int:
        """The entries that, for every filtered facet, have one of the chosen concepts (or narrower)."""
        matched = self._all
        for key, concepts in (filters or {}).items():
            if concepts:
                any_of = 0
                for concept in set(concepts):
                    any_of |= self._values[key].get(concept, 0)
                matched &= any_of
        return matched

    def matching(self, filters: Filters | None) -> list[_Entry]:
        """Entries that, for every filtered facet, have one of the chosen concepts (or narrower)."""
        return [self.entries[i] for i in _members(self._match(filters))]

    def facets(self, filters: Filters | None = None) -> dict[str, list[FacetCount]]:
        """Per facet, every concept of its scheme with the number of matching entries under it."""
        matched = self._match(filters)
        result: dict[str, list[FacetCount]] = {}
        for key in FACETS:
            held = self._values[key]
            counts = [FacetCount(str(c), self._labels.get(c, str(c)), (held.get(c, 0) & matched).bit_count())
                      for c in self._schemes.get(URIRef(_SCHEME + key), ())]
            result[key] = sorted(counts, key=lambda f: (-f.count, f.label))
        return result

    def search(self, text: str, filters: Filters | None = None, limit: int = 20) -> list[SearchHit]:
        """Entries ranked by the relevance described in the module docstring.

        Scores are summed over all entries at once, as bit-sliced counters over the postings'
        bits; only the entries of the best scores are then looked at one by one.
        """
        query_words = list(dict.fromkeys(words(text)))
        phrase = " ".join(query_words)
        matched = self._match(filters)
        planes: list[int] = []  # planes[b]: the entries whose score has bit b set
        for word in query_words:
            for field_name, points in _FIELDS:
                _add(planes, self._postings[field_name].get(word, 0) & matched, points)
        in_title = _mask(self._titles_containing(phrase), len(self.entries)) & matched if phrase else 0
        _add(planes, in_title, _PHRASE_POINTS)
        ranked: list[int] = []
        for score in range((1 << len(planes)) - 1, 0, -1):
            level = matched
            for bit, plane in enumerate(planes):
                level &= plane if score >> bit & 1 else ~plane
            if level:
                ranked.extend(sorted(_members(level), key=self._rank.__getitem__)[:limit - len(ranked)])
                if len(ranked) >= limit:
                    break
        hits = []
        for i in ranked:
            reasons = [f"{word} in {field_name}" for word in query_words for field_name, _ in _FIELDS
                       if self._postings[field_name].get(word, 0) >> i & 1]
            if in_title >> i & 1:
                reasons.append("whole query in title")
            score = sum(points for word in query_words for field_name, points in _FIELDS
                        if self._postings[field_name].get(word, 0) >> i & 1) + _PHRASE_POINTS * (in_title >> i & 1)
            entry = self.entries[i]
            hits.append(SearchHit(str(entry.iri), entry.title, entry.kind, score, tuple(reasons)))
        return hits

    def _titles_containing(self, phrase: str) -> list[int]:
        """The entries whose title's words, joined by spaces, contain ``phrase``."""
        found: list[int] = []
        at = self._title_text.find(phrase)
        while at >= 0:
            index = bisect_right(self._title_starts, at) - 1
            found.append(index)
            at = self._title_text.find(phrase, self._title_starts[index] + len(self._titles[index]) + 1)
        return found

    # -- kept in a file --------------------------------------------------------------------------

    def to_json(self, key: str) -> str:
        """The index as JSON, labelled with ``key`` (the digest of the sources it was built from)."""
        def encode(mask: int) -> str | list[int]:  # the shorter of a hex bit string and a list
            count = mask.bit_count()
            return list(_members(mask)) if count * 24 < len(self.entries) else format(mask, "x")

        return json.dumps({
            "format": INDEX_FORMAT, "key": key,
            "entries": [[str(e.iri), e.kind, e.title] for e in self.entries],
            "labels": {c.n3(): label for c, label in self._labels.items()},
            "schemes": {s.n3(): [c.n3() for c in members] for s, members in self._schemes.items()},
            "values": {k: {v.n3(): encode(m) for v, m in by_value.items()} for k, by_value in self._values.items()},
            "words": {k: {w: encode(m) for w, m in by_word.items()} for k, by_word in self._postings.items()},
        }, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str, key: str) -> FacetIndex | None:
        """The index :meth:`to_json` wrote, or None when ``text`` is not one built for ``key``."""
        try:
            data = json.loads(text)
            if data["format"] != INDEX_FORMAT or data["key"] != key:
                return None
            entries = [_Entry(URIRef(iri), str(kind), str(title)) for iri, kind, title in data["entries"]]

            def decode(stored: str | list[int]) -> int:
                return int(stored, 16) if isinstance(stored, str) else _mask(map(int, stored), len(entries))

            index = cls.__new__(cls)
            index._setup(
                entries,
                {_term(c): str(label) for c, label in data["labels"].items()},
                {_term(s): [_term(c) for c in members] for s, members in data["schemes"].items()},
                {k: {_term(v): decode(m) for v, m in data["values"][k].items()} for k in FACETS},
                {k: {str(w): decode(m) for w, m in data["words"][k].items()} for k, _ in _FIELDS})
        except (ValueError, KeyError, TypeError, AttributeError, IndexError):
            return None
        if any(mask >> len(entries) for postings in (*index._values.values(), *index._postings.values())
               for mask in postings.values()):
            return None  # names entries the file does not hold
        return index


def load_or_build(path: Path, key: str, build: Callable[[], FacetIndex]) -> FacetIndex:
    """The index kept at ``path`` when it was built from sources ``key``; else ``build()``'s, kept there.

    Written atomically; a file that cannot be read or written is passed over (it only saves time).
    """
    try:
        kept = FacetIndex.from_json(path.read_text(encoding="utf-8"), key)
    except (OSError, UnicodeDecodeError):
        kept = None
    if kept is not None:
        return kept
    index = build()
    try:
        write_file_atomically(path, index.to_json(key).encode("utf-8"))
    except InputError:
        pass
    return index


def _term(text: str) -> Node:
    term = from_n3(text)
    if not isinstance(term, (URIRef, BNode, Literal)):
        raise ValueError(f"not an RDF term: {text!r}")
    return term


def _closure(pairs: Iterable[tuple[str, ...]]) -> dict[str, set[str]]:
    """Each concept's broader concepts, transitively."""
    direct: dict[str, set[str]] = defaultdict(set)
    for concept, broader in pairs:
        direct[concept].add(broader)
    closure: dict[str, set[str]] = {}
    for concept in direct:
        seen: set[str] = set()
        frontier = list(direct[concept])
        while frontier:
            node = frontier.pop()
            if node not in seen:
                seen.add(node)
                frontier.extend(direct.get(node, ()))
        closure[concept] = seen
    return closure


_PREFIXES = f"""PREFIX rg: <{RG}> PREFIX skos: <{SKOS}> PREFIX dct: <{DCTERMS}> PREFIX dcat: <{DCAT}>
PREFIX owl: <{OWL}> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
#: The tools and metrics that are not deprecated (see :mod:`railgraph.status`), with a title.
_ENTRIES = f"""SELECT ?entry ?cls (MIN(STR(?title)) AS ?first) WHERE {{
  VALUES ?cls {{ rg:Tool rg:Metric }}
  ?entry a ?cls . FILTER(isIRI(?entry))
  FILTER NOT EXISTS {{ ?entry rg:status <{DEPRECATED}> }}
  FILTER NOT EXISTS {{ ?entry owl:deprecated "true"^^xsd:boolean }}
  OPTIONAL {{ ?entry dct:title ?title }}
}} GROUP BY ?entry ?cls"""
_TAGS = "SELECT ?entry ?tag WHERE { ?entry dcat:keyword ?tag }"
_DESCRIPTIONS = "SELECT ?entry (MIN(STR(?text)) AS ?first) WHERE { ?entry dct:description ?text } GROUP BY ?entry"
_FACET_VALUES = (f"SELECT ?entry ?p ?value WHERE {{ VALUES ?p {{ {' '.join(f'<{p}>' for p in FACETS.values())} }} "
                 "?entry ?p ?value }")
