"""The real :class:`~railgraph.server.state.QueryRunner`: a pool of worker processes.

Each worker (:mod:`.worker`) holds the catalogue in its own pyoxigraph store, loaded from one
N-Quads file the parent writes once (the named graphs, and the sources' union as the default
graph, as :attr:`Catalogue.oxstore <railgraph.catalogue.Catalogue.oxstore>` holds them). The guard runs in the
parent before dispatch. A query past the deadline gets its worker killed and replaced, and raises
:class:`QueryLimitError` (``deadline``); an answer past the row cap raises it too (``row_cap``):
never a truncated answer. While every worker is busy, requests wait in a bounded queue; past it
they are turned away (``busy``).

Two rules keep light queries flowing. Identical queries in flight at once (same text, media type
and dataset) are evaluated once and every caller gets that answer (or that error), so many clients
repeating a query take one worker, not all of them. A query that was once stopped at the deadline
is remembered as heavy: heavy queries run one at a time, and only while another worker stays
idle for everyone else; waiting for that counts towards their deadline.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import re
import shutil
import tempfile
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .. import guard
from ..atomic import write_sliced
from ..errors import InputError, QueryLimitError, RailgraphError
from ..namespaces import PREFIXES
from . import negotiation, worker
from .state import Answer

if TYPE_CHECKING:
    from ..catalogue import Catalogue

log = logging.getLogger("railgraph.server")

#: Workers in the pool: one runaway query never blocks every other client.
WORKERS = 2
#: Requests that may wait for a worker before more are turned away with ``busy``.
QUEUE = 32
#: Seconds a new worker may take to load the catalogue.
START_TIMEOUT = 120.0
#: Queries remembered as heavy (stopped at the deadline), most recent kept.
HEAVY_MEMORY = 1024

#: Functions whose value differs between two evaluations: such queries are never shared.
_VOLATILE = re.compile(r"\b(RAND|NOW|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)


def dataset_nquads(catalogue: Catalogue) -> bytes:
    """The catalogue as the query store holds it: named graphs, and the sources' union as the default graph."""
    return catalogue.oxstore.dump(format=ox.RdfFormat.N_QUADS)


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection

    def stop(self) -> None:
        if self.conn.closed:  # stopped already
            return
        self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.process.close()


class ProcessRunner:
    """Runs guarded queries in worker processes under a deadline and a row cap."""

    def __init__(self, catalogue: Catalogue, *, deadline: float, row_cap: int,
                 workers: int = WORKERS, queue: int = QUEUE) -> None:
        self.catalogue = catalogue
        self.deadline = deadline
        self.row_cap = row_cap
        self.workers = workers
        self.queue = queue
        self.triples = 0
        self._context = multiprocessing.get_context("spawn")
        self._folder: Path | None = None
        self._idle: deque[_Worker] = deque()
        self._changed = asyncio.Condition()
        self._all: set[_Worker] = set()
        self._waiting = 0
        self._closed = False
        self._replacing: set[asyncio.Task[None]] = set()
        self._prefixes = tuple(PREFIXES.items())
        self._in_flight: dict[worker.Job, asyncio.Task[tuple[str, bytes | str]]] = {}
        self._heavy: OrderedDict[tuple[str, tuple[str, ...], tuple[str, ...]], None] = OrderedDict()
        self._heavy_running = 0
        #: Jobs sent to a worker so far (shared answers count once).
        self.evaluated = 0

    async def start(self) -> None:
        """Write the catalogue's N-Quads once and start the workers (each loads them)."""
        self._folder = Path(tempfile.mkdtemp(prefix="railgraph-serve-"))
        data = await asyncio.to_thread(dataset_nquads, self.catalogue)
        with (self._folder / "catalogue.nq").open("wb") as stream:
            write_sliced(stream, data)
        started = await asyncio.gather(*(asyncio.to_thread(self._spawn) for _ in range(self.workers)))
        self._idle.extend(started)

    def _spawn(self) -> _Worker:
        assert self._folder is not None
        parent, child = self._context.Pipe()
        process = self._context.Process(target=worker.serve, args=(str(self._folder / "catalogue.nq"), child),
                                        name="railgraph-query-worker", daemon=True)
        process.start()
        child.close()
        each = _Worker(process, parent)
        try:
            if not parent.poll(START_TIMEOUT):
                raise RuntimeError(f"a query worker did not load the catalogue within {START_TIMEOUT:g} s")
            _, self.triples = parent.recv()
        except (EOFError, OSError, RuntimeError) as exc:
            each.stop()
            raise RailgraphError(f"a query worker could not start: {exc or 'it exited'}") from exc
        self._all.add(each)
        return each

    async def run(self, text: str, accept: str = "application/sparql-results+json", *,
                  default_graphs: tuple[str, ...] = (), named_graphs: tuple[str, ...] = ()) -> Answer:
        """Check, negotiate and answer ``text`` (see :class:`~railgraph.server.state.QueryRunner`)."""
        checked = await asyncio.to_thread(guard.check, text)
        guard.check_dataset(list(default_graphs), "default-graph-uri")
        guard.check_dataset(list(named_graphs), "named-graph-uri")
        media_type = negotiation.result_type(accept, graph=checked.is_graph)
        job = worker.Job(text, media_type, self.row_cap, default_graphs, named_graphs,
                         self._prefixes if checked.is_graph else ())
        status, payload = await self._shared(job)
        if status == "ok":
            form = "graph" if checked.is_graph else checked.form
            return Answer(form, negotiation.with_charset(media_type), payload)  # type: ignore[arg-type]
        if status == "row_cap":
            raise QueryLimitError(f"{payload}; the endpoint returns at most {self.row_cap:,}",
                                  limit="row_cap", hint="narrow the query or page through it with LIMIT and OFFSET")
        if status == "syntax":
            line, column, message = guard.oxigraph_location(str(payload))
            raise InputError(f"SPARQL syntax error: {message}", path="<query>", line=line, column=column,
                             hint="check the query syntax at that position")
        raise RailgraphError(f"the query could not be answered: {payload}")

    async def _shared(self, job: worker.Job) -> tuple[str, bytes | str]:
        """The reply to ``job``, shared with every identical job already in flight."""
        if _VOLATILE.search(job.text):
            return await self._dispatch(job)
        task = self._in_flight.get(job)
        if task is None or task.done():
            task = asyncio.get_running_loop().create_task(self._dispatch(job))
            self._in_flight[job] = task
            task.add_done_callback(lambda done: self._forget(job, done))
        return await asyncio.shield(task)  # one caller giving up does not stop the others' answer

    def _forget(self, job: worker.Job, task: asyncio.Task[tuple[str, bytes | str]]) -> None:
        if self._in_flight.get(job) is task:
            del self._in_flight[job]
        if not task.cancelled():
            task.exception()  # retrieved here, so an answer nobody waits for any more is not reported

    async def _dispatch(self, job: worker.Job) -> tuple[str, bytes | str]:
        if self._closed:
            raise QueryLimitError("the server is shutting down", limit="busy")
        if self._waiting >= self.queue:
            raise QueryLimitError(f"all {self.workers} query workers are busy and {self.queue} queries are "
                                  "waiting", limit="busy", hint="try again in a moment")
        key = (job.text, job.default_graphs, job.named_graphs)
        heavy = key in self._heavy
        self._waiting += 1
        started = time.monotonic()
        try:
            async with self._changed:
                await asyncio.wait_for(self._changed.wait_for(lambda: self._may_start(heavy)),
                                       timeout=self.deadline)
                each = self._idle.popleft()
                self._heavy_running += heavy
        except TimeoutError:
            raise QueryLimitError(f"no query worker became free within {self.deadline:g} s"
                                  + (" (this query ran past the deadline before, so it waits for a turn "
                                     "when other workers are free)" if heavy else ""),
                                  limit="busy", hint="try again in a moment") from None
        finally:
            self._waiting -= 1
        healthy = False
        try:
            each.conn.send(job)
            self.evaluated += 1
            remaining = max(0.0, self.deadline - (time.monotonic() - started))
            if not await asyncio.to_thread(each.conn.poll, remaining):
                self._heavy[key] = None
                self._heavy.move_to_end(key)
                if len(self._heavy) > HEAVY_MEMORY:
                    self._heavy.popitem(last=False)
                raise QueryLimitError(f"the query ran past the deadline of {self.deadline:g} s and was stopped",
                                      limit="deadline", hint="narrow the query (fewer joins, a LIMIT)")
            reply: tuple[str, bytes | str] = await asyncio.to_thread(each.conn.recv)
            healthy = True
            return reply
        finally:
            self._heavy_running -= heavy
            if healthy:
                await self._give_back(each)
            else:  # cut, cancelled or broken: kill it and start another
                self._replace(each)
                await self._give_back(None)

    def _may_start(self, heavy: bool) -> bool:
        """Whether a job may take an idle worker now: a heavy one only alone and leaving one idle."""
        if not heavy:
            return bool(self._idle)
        return self._heavy_running == 0 and len(self._idle) >= min(2, self.workers)

    async def _give_back(self, each: _Worker | None) -> None:
        """Return ``each`` to the idle workers (if any) and wake the jobs waiting for one."""
        async with self._changed:
            if each is not None:
                self._idle.append(each)
            self._changed.notify_all()

    def _replace(self, each: _Worker) -> None:
        self._all.discard(each)
        each.stop()
        if self._closed:
            return
        task = asyncio.get_running_loop().create_task(self._start_replacement())
        self._replacing.add(task)
        task.add_done_callback(self._replacing.discard)

    async def _start_replacement(self) -> None:
        try:
            fresh = await asyncio.to_thread(self._spawn)
        except Exception:  # noqa: BLE001 - logged; the pool runs with one worker fewer
            log.exception("a replacement query worker failed to start")
            return
        if self._closed:
            self._all.discard(fresh)
            fresh.stop()
        else:
            await self._give_back(fresh)

    async def close(self) -> None:
        """Stop every worker and remove the N-Quads file."""
        self._closed = True
        for job in list(self._in_flight.values()):
            job.cancel()
        for task in list(self._replacing):
            await asyncio.gather(task, return_exceptions=True)
        for each in list(self._all):
            each.stop()
        self._all.clear()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

