"""What the web UI's forms ask for, read from request parameters and checked before any work is done.

Each ``read_*`` function takes the request's parameters as ``(name, value)`` pairs (a query string
or a posted form, in order) and returns a form whose ``problems`` say, in words a reader can act
on, what was wrong with the input and was therefore left out. Nothing here raises on bad input:
pages show the problems instead (with a ``400`` status).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from ..errors import RailgraphError
from ..facets import FACETS

#: The facets of the home page's filter panel (the OECD.AI catalogue's), in panel order.
PANEL_FACETS: dict[str, str] = {
    "tool-type": "Type of tool",
    "objective": "Objective",
    "lifecycle-stage": "Lifecycle stage",
    "stakeholder-group": "Stakeholder group",
    "usage-rights": "Usage rights",
    "licence-family": "Licence family",
}

PAGE_SIZE = 20
MAX_TEXT = 500  # characters of search text or of one parameter value
MAX_QUERY = 100_000  # characters of an ad hoc SPARQL query
PARAM_PREFIX = "param."  # a named query's parameter ``x`` is the form field ``param.x``

Pairs = Iterable[tuple[str, str]]

#: Characters no HTML page may contain (controls but tab and line breaks, noncharacters).
UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True)
class Problem:
    """Something wrong with the input: what, and what to do about it."""

    message: str
    hint: str | None = None

    @classmethod
    def of(cls, error: RailgraphError) -> Problem:
        return cls(error.message, error.hint)


@dataclass(frozen=True)
class SearchForm:
    """The home page's search: text, facet filters (facet key -> concept ids as given) and page."""

    text: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    page: int = 1
    problems: tuple[Problem, ...] = ()

    def pairs(self, *, page: int | None = None, without: tuple[str, str] | None = None) -> list[tuple[str, str]]:
        """The parameters of this search, changed as asked (for links that keep the rest)."""
        result: list[tuple[str, str]] = [("q", self.text)] if self.text else []
        for key, values in self.filters.items():
            result.extend((key, v) for v in values if (key, v) != without)
        if page is not None and page > 1:
            result.append(("page", str(page)))
        return result

    def url(self, path: str, *, page: int | None = None, without: tuple[str, str] | None = None) -> str:
        """The URL of this search at ``path``, on another page or without one filter."""
        query = urlencode(self.pairs(page=page, without=without))
        return f"{path}?{query}" if query else path


def read_search(pairs: Pairs) -> SearchForm:
    """The search text, the filters (any facet of :data:`railgraph.facets.FACETS`) and the page."""
    text = ""
    filters: dict[str, list[str]] = {}
    page = 1
    problems: list[Problem] = []
    for name, value in _printable(pairs, problems):
        value = value.strip()
        if name == "q":
            text = _cut(value, "the search text", problems)
        elif name == "page":
            if value:
                page = _page(value, problems)
        elif name in FACETS:
            if value and value not in filters.setdefault(name, []):
                filters[name].append(_cut(value, f"the {name} filter", problems))
        else:
            problems.append(_unknown("filter", name, ["q", "page", *FACETS]))
    return SearchForm(text, {k: tuple(v) for k, v in filters.items() if v}, page, tuple(problems))


@dataclass(frozen=True)
class CheckUseForm:
    """The check-use form: a licence or a model, and a restricted use."""

    licence: str = ""
    model: str = ""
    purpose: str = ""
    problems: tuple[Problem, ...] = ()

    @property
    def asked(self) -> bool:
        """True when the form was filled in enough to run a check."""
        return bool(self.purpose and (self.licence or self.model))


def read_check_use(pairs: Pairs) -> CheckUseForm:
    values = {"licence": "", "model": "", "purpose": ""}
    problems: list[Problem] = []
    for name, value in _printable(pairs, problems):
        if name in values:
            values[name] = _cut(value.strip(), f"the {name}", problems)
        else:
            problems.append(_unknown("field", name, list(values)))
    if (values["licence"] or values["model"]) and not values["purpose"]:
        problems.append(Problem("choose the use to check", hint="pick one of the restricted uses"))
    if values["purpose"] and not (values["licence"] or values["model"]):
        problems.append(Problem("name a licence or a model to check the use against",
                                hint="give its slug, IRI, SPDX id, ScanCode key or Hugging Face id"))
    return CheckUseForm(values["licence"], values["model"], values["purpose"], tuple(problems))


@dataclass(frozen=True)
class QueryForm:
    """The query page: a named query (with parameter values) or an ad hoc SPARQL query."""

    name: str = ""
    values: dict[str, str] = field(default_factory=dict)  # parameter -> value, empty ones left out
    text: str = ""
    run: bool = False
    problems: tuple[Problem, ...] = ()

    @property
    def ad_hoc(self) -> bool:
        return bool(self.text.strip())


def read_query(pairs: Pairs) -> QueryForm:
    name, text, run = "", "", False
    values: dict[str, str] = {}
    problems: list[Problem] = []
    for key, value in _printable(pairs, problems):
        if key == "name":
            name = _cut(value.strip(), "the query name", problems)
        elif key == "query":
            if len(value) > MAX_QUERY:
                problems.append(Problem(f"the query is longer than {MAX_QUERY:,} characters",
                                        hint="send long queries to /sparql with POST"))
            else:
                text = value
        elif key == "run":
            run = True
        elif key.startswith(PARAM_PREFIX) and len(key) > len(PARAM_PREFIX):
            if value.strip():
                values[key[len(PARAM_PREFIX):]] = _cut(value.strip(), f"parameter {key[len(PARAM_PREFIX):]!r}",
                                                       problems)
        else:
            problems.append(_unknown("field", key, ["name", "query", "run", PARAM_PREFIX + "NAME"]))
    return QueryForm(name, values, text, run or bool(text.strip()), tuple(problems))


def _printable(pairs: Pairs, problems: list[Problem]) -> Iterable[tuple[str, str]]:
    """The pairs without characters a page cannot show (reported once)."""
    reported = False
    for name, value in pairs:
        clean_name, clean_value = UNPRINTABLE.sub("", name), UNPRINTABLE.sub("", value)
        if (clean_name, clean_value) != (name, value) and not reported:
            problems.append(Problem("control characters in the input were removed",
                                    hint="type the text again without them"))
            reported = True
        yield clean_name, clean_value


def _cut(value: str, what: str, problems: list[Problem]) -> str:
    if len(value) <= MAX_TEXT:
        return value
    problems.append(Problem(f"{what} is longer than {MAX_TEXT} characters and was cut"))
    return value[:MAX_TEXT]


def _page(value: str, problems: list[Problem]) -> int:
    if value.isascii() and value.isdigit() and 0 < int(value) < 1_000_000:  # "²" is a digit int() refuses
        return int(value)
    problems.append(Problem(f"page {value[:40]!r} is not a page number", hint="pages are numbered from 1"))
    return 1


def _unknown(what: str, name: str, known: list[str]) -> Problem:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    return Problem(f"unknown {what} {name[:60]!r} was ignored",
                   hint=f"did you mean {', '.join(close)}?" if close else f"known: {', '.join(known)}")
