"""The framed JSON-LD view: one object per tool or metric, everything it points to nested.

Framing embeds whatever the input graph links, so the input is cut first: each tool and metric
with all its asserted statements, and for what they reference (organisations, concepts, use
cases, licences) a summary: names, identifiers and, for licences, their rules. A licence's
restrictions arrive with the restricted uses they forbid (``rg:restrictedUse``, inferred from
the ODRL constraint), so a researcher reads ``tool["license"][0]["prohibition"]`` directly.
The frame itself is ``ontology/frames/entries.jsonld``; its ``@context`` is replaced by the
shipped context, which is written inline into the output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from ..loading import new_graph
from ..namespaces import DCTERMS, FOAF, ODRL, RDF, RDFS, RG, SKOS
from . import jsonld

#: Classes whose members become the top-level objects of the framed view.
FRAMED_CLASSES = (RG.Tool, RG.Metric)

#: What a referenced node contributes: enough to read it without looking it up.
SUMMARY = frozenset({
    RDF.type, DCTERMS.title, DCTERMS.description, RDFS.label, SKOS.prefLabel, SKOS.notation,
    FOAF.name, FOAF.homepage, RG.spdxId, RG.scancodeKey, RG.huggingFaceId, RG.licenceFamily,
    RG.clauseId, RG.section, RG.scope, RG.unlessCondition, RG.restrictedUse, ODRL.prohibition,
    ODRL.permission, ODRL.duty, ODRL.action,
})

#: Descriptions are kept for a licence's rules only; other summaries stay short.
DESCRIBED = frozenset({RG.UseRestriction, RG.LicenceDuty, RG.LicencePermission})


def frame_input(asserted: Graph, union: Graph) -> Graph:
    """The part of the catalogue the framed view shows (see the module docstring)."""
    graph = new_graph()
    roots = sorted({s for cls in FRAMED_CLASSES for s in union.subjects(RDF.type, cls)
                    if isinstance(s, URIRef)})
    pending: list[Node] = []
    for root in roots:
        graph.add((root, RDF.type, next(c for c in FRAMED_CLASSES if (root, RDF.type, c) in union)))
        for triple in _described(asserted, root):
            graph.add(triple)
            if triple[1] != RDF.type:
                pending.append(triple[2])
    seen: set[Node] = set(roots)
    while pending:
        node = pending.pop()
        if node in seen or not isinstance(node, URIRef):
            continue
        seen.add(node)
        described = {o for o in asserted.objects(node, RDF.type)} & DESCRIBED
        for p, o in _summary(asserted, union, node):
            if p == DCTERMS.description and not described:
                continue
            graph.add((node, p, o))
            if p != RDF.type:
                pending.append(o)
    return graph


def framed(asserted: Graph, union: Graph, frame_document: Mapping[str, Any],
           context: Mapping[str, Any]) -> dict[str, Any]:
    """The framed document: ``{"@context": {...}, "@graph": [one object per tool or metric]}``."""
    return jsonld.frame(frame_input(asserted, union), frame_document, context)


def _described(graph: Graph, subject: Node) -> Iterable[tuple[Node, Node, Node]]:
    """``subject``'s statements and those of the blank nodes they reach."""
    stack = [subject]
    while stack:
        node = stack.pop()
        for p, o in graph.predicate_objects(node):
            yield node, p, o
            if isinstance(o, BNode):
                stack.append(o)


def _summary(asserted: Graph, union: Graph, node: Node) -> Iterable[tuple[Node, Node]]:
    for p, o in asserted.predicate_objects(node):
        if p in SUMMARY:
            yield p, o
    for o in union.objects(node, RG.restrictedUse):
        yield RG.restrictedUse, o
