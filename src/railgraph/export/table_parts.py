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
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pyoxigraph as ox
from rdflib import URIRef

from .._version import __version__
from ..errors import RailgraphError
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


def parts_of(grouped: pieces.Groups, digests: Mapping[URIRef, bytes], rows: Sequence[Sequence[str]],
             flattened: Sequence[Mapping[str, Cells]]) -> list[Part]:
    """``rows`` (each table's, sorted) shared out to the groups of sources (see
    :func:`~railgraph.export.pieces.groups`) that describe them, and the rest to a last part.
    ``flattened``: each table's flattened values by row.
    ``digests``: the SHA-256 of each source file's bytes, by its graph."""
    tables_of: dict[str, list[int]] = {}
    for index, members in enumerate(rows):
        for row in members:
            tables_of.setdefault(row, []).append(index)
    parts: list[Part] = []
    placed: set[str] = set()
    for members in grouped:
        mine: list[list[str]] = [[] for _ in rows]
        for subject in {s.value for source in members for s in source.subjects if isinstance(s, ox.NamedNode)}:
            for index in tables_of.get(subject, ()):
                mine[index].append(subject)
        if not any(mine):
            continue
        digest = hashlib.sha256(pieces.group_key(members, digests, _SALT).encode())
        for index, found in enumerate(mine):
            found.sort()
            placed.update(found)
            digest.update(orjson.dumps([found, [sorted((*key, sorted(values)) for key, values
                                                       in flattened[index].get(row, {}).items())
                                                for row in found]]))
        parts.append(Part(digest.hexdigest(), mine))
    rest = [[row for row in members if row not in placed] for members in rows]
    if any(rest):
        parts.append(Part(None, rest))
    return parts


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
          on: pieces.Origin | None = None) -> None:
    """Keep ``parts`` (by key, one :class:`Rendered` per table of ``files``) as the latest tables
    file of the cache (``on``: the file they were read from, see :func:`railgraph.export.pieces.write`)."""
    if cache_dir is None:
        return
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
    pieces.write(cache_dir, KIND, stored, tag="\n".join(sorted(layouts)), on=on)
