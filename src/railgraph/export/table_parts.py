"""The CSV tables in parts kept in the cache, so that a build after an edit writes anew only the
rows of the files it touched.

A part is a group of sources (see :func:`railgraph.export.pieces.groups`): no subject is
described in two groups, so the cells of a row, the asserted values of its subject, come from
its group alone. For each table a part holds its rows, what its values ask of each column (is
it multi-valued, which separator candidates do its values contain) and each row as a CSV line,
written for the table's columns as they were then. A part is kept under the content of its
sources, the tables its rows are in and their flattened (inferred) values; its lines are read
back while the table's columns stay the same, and written again from the store where they do not
(a column was added, or a separator changed). The rows no source describes (an IRI typed by
inference alone) form one more part, never kept.

A process that builds again after an edit (``build --watch``) keeps what its last tables were
made of (:class:`Made`): under the same closure, the parts of the groups whose sources are the
same are those of the last build, so that only the edited groups' rows are looked up in the store
(see :func:`parts_again`), and their lines are those the process holds.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pyoxigraph as ox
from rdflib import URIRef

from .._version import __version__
from ..errors import RailgraphError
from ..loading import Source
from . import pieces

#: A column's key: the predicate IRI and the kind of its values (``""`` for IRIs, ``@tag`` or
#: the datatype IRI for literals).
Key = tuple[str, str]
#: A row's values, by column key.
Cells = dict[Key, list[str]]
#: What a part's values ask of each column: multi-valued, and the separator candidates they hold.
Summary = dict[Key, tuple[bool, str]]
#: One row as it stands in its table: its IRI (what orders it) and its CSV line.
Line = tuple[bytes, "bytes | memoryview"]
#: A table's columns in order: each one's key and separator (None where no row holds several values).
Layout = Sequence[tuple[Key, "str | None"]]

#: Where a multi-valued cell's separator is chosen from, the first free one first.
SEPARATORS = "|¦" + "".join(map(chr, range(0xE000, 0xF900)))
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
#: What the tables' parts are kept as in the cache (see :func:`railgraph.export.pieces.read`).
KIND = "csv"
_SALT = f"csv\0{__version__}".encode()
_DEFAULT = ox.DefaultGraph()


@dataclass
class Part:
    """Some rows of each table: ``rows[i]`` are those of the i-th table, sorted. ``key`` is what
    the part is kept under; None for the rows no source describes."""

    key: str | None
    rows: list[list[str]]


@dataclass
class Rendered:
    """One part's share of one table: its :data:`Summary`, and its lines, written for the columns
    of ``layout`` (see :func:`layout_digest`); ``cells`` where they were read from the store."""

    summary: Summary
    layout: str = ""
    lines: list[Line] = field(default_factory=list)
    cells: dict[str, Cells] | None = None


@dataclass
class Parts:
    """The rows of the tables shared out (see :func:`parts_of`): ``parts`` in order, the rows no
    source describes last; ``groups``: by the key of each group of sources, its part (None where
    it holds none of the rows) and its named subjects."""

    parts: list[Part]
    groups: dict[str, tuple[Part | None, frozenset[str]]]


@dataclass
class Made:
    """What one process's last tables were made of, for its next (see :func:`parts_again`): their
    parts under the closure of ``inference_key``, each part's share of each table by its key, and
    the cache's full tables file they lie on (see :func:`railgraph.export.pieces.write`)."""

    inference_key: str | None
    parts: Parts
    rendered: dict[str, list[Rendered]]
    origin: pieces.Origin | None


def parts_of(grouped: pieces.Groups, digests: Mapping[URIRef, bytes], rows: Sequence[Sequence[str]],
             flattened: Sequence[Mapping[str, Cells]]) -> Parts:
    """``rows`` (each table's, sorted) shared out to the groups of sources (see
    :func:`~railgraph.export.pieces.groups`) that describe them, and the rest to a last part.
    ``flattened``: each table's flattened values by row.
    ``digests``: the SHA-256 of each source file's bytes, by its graph."""
    tables_of: dict[str, list[int]] = {}
    for index, members in enumerate(rows):
        for row in members:
            tables_of.setdefault(row, []).append(index)
    found = Parts([], {})
    for members in grouped:
        key, subjects = pieces.group_key(members, digests, _SALT), _subjects(members)
        part = _part(key, subjects, tables_of, flattened)
        found.groups[key] = part, subjects
        if part is not None:
            found.parts.append(part)
    placed = {row for part in found.parts for found_rows in part.rows for row in found_rows}
    rest = [[row for row in members if row not in placed] for members in rows]
    if any(rest):
        found.parts.append(Part(None, rest))
    return found


def parts_again(before: Parts, grouped: pieces.Groups, digests: Mapping[URIRef, bytes],
                tables_of: Callable[[Iterable[str]], Mapping[str, Sequence[int]]],
                flattened: Sequence[Mapping[str, Cells]]) -> Parts | None:
    """The parts :func:`parts_of` would give, made from the parts ``before`` of the same closure:
    those of the groups whose sources are the same are kept; the others' rows are found by
    ``tables_of`` (the indexes of the tables each of some subjects is a row of). None where the
    groups no longer describe the same subjects (an entry added or removed): the rows no
    source describes cannot then be told from the edited groups alone."""
    found = Parts([], {})
    made: dict[str, tuple[Part | None, frozenset[str]]] = {}
    for members in grouped:
        key = pieces.group_key(members, digests, _SALT)
        if key in before.groups:
            found.groups[key] = before.groups[key]
        else:
            made[key] = found.groups[key] = None, _subjects(members)
    gone = [subjects for key, (_, subjects) in before.groups.items() if key not in found.groups]
    described = set().union(*(subjects for _, subjects in made.values()))
    if described != set().union(*gone):
        return None
    rows_of = tables_of(described)
    for key, (_, subjects) in made.items():
        found.groups[key] = _part(key, subjects, rows_of, flattened), subjects
    found.parts = [part for part, _ in found.groups.values() if part is not None]
    if before.parts and before.parts[-1].key is None:
        found.parts.append(before.parts[-1])
    return found


def _subjects(members: Iterable[Source]) -> frozenset[str]:
    """The IRIs a group's sources describe."""
    return frozenset(s.value for source in members for s in source.subjects if isinstance(s, ox.NamedNode))


def _part(key: str, subjects: Iterable[str], tables_of: Mapping[str, Sequence[int]],
          flattened: Sequence[Mapping[str, Cells]]) -> Part | None:
    """The part of the group kept under ``key`` that describes ``subjects``: the rows among them,
    by table (see :func:`parts_of`); None where there are none."""
    mine: list[list[str]] = [[] for _ in flattened]
    for subject in subjects:
        for index in tables_of.get(subject, ()):
            mine[index].append(subject)
    if not any(mine):
        return None
    digest = hashlib.sha256(key.encode())
    for index, found in enumerate(mine):
        found.sort()
        digest.update(orjson.dumps([found, [sorted((*cell, sorted(values)) for cell, values
                                                   in flattened[index].get(row, {}).items())
                                            for row in found]]))
    return Part(digest.hexdigest(), mine)


def cells_of(store: ox.Store, subjects: Iterable[str]) -> dict[str, Cells]:
    """The asserted values of each subject (the store's default graph: the union of the sources,
    a set), by column key; blank nodes are left out."""
    names: dict[str, str] = {}  # one string object per predicate and kind, so keys share them
    literal, blank = ox.Literal, ox.BlankNode
    found: dict[str, Cells] = {}
    for subject in subjects:
        cells: Cells = {}
        for _, predicate, value, _ in store.quads_for_pattern(ox.NamedNode(subject), None, None, _DEFAULT):
            kind = type(value)  # tables._code, inlined: this loop sees every asserted triple of a row
            if kind is literal:
                language = value.language
                code = "@" + language if language else value.datatype.value
            elif kind is blank:
                continue
            else:
                code = ""
            text = predicate.value
            cells.setdefault((names.setdefault(text, text), names.setdefault(code, code)), []).append(value.value)
        found[subject] = cells
    return found


def table_cells(asserted: Mapping[str, Cells], rows: Iterable[str], skipped: frozenset[str],
                flattened: Mapping[str, Cells]) -> dict[str, Cells]:
    """The cells of ``rows`` in one table: their asserted values but those of the ``skipped``
    predicates, whose values are the ``flattened`` ones instead."""
    found: dict[str, Cells] = {}
    for row in rows:
        cells = {key: values for key, values in asserted.get(row, {}).items() if key[0] not in skipped}
        cells.update(flattened.get(row, {}))
        found[row] = cells
    return found


def summary(cells: Mapping[str, Cells]) -> Summary:
    """What the values of ``cells`` (by row) ask of each column: whether a row holds several, and
    which candidate separators they contain."""
    values: dict[Key, list[str]] = {}
    multi: set[Key] = set()
    for row_cells in cells.values():
        for key, found in row_cells.items():
            values.setdefault(key, []).extend(found)
            if len(found) > 1:
                multi.add(key)
    found_summary: Summary = {}
    for key, texts in values.items():
        text = "\n".join(texts)
        used = {c for c in SEPARATORS[:2] if c in text} | set(_PRIVATE_USE.findall(text))
        found_summary[key] = (key in multi, "".join(sorted(used)))
    return found_summary


def merged(summaries: Iterable[Summary]) -> dict[Key, str | None]:
    """Each column of a table whose parts have ``summaries``, and its separator (None for a column
    no row holds several values of): the first candidate no value contains."""
    multi: dict[Key, bool] = {}
    used: dict[Key, set[str]] = {}
    for each in summaries:
        for key, (several, characters) in each.items():
            multi[key] = multi.get(key, False) or several
            used.setdefault(key, set()).update(characters)
    return {key: _free(used[key]) if several else None for key, several in multi.items()}


def _free(used: set[str]) -> str:
    for candidate in SEPARATORS:
        if candidate not in used:
            return candidate
    raise RailgraphError("no separator character is free: the values use every candidate")


def layout_digest(columns: Layout) -> str:
    """What a table's lines depend on besides their rows: its columns' keys and separators, in order."""
    return hashlib.sha256(_SALT + orjson.dumps(columns)).hexdigest()


# -- the cache ---------------------------------------------------------------------------------

class Kept(dict[str, list[Rendered]]):
    """The parts read back (see :func:`read`), and the full file they came from, if any."""

    origin: pieces.Origin | None = None


def read(cache_dir: Path | None, files: Sequence[str]) -> Kept:
    """The parts the cache holds, by key: one :class:`Rendered` per table of ``files``."""
    kept = Kept()
    if cache_dir is None:
        return kept
    index = {name.encode("utf-8"): position for position, name in enumerate(files)}
    found = pieces.read(cache_dir, KIND)
    kept.origin = found.origin
    for key, stored in found.items():
        rendered = [Rendered({}) for _ in files]
        try:
            for piece_key, data in stored:
                name, _, row = bytes(piece_key).partition(b"\n")
                each = rendered[index[name]]
                if row:
                    each.lines.append((row, data))
                else:
                    head = orjson.loads(data)
                    each.layout = head["layout"]
                    each.summary = {(p, code): (bool(multi), used) for p, code, multi, used in head["summary"]}
        except (KeyError, ValueError, TypeError, orjson.JSONDecodeError):
            continue  # not what write() writes: made again
        kept[key] = rendered
    return kept


def write(cache_dir: Path | None, files: Sequence[str], parts: Mapping[str, Sequence[Rendered]],
          on: pieces.Origin | None = None) -> pieces.Origin | None:
    """Keep ``parts`` (by key, one :class:`Rendered` per table of ``files``) as the latest tables
    file of the cache (``on``: the file they were read from), and return the full file it is or
    lies on (see :func:`railgraph.export.pieces.write`)."""
    if cache_dir is None:
        return None
    stored: pieces.Pieces = {}
    layouts = set()
    for key, rendered in parts.items():
        found: list[pieces.Piece] = []
        for name, each in zip(files, rendered):
            prefix = name.encode("utf-8") + b"\n"
            head = {"layout": each.layout,
                    "summary": [[p, code, multi, used] for (p, code), (multi, used) in each.summary.items()]}
            found.append((prefix, orjson.dumps(head)))
            found.extend((prefix + bytes(row), data) for row, data in each.lines)
            layouts.add(each.layout)
        stored[key] = found
    return pieces.write(cache_dir, KIND, stored, tag="\n".join(sorted(layouts)), on=on)
