"""Write several exports of one catalogue at once, in forked processes, one per core.

Each export reads the catalogue's store and sources and writes bytes; none depends on another.
Forked children inherit the loaded, inferred catalogue without copying it, and send back only
the bytes they wrote. Where fork is not available, or one core is all there is, the exports are
written one after the other in this process: the bytes are the same either way.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..catalogue import Catalogue

#: An export: the catalogue in, the bytes of one file (or several, by name) out.
Job = Callable[["Catalogue"], "bytes | dict[str, bytes]"]

_FORKED: tuple[Catalogue, list[tuple[str, Job]]] | None = None


def run(catalogue: Catalogue, jobs: Mapping[str, Job], workers: int | None = None) -> dict[str, bytes]:
    """The files ``jobs`` write (a job named ``name`` gives ``name``'s bytes, or a dict of files).

    ``jobs`` should come costliest first: they are dealt out to the ``workers`` in turn.
    """
    workers = workers if workers is not None else _default_workers(len(jobs))
    named = list(jobs.items())
    if workers <= 1:
        return _collect([(name, job(catalogue)) for name, job in named])
    global _FORKED
    _FORKED = (catalogue, named)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            written = pool.map(_run_one, range(len(named)), chunksize=1)
    finally:
        _FORKED = None
    return _collect(list(zip([name for name, _ in named], written)))


def _default_workers(jobs: int) -> int:
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(jobs, os.cpu_count() or 1, 2))


def _run_one(index: int) -> bytes | dict[str, bytes]:
    assert _FORKED is not None
    catalogue, named = _FORKED
    return named[index][1](catalogue)


def _collect(written: list[tuple[str, bytes | dict[str, bytes]]]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for name, data in written:
        if isinstance(data, dict):
            files.update(data)
        else:
            files[name] = data
    return files
