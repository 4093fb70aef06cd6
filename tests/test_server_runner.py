"""The query runner's pool: identical queries share one evaluation; heavy ones take turns."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from railgraph.errors import QueryLimitError
from railgraph.namespaces import INFERRED_GRAPH
from railgraph.server import worker
from railgraph.server.runner import ProcessRunner

DEADLINE = 2.0
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
LIGHT = "PREFIX rg: <https://w3id.org/railgraph/ontology#> SELECT ?t WHERE { ?t a rg:Tool } LIMIT 3"
JSON = "application/sparql-results+json"


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="module")
def runner(catalogue, loop) -> Iterator[ProcessRunner]:
    pool = ProcessRunner(catalogue, deadline=DEADLINE, row_cap=1000, workers=2)
    loop.run_until_complete(pool.start())
    yield pool
    loop.run_until_complete(pool.close())


async def _outcome(runner: ProcessRunner, text: str, accept: str = JSON) -> str:
    try:
        answer = await runner.run(text, accept)
    except QueryLimitError as error:
        return error.limit
    return "ok" if answer.body else "empty"


def test_identical_queries_in_flight_are_evaluated_once(runner, loop) -> None:
    async def scenario() -> tuple[list[str], str]:
        explosive = [asyncio.ensure_future(_outcome(runner, EXPLOSIVE)) for _ in range(8)]
        await asyncio.sleep(0.5)  # every copy has joined the one evaluation by now
        light = await _outcome(runner, LIGHT)  # the other worker is free: eight copies took one
        return list(await asyncio.gather(*explosive)), light

    before = runner.evaluated
    explosive, light = loop.run_until_complete(scenario())
    assert explosive == ["deadline"] * 8
    assert light == "ok"
    assert runner.evaluated - before == 2


def test_queries_with_volatile_functions_are_not_shared(runner, loop) -> None:
    text = "SELECT (RAND() AS ?r) WHERE { } "

    async def scenario() -> list[str]:
        return list(await asyncio.gather(*(_outcome(runner, text) for _ in range(3))))

    before = runner.evaluated
    assert loop.run_until_complete(scenario()) == ["ok"] * 3
    assert runner.evaluated - before == 3


def test_a_query_once_stopped_at_the_deadline_runs_alone(runner, loop) -> None:
    """Two copies of a known-heavy query (answers in two formats, so not shared) take turns."""
    heavy = EXPLOSIVE.replace("?i }", "?i . ?j ?k ?l }")

    async def scenario() -> list[str]:
        first = await _outcome(runner, heavy)  # stopped: now known as heavy
        await asyncio.sleep(3)  # the killed worker's replacement has started
        both = await asyncio.gather(_outcome(runner, heavy, JSON),
                                    _outcome(runner, heavy, "application/sparql-results+xml"),
                                    _outcome(runner, LIGHT))
        return [first, *both]

    first, one, other, light = loop.run_until_complete(scenario())
    assert first == "deadline"
    assert sorted([one, other]) == ["busy", "deadline"]  # the second waited its turn, then gave up
    assert light == "ok"


def test_a_worker_reads_the_asserted_and_inferred_triples_unless_the_query_names_its_dataset() -> None:
    store = ox.Store()
    subject, predicate = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
    store.add(ox.Quad(subject, predicate, ox.Literal("asserted")))
    store.add(ox.Quad(subject, predicate, ox.Literal("inferred"), ox.NamedNode(str(INFERRED_GRAPH))))

    def values(text: str, default_graphs: tuple[str, ...] = ()) -> list[str]:
        body = worker.answer(store, worker.Job(text, JSON, 10, default_graphs))
        return sorted(row["o"]["value"] for row in json.loads(body)["results"]["bindings"])

    query = "SELECT ?o {} WHERE {{ ?s ?p ?o }}"
    assert values(query.format("")) == ["asserted", "inferred"]
    assert values(query.format(f"FROM <{INFERRED_GRAPH}>")) == ["inferred"]
    assert values(query.format(""), default_graphs=(str(INFERRED_GRAPH),)) == ["inferred"]
