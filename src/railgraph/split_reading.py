"""Read a large catalogue's source files in two processes, so that its first load uses both cores.

A helper process, forked before the first file is read, takes files from the front of the list
while this one takes them from the end, until they meet. The helper reads and checks each file as
this process would (:func:`railgraph.loading.read_source`) and sends back the source's statements
as N-Triples, their blank nodes already labelled; this process parses those again, leniently,
between two files of its own: at 100,000 tools that costs a third of what reading and checking a
file does.

Errors stay those of a serial read. A file the helper cannot read is read here again, and raises
here what it raises. Every file is read before an error is raised, and the error raised is that of
the first failing file in the list, as reading them in order would report.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from .checked_sources import CheckedSources
from .errors import InputError

if TYPE_CHECKING:
    from .loading import Source

#: Reads one file (its path, its name relative to the root) as a source, recording in the
#: checked sources given.
Read = Callable[[Path, str, "CheckedSources | None"], "Source"]

#: Fewer bytes than this, in all, are read in this process alone: forking a helper and parsing
#: its statements again would cost more than it saves (the shipped catalogue: 4 MB).
SPLIT_FROM = 8 * 2**20

_FRONT, _BACK = 0, 1


@dataclass(frozen=True)
class _Read:
    """What the helper read of one file: the source's statements as N-Triples (None where this
    process must read the file itself) and the rest of the source."""

    index: int
    statements: bytes | None
    prefixes: dict[str, str]
    digest: bytes
    blank_nodes: bool


def read_all(files: Sequence[tuple[Path, str]], read: Read, checked: CheckedSources | None) -> list[Source]:
    """The source of each of ``files``, in their order: read in two processes where they are
    large enough (:data:`SPLIT_FROM`), fork is there and two cores are, else here one by one."""
    if not _worth_splitting(files):
        return [read(path, name, checked) for path, name in files]
    return _Split(files, read, checked).sources()


def _worth_splitting(files: Sequence[tuple[Path, str]]) -> bool:
    if len(files) < 2 or (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return False
    total = 0
    for path, _ in files:
        try:
            total += path.stat().st_size
        except OSError:
            return False  # read here, where the missing file is reported
        if total >= SPLIT_FROM:
            return True
    return False


class _Split:
    """One split read: the claims on the files, the helper, and what arrived from it."""

    def __init__(self, files: Sequence[tuple[Path, str]], read: Read, checked: CheckedSources | None) -> None:
        self.files = files
        self.read = read
        self.checked = checked
        self.found: list[Source | None] = [None] * len(files)
        self.failed: dict[int, BaseException] = {}
        self.done = False  # the helper sent all it will send
        self.arrived: queue.Queue[_Read | dict[str, int] | None] = queue.Queue()
        context = multiprocessing.get_context("fork")
        for stream in (sys.stdout, sys.stderr):  # written now, not once more by the helper as it ends
            with contextlib.suppress(AttributeError, ValueError, OSError):
                stream.flush()
        self.next = context.Array("i", [0, len(files)])  # the front and the end of what is left
        receiving, self.sending = context.Pipe(duplex=False)
        self.helper = context.Process(target=self._help, name="railgraph-reading", daemon=True)
        self.helper.start()
        self.sending.close()  # the helper's end; this process only receives
        self.receiver = threading.Thread(target=self._receive, args=(receiving,), name="railgraph-reading-receiver",
                                         daemon=True)
        self.receiver.start()

    def sources(self) -> list[Source]:
        """Read this process's share, take in the helper's, and return every source (or raise
        the first file's error)."""
        try:
            while (index := self._claim(_BACK)) is not None:
                self._read_here(index)
                self._take_in(wait=False)
            self._take_in(wait=True)
        finally:
            self._stop()
        if self.failed:
            raise self.failed[min(self.failed)]
        return [source for source in self.found if source is not None]

    def _read_here(self, index: int) -> None:
        path, name = self.files[index]
        try:
            self.found[index] = self.read(path, name, self.checked)
        except InputError as exc:  # every file is read first: the first in the list is reported
            self.failed[index] = exc

    def _take_in(self, *, wait: bool) -> None:
        """Make sources of what the helper sent; with ``wait``, until it has sent everything."""
        while not self.done:
            try:
                message = self.arrived.get(block=wait)
            except queue.Empty:
                return
            if message is None:  # the helper ended without saying it was done
                self.done = True
                self._read_unanswered()
            elif isinstance(message, dict):  # the helper is done: what it found checked
                self.done = True
                if self.checked is not None:
                    self.checked.seen.update(message)
            elif message.statements is None:
                self._read_here(message.index)
            else:
                self.found[message.index] = self._source(message)

    def _source(self, message: _Read) -> Source:
        from .loading import Source, graph_iri_for

        path, name = self.files[message.index]
        quads = tuple(ox.parse(message.statements, format=ox.RdfFormat.N_TRIPLES, lenient=True))
        return Source(path, graph_iri_for(name), quads, message.prefixes, message.digest,
                      blank_nodes=message.blank_nodes, name=name)

    def _read_unanswered(self) -> None:
        """Read here the files the helper claimed but sent nothing for (it was killed, say)."""
        front = self.next[_FRONT]
        for index in range(front):
            if self.found[index] is None and index not in self.failed:
                self._read_here(index)

    def _claim(self, end: int) -> int | None:
        """The next file no process has taken, from the front or the end; None once none is left."""
        with self.next.get_lock():
            front, back = self.next[_FRONT], self.next[_BACK]
            if front >= back:
                return None
            if end == _FRONT:
                self.next[_FRONT] = front + 1
                return front
            self.next[_BACK] = back - 1
            return back - 1

    def _help(self) -> None:
        """The helper: read files from the front, send each, then what it found checked. It
        leaves Ctrl-C to this process, which stops it."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        checked = self.checked
        before = dict(checked.seen) if checked is not None else {}
        while (index := self._claim(_FRONT)) is not None:
            self.sending.send(self._helped(index))
        self.sending.send({key: count for key, count in (checked.seen if checked is not None else {}).items()
                           if before.get(key) != count})
        self.sending.close()

    def _helped(self, index: int) -> _Read:
        path, name = self.files[index]
        try:
            source = self.read(path, name, self.checked)
        except Exception:  # noqa: BLE001 - read again by the parent, which raises it there
            return _Read(index, None, {}, b"", True)
        if "graph" in source.__dict__:  # read by rdflib, kept as its graph: read there as well
            return _Read(index, None, {}, b"", True)
        statements = ox.serialize((quad.triple for quad in source.quads), format=ox.RdfFormat.N_TRIPLES)
        return _Read(index, statements, source.prefixes, source.digest, source.blank_nodes)

    def _receive(self, receiving: Any) -> None:
        try:
            while True:
                message = receiving.recv()
                self.arrived.put(message)
                if isinstance(message, dict):
                    return
        except (EOFError, OSError):
            self.arrived.put(None)
        finally:
            receiving.close()

    def _stop(self) -> None:
        if self.helper.is_alive():
            self.helper.terminate()
        self.helper.join()
        self.receiver.join()


__all__ = ["SPLIT_FROM", "read_all"]
