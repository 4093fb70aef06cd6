"""The asserted N-Triples, Turtle and JSON-LD, assembled from pieces kept in the cache by their
sources' content, so that a build after an edit makes anew only the pieces of the files it touched.

The sources are put into groups: sources that describe one subject, or name one blank node, are
in one group. Each group's statements are written on their own, as
:func:`~railgraph.export.rdf.serialize_statements` writes a whole catalogue, and cut into one
piece per subject (N-Triples: the subject's lines; JSON-LD: its node, with the blank nodes and
lists folded into it; Turtle: the subject's block, its prefixes declared once at the top). These
formats order a document by subject alone, and no subject is in two groups, so the pieces of every
group, sorted by subject, are the whole document byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import pyoxigraph as ox
from rdflib import URIRef

from .. import cache_reads
from .._version import __version__
from ..atomic import Chunks, Digesting, newest_first, write_through
from ..errors import InputError
from ..loading import Source
from . import compact, jsonld
from .rdf import by_subject, escaping_prefix, get_format, serialize_lines, sorted_lines

#: One subject's bytes in a document, with the key that orders it there (its bytes may be a view
#: of a pieces file read back, which is then not copied).
Piece = tuple[bytes, "bytes | memoryview"]
#: The pieces of each group, by the group's key (see :func:`group_key`).
Pieces = dict[str, list[Piece]]
#: Sources in groups (see :func:`groups`).
Groups = Sequence[Sequence[Source]]

#: What the documents' pieces are kept as in the cache: the names of their formats.
KINDS = ("nt", "ttl", "jsonld")
#: How many pieces files of each kind the cache keeps (the latest is the one read), besides the
#: full files their overlays are written on.
KEEP = 2
#: The largest share of a document's bytes an overlay holds (see :func:`write`); past it, the
#: document is written whole.
OVERLAY_SHARE = 0.25
_MAGIC = b"railgraph-pieces 1\n"
_OVERLAY = b"railgraph-pieces-overlay 1\n"
_COUNT, _SIZES = struct.Struct(">I"), struct.Struct(">II")
#: A group's Turtle note where a prefix would need a "/" escaped (see :func:`_turtle_pieces`).
_ESCAPES = b"!"
#: Where the nodes of a JSON-LD document go in its frame (see :func:`_jsonld_frame`).
_HOLE = "railgraph:pieces"
#: What stands between two nodes in a JSON-LD document's ``@graph``.
_BETWEEN_NODES = b",\n"
_OBJECT = attrgetter("object")


def ntriples(grouped: Groups, digests: Mapping[URIRef, bytes], cache_dir: Path | None) -> Chunks:
    """The asserted triples of the sources (in their :func:`groups`) as N-Triples: each line
    once, sorted. ``digests``: the SHA-256 of each source file's bytes, by its graph.

    These functions give a document's bytes in chunks, to be joined or written one after the
    other: at 100,000 tools, joining 590 MB of N-Triples took 0.5 to 0.7 s.
    """
    salt = f"nt\0{__version__}\0{ox.__version__}".encode()
    return [data for _, data in _assembled(grouped, digests, cache_dir, "nt", salt, _ntriples_pieces)]


def jsonld_document(grouped: Groups, digests: Mapping[URIRef, bytes], cache_dir: Path | None,
                    context: Mapping[str, Any]) -> Chunks | None:
    """The asserted triples of the sources (in their :func:`groups`) as JSON-LD compacted with ``context`` (what
    :func:`~railgraph.export.rdf.serialize_statements` writes), or None where
    :mod:`.compact` cannot promise PyLD's document (the caller then runs PyLD on them all)."""
    context_key = hashlib.sha256(json.dumps(context, sort_keys=True).encode()).hexdigest()
    salt = f"jsonld\0{__version__}\0{orjson.__version__}\0{context_key}".encode()
    try:
        compactor = compact.Compactor.for_context(context)
        head, tail = _jsonld_frame(context)
        assembled = _assembled(grouped, digests, cache_dir, "jsonld", salt,
                               lambda statements: _jsonld_pieces(statements, compactor))
    except compact.Unsupported:
        return None
    if not assembled:
        return [jsonld.dumps({"@context": dict(context), "@graph": []} if context else {"@graph": []})]
    chunks: Chunks = [head]
    for _, data in assembled:
        chunks += (data, _BETWEEN_NODES)
    chunks[-1] = tail
    return chunks


def turtle(grouped: Groups, digests: Mapping[URIRef, bytes], cache_dir: Path | None,
           prefixes: Mapping[str, str]) -> Chunks:
    """The asserted triples of the sources (in their :func:`groups`) as Turtle (what
    :func:`~railgraph.export.rdf.serialize_statements` writes), declaring those of ``prefixes`` it
    uses. Where one of them would need a "/" escaped, the document is written from the assembled
    N-Triples instead (that prefix is left out of every group's statements)."""
    chosen = dict(sorted(prefixes.items()))
    salt = f"ttl\0{__version__}\0{ox.__version__}\0{json.dumps(chosen)}".encode()
    declared = _prefix_lines(chosen)
    assembled = _assembled(grouped, digests, cache_dir, "ttl", salt,
                           lambda statements: _turtle_pieces(statements, chosen, declared))
    used: set[bytes] = set()
    for key, data in assembled:
        if key:
            break  # the groups' notes sort first: their keys are empty
        if data == _ESCAPES:
            return [serialize_lines(b"".join(ntriples(grouped, digests, cache_dir)), get_format("ttl"), prefixes)]
        used.update(bytes(data).split())
    header = sorted(line for line in declared if line.split(b" ", 2)[1] in used)
    return [b"".join(header), *(data for key, data in assembled if key)]


def groups(sources: Sequence[Source]) -> list[list[Source]]:
    """``sources`` in groups, each in their given order: two sources that describe one subject,
    or name one blank node, are in one group. Groups come in the order of their first source."""
    parent = list(range(len(sources)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    owner: dict[object, int] = {}
    for index, source in enumerate(sources):
        blank_objects = {term for term in map(_OBJECT, source.quads) if isinstance(term, ox.BlankNode)} \
            if source.blank_nodes else set()  # a source read without blank nodes names none
        for term in source.subjects | blank_objects:
            first = owner.setdefault(term, index)
            if first != index:
                a, b = root(first), root(index)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    members: dict[int, list[Source]] = {}
    for index, source in enumerate(sources):
        members.setdefault(root(index), []).append(source)
    return list(members.values())


def group_key(members: Iterable[Source], digests: Mapping[URIRef, bytes], salt: bytes) -> str:
    """What a group's pieces are kept under: its sources' names and content, and ``salt`` (the
    format and the versions of what writes it)."""
    digest = hashlib.sha256(salt)
    for source in members:
        digest.update(b"\0" + str(source.graph_iri).encode() + b"\0" + digests[source.graph_iri])
    return digest.hexdigest()


def _assembled(grouped: Groups, digests: Mapping[URIRef, bytes], cache_dir: Path | None,
               kind: str, salt: bytes, make: Callable[[list[ox.Quad]], list[Piece]]) -> list[Piece]:
    """Every group's pieces, sorted: those the cache holds read back, the others made by
    ``make`` (from the group's quads); the cache then holds this document's pieces."""
    keyed = {group_key(members, digests, salt): members for members in grouped}
    kept = read(cache_dir, kind) if cache_dir is not None else Kept()
    found: Pieces = {}
    for key, members in keyed.items():
        held = kept.get(key)
        found[key] = held if held is not None else make([quad for source in members for quad in source.quads])
    origin = kept.origin
    del kept
    if cache_dir is not None:
        write(cache_dir, kind, found, on=origin)
    every = [piece for each in found.values() for piece in each]
    every.sort(key=itemgetter(0))
    return every


def _ntriples_pieces(statements: list[ox.Quad]) -> list[Piece]:
    """A group's N-Triples lines, each subject's together: a line begins with its subject and a
    space, and no subject's term holds a space, so lines sorted whole are sorted by subject."""
    lines = sorted_lines(ox.serialize(statements, format=ox.RdfFormat.N_TRIPLES)).split(b"\n")
    found: list[Piece] = []
    start, subject = 0, lines[0][:lines[0].find(b" ") + 1]
    for index in range(1, len(lines)):  # the last line is empty: it ends the last subject's
        if not lines[index].startswith(subject):
            found.append((subject, b"\n".join(lines[start:index]) + b"\n"))
            start, subject = index, lines[index][:lines[index].find(b" ") + 1]
    return found


def _turtle_pieces(statements: list[ox.Quad], chosen: Mapping[str, str], declared: list[bytes]) -> list[Piece]:
    """A group's Turtle, one piece per subject's statements, and first a note (its key empty) of
    the prefixes it uses, or :data:`_ESCAPES` where one of ``chosen`` would need a "/" escaped
    (or the group's Turtle is not one block per subject). ``declared``: the lines declaring
    ``chosen`` (see :func:`_prefix_lines`)."""
    ordered = by_subject(ox.serialize(statements, format=ox.RdfFormat.N_TRIPLES))
    written = ox.serialize(ox.parse(ordered, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.TURTLE,
                           prefixes=dict(chosen))
    body = written
    while body.startswith(b"@prefix "):
        body = body[body.index(b"\n") + 1:]
    subjects: list[bytes] = []
    for line in ordered.split(b"\n")[:-1]:
        subject = line[:line.find(b" ") + 1]
        if not subjects or subjects[-1] != subject:
            subjects.append(subject)
    lines = body.split(b"\n")  # the last one is empty: the body ends in a line feed
    starts = [index for index, line in enumerate(lines[:-1]) if not line.startswith(b"\t")] + [len(lines) - 1]
    if escaping_prefix(body, chosen) is not None or len(starts) - 1 != len(subjects):
        return [(b"", _ESCAPES)]
    used = b" ".join(line.split(b" ", 2)[1] for line in declared if line.split(b" ", 2)[1] in body)
    return [(b"", used)] + [(subject, b"\n".join(lines[start:end]) + b"\n")
                            for subject, start, end in zip(subjects, starts, starts[1:])]


def _prefix_lines(chosen: Mapping[str, str]) -> list[bytes]:
    """The line declaring each of ``chosen`` as pyoxigraph writes it in Turtle."""
    probe = ox.Triple(ox.NamedNode("urn:railgraph:probe"), ox.NamedNode("urn:railgraph:probe"), ox.Literal(""))
    written = ox.serialize([probe], format=ox.RdfFormat.TURTLE, prefixes=dict(chosen))
    return [line + b"\n" for line in written.split(b"\n") if line.startswith(b"@prefix ")]


def _jsonld_pieces(statements: list[ox.Quad], compactor: compact.Compactor) -> list[Piece]:
    """A group's JSON-LD nodes, each as it stands in a document's ``@graph`` (see :func:`_jsonld_frame`)."""
    found: list[Piece] = []
    for node in compact.expand(compact.from_oxigraph(statements)):
        written = jsonld.dumps(compactor.node(node))[:-1]  # the document's final line feed
        found.append((node["@id"].encode("utf-8"), b"    " + written.replace(b"\n", b"\n    ")))
    return found


def _jsonld_frame(context: Mapping[str, Any]) -> tuple[bytes, bytes]:
    """What comes before the first node of a JSON-LD document's ``@graph``, and after the last
    one: the document is written with one string in their place, which is cut out."""
    document = {"@context": dict(context), "@graph": [_HOLE]} if context else {"@graph": [_HOLE]}
    head, hole, tail = jsonld.dumps(document).partition(b'    "' + _HOLE.encode() + b'"')
    if not hole:
        raise compact.Unsupported("the context holds the string that marks the nodes' place")
    return head, tail


# -- the cache ---------------------------------------------------------------------------------
#
# A full file holds every group of one document. After an edit most groups are those of the file
# before it: the next document is then kept as an overlay, a file holding only the groups its
# base (the latest full file) lacks, and naming that base. At 100,000 tools that writes a few
# hundred kilobytes after a title edit rather than the 590 MB of the N-Triples' pieces.


@dataclass(frozen=True)
class Origin:
    """The full file a document's pieces were read from, and the groups it holds."""

    path: Path
    keys: frozenset[str]


class Kept(dict[str, list[Piece]]):
    """The pieces read back (see :func:`read`), and the full file they came from, if any."""

    origin: Origin | None = None


def read(cache_dir: Path, kind: str) -> Kept:
    """The pieces of the latest ``kind`` file of the cache (none where it is missing or damaged):
    a full file's, or an overlay's with its base's."""
    files = newest_first(cache_dir, f"pieces-{kind}-*.bin")
    if not files:
        return Kept()
    found = cache_reads.read(files[0], _read_file)
    if found is None:
        return Kept()
    base, groups = found
    if base is None:
        kept = Kept(groups)
        kept.origin = Origin(files[0], frozenset(groups))
        return kept
    under = cache_reads.read(cache_dir / base, _read_file)
    if under is None or under[0] is not None:  # the base is gone, damaged, or not a full file
        return Kept()
    kept = Kept(under[1])
    kept.origin = Origin(cache_dir / base, frozenset(under[1]))
    kept.update(groups)
    return kept


def _read_file(path: Path) -> tuple[str | None, Pieces] | None:
    """The pieces a file holds, and the name of its base where it is an overlay (None where it is
    missing or damaged).

    A file is written as :func:`write` writes it: a first line (an overlay's is followed by the
    name of its base and a line feed), then each group (its key, how many pieces it holds, and
    each piece's key and bytes, their sizes first), then the SHA-256 of all after the first line."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    magic = _OVERLAY if data.startswith(_OVERLAY) else _MAGIC
    body = memoryview(data)[len(magic):-64]
    if not data.startswith(magic) or len(data) < len(magic) + 64 \
            or hashlib.sha256(body).hexdigest().encode() != data[-64:]:
        return None
    base = None
    at = 0
    try:
        if magic == _OVERLAY:
            end = bytes(body[:200]).index(b"\n")
            base, at = bytes(body[:end]).decode("ascii"), end + 1
        pieces: Pieces = {}
        while at < len(body):
            key = bytes(body[at:at + 64]).decode("ascii")
            (count,) = _COUNT.unpack_from(body, at + 64)
            at += 64 + _COUNT.size
            group: list[Piece] = []
            for _ in range(count):
                key_size, data_size = _SIZES.unpack_from(body, at)
                at += _SIZES.size
                group.append((bytes(body[at:at + key_size]), body[at + key_size:at + key_size + data_size]))
                at += key_size + data_size
            pieces[key] = group
    except (struct.error, UnicodeDecodeError, ValueError):
        return None
    return base, pieces


def write(cache_dir: Path, kind: str, pieces: Pieces, tag: str = "", on: Origin | None = None) -> Origin | None:
    """Keep ``pieces`` as the latest ``kind`` file of the cache (unless it is there already: the
    file is named by their keys, and ``tag`` where the pieces of a key may change), and the
    :data:`KEEP` latest files of that kind with the bases of those that are overlays; a cache
    that cannot be written is skipped.

    ``on``: the full file the pieces were read from (see :func:`read`). Where the groups it lacks
    hold at most :data:`OVERLAY_SHARE` of the pieces' bytes, only those are written, in an overlay
    on it. Returns the full file the latest one is (or lies on), as :func:`read` would give it;
    None where the cache could not be written."""
    name = hashlib.sha256(("\n".join(sorted(pieces)) + (f"\0{tag}" if tag else "")).encode()).hexdigest()[:32]
    path = cache_dir / f"pieces-{kind}-{name}.bin"
    origin: Origin | None = Origin(path, frozenset(pieces))
    try:
        if not path.exists():
            lacking = {key: group for key, group in pieces.items() if on is None or key not in on.keys}
            if on is not None and on.path.exists() and _size(lacking) <= OVERLAY_SHARE * _size(pieces):
                write_through(path, lambda stream: _write(stream, lacking, base=on.path.name), durable=False)
                origin = on
            else:
                write_through(path, lambda stream: _write(stream, pieces), durable=False)
        elif _base_of(path) is not None:  # there already, as an overlay on a base it names
            origin = on if on is not None and on.path.name == _base_of(path) else None
        _make_latest(path, kind)
        _prune(cache_dir, kind)
    except (InputError, OSError):
        return None
    return origin


def _make_latest(path: Path, kind: str) -> None:
    """Give ``path`` a modification time later than every other ``kind`` file's, so that
    :func:`read` reads it: files written a moment apart may get the same time from the clock."""
    others = [other.stat().st_mtime_ns for other in path.parent.glob(f"pieces-{kind}-*.bin") if other != path]
    now = time.time_ns()
    os.utime(path, ns=(now, max([now, *(mtime + 1 for mtime in others)])))
    cache_reads.touched(path)


def _size(pieces: Pieces) -> int:
    return sum(len(key) + len(data) for group in pieces.values() for key, data in group)


def _base_of(path: Path) -> str | None:
    """The name of the base of the overlay at ``path`` (None for a full file, or where unreadable)."""
    try:
        with path.open("rb") as stream:
            head = stream.read(len(_OVERLAY) + 200)
    except OSError:
        return None
    if not head.startswith(_OVERLAY) or b"\n" not in head[len(_OVERLAY):]:
        return None
    return head[len(_OVERLAY):].split(b"\n", 1)[0].decode("ascii", "replace")


def _prune(cache_dir: Path, kind: str) -> None:
    """Remove all but the :data:`KEEP` latest ``kind`` files, and the bases their overlays need."""
    files = newest_first(cache_dir, f"pieces-{kind}-*.bin")
    needed = {path.name for path in files[:KEEP]}
    needed.update(base for base in map(_base_of, files[:KEEP]) if base is not None)
    for stale in files:
        if stale.name not in needed:
            stale.unlink(missing_ok=True)


def _write(stream: BinaryIO, pieces: Pieces, base: str | None = None) -> None:
    """Write ``pieces`` as :func:`read` reads them (in an overlay on the full file named ``base``,
    where that is given), digesting them as they go."""
    stream.write(_MAGIC if base is None else _OVERLAY)
    digesting = Digesting(stream)
    if base is not None:
        digesting.write(base.encode("ascii") + b"\n")
    for key, group in pieces.items():
        digesting.write(key.encode("ascii") + _COUNT.pack(len(group)))
        for piece_key, data in group:
            digesting.write(_SIZES.pack(len(piece_key), len(data)) + piece_key)
            digesting.write(data)
    stream.write(digesting.digest.hexdigest().encode("ascii"))
