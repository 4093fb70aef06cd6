"""Reading RDF from a file safely and strictly, in any syntax railgraph accepts.

One job: turn a file into quads or refuse it with a located :class:`~railgraph.errors.InputError`
(exit 2). Nothing here opens a connection or a second file:

- the size is checked with ``stat`` before a byte is read, and at most ``max_bytes + 1`` bytes are
  read (a file that grows, a device or a pipe cannot make railgraph read more);
- the text must be UTF-8 (a leading byte-order mark is dropped);
- Turtle, N-Triples, N-Quads, TriG and RDF/XML are parsed by pyoxigraph, which is strict (it
  refuses every W3C negative syntax test) and names the line and column of each error;
- RDF/XML with a ``<!DOCTYPE`` or ``<!ENTITY`` declaration is refused before any parser sees it
  (pyoxigraph expands internal entities, so an entity bomb would otherwise be parsed);
- JSON-LD is read by PyLD through :func:`railgraph.export.jsonld.offline_loader`, which serves only
  the contexts of the allow-list (:class:`ContextAllowList`); any other context (remote,
  ``file:``, relative) is refused, naming its IRI and where it sits in the document;
- literals longer than ``max_literal_chars`` are refused.
"""

from __future__ import annotations

import json
import logging
import re
import stat
import warnings
import xml.parsers.expat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urljoin

import pyoxigraph as ox
from pyld import jsonld as pyld
from rdflib import Literal, URIRef

from .errors import InputError, UsageError
from .export.jsonld import offline_loader, read_document
from .namespaces import BASE

#: File suffixes and the syntax each one is read as.
SYNTAXES: dict[str, str] = {
    ".ttl": "turtle", ".nt": "nt", ".nq": "nquads", ".trig": "trig",
    ".rdf": "rdfxml", ".owl": "rdfxml", ".xml": "rdfxml", ".jsonld": "json-ld",
}
_OXIGRAPH = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "nquads": ox.RdfFormat.N_QUADS,
             "trig": ox.RdfFormat.TRIG, "rdfxml": ox.RdfFormat.RDF_XML}
_NAMES = {"turtle": "Turtle", "nt": "N-Triples", "nquads": "N-Quads", "trig": "TriG",
          "rdfxml": "RDF/XML", "json-ld": "JSON-LD"}
_DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_UNCHECKED = {"http://www.w3.org/2001/XMLSchema#string",
              "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}
#: Examples of well-typed values, for the hint of an ill-typed literal.
_EXAMPLES = {"date": "2024-05-31", "dateTime": "2024-05-31T12:00:00Z", "integer": "42",
             "decimal": "4.2", "boolean": "true or false", "double": "4.2E0"}
_PYOXIGRAPH_PREFIX = re.compile(r"^Parser error (?:at line \d+ (?:column \d+|between columns \d+ and \d+)|"
                                r"between line \d+ column \d+ and line \d+ column \d+): ")
_QUOTED = re.compile(r"'([^']{1,200})'")


@dataclass(frozen=True)
class Reading:
    """What a file said: its quads (in the default graph unless the syntax names graphs) and the
    prefixes it declared."""

    quads: list[ox.Quad]
    prefixes: dict[str, str]


@dataclass(frozen=True)
class ContextAllowList:
    """The JSON-LD contexts a document may name: files shipped in the catalogue root.

    Each name (setting ``allowed_contexts``, e.g. ``ontology/context.jsonld``) is a path relative
    to ``root``; the document is served under the IRI ``https://w3id.org/railgraph/{name}``, which
    is also what the relative reference ``"@context": "ontology/context.jsonld"`` resolves to.
    """

    root: Path
    names: tuple[str, ...]

    def iris(self) -> dict[str, Path]:
        """IRI -> local file for every allowed context; a name outside the root is a usage error."""
        served: dict[str, Path] = {}
        for name in self.names:
            relative = PurePosixPath(name.replace("\\", "/"))
            if relative.is_absolute() or ".." in relative.parts or ":" in name:
                raise UsageError(f"allowed_contexts entry {name!r} is not a path inside the catalogue root",
                                 hint="name shipped context files relative to the root, e.g. "
                                      "ontology/context.jsonld")
            served[BASE + relative.as_posix()] = self.root / relative
        return served

    def documents(self) -> dict[str, Any]:
        """IRI -> JSON document of every allowed context (read from the local files)."""
        return {iri: read_document(path) for iri, path in self.iris().items()}


def syntax_of(path: Path) -> str:
    """The syntax a file is read as, by its suffix; an unknown suffix is an :class:`InputError`."""
    syntax = SYNTAXES.get(path.suffix.lower())
    if syntax is None:
        raise InputError(f"unsupported file type {path.suffix!r}", path=path,
                         hint=f"railgraph reads {', '.join(sorted(SYNTAXES))} files")
    return syntax


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` (checked before reading)."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise InputError("not a regular file", path=path, hint="name an RDF file")
        if info.st_size > max_bytes:
            raise InputError(f"file is {info.st_size:,} bytes, more than the {max_bytes:,} allowed",
                             path=path, hint="split the file, or raise RAILGRAPH_MAX_FILE_BYTES")
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", path=path) from exc
    if len(data) > max_bytes:
        raise InputError(f"file grew past the {max_bytes:,} bytes allowed while it was read", path=path,
                         hint="read a finished file, or raise RAILGRAPH_MAX_FILE_BYTES")
    return data


def read_text(path: Path, max_bytes: int) -> str:
    """The UTF-8 text of a file (see :func:`read_bytes`), without a leading byte-order mark."""
    return decode(read_bytes(path, max_bytes), path)


def decode(data: bytes, path: Path) -> str:
    """The UTF-8 text of the bytes of the file at ``path``, without a leading byte-order mark."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _byte_position(data, exc.start)
        raise InputError(f"file is not UTF-8 (byte 0x{data[exc.start]:02x})", path=path, line=line,
                         column=column, hint="save the file as UTF-8") from exc
    return text.removeprefix("\ufeff")


def parse(text: str, syntax: str, path: Path, *, max_literal_chars: int,
          contexts: ContextAllowList | None = None) -> Reading:
    """``text`` read strictly as ``syntax``, or a located :class:`InputError` naming ``path``."""
    if syntax == "json-ld":
        reading = _parse_jsonld(text, path, contexts)
    else:
        if syntax == "rdfxml":
            _refuse_declarations(text, path)
            _check_well_formed(text, path)
        reading = _parse_oxigraph(text, syntax, path)
    literals = [term for term in (quad.object for quad in reading.quads) if isinstance(term, ox.Literal)]
    check_literals(literals, text, path, max_literal_chars)
    check_datatypes(literals, text, path)
    return reading


def parse_checked(text: str, syntax: str, path: Path) -> Reading:
    """``text`` in Turtle or N-Triples, known to pass the checks of :func:`parse` (see
    :mod:`railgraph.checked_sources`): only parsed."""
    return _parse_oxigraph(text, syntax, path)


def read(path: Path, *, max_bytes: int, max_literal_chars: int,
         contexts: ContextAllowList | None = None) -> Reading:
    """The RDF file at ``path``, its syntax chosen by its suffix (:data:`SYNTAXES`)."""
    syntax = syntax_of(path)
    return parse(read_text(path, max_bytes), syntax, path, max_literal_chars=max_literal_chars,
                 contexts=contexts)


def check_literals(literals: list[ox.Literal], text: str, path: Path, max_literal_chars: int) -> None:
    """Refuse a literal longer than ``max_literal_chars``, or holding a control character that
    XML cannot carry (every export must be writable as RDF/XML), at the line where it starts."""
    # a control character reaches a literal written as itself or as a \u or \U escape
    controls = _CONTROL.search(text) is not None or "\\u" in text or "\\U" in text or "&#" in text
    for term in literals:
        if len(term.value) > max_literal_chars:
            line, column = locate(text, term.value[:40])
            raise InputError(f"a literal of {len(term.value):,} characters exceeds the "
                             f"{max_literal_chars:,} allowed", path=path, line=line, column=column,
                             hint="shorten it, or raise RAILGRAPH_MAX_LITERAL_CHARS")
        control = _CONTROL.search(term.value) if controls else None
        if control is not None:
            line, column = locate(text, term.value[:control.start()][-40:] or term.value[:40])
            raise InputError(f"a literal holds the control character U+{ord(control.group()):04X}, "
                             "which XML (and so the RDF/XML export) cannot carry", path=path,
                             line=line, column=column,
                             hint="remove it; only tab, line feed and carriage return may appear in text")


def check_datatypes(literals: list[ox.Literal], text: str, path: Path) -> None:
    """Refuse an ill-typed literal (e.g. ``"2026-13-45"^^xsd:date``), where it stands.

    Well-typedness is rdflib's (the types it can convert: numbers, booleans, dates and times,
    durations, ...); a datatype it does not know is not checked.
    """
    with quiet_rdflib():
        for term in literals:
            if term.language or term.datatype.value in _UNCHECKED:
                continue
            if not Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False).ill_typed:
                continue
            datatype = term.datatype.value
            short = re.split(r"[#/]", datatype)[-1]
            line, column = locate(text, json.dumps(term.value, ensure_ascii=False))
            if line is None:
                line, column = locate(text, term.value)
            example = f", e.g. {_EXAMPLES[short]}" if short in _EXAMPLES else ""
            raise InputError(f"{json.dumps(term.value, ensure_ascii=False)} is not a valid {short} "
                             f"(the literal is typed <{datatype}>)", path=path, line=line, column=column,
                             hint=f"write a value of that datatype{example}, or fix the datatype")


@contextmanager
def quiet_rdflib() -> Iterator[None]:
    """Silence rdflib's log lines and warnings about ill-typed literals while they are made.

    rdflib logs a traceback for every literal it cannot convert (and warns about odd booleans);
    :func:`check_datatypes` reports them instead, once, with their position.
    """
    logger = logging.getLogger("rdflib.term")
    disabled, logger.disabled = logger.disabled, True
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"rdflib\.term")
            yield
    finally:
        logger.disabled = disabled


def locate(text: str, needle: str) -> tuple[int | None, int | None]:
    """The 1-based line and column where ``needle`` first appears in ``text``."""
    index = text.find(needle) if needle else -1
    if index < 0:
        return None, None
    return _text_position(text, index)


def _parse_oxigraph(text: str, syntax: str, path: Path) -> Reading:
    name = _NAMES[syntax]
    try:
        parser = ox.parse(text, format=_OXIGRAPH[syntax], base_iri=BASE)
        quads = list(parser)
        return Reading(quads, dict(parser.prefixes))
    except SyntaxError as exc:
        line, column = exc.lineno, exc.offset
        reason = _PYOXIGRAPH_PREFIX.sub("", str(exc.msg))
        if line is None:  # RDF/XML errors carry no position: find what the message quotes
            quoted = _QUOTED.search(reason)
            line, column = locate(text, quoted.group(1)) if quoted else (None, None)
        raise InputError(f"invalid {name}: {reason}", path=path, line=line, column=column,
                         hint="fix the syntax at that position") from None
    except MemoryError as exc:  # pyoxigraph's 16 MiB cap on one token
        raise InputError(f"invalid {name}: one literal or IRI is longer than pyoxigraph's "
                         f"16 MiB limit ({exc})", path=path,
                         hint="shorten it; no catalogue value needs to be that long") from None


def _refuse_declarations(text: str, path: Path) -> None:
    found = _DECLARATION.search(text)
    if found is not None:
        line, column = _text_position(text, found.start())
        raise InputError(f"RDF/XML with a {found.group(1).upper()} declaration is refused "
                         "(entities can expand without bound or read other files)", path=path,
                         line=line, column=column,
                         hint="remove the DOCTYPE and write entity values out in full")


def _check_well_formed(text: str, path: Path) -> None:
    """Refuse XML that expat finds ill-formed (pyoxigraph reads an unclosed document without a word).

    Only called once DOCTYPEs are refused, so expat expands no entity and opens nothing.
    """
    parser = xml.parsers.expat.ParserCreate()
    try:
        parser.Parse(text.encode("utf-8"), True)
    except xml.parsers.expat.ExpatError as exc:
        reason = xml.parsers.expat.ErrorString(exc.code) if exc.code else str(exc)
        raise InputError(f"invalid RDF/XML: the XML is not well-formed ({reason})", path=path,
                         line=exc.lineno, column=exc.offset + 1,
                         hint="fix the XML at that position (every element closed, one root)") from None


def _parse_jsonld(text: str, path: Path, contexts: ContextAllowList | None) -> Reading:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno, column=exc.colno,
                         hint="fix the JSON at that position") from None
    except RecursionError:
        raise InputError("JSON nested too deeply", path=path, hint="flatten the document") from None
    served = contexts.iris() if contexts is not None else {}
    for pointer, key, reference in _references(document):
        iri = urljoin(BASE, reference)
        if iri not in served:
            line, column = locate(text, json.dumps(reference))
            allowed = ", ".join(contexts.names) if contexts is not None and contexts.names else "none"
            raise InputError(f"JSON-LD {key} {reference!r} at {pointer} is not an allowed context; "
                             "railgraph never fetches a context", path=path, line=line, column=column,
                             hint=f"inline the context, or use an allowed one ({allowed}; setting "
                                  "RAILGRAPH_ALLOWED_CONTEXTS)")
    documents = contexts.documents() if contexts is not None and served else {}
    options = {"format": "application/n-quads", "base": BASE, "documentLoader": offline_loader(documents)}
    try:
        nquads = pyld.to_rdf(document, options)
    except pyld.JsonLdError as exc:
        raise InputError(f"invalid JSON-LD: {_innermost(exc)}", path=path,
                         hint="check the document with the JSON-LD playground's rules; "
                              "contexts must be inline or allowed") from None
    except RecursionError:
        raise InputError("JSON-LD nested too deeply", path=path, hint="flatten the document") from None
    return Reading(_parse_oxigraph(nquads, "nquads", path).quads, {})


def _references(node: Any, pointer: str = "") -> Iterator[tuple[str, str, str]]:
    """Every string a document gives as an ``@context`` or ``@import`` (JSON pointer, key, value)."""
    stack: list[tuple[Any, str]] = [(node, pointer)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, dict):
            for key, value in current.items():
                here = f"{where}/{_escape(key)}"
                if key in ("@context", "@import"):
                    values = value if isinstance(value, list) else [value]
                    for index, item in enumerate(values):
                        if isinstance(item, str):
                            yield (here if not isinstance(value, list) else f"{here}/{index}"), key, item
                stack.append((value, here))
        elif isinstance(current, list):
            stack.extend((item, f"{where}/{index}") for index, item in enumerate(current))


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _innermost(exc: BaseException) -> str:
    """The first line of the deepest JSON-LD error (PyLD chains its causes)."""
    while isinstance(exc.__cause__ or exc.__context__, pyld.JsonLdError):
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    message = exc.args[0] if exc.args else type(exc).__name__
    return str(message[0] if isinstance(message, tuple) else message).strip().splitlines()[0]


def _text_position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    return before.count(b"\n") + 1, offset - (before.rfind(b"\n") + 1) + 1

