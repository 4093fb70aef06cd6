"""Repeated lookups answered before routing: the same status, headers and bytes as the full path."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from railgraph.server.app import create_app
from railgraph.server.linked_data import RepeatLookups

TOOL = "/id/tool/model-cards"


def _middleware(app) -> RepeatLookups:
    stack = app.build_middleware_stack()
    while not isinstance(stack, RepeatLookups):
        stack = stack.app
    return stack


@pytest.fixture(scope="module")
def app(catalogue):
    return create_app(catalogue)


def _get(app, requests: list[tuple[str, str, dict[str, str]]]) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return [await client.request(method, path, headers=headers) for method, path, headers in requests]
    return asyncio.run(run())


def _headers(response: httpx.Response) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in response.headers.items() if k != "date")


@pytest.mark.parametrize("ext", ["ttl", "html", "jsonld"])
def test_a_repeated_lookup_is_the_response_of_the_first(app, ext) -> None:
    path = f"{TOOL}.{ext}"
    recorder = RepeatLookups(app, app.state.linked_data)
    first, again = _get(recorder, [("GET", path, {}), ("GET", path, {})])
    assert path in recorder._sent  # the second was answered from the record
    assert (again.status_code, _headers(again), again.content) == (200, _headers(first), first.content)
    assert again.headers["vary"] == "Accept, Origin"
    assert "rel=\"alternate\"" in again.headers["link"]


def test_cors_requests_and_other_methods_take_the_full_path(app) -> None:
    path = f"{TOOL}.ttl"
    recorder = RepeatLookups(app, app.state.linked_data)
    plain, cors, head = _get(recorder, [("GET", path, {}), ("GET", path, {"Origin": "https://example.org"}),
                                        ("HEAD", path, {})])
    assert "access-control-allow-origin" not in plain.headers
    assert cors.headers["access-control-allow-origin"] == "*"
    assert cors.headers["access-control-expose-headers"] == "Link, Location, Vary"
    assert cors.content == plain.content
    assert head.status_code == 200 and head.content == b""


def test_only_complete_200_representations_are_recorded(app) -> None:
    recorder = RepeatLookups(app, app.state.linked_data, size=2)
    _get(recorder, [("GET", TOOL, {}), ("GET", "/id/tool/no-such-tool.ttl", {}), ("GET", "/sparql", {}),
                    ("GET", f"{TOOL}.ttl", {}), ("GET", f"{TOOL}.nt", {}), ("GET", f"{TOOL}.html", {})])
    assert list(recorder._sent) == [f"{TOOL}.nt", f"{TOOL}.html"]  # 303, 404 and other routes are not


def test_the_app_answers_repeated_lookups_from_the_record(app) -> None:
    assert isinstance(_middleware(app), RepeatLookups)
