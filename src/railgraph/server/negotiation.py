"""Content negotiation: which media type to answer in, from an ``Accept`` header with q-values.

The offers are listed in the server's order of preference, which breaks ties (and answers
``*/*`` or a missing header). A few common synonyms are accepted for each offer
(``application/json`` for SPARQL JSON or JSON-LD, ``application/xml`` for SPARQL XML or RDF/XML).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import NotAcceptable

#: Answers to SELECT and ASK, in order of preference.
SOLUTION_TYPES = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                  "text/tab-separated-values")
#: Answers to CONSTRUCT and DESCRIBE (and RDF documents), in order of preference.
GRAPH_TYPES = ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml")

#: Other names clients use for an offered media type.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "application/sparql-results+json": ("application/json",),
    "application/sparql-results+xml": ("application/xml", "text/xml"),
    "text/turtle": ("application/x-turtle", "text/n3", "text/rdf+n3"),
    "application/ld+json": ("application/json",),
    "application/rdf+xml": ("application/xml", "text/xml"),
    "text/html": ("application/xhtml+xml",),
}

#: Values of the ``format`` parameter (for browsers and for clients that send one), as Accept values.
FORMAT_NAMES: dict[str, str] = {
    "json": "application/sparql-results+json, application/ld+json",
    "xml": "application/sparql-results+xml, application/rdf+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "ttl": "text/turtle", "turtle": "text/turtle", "n3": "text/turtle",
    "nt": "application/n-triples", "ntriples": "application/n-triples", "n-triples": "application/n-triples",
    "jsonld": "application/ld+json", "json-ld": "application/ld+json",
    "rdfxml": "application/rdf+xml", "rdf": "application/rdf+xml", "rdf+xml": "application/rdf+xml",
    "html": "text/html",
}

_TEXT_TYPES = ("text/", "application/n-triples")


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their q-values (a missing header accepts anything)."""
    if not header or not header.strip():
        return [("*/*", 1.0)]
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        quality = 1.0
        for parameter in fields[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        ranges.append((media, quality))
    return ranges


def _quality(offer: str, ranges: list[tuple[str, float]]) -> float:
    """The q-value the most specific matching range gives ``offer`` (or one of its synonyms)."""
    best = 0.0
    for name in (offer, *SYNONYMS.get(offer, ())):
        kind = name.split("/")[0] + "/*"
        specificity, quality = -1, 0.0
        for media, q in ranges:
            rank = 2 if media == name else 1 if media == kind else 0 if media == "*/*" else -1
            if rank > specificity:
                specificity, quality = rank, q
        if specificity >= 0:
            best = max(best, quality)
    return best


def choose(header: str | None, offers: Sequence[str]) -> str | None:
    """The offer the client prefers (ties go to the earlier offer), or None when none is acceptable."""
    ranges = parse_accept(header)
    scored = [(_quality(offer, ranges), -index, offer) for index, offer in enumerate(offers)]
    quality, _, offer = max(scored)
    return offer if quality > 0 else None


def result_type(header: str | None, *, graph: bool) -> str:
    """The media type of a query's answer, or :class:`NotAcceptable`."""
    offers = GRAPH_TYPES if graph else SOLUTION_TYPES
    chosen = choose(header, offers)
    if chosen is None:
        form = "a CONSTRUCT or DESCRIBE" if graph else "a SELECT or ASK"
        raise NotAcceptable(f"{form} query can be answered in {', '.join(offers)}; the request accepts "
                            f"none of them ({header})",
                            hint="send one of those media types in Accept, or a format parameter")
    return chosen


def format_accept(values: Sequence[str]) -> str | None:
    """The Accept value a ``format`` parameter stands for: its first known value (a name or a media type)."""
    for value in values:
        value = value.strip().lower()
        if value in FORMAT_NAMES:
            return FORMAT_NAMES[value]
        if value in SOLUTION_TYPES or value in GRAPH_TYPES:
            return value
    return None


def with_charset(media_type: str) -> str:
    """``media_type`` with ``; charset=utf-8`` for the textual types."""
    return media_type + "; charset=utf-8" if media_type.startswith(_TEXT_TYPES) else media_type
