"""Sorting the lines of a file while holding a bounded part of it in memory: sorted runs written
to temporary files, then merged.

A store's dump of the closure of 100,000 tools is 730 MB of N-Triples; sorted in memory, its
lines took 1.6 GB beside the dump (a bytes object per line), in a process already the size of
the store it was forked from.
"""

from __future__ import annotations

import heapq
import tempfile
from collections.abc import Iterable
from contextlib import ExitStack
from itertools import groupby, islice
from pathlib import Path
from typing import BinaryIO

#: The bytes of lines sorted in memory at once (a run): as Python objects they take about a
#: quarter more.
RUN_BYTES = 64 << 20
#: Lines written at once.
BATCH = 1 << 16


def write_sorted(source: Path, stream: BinaryIO, *, distinct: bool = False, run_bytes: int = RUN_BYTES) -> None:
    """Write the lines of the file at ``source`` to ``stream`` sorted, as
    :func:`railgraph.export.rdf.sorted_lines` sorts them: each ending in a line feed, the empty
    ones left out, and each once (``distinct``: the lines are known to be distinct, so duplicates
    are not looked for). Runs of about ``run_bytes`` are sorted in memory and kept in temporary
    files beside ``source`` while they are merged."""
    with ExitStack() as stack:
        reading = stack.enter_context(source.open("rb"))
        runs: list[Path] = []
        folder: Path | None = None
        while lines := reading.readlines(run_bytes):
            if not lines[-1].endswith(b"\n"):
                lines[-1] += b"\n"
            if not distinct:
                lines = list(set(lines))
            lines.sort()
            empty = 0
            while empty < len(lines) and lines[empty] == b"\n":  # sorted first
                empty += 1
            del lines[:empty]
            if not runs and not reading.peek(1):  # one run holds it all: written as it is
                _write(stream, _unique(lines, distinct))
                return
            if folder is None:
                folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=".railgraph-sort-",
                                                                              dir=source.parent)))
            runs.append(folder / str(len(runs)))
            with runs[-1].open("wb") as run:
                run.writelines(lines)
            del lines
        merged = heapq.merge(*(stack.enter_context(run.open("rb")) for run in runs))
        _write(stream, _unique(merged, distinct))


def _unique(lines: Iterable[bytes], distinct: bool) -> Iterable[bytes]:
    """The sorted ``lines``, each once unless they are ``distinct`` already."""
    return lines if distinct else (line for line, _ in groupby(lines))


def _write(stream: BinaryIO, lines: Iterable[bytes]) -> None:
    """Write ``lines`` to ``stream`` :data:`BATCH` at a time (a stream that digests what it
    writes is called once per batch, not per line)."""
    found = iter(lines)
    while batch := b"".join(islice(found, BATCH)):
        stream.write(batch)
