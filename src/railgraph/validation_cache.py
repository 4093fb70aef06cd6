"""Validation reports remembered by content, and the focus nodes a change can affect.

A snapshot holds a validated state: the key of its data, a fingerprint of every node of its
fingerprinted parts (a hash of the triples it is the subject of, and one of those it is the object
of) and the report. The next
validation of the same data is read back; after a change, only the focus nodes whose results the
change can affect are validated again, and the snapshot's results are kept for all others. The
fingerprints are kept per part of the data (a source file), under a key that changes with the
part, so after an edit only the parts that changed are read again. A part whose earlier states
stay readable (the inferred graph, cached by the key of its closure) is never fingerprinted: after
a change, only the lines its earlier state and this one do not share are.

Which nodes can be affected follows from what the shapes in ``shapes/`` read, beside the triples
of the focus node itself (its subject fingerprint) and those pointing to it (inverse paths such as
``[ sh:inversePath odrl:prohibition ]``, its object fingerprint):

* the triples of nodes up to :data:`REACH` links away from it: ``sh:class`` and the
  ``skos:inScheme`` checks of its values, sequence paths (``odrl:constraint/odrl:leftOperand``)
  and, farthest, ``odrl:permission/odrl:duty/odrl:action`` in
  ``rgsh:ResponsibleAILicenceFlowDownShape``;
* the other members of its concept scheme (:data:`GROUPS`): ``rgsh:ConceptNotationUniqueShape``
  compares notations across a scheme;
* whole chains of :data:`CHAINS`: ``rgsh:LicenceLineageCycleShape`` (``rg:basedOn+``) and
  ``rgsh:ModelLineageCycleShape`` (``rg:derivedFromModel+``) follow lineage to any length;
* the class and property hierarchies and the declared object properties (:data:`SCHEMA`), read
  by class targets, ``sh:class``, ``rdf:type/rdfs:subClassOf*`` and
  ``rgsh:ObjectPropertyLiteralShape``: when they change, everything is validated again.

A shape that reads farther must extend these rules (tests/test_validation.py checks the paths).
A snapshot that cannot be read or fails its checksum is ignored; nothing in it is trusted.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson
import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from . import cache_reads
from .atomic import keep_newest, newest_first, write_sliced, write_through
from .errors import InputError
from .namespaces import RG

#: Bumped whenever what a snapshot holds, or what it means, changes.
FORMAT = 3

#: How many snapshots are kept.
KEEP = 4

#: Links followed from a focus node to the farthest node whose triples a shape reads.
REACH = 2

#: Predicates whose shared object makes its subjects compared with one another.
GROUPS = (SKOS.inScheme,)

#: Predicates whose chains a shape follows to any length.
CHAINS = (RG.basedOn, RG.derivedFromModel)

#: Triple patterns read beyond any neighbourhood: a change to one re-validates everything.
SCHEMA = ((None, RDFS.subClassOf, None), (None, RDFS.subPropertyOf, None),
          (None, RDF.type, OWL.ObjectProperty))

#: Per node (in N-Triples form): hashes of the triples it is the subject and the object of.
Fingerprints = dict[str, tuple[int, int]]

#: A graph of the data fingerprinted apart (a source file): a key that changes whenever its
#: triples do (None: fingerprint it every time), and its N-Triples lines.
Lines = tuple["str | None", Callable[[], Iterable[bytes]]]


@dataclass(frozen=True)
class Kept:
    """A graph of the data whose states stay readable under their keys while the cache keeps them
    (the inferred graph, cached by the key of its closure). It is never fingerprinted as a whole:
    while its key is the same it cannot have changed, and after a change only the lines that
    differ between the state validated before and this one are (see :func:`kept_changes`). A
    snapshot holds it as no fingerprints under its :attr:`name`."""

    kind: str
    key: str
    lines: Callable[[], Iterable[bytes]]  # this state's N-Triples lines
    former: Callable[[str], "Iterable[bytes] | None"]  # an earlier state's, by key; None once gone

    @property
    def name(self) -> str:
        return f"{_KEPT}{self.kind} {self.key}"


Part = Lines | Kept

#: How the name of a :class:`Kept` part starts, in a snapshot.
_KEPT = "kept "

_MASK = 2**64 - 1
_QUOTE = ord('"')  # an N-Triples literal's first byte


@dataclass(frozen=True)
class Snapshot:
    """A validated state of the data: its key, the digest of its schema, the fingerprints of
    each of its parts (by part key; a :class:`Kept` part by its name, with none) and the report."""

    data_key: str
    schema: str
    parts: dict[str, Fingerprints]
    report: str  # N-Triples


def dumped(store: ox.Store, graph: ox.NamedNode | ox.DefaultGraph) -> Iterator[bytes]:
    """The N-Triples lines of ``graph`` in ``store``, written by pyoxigraph to a temporary file and
    read back line by line: no copy of the whole graph in memory."""
    with tempfile.TemporaryFile(prefix="railgraph-fingerprints-") as stream:
        store.dump(stream, format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
        stream.seek(0)
        yield from stream


def fingerprints_of_lines(lines: Iterable[bytes]) -> Fingerprints:
    """The fingerprint of every IRI and blank node of the triples of N-Triples ``lines`` (each
    ``subject predicate object .``, the terms as pyoxigraph writes them): the sums of the hashes
    of the lines it is the subject of, and of those it is the object of.

    Sums (not exclusive or) count a line held twice twice, so fingerprints of parts add up to
    those of their merge (see :func:`merged`)."""
    subject_of: defaultdict[bytes, int] = defaultdict(int)  # summed whole, cut to 64 bits at the end
    object_of: defaultdict[bytes, int] = defaultdict(int)
    blake2b, from_bytes = hashlib.blake2b, int.from_bytes  # this loop sees every triple
    for line in lines:  # a line feed inside a literal is escaped
        statement = line.rstrip(b"\n")[:-2]  # without " ."
        if not statement:
            continue
        subject, _, obj = statement.split(b" ", 2)  # IRIs and blank nodes hold no space
        value = from_bytes(blake2b(statement, digest_size=8).digest(), "big")
        subject_of[subject] += value
        if obj[0] != _QUOTE:
            object_of[obj] += value
    return {node.decode("utf-8"): (subject_of.get(node, 0) & _MASK, object_of.get(node, 0) & _MASK)
            for node in subject_of.keys() | object_of.keys()}


def fingerprints_of(parts: Sequence[Part], known: Mapping[str, Fingerprints]) -> dict[str, Fingerprints]:
    """The fingerprints of each part, by its key: those ``known`` under it, the others made; a
    :class:`Kept` part has none (its changes are found by :func:`kept_changes`)."""
    found: dict[str, Fingerprints] = {}
    for number, part in enumerate(parts):
        if isinstance(part, Kept):
            found[part.name] = {}
            continue
        key, lines = part
        name = key if key is not None else f"unkeyed {number}"
        found[name] = known[name] if key is not None and key in known else fingerprints_of_lines(lines())
    return found


def kept_changes(parts: Sequence[Part], before: Mapping[str, Fingerprints]) -> tuple[Fingerprints, Fingerprints] | None:
    """What the :class:`Kept` parts lost and gained since the snapshot whose parts are ``before``:
    the fingerprints of the lines only the former state holds, and of those only this one holds.

    Lines both states hold add the same to a node's sums on either side, so leaving them out
    changes no comparison of :func:`affected`. None where that cannot be told, and everything
    must be validated again: an earlier state is gone from the cache, or the snapshot did not
    keep the same kinds of part apart (a graph kept there was fingerprinted here, or the reverse).
    """
    kept = [part for part in parts if isinstance(part, Kept)]
    earlier = {name.removeprefix(_KEPT).split(" ", 1)[0]: name.split(" ", 2)[2]
               for name in before if name.startswith(_KEPT)}
    if set(earlier) != {part.kind for part in kept} or len(earlier) != len(kept):
        return None
    lost: list[Fingerprints] = []
    gained: list[Fingerprints] = []
    for part in kept:
        if part.name in before:
            continue
        old = part.former(earlier[part.kind])
        if old is None:
            return None
        old_lines, new_lines = set(old), set(part.lines())
        lost.append(fingerprints_of_lines(old_lines - new_lines))
        gained.append(fingerprints_of_lines(new_lines - old_lines))
    return merged(lost), merged(gained)


def merged(parts: Iterable[Fingerprints]) -> Fingerprints:
    """The fingerprints of the merge of ``parts``: each node's sums over them. A triple two parts
    hold counts twice, so the sums change whenever the merge does (and when a triple only moves
    from one part to another: that validates a little more than needed, never less)."""
    nodes: dict[str, tuple[int, int]] = {}
    for part in parts:
        for node, (subject, obj) in part.items():
            before = nodes.get(node)
            nodes[node] = (subject, obj) if before is None else \
                ((before[0] + subject) & _MASK, (before[1] + obj) & _MASK)
    return nodes


def differing(before: Mapping[str, Fingerprints], after: Mapping[str, Fingerprints]
              ) -> tuple[list[Fingerprints], list[Fingerprints]]:
    """The parts of ``before`` and of ``after`` (by name) that the two do not hold alike.

    A part both hold adds the same to a node's sums on either side, so the merges of all parts
    differ at a node exactly where the merges of these do: :func:`affected` finds the same nodes
    from them, without summing the parts no change touched (about 2 s at 100,000 tools)."""
    same = {name for name, part in after.items()
            if name in before and (before[name] is part or before[name] == part)}
    return ([part for name, part in before.items() if name not in same],
            [part for name, part in after.items() if name not in same])


def schema_digest(data: Graph) -> str:
    """A digest of the triples matching :data:`SCHEMA`."""
    lines = sorted(f"{s.n3()} {p.n3()} {o.n3()}" for pattern in SCHEMA for s, p, o in data.triples(pattern))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def affected(data: Graph, before: Fingerprints, after: Fingerprints) -> set[Node]:
    """The nodes whose results may differ between the data fingerprinted ``before`` and ``data``."""
    subject_changed: set[Node] = set()
    object_changed: set[Node] = set()
    for name in {name for name, _ in before.items() ^ after.items()}:  # in one and not the other
        old, new = before.get(name, (0, 0)), after.get(name, (0, 0))
        if old[0] != new[0]:
            subject_changed.add(_node(name))
        if old[1] != new[1]:
            object_changed.add(_node(name))
    found = subject_changed | object_changed
    ring = subject_changed
    for _ in range(REACH):
        ring = {s for node in ring for s in data.subjects(None, node)}
        found |= ring
    groups = object_changed | {g for p in GROUPS for node in subject_changed for g in data.objects(node, p)}
    found |= {member for p in GROUPS for group in groups for member in data.subjects(p, group)}
    for predicate in CHAINS:  # whatever reaches a changed node along the chain
        reached = frontier = subject_changed
        while frontier:
            frontier = {s for node in frontier for s in data.subjects(predicate, node)} - reached
            reached = reached | frontier
        found |= reached
    return found


def read(cache_dir: Path, shapes_key: str, data_key: str | None = None) -> Snapshot | None:
    """The snapshot of ``data_key``, or without it the latest one for these shapes."""
    if data_key is not None:
        return _load(_path(cache_dir, shapes_key, data_key), shapes_key, data_key)
    return _latest(cache_dir, shapes_key)


def latest_parts(cache_dir: Path) -> dict[str, Fingerprints]:
    """The fingerprints of each part in the most recently used snapshot, whatever its shapes (a
    part's fingerprints depend on its triples alone); empty without one."""
    snapshot = _latest(cache_dir, None, touch=False)
    return snapshot.parts if snapshot is not None else {}


def _latest(cache_dir: Path, shapes_key: str | None, *, touch: bool = True) -> Snapshot | None:
    candidates = newest_first(cache_dir, f"validation-{shapes_key[:16] if shapes_key else '*'}-*.json")
    return next((s for s in (_load(p, shapes_key, None, touch=touch) for p in candidates) if s is not None), None)


def write(cache_dir: Path, shapes_key: str, snapshot: Snapshot) -> None:
    """Remember ``snapshot`` (atomically; a cache that cannot be written is skipped)."""
    # orjson: four times faster than the json module, for a snapshot of 54 MB at 100,000 tools
    body = orjson.dumps({"format": FORMAT, "shapes": shapes_key, "data": snapshot.data_key,
                         "schema": snapshot.schema, "parts": snapshot.parts, "report": snapshot.report})
    data = hashlib.sha256(body).hexdigest().encode() + b"\n" + body
    path = _path(cache_dir, shapes_key, snapshot.data_key)
    try:  # leaves no temporary file, whatever stops it
        write_through(path, lambda stream: write_sliced(stream, data), durable=False)
        cache_reads.wrote(path, (shapes_key, snapshot))
        keep_newest(cache_dir, "validation-*.json", KEEP)
    except (InputError, OSError):
        pass  # a read-only place, a full disk: the cache is an optimisation only


def _path(cache_dir: Path, shapes_key: str, data_key: str) -> Path:
    return cache_dir / f"validation-{shapes_key[:16]}-{data_key[:32]}.json"


def _load(path: Path, shapes_key: str | None, data_key: str | None, *, touch: bool = True) -> Snapshot | None:
    """The snapshot at ``path`` if it is one of these shapes and data (None: any); with ``touch``,
    marked as the most recently used."""
    found = cache_reads.read(path, _parsed)
    if found is None:
        return None
    shapes, snapshot = found
    if shapes_key not in (None, shapes) or data_key not in (None, snapshot.data_key):
        return None
    if touch:  # the most recently used snapshot is the next change's starting point
        try:
            os.utime(path)
        except OSError:
            return None
        cache_reads.touched(path)
    return snapshot


def _parsed(path: Path) -> tuple[str, Snapshot] | None:
    """The snapshot at ``path`` and the key of its shapes (None where it is missing, damaged, or
    of another :data:`FORMAT`)."""
    try:
        checksum, body = path.read_bytes().split(b"\n", 1)
        if hashlib.sha256(body).hexdigest().encode() != checksum:
            return None
        content = orjson.loads(body)
        if content["format"] != FORMAT:
            return None
        return str(content["shapes"]), Snapshot(
            str(content["data"]), str(content["schema"]),
            {str(key): {str(n): (int(s), int(o)) for n, (s, o) in part.items()}
             for key, part in content["parts"].items()},
            str(content["report"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # orjson's errors are ValueErrors
        return None


def _node(text: str) -> Node:
    """A node from its N-Triples form (an IRI or a blank node)."""
    return BNode(text[2:]) if text.startswith("_:") else URIRef(text[1:-1])
