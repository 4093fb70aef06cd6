"""Which source files passed every check of reading, kept in the cache folder by their content.

Reading a catalogue file checks more than its syntax (:mod:`railgraph.rdf_input`): the length and
characters of each literal, that each typed literal is well formed, how many blank nodes it
holds. Those checks depend on the file's bytes, its syntax and the limits alone, so a file read
before with the same bytes passes them again: it is only parsed (at 100,000 tools, loading an
unchanged catalogue takes half the time). What is kept of each file is a digest of its syntax
and bytes, and how many blank nodes it holds (so that they are labelled as before).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox
import rdflib

from ._version import __version__
from .atomic import write_through
from .errors import InputError

FILE_NAME = "checked-sources.txt"


class CheckedSources:
    """The record of the files that passed: read from ``folder`` (none where it is None, or the
    record is missing, damaged or kept for other limits or versions), added to while a catalogue
    is read, and written back by :meth:`save` with the files of that catalogue alone."""

    def __init__(self, folder: Path | None, max_literal_chars: int) -> None:
        self.path = folder / FILE_NAME if folder is not None else None
        self.salt = f"{__version__} {ox.__version__} {rdflib.__version__} {max_literal_chars}"
        self.known: dict[str, int] = {}
        self.seen: dict[str, int] = {}
        if self.path is not None:
            self.known = self._read(self.path)

    def _read(self, path: Path) -> dict[str, int]:
        try:
            lines = path.read_text(encoding="ascii").splitlines()
        except (OSError, UnicodeDecodeError):
            return {}
        if not lines or lines[0] != self.salt:
            return {}
        known: dict[str, int] = {}
        for line in lines[1:]:
            key, _, count = line.partition(" ")
            if len(key) != 64 or not count.isdigit():
                return {}  # not what save writes: every entry is doubted
            known[key] = int(count)
        return known

    @staticmethod
    def key(syntax: str, digest: bytes) -> str:
        """What a file is known by: its syntax and the SHA-256 of its bytes."""
        return hashlib.sha256(syntax.encode() + b"\0" + digest).hexdigest()

    def blank_nodes(self, key: str) -> int | None:
        """How many blank nodes the file of ``key`` holds, if it passed before (else None)."""
        found = self.known.get(key)
        if found is not None:
            self.seen[key] = found
        return found

    def passed(self, key: str, blank_nodes: int) -> None:
        """Record that the file of ``key`` passed, holding ``blank_nodes`` blank nodes."""
        self.seen[key] = blank_nodes

    def save(self) -> None:
        """Keep the files seen since this record was read, unless that is what it holds already;
        a cache that cannot be written is skipped."""
        if self.path is None or self.seen == self.known:
            return
        text = "".join(f"{key} {count}\n" for key, count in sorted(self.seen.items()))
        try:
            write_through(self.path, lambda stream: stream.write(f"{self.salt}\n{text}".encode("ascii")),
                          durable=False)
        except InputError:
            pass
