"""Fast JSON-LD compaction: the document the reference pipeline writes, without running PyLD.

The reference (:func:`railgraph.export.jsonld.compact`) has rdflib write the graph as expanded
JSON-LD, sorts nodes and values, and has PyLD compact that with the shipped context. Here the same
expanded nodes are built straight from statements (rdflib's shapes kept: native booleans, integers
and doubles, RDF lists folded into ``@list``) and compacted with tables made from the context once:
a port of PyLD's inverse context, term selection and compact IRIs for the term definitions
:func:`supported` accepts (``@id``, ``@type`` ``@id`` or a datatype, ``@language``, ``@container``
``@set``, prefixes). Whatever this port does not reproduce exactly, in the context or in the data,
raises :class:`Unsupported`, and the caller runs the reference on the whole document instead.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Union

import pyoxigraph as ox
from pyld import jsonld as pyld
from rdflib import BNode, Graph, Literal, URIRef

from .jsonld import Document, offline_loader

LiteralTerm = tuple[str, Union[str, None], Union[str, None]]  # lexical form, datatype, language
Object = Union[str, LiteralTerm]  # an IRI, a blank node ("_:label") or a literal
Statement = tuple[str, str, Object]

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE, RDF_FIRST, RDF_REST = RDF_NS + "type", RDF_NS + "first", RDF_NS + "rest"
RDF_NIL, RDF_LIST, RDF_LANG_STRING = RDF_NS + "nil", RDF_NS + "List", RDF_NS + "langString"
XSD_STRING, XSD_BOOLEAN = XSD_NS + "string", XSD_NS + "boolean"
XSD_INTEGER, XSD_DOUBLE = XSD_NS + "integer", XSD_NS + "double"

_TERM_KEYS = {"@id", "@type", "@language", "@container", "@prefix", "@protected"}
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_DOUBLE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class Unsupported(Exception):
    """The fast path does not reproduce PyLD here; compact this document with the reference."""


# -- statements ---------------------------------------------------------------------------------

def from_oxigraph(triples: Iterable[ox.Triple | ox.Quad]) -> Iterator[Statement]:
    """pyoxigraph triples (or quads, graph names dropped) as plain statements."""
    for triple in triples:
        yield _id(triple.subject), triple.predicate.value, _ox_object(triple.object)


def _id(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    raise Unsupported(f"not a node: {term!r}")


def _ox_object(term: Any) -> Object:
    if not isinstance(term, ox.Literal):
        return _id(term)
    if term.language:
        return (term.value, None, term.language)
    datatype = term.datatype.value
    return (term.value, None if datatype == XSD_STRING else datatype, None)


def from_rdflib(graph: Graph) -> Iterator[Statement]:
    """An rdflib graph's triples as plain statements (an explicit ``^^xsd:string`` is kept, as
    rdflib's JSON-LD writer keeps it)."""
    for s, p, o in graph:
        if not isinstance(p, URIRef):
            raise Unsupported("a predicate that is not an IRI")
        yield _rdflib_id(s), _iri(str(p)), _rdflib_object(o)


def _iri(value: str) -> str:
    if ":" not in value:
        raise Unsupported(f"a relative IRI: {value!r}")
    return value


def _rdflib_id(term: Any) -> str:
    if isinstance(term, URIRef):
        return _iri(str(term))
    if isinstance(term, BNode):
        return "_:" + str(term)
    raise Unsupported(f"not a node: {term!r}")


def _rdflib_object(term: Any) -> Object:
    if isinstance(term, Literal):
        return (str(term), str(term.datatype) if term.datatype else None, term.language)
    return _rdflib_id(term)


# -- expansion: rdflib's expanded JSON-LD, sorted as railgraph.export.jsonld.expand sorts it -----

def expand(statements: Iterable[Statement]) -> list[dict[str, Any]]:
    """The expanded nodes rdflib would write for these statements, sorted like the reference."""
    subjects: dict[str, dict[str, dict[Object, None]]] = {}
    referenced: set[str] = set()
    for s, p, o in statements:
        subjects.setdefault(s, {}).setdefault(p, {})[o] = None
        if isinstance(o, str) and o.startswith("_:"):
            referenced.add(o)
    nodes = _Expander(subjects).nodes(s for s in subjects if not s.startswith("_:") or s not in referenced)
    for node in nodes:
        for key, values in node.items():
            if isinstance(values, list) and len(values) > 1:
                values.sort(key=_canonical)
    # PyLD's expansion drops a top-level node that holds nothing but its @id
    return sorted((node for node in nodes if len(node) > 1), key=lambda node: node["@id"])


def _canonical(value: Any) -> str:
    """The sort key of :func:`railgraph.export.jsonld.expand` (node references before values)."""
    if isinstance(value, dict) and "@id" in value:
        return "0" + str(value["@id"])
    return "1" + json.dumps(value, sort_keys=True, ensure_ascii=False)


class _Expander:
    """rdflib's ``Converter.from_graph`` for a graph without a context, over plain statements."""

    def __init__(self, subjects: dict[str, dict[str, dict[Object, None]]]) -> None:
        self.subjects = subjects
        self.nodemap: dict[str, dict[str, Any]] = {}
        self.heads = {s for s, properties in subjects.items() if RDF_FIRST in properties}
        self.heads.add(RDF_NIL)

    def nodes(self, tops: Iterable[str]) -> list[dict[str, Any]]:
        for subject in tops:
            self.process(subject)
        return list(self.nodemap.values())

    def process(self, subject: str) -> None:
        if subject in self.nodemap:
            return
        node: dict[str, Any] = {"@id": subject}
        self.nodemap[subject] = node
        for predicate, objects in self.subjects.get(subject, {}).items():
            for o in objects:
                if predicate == RDF_TYPE:
                    if not isinstance(o, str) or o.startswith("_:"):
                        raise Unsupported("an rdf:type that is not an IRI")  # PyLD refuses it
                    node.setdefault("@type", []).append(o)
                else:
                    node.setdefault(predicate, []).append(self.value(o))

    def value(self, o: Object, in_list: bool = False) -> dict[str, Any]:
        if not isinstance(o, str):
            return _literal(o)
        items = self.collection(o) if o in self.heads else None
        if items is not None:
            if in_list:
                raise Unsupported("a list inside a list")
            return {"@list": [self.value(item, in_list=True) for item in items]}
        if o.startswith("_:"):
            self.process(o)
        return {"@id": o}

    def collection(self, head: str) -> list[str] | None:
        """rdflib's ``to_collection``: the items of the well-formed list at ``head``, else None."""
        if head != RDF_NIL and not self._first(head):
            return None
        items: list[str] = []
        chain, node = {head}, head
        while True:
            if node == RDF_NIL:
                return items
            if not node.startswith("_:"):
                return None
            first: Object | None = None
            rest: Object | None = None
            for predicate, objects in self.subjects.get(node, {}).items():
                for o in objects:
                    if predicate == RDF_FIRST and first is None:
                        first = o
                    elif predicate == RDF_REST and rest is None:
                        rest = o
                    elif predicate != RDF_TYPE or o != RDF_LIST:
                        return None
            if not isinstance(first, str):
                raise Unsupported("a list item that is a literal or missing")
            if not isinstance(rest, str) or rest in chain:
                return None
            items.append(first)
            chain.add(rest)
            node = rest

    def _first(self, node: str) -> bool:
        firsts = self.subjects.get(node, {}).get(RDF_FIRST)
        if not firsts:
            return False
        if len(firsts) > 1 or any(not isinstance(o, str) for o in firsts):
            raise Unsupported("a list node with a literal or several rdf:first")
        return True


def _literal(literal: LiteralTerm) -> dict[str, Any]:
    lexical, datatype, language = literal
    if datatype is None:
        return {"@language": language, "@value": lexical} if language else {"@value": lexical}
    return {"@type": datatype, "@value": _native(lexical, datatype)}


def _native(lexical: str, datatype: str) -> Any:
    """The JSON value rdflib's writer gives (``toPython`` for boolean, integer, double, string)."""
    if datatype == XSD_BOOLEAN:
        if lexical in ("true", "false"):
            return lexical == "true"
        raise Unsupported(f"a boolean written {lexical!r}")
    if datatype == XSD_INTEGER:
        if _INTEGER.fullmatch(lexical):
            return int(lexical)
        raise Unsupported(f"an integer written {lexical!r}")
    if datatype == XSD_DOUBLE:
        number = float(lexical) if _DOUBLE.fullmatch(lexical) else None
        if number is not None and number not in (float("inf"), float("-inf")):
            return number
        raise Unsupported(f"a double written {lexical!r}")
    return lexical


# -- compaction ---------------------------------------------------------------------------------

def supported(context: Mapping[str, Any]) -> bool:
    """Whether :class:`Compactor` compacts exactly as PyLD with ``context`` (else: use PyLD)."""
    try:
        Compactor.for_context(context)
    except Unsupported:
        return False
    return True


class Compactor:
    """PyLD's compaction with one context, precomputed: the inverse context (IRI -> terms by
    container and type or language), the prefixes, and a cache of term choices."""

    def __init__(self, context: Mapping[str, Any]) -> None:
        self.context = dict(context)
        for key, definition in self.context.items():
            if key.startswith("@"):
                if key != "@version":
                    raise Unsupported(f"context keyword {key}")
            elif ":" in key or not key:
                raise Unsupported(f"term {key!r} looks like a compact IRI")
            elif isinstance(definition, dict) and not set(definition) <= _TERM_KEYS:
                raise Unsupported(f"term {key!r} uses {sorted(set(definition) - _TERM_KEYS)}")
            elif not isinstance(definition, (str, dict)):
                raise Unsupported(f"term {key!r} is not an IRI or a definition")
        processor = pyld.JsonLdProcessor()
        options = {"processingMode": "json-ld-1.1", "documentLoader": offline_loader()}
        try:  # the term definitions as PyLD reads them (the initial context is PyLD's own)
            active = processor.process_context(processor._get_initial_context(options),
                                               self.context, options)
        except pyld.JsonLdError as exc:
            raise Unsupported("PyLD does not accept the context") from exc
        self.mappings: dict[str, dict[str, Any]] = active["mappings"]
        for term, mapping in self.mappings.items():
            if (mapping is None or mapping["reverse"] or not isinstance(mapping.get("@id"), str)
                    or mapping["@id"].startswith("@") or mapping["@id"].startswith("_:")
                    or mapping.get("@type", "") in ("@vocab", "@none", "@json")
                    or str(mapping.get("@type", "")).startswith("_:")
                    or mapping.get("@container", ["@set"]) != ["@set"]
                    or ("@type" in mapping and "@language" in mapping)
                    or set(mapping) - {"reverse", "protected", "_prefix", "_term_has_colon", "@id",
                                       "@type", "@language", "@container"}):
                raise Unsupported(f"term definition of {term!r}")
        self.inverse = self._inverse()
        self.prefixes = sorted((mapping["@id"], term) for term, mapping in self.mappings.items()
                               if mapping["_prefix"])
        self.prefix_terms = {term for _, term in self.prefixes}
        self._fresh()

    def _fresh(self) -> None:
        self._curies: dict[str, str] = {}
        self._terms: dict[tuple[str, tuple[Any, ...]], str | None] = {}
        self._is_term: dict[str, bool] = {}
        self._properties: dict[tuple[str, tuple[Any, ...]], tuple[str, dict[str, Any] | None, bool]] = {}

    @classmethod
    def for_context(cls, context: Mapping[str, Any]) -> Compactor:
        """A compactor for ``context``, its tables made once per context and process."""
        key = json.dumps(context, sort_keys=True)
        prototype = _PROTOTYPES.get(key)
        if prototype is None:
            if len(_PROTOTYPES) >= 32:
                _PROTOTYPES.clear()
            prototype = _PROTOTYPES[key] = cls(context)
        compactor = copy.copy(prototype)
        compactor._fresh()  # the caches grow with the data: one set per document
        return compactor

    def _inverse(self) -> dict[str, dict[str, dict[str, dict[str, str]]]]:
        """PyLD's ``_get_inverse_context`` for the accepted definitions (no default language)."""
        inverse: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
        for term, mapping in sorted(self.mappings.items(), key=lambda item: (len(item[0]), item[0])):
            container = "".join(sorted(mapping.get("@container", ["@none"])))
            entry = inverse.setdefault(mapping["@id"], {}).setdefault(
                container, {"@language": {}, "@type": {}, "@any": {}})
            entry["@any"].setdefault("@none", term)
            if "@type" in mapping:
                entry["@type"].setdefault(mapping["@type"], term)
            elif "@language" in mapping:
                entry["@language"].setdefault(mapping["@language"] or "@null", term)
            else:
                entry["@language"].setdefault("@none", term)
                entry["@type"].setdefault("@none", term)
                entry["@language"].setdefault("@none", term)
        return inverse

    # the document

    def compact(self, nodes: list[dict[str, Any]]) -> Document:
        """The expanded ``nodes`` compacted, with @graph, as ``jsonld.compact`` returns them."""
        graph = [self.node(node) for node in nodes]
        return {"@context": dict(self.context), "@graph": graph} if self.context else {"@graph": graph}

    def node(self, node: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"@id": self.iri(node["@id"], vocab=False)}
        for key, values in node.items():
            if key == "@id":
                continue
            if key == "@type":
                types = [self.iri(iri, vocab=True) for iri in values]
                out["@type"] = types[0] if len(types) == 1 else types
                continue
            for value in values:
                term, mapping, as_array = self.property(key, self.signature(value))
                _add(out, term, self.value(mapping, value), as_array)
        return out

    def property(self, iri: str, signature: tuple[Any, ...]) -> tuple[str, dict[str, Any] | None, bool]:
        """The key a value like ``signature`` of property ``iri`` goes under, its term definition
        and whether it holds an array (a ``@set`` container)."""
        key = (iri, signature)
        chosen = self._properties.get(key)
        if chosen is None:
            term = self.iri(iri, vocab=True, signature=signature)
            mapping = self.mappings.get(term)
            as_array = "@set" in (mapping.get("@container", []) if mapping else [])
            chosen = self._properties[key] = (term, mapping, as_array)
        return chosen

    def value(self, mapping: dict[str, Any] | None, value: dict[str, Any]) -> Any:
        """PyLD's ``_compact_value`` (and the wrapping of a list) under a term's ``mapping``."""
        coerce = mapping.get("@type") if mapping else None
        if "@list" in value:
            return {"@list": [self.value(mapping, item) for item in value["@list"]]}
        if "@id" in value:
            compacted = self.iri(value["@id"], vocab=False)
            return compacted if coerce == "@id" else {"@id": compacted}
        language = value.get("@language")
        if language is not None:
            language = language.lower()  # PyLD's expansion lower-cases language tags
        if "@type" in value and value["@type"] == coerce:
            return value["@value"]
        if language is not None and mapping is not None and language == mapping.get("@language"):
            return value["@value"]
        if len(value) == 1:
            return value["@value"]
        if "@type" in value:
            return {"@type": self.iri(value["@type"], vocab=True), "@value": value["@value"]}
        return {"@language": language, "@value": value["@value"]}

    # IRIs and terms

    def signature(self, value: dict[str, Any]) -> tuple[Any, ...]:
        """What term selection looks at in a value."""
        if "@list" in value:
            return ("list", bool(value["@list"]))
        if "@id" in value:
            return ("ref", self.is_term(value["@id"]))
        return ("value", value.get("@language", "").lower() or None, value.get("@type"), len(value))

    def is_term(self, iri: str) -> bool:
        """Whether ``iri`` compacts (as a vocabulary IRI) to a term of its own."""
        known = self._is_term.get(iri)
        if known is None:
            known = self._is_term[iri] = iri in self.inverse and self._select(iri, ("none",)) is not None
        return known

    def iri(self, iri: str, vocab: bool, signature: tuple[Any, ...] = ("none",)) -> str:
        """PyLD's ``_compact_iri`` (no @vocab, no @base: IRIs stay absolute)."""
        if vocab and iri in self.inverse:
            key = (iri, signature)
            if key not in self._terms:
                self._terms[key] = self._select(iri, signature)
            term = self._terms[key]
            if term is not None:
                return term
        curie = self._curies.get(iri)
        if curie is None:
            curie = self._curies[iri] = self._curie(iri)
        return curie

    def _curie(self, iri: str) -> str:
        best: str | None = None
        for namespace, term in self.prefixes:
            if iri != namespace and iri.startswith(namespace):
                curie = term + ":" + iri[len(namespace):]
                if best is None or (len(curie), curie) < (len(best), best):
                    best = curie
        if best is not None:
            return best
        if iri.partition(":")[0] in self.prefix_terms:
            raise Unsupported(f"{iri} could be confused with a compact IRI")  # PyLD raises
        return iri

    def _select(self, iri: str, signature: tuple[Any, ...]) -> str | None:
        """PyLD's containers and preferred values for a value like ``signature``, then
        ``_select_term``."""
        kind = signature[0]
        kind_of = "@type"
        if kind == "none":  # an @type value, or the test whether an IRI is a term
            containers, wanted = ["@set", "@none"], ["@id"]
        elif kind == "ref":
            containers = ["@id", "@id@set", "@type", "@set@type", "@set", "@none", "@index",
                          "@index@set"]
            wanted = ["@vocab", "@id"] if signature[1] else ["@id", "@vocab"]
        elif kind == "list":
            containers = ["@list", "@none", "@index", "@index@set"]
            if signature[1]:
                wanted = ["@id"]
            else:
                kind_of, wanted = "@any", ["@none"]
        else:
            _, language, datatype, size = signature
            containers = []
            if language:
                containers += ["@language", "@language@set"]
                kind_of, wanted = "@language", [language]
            elif datatype:
                wanted = [datatype]
            else:
                kind_of, wanted = "@language", ["@null"]
            containers += ["@set", "@none", "@index", "@index@set"]
            if size == 1:
                containers += ["@language", "@language@set"]
            if "_" in wanted[0]:  # PyLD looks for a direction after an underscore
                wanted.append("_" + wanted[0].split("_")[-1])
        wanted.append("@none")
        by_container = self.inverse[iri]
        for container in containers:
            if container in by_container:
                choices = by_container[container][kind_of]
                for preferred in wanted:
                    if preferred in choices:
                        return choices[preferred]
        return None


_PROTOTYPES: dict[str, Compactor] = {}


def _add(node: dict[str, Any], key: str, value: Any, as_array: bool) -> None:
    """PyLD's ``add_value`` (duplicates allowed)."""
    if key in node:
        if not isinstance(node[key], list):
            node[key] = [node[key]]
        node[key].append(value)
    else:
        node[key] = [value] if as_array else value


def compact(statements: Iterable[Statement], context: Mapping[str, Any]) -> Document:
    """``statements`` compacted with ``context`` exactly as the reference pipeline does it;
    :class:`Unsupported` where this port cannot promise that."""
    compactor = Compactor.for_context(context)
    return compactor.compact(expand(statements))
