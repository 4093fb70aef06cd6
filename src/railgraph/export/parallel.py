"""Write several exports of one catalogue at once, in forked processes, one per core.

Each export reads the catalogue's store and sources and writes bytes (or, for a job that counts
or describes, any value that pickles); none depends on another.
Forked children inherit the catalogue as loaded so far (with its store, once it is filled)
without copying it, and send back only what they wrote. Where memory holds one child only, one
is forked if this process works meanwhile (inferring, validating). Where fork is not available,
one core is all there is, or memory would not hold a child, the exports are written one after
the other in this process: the bytes are the same either way. Once this process asks for the
answers, it takes the jobs no child has started yet, from the end of the queue, and runs them
itself while the children work through it from the front.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..atomic import Chunks
    from ..catalogue import Catalogue

#: An export: the catalogue in, the bytes of one file (or their chunks, or several files, by
#: name) out.
Job = Callable[["Catalogue"], "bytes | Chunks | dict[str, bytes]"]
#: Any work on the catalogue whose answer pickles (see :meth:`Pending.outputs`).
Task = Callable[["Catalogue"], object]

#: How much lower the children's priority is than the parent's.
_NICENESS = 10

_FORKED: tuple[Catalogue, list[tuple[str, Task]], Any] | None = None
#: The threads stopping workers (see :meth:`Pending.close`).
_CLOSING: list[threading.Thread] = []


def run(catalogue: Catalogue, jobs: Mapping[str, Job], workers: int | None = None) -> dict[str, bytes]:
    """The files ``jobs`` write (a job named ``name`` gives ``name``'s bytes, or a dict of files).

    ``jobs`` should come costliest first: they are dealt out to the ``workers`` in turn.
    """
    with start(catalogue, jobs, workers) as pending:
        return pending.result()


class Pending:
    """Exports being written in forked processes while this one goes on (see :func:`start`)."""

    def __init__(self, catalogue: Catalogue, jobs: Mapping[str, Task], forked: int) -> None:
        self._jobs = dict(jobs)
        self._catalogue = catalogue
        self._pool: Any = None
        self._closed = False
        self._pending: dict[str, Any] = {}  # name -> its AsyncResult, in the order dealt out
        self._done: dict[str, object] = {}  # answers of jobs run in this process
        self._started: Any = None  # which jobs a process has begun, where children were forked
        if forked > 0:
            global _FORKED
            finish_closing()  # one set of processes at a time
            context = multiprocessing.get_context("fork")
            self._started = context.Array("b", len(self._jobs))
            _FORKED = (catalogue, list(jobs.items()), self._started)
            try:
                self._pool = context.Pool(forked, initializer=_yield_to_parent)
                self._pending = {name: self._pool.apply_async(_run_one, (index,))
                                 for index, name in enumerate(self._jobs)}
            finally:
                _FORKED = None  # the children have their copy

    @property
    def forked(self) -> bool:
        """Whether the jobs run in forked processes (else in this one, when their answers are asked)."""
        return self._pool is not None

    def result(self) -> dict[str, bytes]:
        """Wait for the exports (or write them here, without workers) and return the files."""
        return files_of(self.outputs())

    def outputs(self, *, take: bool = True) -> dict[str, object]:
        """Wait for the jobs (or run them here, without workers) and return each one's answer.

        First, unless ``take`` is false, the jobs no child has begun are run here, from the last
        one back until one a child has begun (the children take them in order): this process
        would only wait."""
        names = list(self._jobs) if self._pending and take else []
        for index in reversed(range(len(names))):
            if not _claim(self._started, index):
                break
            self._done[names[index]] = self._jobs[names[index]](self._catalogue)
        return {name: self.output(name) for name in self._jobs}

    def output(self, name: str) -> object:
        """Wait for the job ``name`` alone (or run it here, without workers) and return its answer."""
        if name in self._pending and name not in self._done:
            return self._pending[name].get()
        if name not in self._done:
            self._done[name] = self._jobs[name](self._catalogue)
        return self._done[name]

    def finished(self) -> bool:
        """Whether every forked job has answered (its answer is then kept once the workers end)."""
        return all(result.ready() for result in self._pending.values())

    def close(self, *, wait: bool = True) -> None:
        """Stop the workers, whether or not their exports were collected: their processes end,
        and with them the memory they hold. Answers already given are still there. Unless
        ``wait``, they are stopped by a thread while this process goes on (processes forked from
        a large one take 0.15 s to end), which :func:`finish_closing` waits for."""
        if self._pool is not None and not self._closed:
            self._closed = True
            if wait:
                _stop(self._pool)
            else:
                stopping = threading.Thread(target=_stop, args=(self._pool,), name="railgraph-pool-closing")
                stopping.start()
                _CLOSING.append(stopping)

    def __enter__(self) -> Pending:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _stop(pool: Any) -> None:
    pool.terminate()
    pool.join()


def finish_closing() -> None:
    """Wait until the workers :meth:`Pending.close` left to a thread have ended (a process that
    leaves by ``os._exit`` calls this first, and so does one about to fork more)."""
    while _CLOSING:
        _CLOSING.pop().join()


def start(catalogue: Catalogue, jobs: Mapping[str, Task], workers: int | None = None, *,
          growth: float = 0.0, alongside: bool = False, most: int = 2) -> Pending:
    """Begin writing ``jobs`` in ``workers`` forked processes (one: in this process); use as a
    context manager, which stops them at its end, and call :meth:`Pending.result` (or
    :meth:`Pending.outputs`, or :meth:`Pending.output` for one job) inside it.

    The workers see the catalogue as it is now: what it has not yet computed (the inferred
    triples, say), each child computes for itself. By default, the workers are forked only where
    memory holds them (see :func:`_forked_workers`): ``growth`` is how much this process will
    still grow meanwhile, as a multiple of its present size (filling the store, say), and
    ``alongside`` says that it works meanwhile (inferring, validating), so that one child alone
    still pays; no more than ``most`` are forked.
    """
    forked = (workers if workers > 1 else 0) if workers is not None \
        else _forked_workers(min(len(jobs), most), growth, alongside)
    return Pending(catalogue, jobs, forked)


def _forked_workers(jobs: int, growth: float = 0.0, alongside: bool = False) -> int:
    """How many processes to fork for ``jobs`` (none: they run in this process): two where fork
    is there, two cores are, and memory for two more copies of this process (and for its
    ``growth``, a multiple of its size); one where memory holds one copy only and this process
    works ``alongside`` it.

    A forked child shares its parent's memory only until it writes to it, and Python writes to
    every object it touches (reference counts), so each child may grow to the parent's size: at
    100,000 tools two children beside a 12 GiB parent ran a 24 GiB machine out of memory.
    """
    if "fork" not in multiprocessing.get_all_start_methods() or (os.cpu_count() or 1) < 2:
        return 0
    used, available = _memory()
    fitting = [n for n in (2, 1) if n <= jobs and (n > 1 or alongside)
               and (used is None or available is None or used * (n + growth) <= available * 0.8)]
    return fitting[0] if fitting else 0


def _memory() -> tuple[int | None, int | None]:
    """This process's resident memory and the memory the system has available, in bytes (None
    where /proc does not tell)."""

    def read(path: str, field: str) -> int | None:
        try:
            with open(path, encoding="ascii") as stream:
                for line in stream:
                    if line.startswith(field + ":"):
                        return int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            return None
        return None

    return read("/proc/self/status", "VmRSS"), read("/proc/meminfo", "MemAvailable")


def _yield_to_parent() -> None:
    """Lower the child's priority: the parent's work (inference, validation) is the build's
    longest chain, and the exports fill the time the cores have left. And leave the cyclic
    garbage collector off: a child lives for a few exports, and each full collection would walk
    (and so copy, page by page) every object it shares with the parent."""
    gc.disable()
    try:
        os.nice(_NICENESS)
    except OSError:
        pass


def _run_one(index: int) -> object:
    assert _FORKED is not None
    catalogue, named, started = _FORKED
    # a job the parent took (see Pending.outputs) is answered there: this answer is never read
    return named[index][1](catalogue) if _claim(started, index) else None


def _claim(started: Any, index: int) -> bool:
    """Mark job ``index`` as begun by this process; False where another process began it."""
    with started.get_lock():
        if started[index]:
            return False
        started[index] = 1
        return True


def files_of(outputs: Mapping[str, object]) -> dict[str, bytes]:
    """The files of exports' answers: a job's bytes under its name, or the files of its dict."""
    files: dict[str, bytes] = {}
    for name, data in outputs.items():
        if isinstance(data, dict):
            files.update(data)
        elif isinstance(data, bytes):
            files[name] = data
        elif isinstance(data, list):
            files[name] = b"".join(data)
        else:
            raise TypeError(f"{name} gave {type(data).__name__}, not the bytes of a file")
    return files
