"""What every route of the server shares: the catalogue, its views and the guarded query runner."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from ..catalogue import Catalogue
    from ..views import ViewIndex


@dataclass(frozen=True)
class Answer:
    """A query's complete answer, already serialised in the negotiated media type."""

    form: Literal["select", "ask", "graph"]
    media_type: str
    body: bytes


class QueryRunner(Protocol):
    """Runs read-only SPARQL under the guard, the deadline and the row cap.

    ``accept`` is an HTTP Accept value; the runner picks the best media type for the query's form.
    Raises :class:`~railgraph.errors.QueryRefused` (refused before evaluation),
    :class:`~railgraph.errors.InputError` (syntax, with line and column),
    :class:`~railgraph.errors.QueryLimitError` (deadline or row cap passed) and
    :class:`~railgraph.errors.UsageError` when no acceptable media type exists (406).
    ``default_graphs`` and ``named_graphs`` set the dataset (the protocol's ``default-graph-uri``
    and ``named-graph-uri``); the guard refuses graphs outside the catalogue.
    """

    async def run(self, text: str, accept: str = "application/sparql-results+json", *,
                  default_graphs: tuple[str, ...] = (), named_graphs: tuple[str, ...] = ()) -> Answer: ...

    async def close(self) -> None: ...


@dataclass
class ServerState:
    """Built once at start-up and shared (read-only) by every request."""

    catalogue: Catalogue
    views: ViewIndex
    runner: QueryRunner
    base_path: str = ""
    extras: dict[str, object] = field(default_factory=dict)
