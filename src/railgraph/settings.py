"""The one table of settings: it drives the CLI flags, ``railgraph info`` and docs/settings.md.

Each setting has a default, an environment variable ``RAILGRAPH_<NAME>`` that overrides the
default, and (for most) a command-line flag that overrides both.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from .errors import UsageError


@dataclass(frozen=True)
class Setting:
    """One configurable value."""

    name: str
    default: Any
    help: str
    flag: str | None = None
    parse: Callable[[str], Any] = str

    @property
    def env(self) -> str:
        return "RAILGRAPH_" + self.name.upper()


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError("must be a positive whole number")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise ValueError("must be a positive number")
    return value


def _engine(text: str) -> str:
    if text not in ("oxigraph", "rdflib"):
        raise ValueError("must be oxigraph or rdflib")
    return text


def _iri(text: str) -> str:
    if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", text):
        raise ValueError("must be an IRI such as https://orcid.org/0000-0002-1825-0097")
    return text


def _csv(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


SETTINGS: tuple[Setting, ...] = (
    Setting("base_iri", "https://w3id.org/railgraph/",
            "Base IRI of a deployment: the DCAT description gives each dump's download URL as "
            "{base_iri}dist/{file} (the data itself always uses https://w3id.org/railgraph/)."),
    Setting("root", None, "Catalogue root (holds ontology/, shapes/, queries/, data/). Default: the "
            "current folder when it is one, else the copy shipped in the package.", flag="--root"),
    Setting("out", "dist", "Folder `railgraph build` writes into (replaced atomically).", flag="--out"),
    Setting("store", None, "Folder of an on-disk query store (pyoxigraph); rebuilt atomically when the "
            "sources change, reopened without loading otherwise. Default: a store in memory.",
            flag="--store"),
    Setting("query_engine", "oxigraph", "SPARQL engine for queries: oxigraph (the embedded store) or "
            "rdflib (the reference).", parse=_engine),
    Setting("cache_dir", None, "Folder for derived results such as inferred triples (default: "
            ".railgraph-cache in the catalogue root when writable, else ~/.cache/railgraph; "
            "'none' turns caching off)."),
    Setting("query_deadline", 10.0, "Seconds a query on the endpoint may run; past it, its worker process "
            "is killed and the client gets 503.", parse=_positive_float),
    Setting("row_cap", 10_000, "Most rows (or triples) the endpoint returns for one query; a larger answer "
            "gets 422, never a truncated one (named exports and the CLI are not capped).", parse=_positive_int),
    Setting("max_file_bytes", 50_000_000, "Largest source file railgraph reads, in bytes.",
            parse=_positive_int),
    Setting("max_literal_chars", 1_000_000, "Longest literal a source file may contain, in characters.",
            parse=_positive_int),
    Setting("allowed_contexts", ("ontology/context.jsonld",), "JSON-LD contexts a document read "
            "by railgraph may name (comma-separated files inside the catalogue root, each served "
            "from the file under https://w3id.org/railgraph/{path}); any other context is refused, "
            "never fetched.", parse=_csv),
    Setting("curator", "https://w3id.org/railgraph/", "IRI recorded as prov:wasAttributedTo of "
            "every entry `railgraph import` creates or changes (a person's or an organisation's "
            "IRI; by default the railgraph project).", parse=_iri),
    Setting("remote_timeout", 30.0, "Seconds `push` and `query --endpoint` wait for a remote SPARQL "
            "service (to connect, and each time for more of its answer) before giving up with exit 3.",
            flag="--timeout", parse=_positive_float),
    Setting("host", "127.0.0.1", "Address `railgraph serve` binds to.", flag="--host"),
    Setting("port", 8000, "Port `railgraph serve` listens on.", flag="--port", parse=_positive_int),
)

_BY_NAME = {setting.name: setting for setting in SETTINGS}


@dataclass
class Settings:
    """Resolved values: defaults, then environment, then explicit overrides."""

    values: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def resolve(cls, overrides: dict[str, Any] | None = None,
                environ: dict[str, str] | None = None) -> Settings:
        environ = dict(os.environ) if environ is None else environ
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            value = setting.default
            if setting.env in environ:
                try:
                    value = setting.parse(environ[setting.env])
                except ValueError as exc:
                    raise UsageError(
                        f"environment variable {setting.env}={environ[setting.env]!r}: {exc}",
                        hint=setting.help) from exc
            values[setting.name] = value
        for name, value in (overrides or {}).items():
            if name not in _BY_NAME:
                raise UsageError(f"unknown setting {name!r}")
            if value is not None:
                values[name] = value
        return cls(values)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]
