"""Named SPARQL queries: one ``.rq`` file per question, with a grlc-style header.

The header is a block of ``#+ `` comment lines holding YAML (grlc's decorator syntax)::

    #+ summary: Use restrictions of a licence
    #+ description: Every clause of the licence that forbids a use, with its clause id.
    #+ tags: [licences]
    #+ defaults:
    #+   - licence: https://w3id.org/railgraph/id/licence/bigcode-openrail-m-license-agreement
    #+ enumerate:
    #+   - kind: [tool, metric]

Parameters are the query's variables named as grlc names them: ``?_name`` (required) or
``?__name`` (optional), optionally typed by a suffix: ``_iri``, ``_integer``, ``_decimal``,
``_boolean``, ``_date`` or a language tag such as ``_en`` (plain string otherwise). Values are bound
with ``initBindings``: they never become query text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Identifier

from .errors import InputError, UsageError

_TYPES = {"iri", "string", "integer", "decimal", "boolean", "date"}
_VARIABLE = re.compile(r"[?$](__?)([A-Za-z][A-Za-z0-9]*)(?:_([A-Za-z0-9-]+))?\b")
_DATATYPES = {"integer": XSD.integer, "decimal": XSD.decimal, "boolean": XSD.boolean, "date": XSD.date}


@dataclass(frozen=True)
class Parameter:
    """One parameter of a named query."""

    name: str
    variable: str
    type: str = "string"
    language: str | None = None
    required: bool = True
    default: str | None = None
    allowed: tuple[str, ...] = ()

    def describe(self) -> str:
        text = f"{self.name} ({self.type}{', ' + self.language if self.language else ''}"
        text += ", required)" if self.required and self.default is None else ", optional)"
        if self.default is not None:
            text += f" default {self.default}"
        if self.allowed:
            text += f" one of {', '.join(self.allowed)}"
        return text

    def bind(self, raw: str) -> Identifier:
        """Turn a command-line value into an RDF term, refusing values outside ``allowed``."""
        if self.allowed and raw not in self.allowed:
            raise UsageError(f"parameter {self.name!r} cannot be {raw!r}",
                             hint=f"allowed values: {', '.join(self.allowed)}")
        if self.type == "iri":
            if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|\\^`]*$", raw):
                raise UsageError(f"parameter {self.name!r} needs an absolute IRI, got {raw!r}")
            return URIRef(raw)
        if self.type in _DATATYPES:
            literal = Literal(raw, datatype=_DATATYPES[self.type])
            if literal.ill_typed:  # rdflib marks values it cannot read as ill-typed
                raise UsageError(f"parameter {self.name!r} needs a {self.type}, got {raw!r}")
            return literal
        return Literal(raw, lang=self.language)


@dataclass(frozen=True)
class NamedQuery:
    """A query file with its header."""

    name: str
    path: Path
    title: str
    description: str
    text: str
    parameters: tuple[Parameter, ...] = ()
    tags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def _iri_parameters(self) -> set[str]:
        return {p.name for p in self.parameters if p.type == "iri"}

    @property
    def form(self) -> str:
        body = "\n".join(line for line in self.text.splitlines() if not line.lstrip().startswith("#"))
        body = re.sub(r"(?is)\bPREFIX\s+\S*\s*<[^>]*>|\bBASE\s*<[^>]*>", " ", body)
        match = re.search(r"(?i)\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", body)
        return match.group(1).upper() if match else "SELECT"

    def bindings(self, values: Mapping[str, str],
                 resolve: Callable[[str], Identifier] | None = None) -> dict[str, Identifier]:
        """Check ``values`` against the parameters and turn them into SPARQL bindings.

        With ``resolve``, an IRI parameter given without a colon (an entry's slug, a licence
        identifier, a concept's notation) is first turned into its IRI by it.
        """
        if resolve is not None:
            values = {name: str(resolve(value)) if name in self._iri_parameters and ":" not in value else value
                      for name, value in values.items()}
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(values) - set(known))
        if unknown:
            listed = ", ".join(p.describe() for p in self.parameters) or "none"
            raise UsageError(f"query {self.name!r} has no parameter {unknown[0]!r}",
                             hint=f"its parameters: {listed}")
        bound: dict[str, Identifier] = {}
        for parameter in self.parameters:
            raw = values.get(parameter.name, parameter.default)
            if raw is None:
                if parameter.required:
                    raise UsageError(f"query {self.name!r} needs parameter {parameter.name!r}",
                                     hint=f"add --param {parameter.name}=VALUE ({parameter.describe()})")
                continue
            bound[parameter.variable] = parameter.bind(str(raw))
        return bound


def parse_query_file(path: Path) -> NamedQuery:
    """Read a ``.rq`` file and its header."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read query: {exc}", path=path) from exc
    header_lines = [line[3:] if line.startswith("#+ ") else line[2:]
                    for line in text.splitlines() if line.startswith("#+")]
    try:
        header = yaml.safe_load("\n".join(header_lines)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"query header is not valid YAML: {exc}", path=path,
                         line=mark.line + 1 if mark else None) from exc
    if not isinstance(header, dict):
        raise InputError("query header must be a mapping of '#+ key: value' lines", path=path)
    defaults = _merge(header.get("defaults"))
    allowed = _merge(header.get("enumerate"))
    parameters: dict[str, Parameter] = {}
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    for underscores, name, suffix in _VARIABLE.findall(body):
        if name in parameters:
            continue
        kind, language = "string", None
        if suffix in _TYPES:
            kind = suffix
        elif suffix:
            language = suffix
        variable = f"{underscores}{name}" + (f"_{suffix}" if suffix else "")
        parameters[name] = Parameter(
            name=name, variable=variable, type=kind, language=language,
            required=underscores == "_", default=_text(defaults.get(name)),
            allowed=tuple(str(v) for v in allowed.get(name, ())))
    return NamedQuery(
        name=path.stem,
        path=path,
        title=str(header.get("summary") or path.stem),
        description=str(header.get("description") or "").strip(),
        text=text,
        parameters=tuple(parameters.values()),
        tags=tuple(str(t) for t in header.get("tags") or ()),
    )


def _merge(items: Any) -> dict[str, Any]:
    """grlc writes defaults and enumerations as a list of one-key mappings."""
    merged: dict[str, Any] = {}
    if isinstance(items, dict):
        return dict(items)
    for item in items or ():
        if isinstance(item, dict):
            merged.update(item)
    return merged


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


class QueryLibrary:
    """The named queries of a catalogue, by name."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._queries = {q.name: q for q in (parse_query_file(p) for p in sorted(folder.glob("*.rq")))}

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._queries.values())

    def __len__(self) -> int:
        return len(self._queries)

    def get(self, name: str) -> NamedQuery:
        try:
            return self._queries[name]
        except KeyError:
            close = difflib.get_close_matches(name, self._queries, n=3, cutoff=0.5)
            hint = f"did you mean {', '.join(close)}?" if close else "`railgraph queries` lists them"
            raise UsageError(f"unknown query {name!r}", hint=hint) from None
