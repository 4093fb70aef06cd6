"""The railgraph exception tree.

Every failure railgraph reports to a user is one of these; the CLI maps ``exit_code`` onto the
documented exit status and prints ``str(error)`` (which already says what to do) on stderr::

    RailgraphError                 exit 2 unless a subclass says otherwise
    ├── InputError                 a file cannot be read, is too large or is not valid RDF (located)
    ├── UsageError                 an unknown query, parameter, id or option value
    ├── ShapesError                the shapes themselves cannot be used
    ├── QueryRefused               a query the guard refuses before evaluation (SERVICE, LOAD, ...)
    ├── NotAcceptable              no representation in a media type the client accepts (HTTP 406)
    ├── QueryLimitError            a query stopped at the deadline or the row cap
    └── RemoteError                exit 3: a remote service failed, timed out or answered garbage

Library errors (rdflib, pyshacl, owlrl) are caught where they cross into railgraph and re-raised as
one of these, chained with ``raise ... from exc``.
"""

from __future__ import annotations

from pathlib import Path


class RailgraphError(Exception):
    """Base of every error railgraph raises on purpose."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class InputError(RailgraphError):
    """A source file is unreadable, too large or syntactically invalid."""

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.line = line
        self.column = column
        where = ""
        if path is not None:
            where = str(path)
            if line is not None:
                where += f":{line}"
                if column is not None:
                    where += f":{column}"
            where += ": "
        super().__init__(where + message, hint=hint)


class UsageError(RailgraphError):
    """An unknown name, parameter or value was asked for."""


class ShapesError(RailgraphError):
    """The SHACL shapes could not be loaded or applied."""


class QueryRefused(UsageError):
    """A query the guard refuses before evaluation: an update, SERVICE, LOAD, or a dataset outside the catalogue."""


class NotAcceptable(UsageError):
    """Nothing can be answered in a media type the client accepts (HTTP 406)."""


class QueryLimitError(RailgraphError):
    """A query was stopped because it passed the deadline or the row cap; nothing partial is returned."""

    def __init__(self, message: str, *, limit: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.limit = limit  # "deadline", "row_cap" or "busy" (every worker busy, the queue full)


class RemoteError(RailgraphError):
    """A remote SPARQL service failed; nothing was changed locally."""

    exit_code = 3
