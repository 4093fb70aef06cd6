"""The one editorial status scheme (draft, unverified, verified, deprecated) and what follows from it.

A deprecated entry or concept stays resolvable (its page, its triples) but is left out of default
listings: facet counts, search and the main section of a kind's list.
"""

from __future__ import annotations

from rdflib import Graph, Literal
from rdflib.namespace import XSD
from rdflib.term import Node

from .namespaces import OWL, RG, VOCAB

DRAFT, UNVERIFIED, VERIFIED, DEPRECATED = (VOCAB[f"status/{name}"]
                                           for name in ("draft", "unverified", "verified", "deprecated"))
_TRUE = Literal(True, datatype=XSD.boolean)


def is_deprecated(graph: Graph, node: Node) -> bool:
    """True when ``node`` has status deprecated or is marked ``owl:deprecated true``."""
    return (node, RG.status, DEPRECATED) in graph or (node, OWL.deprecated, _TRUE) in graph
