"""The real :class:`~railgraph.server.state.QueryRunner`: a pool of worker processes.

Each worker (:mod:`.worker`) holds the catalogue in its own pyoxigraph store, loaded from one
N-Quads file the parent writes once (the named graphs, and their union as the default graph, as
:attr:`Catalogue.store <railgraph.catalogue.Catalogue.store>` holds them). The guard runs in the
parent before dispatch. A query past the deadline gets its worker killed and replaced, and raises
:class:`QueryLimitError` (``deadline``); an answer past the row cap raises it too (``row_cap``):
never a truncated answer. While every worker is busy, requests wait in a bounded queue; past it
they are turned away (``busy``).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import shutil
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .. import guard
from ..errors import InputError, QueryLimitError, RailgraphError
from ..namespaces import PREFIXES
from ..store import OxigraphStore
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


def dataset_nquads(catalogue: Catalogue) -> bytes:
    """The catalogue as the query store holds it: named graphs, and their union as the default graph."""
    store = catalogue.store
    if isinstance(store, OxigraphStore):
        return store.store.dump(format=ox.RdfFormat.N_QUADS)
    return (catalogue.dataset.serialize(format="nquads", encoding="utf-8")
            + catalogue.union().serialize(format="nt", encoding="utf-8"))


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection

    def stop(self) -> None:
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
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._all: set[_Worker] = set()
        self._waiting = 0
        self._closed = False
        self._replacing: set[asyncio.Task[None]] = set()
        self._prefixes = tuple(PREFIXES.items())

    async def start(self) -> None:
        """Write the catalogue's N-Quads once and start the workers (each loads them)."""
        self._folder = Path(tempfile.mkdtemp(prefix="railgraph-serve-"))
        data = await asyncio.to_thread(dataset_nquads, self.catalogue)
        (self._folder / "catalogue.nq").write_bytes(data)
        started = await asyncio.gather(*(asyncio.to_thread(self._spawn) for _ in range(self.workers)))
        for each in started:
            self._idle.put_nowait(each)

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
        status, payload = await self._dispatch(job)
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

    async def _dispatch(self, job: worker.Job) -> tuple[str, bytes | str]:
        if self._closed:
            raise QueryLimitError("the server is shutting down", limit="busy")
        if self._waiting >= self.queue:
            raise QueryLimitError(f"all {self.workers} query workers are busy and {self.queue} queries are "
                                  "waiting", limit="busy", hint="try again in a moment")
        self._waiting += 1
        started = time.monotonic()
        try:
            each = await asyncio.wait_for(self._idle.get(), timeout=self.deadline)
        except TimeoutError:
            raise QueryLimitError(f"no query worker became free within {self.deadline:g} s", limit="busy",
                                  hint="try again in a moment") from None
        finally:
            self._waiting -= 1
        healthy = False
        try:
            each.conn.send(job)
            remaining = max(0.0, self.deadline - (time.monotonic() - started))
            if not await asyncio.to_thread(each.conn.poll, remaining):
                raise QueryLimitError(f"the query ran past the deadline of {self.deadline:g} s and was stopped",
                                      limit="deadline", hint="narrow the query (fewer joins, a LIMIT)")
            reply: tuple[str, bytes | str] = await asyncio.to_thread(each.conn.recv)
            healthy = True
            return reply
        finally:
            if healthy:
                self._idle.put_nowait(each)
            else:  # cut, cancelled or broken: kill it and start another
                self._replace(each)

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
            fresh.stop()
        else:
            self._idle.put_nowait(fresh)

    async def close(self) -> None:
        """Stop every worker and remove the N-Quads file."""
        self._closed = True
        for task in list(self._replacing):
            await asyncio.gather(task, return_exceptions=True)
        for each in list(self._all):
            each.stop()
        self._all.clear()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

