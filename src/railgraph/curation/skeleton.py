"""``railgraph new KIND SLUG``: a Turtle skeleton of a new entry with every field of its class.

The skeleton is valid Turtle as written. Only the type and ``rg:status draft`` are live; every
field is a commented-out line to fill in and uncomment, marked ``# required`` (a violation shape
needs it: validation fails, naming the field, until it is there), ``# recommended`` (a warning
shape asks for it) or ``# optional``. A controlled field lists the concepts of its scheme below
it. Fields, requirements and schemes come from :mod:`.schema`, so the skeleton follows the shapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Literal, URIRef
from rdflib.term import Node

from ..atomic import write_file_atomically
from ..errors import UsageError
from ..namespaces import ID, PREFIXES, RG, SH, XSD
from .schema import Field, Schema, curie

if TYPE_CHECKING:
    from ..catalogue import Catalogue

__all__ = ["FOLDERS", "SLUG", "Skeleton", "new_entry", "skeleton"]

#: Kind of entry -> its folder under data/.
FOLDERS: dict[str, str] = {
    "tool": "tools", "metric": "metrics", "licence": "licences", "use-case": "use-cases",
    "model": "models", "organisation": "organisations",
}
#: A slug as entry IRIs take it (shapes/violations.ttl, rgsh:EntryIRIShape).
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_SLUG = 120
DRAFT = URIRef("https://w3id.org/railgraph/vocab/status/draft")
FILL = "…"


@dataclass(frozen=True)
class Skeleton:
    """A written skeleton: where, and the IRI of the new entry."""

    path: Path
    iri: URIRef
    text: str


def check_slug(kind: str, slug: str) -> None:
    if kind not in FOLDERS:
        raise UsageError(f"unknown kind of entry {kind!r}", hint=f"choose one of {', '.join(FOLDERS)}")
    if len(slug) > MAX_SLUG or not SLUG.match(slug):
        raise UsageError(f"{slug!r} is not a valid slug",
                         hint="use lower-case letters and digits in words joined by single hyphens, "
                              "e.g. model-cards (the OECD.AI slug where the entry is in that catalogue)")


def new_entry(catalogue: Catalogue, kind: str, slug: str) -> Skeleton:
    """Write ``data/{folder}/{slug}.ttl`` in the catalogue root; refuse a slug already in use."""
    check_slug(kind, slug)
    data = catalogue.root / "data"
    for folder in FOLDERS.values():
        existing = data / folder / f"{slug}.ttl"
        if existing.exists():
            raise UsageError(f"{existing} already exists: the slug {slug!r} is taken",
                             hint="edit that file, or choose another slug")
    for other in FOLDERS:
        iri = ID[f"{other}/{slug}"]
        if (iri, None, None) in catalogue.asserted:
            where = catalogue.locate(iri)
            raise UsageError(f"{where[0] if where else iri} already describes <{iri}>: the slug "
                             f"{slug!r} is taken", hint="edit that entry, or choose another slug")
    text = skeleton(Schema.of(catalogue), kind, slug)
    path = data / FOLDERS[kind] / f"{slug}.ttl"
    write_file_atomically(path, text.encode("utf-8"))
    return Skeleton(path, ID[f"{kind}/{slug}"], text)


def skeleton(schema: Schema, kind: str, slug: str) -> str:
    """The Turtle text of a new ``kind`` entry named ``slug``."""
    from ..catalogue import ENTRY_KINDS

    check_slug(kind, slug)
    cls = ENTRY_KINDS[kind]
    iri = ID[f"{kind}/{slug}"]
    fields = [f for f in schema.fields(cls) if f.path != RG.status]
    status = next((f for f in schema.fields(cls) if f.path == RG.status), None)
    lines = [
        f"# railgraph {kind}: {slug}",
        f"# Written by `railgraph new {kind} {slug}`. To fill it in: replace each {FILL} with a value,",
        "# remove the '# ' in front of the line, and delete the lines you do not need. Lines marked",
        "# 'required' must be there for the entry to validate; 'recommended' ones give a warning when",
        "# missing. A controlled field lists its allowed concepts under it (slug, label, notation).",
        f"# Then check the entry: railgraph validate data/{FOLDERS[kind]}/{slug}.ttl",
        "# Keep rg:status draft until every fact is checked against the sources you cite.",
        "",
    ]
    used = {"rg", "xsd"} | {curie(f.path).split(":")[0] for f in fields if not curie(f.path).startswith("<")}
    lines += [f"@prefix {prefix}: <{PREFIXES[prefix]}> ." for prefix in PREFIXES if prefix in used]
    lines += ["", f"<{iri}> a {curie(cls)} ;"]
    status_note = "required" if status is not None and status.required else "optional"
    choices = ", ".join(c.slug for c in schema.concepts(schema.status_scheme()))
    lines.append(f"    rg:status <{DRAFT}> ;  # {status_note}: status, exactly one of {choices}")
    for item in fields:
        lines += _field_lines(schema, item, iri)
    lines += ["    .", ""]
    return "\n".join(lines)


def _field_lines(schema: Schema, item: Field, iri: URIRef) -> list[str]:
    marker = "required" if item.required else "recommended" if item.recommended else "optional"
    lines = [f"    # {curie(item.path)} {_placeholder(schema, item, iri)} ;  # {marker}: {_describe(schema, item)}"]
    if item.scheme is not None:
        concepts = schema.concepts(item.scheme)
        width = max((len(c.slug) for c in concepts), default=0)
        lines += [f"    #     {c.slug:<{width}}  {c.label}" + (f"  ({c.notation})" if c.notation else "")
                  for c in concepts]
    elif item.allowed:
        lines.append("    #     " + ", ".join(_term(value) for value in item.allowed))
    return lines


def _placeholder(schema: Schema, item: Field, iri: URIRef) -> str:
    if item.scheme is not None:
        return f"<{item.scheme}/{FILL}>"
    if item.allowed:
        return _term(item.allowed[0])
    if item.range_class is not None:
        kind = next((k for k, c in _entry_classes().items() if item.range_class in schema.superclasses(c)),
                    None)
        return f"<{ID}{kind}/{FILL}>" if kind else f"<{iri}/{FILL}>"
    if item.node_kind == SH.IRI:
        return f"<https://{FILL}>"
    if item.language:
        return f'"{FILL}"@{item.language}'
    if item.datatype == XSD.date:
        return '"YYYY-MM-DD"^^xsd:date'
    if item.datatype == XSD.boolean:
        return "false"
    return f'"{FILL}"'


def _describe(schema: Schema, item: Field) -> str:
    count = "exactly one" if item.required and item.max_count == 1 else \
        "at most one" if item.max_count == 1 else "at least one" if item.required else "any number"
    what = [f"{item.label}, {count}"]
    if item.scheme is not None:
        what.append(f"a concept of the {str(item.scheme).rsplit('/', 1)[-1]} scheme:")
    elif item.allowed:
        what.append("one of:")
    elif item.range_class is not None:
        what.append(f"the IRI of an {curie(item.range_class)} ({schema.label(item.range_class)})")
    elif item.language:
        what.append(f"text tagged @{item.language}")
    elif item.datatype is not None:
        what.append(curie(item.datatype))
    elif item.node_kind == SH.IRI:
        what.append("an IRI")
    if item.pattern and item.scheme is None:
        what.append(f"matching {item.pattern}")
    return "; ".join(what)


def _term(value: Node) -> str:
    if isinstance(value, Literal):
        return value.n3()
    return curie(value) if not curie(value).startswith("<") else f"<{value}>"


def _entry_classes() -> dict[str, URIRef]:
    from ..catalogue import ENTRY_KINDS

    return ENTRY_KINDS
