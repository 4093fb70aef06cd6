"""JSON-LD through PyLD, the reference JSON-LD processor, with no network access at all.

rdflib writes the expanded form (no context to get wrong); PyLD compacts and frames it with the
shipped context. Every PyLD call gets a document loader that serves only the documents handed
to it, so a context or frame that names a remote document fails instead of fetching it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import orjson
from pyld import jsonld
from rdflib import RDF, Graph, URIRef

from ..errors import InputError

Document = dict[str, Any]
Loader = Callable[..., dict[str, Any]]


def offline_loader(documents: Mapping[str, Any] | None = None) -> Loader:
    """A PyLD document loader that serves ``documents`` (IRI -> JSON) and refuses everything else."""
    served = dict(documents or {})

    def load(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        if url in served:
            return {"contentType": "application/ld+json", "contextUrl": None,
                    "documentUrl": url, "document": served[url]}
        raise jsonld.JsonLdError(
            f"railgraph does not fetch {url}: only the shipped JSON-LD contexts may be used",
            "jsonld.LoadDocumentError", code="loading document failed")

    return load


def read_document(path: Path) -> dict[str, Any]:
    """A shipped JSON-LD document (context or frame), or a located :class:`InputError`."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=path) from exc
    except UnicodeDecodeError as exc:
        raise InputError("file is not UTF-8", path=path, hint="save the file as UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno, column=exc.colno,
                         hint="fix the JSON at that position") from exc
    if not isinstance(document, dict):
        raise InputError("a JSON-LD context or frame must be a JSON object", path=path)
    return document


def expand(graph: Graph) -> list[Any]:
    """``graph`` in expanded JSON-LD, nodes and values in a stable order.

    rdflib writes it (there is nothing to compact wrongly); its order follows Python's hashing,
    which changes between processes, so nodes are sorted by ``@id`` and each property's values by
    their JSON, and every JSON-LD file railgraph writes is the same bytes in every run.
    """
    nodes = json.loads(graph.serialize(format="json-ld"))
    for node in nodes:
        for key, values in node.items():
            if isinstance(values, list):
                values.sort(key=_canonical)
    return sorted(nodes, key=_canonical)


def _canonical(value: Any) -> str:
    if isinstance(value, dict) and "@id" in value:
        return "0" + str(value["@id"])
    return "1" + json.dumps(value, sort_keys=True, ensure_ascii=False)


def compact(graph: Graph, context: Mapping[str, Any]) -> Document:
    """``graph`` compacted with ``context`` (the inner @context object), always with @graph.

    This is the reference: exports use :mod:`.compact`, which tests prove gives the same document
    and which falls back to this function where it cannot."""
    return _call(jsonld.compact, expand(graph), {"@context": dict(context)},
                 {"graph": True})


def context_for(graph: Graph, context: Mapping[str, Any]) -> dict[str, Any]:
    """``context`` cut to what ``graph`` uses: its prefixes, and the terms of its predicates and
    classes. Small documents (a page's twin) then carry a short inline context, not all of it."""
    used = set(graph.predicates()) | set(graph.objects(None, RDF.type))
    prefixes = {key: value for key, value in context.items()
                if isinstance(value, str) and value.endswith(("/", "#"))}

    def expanded(definition: Any) -> str:
        iri = definition.get("@id", "") if isinstance(definition, dict) else str(definition)
        prefix, _, local = iri.partition(":")
        return prefixes[prefix] + local if prefix in prefixes else iri

    return {key: value for key, value in context.items()
            if key.startswith("@") or key in prefixes or URIRef(expanded(value)) in used}


def frame(graph: Graph, frame_document: Mapping[str, Any], context: Mapping[str, Any]) -> Document:
    """``graph`` framed by ``frame_document`` (its own @context replaced by ``context``)."""
    framing = {key: value for key, value in frame_document.items() if key != "@context"}
    framing["@context"] = dict(context)
    return _call(jsonld.frame, expand(graph), framing, {"omitGraph": False})


def to_rdf(document: Any, documents: Mapping[str, Any] | None = None) -> Graph:
    """Read a JSON-LD document railgraph wrote back into a graph, offline (PyLD's reading)."""
    nquads = _call(jsonld.to_rdf, document, None, {"format": "application/n-quads"},
                   documents=documents)
    return Graph().parse(data=nquads, format="nquads")


def dumps(document: Any) -> bytes:
    """Stable, readable JSON bytes (sorted keys, two-space indent, UTF-8).

    orjson writes them (30 times faster than the json module with an indent) where it writes the
    json module's bytes: for documents of strings, booleans, nulls, 64-bit integers and floats it
    prints alike (``1.1``, not ``1e16`` for ``1e+16``). Anything else sends the document to the
    json module.
    """
    if _orjson_writes_alike(document):
        return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _orjson_writes_alike(document: Any) -> bool:
    pending = [document]
    while pending:
        value = pending.pop()
        kind = type(value)
        if kind is dict:
            if not all(type(key) is str for key in value):
                return False
            pending.extend(value.values())
        elif kind is list:
            pending.extend(value)
        elif kind is int:
            if not -(2 ** 63) <= value < 2 ** 64:
                return False
        elif kind is float:
            if orjson.dumps(value) != json.dumps(value).encode("ascii"):
                return False
        elif kind not in (str, bool, type(None)):
            return False
    return True


def _call(function: Callable[..., Any], document: Any, argument: Any, options: dict[str, Any],
          documents: Mapping[str, Any] | None = None) -> Any:
    options = {**options, "documentLoader": offline_loader(documents)}
    try:
        if argument is None:
            return function(document, options)
        return function(document, argument, options)
    except jsonld.JsonLdError as exc:
        raise InputError(f"JSON-LD processing failed: {_innermost(exc)}",
                         hint="use only the shipped context (ontology/context.jsonld); "
                              "railgraph never fetches a remote one") from exc


def _innermost(exc: BaseException) -> str:
    """The first line of the deepest JSON-LD error (PyLD chains its causes)."""
    while isinstance(exc.__cause__ or exc.__context__, jsonld.JsonLdError):
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    message = exc.args[0] if exc.args else type(exc).__name__
    return str(message[0] if isinstance(message, tuple) else message).strip().splitlines()[0]
