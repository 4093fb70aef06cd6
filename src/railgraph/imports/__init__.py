"""Imports into data/: the CSV and JSON interchange format, Hugging Face model cards, and
railgraph's own export (round trip). One module per source; :mod:`.apply` validates and writes.

Every import is deterministic and re-runnable: the same source gives the same files, and
running it again reports every entry unchanged. :func:`read` parses the source without the
catalogue (an unreadable source fails before anything loads, exit 2); :func:`run` turns it into
entries, validates them within the catalogue and writes the ones that conform (exit 1 when some
were rejected). See docs/imports.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import URIRef

from . import interchange, model_cards, roundtrip
from .apply import Provenance, apply_import, source_date
from .report import ImportReport, Rejection

if TYPE_CHECKING:
    from ..catalogue import Catalogue
    from ..settings import Settings

__all__ = ["KINDS", "ImportReport", "Parsed", "Rejection", "import_source", "read", "run"]

KINDS = ("csv", "json", "model-cards", "railgraph")


@dataclass(frozen=True)
class Parsed:
    """A source read and checked for syntax, not yet applied."""

    kind: str
    path: Path
    content: Any


def read(kind: str, path: Path, settings: Settings) -> Parsed:
    """Read ``path`` as a ``kind`` source; raises :class:`~railgraph.errors.InputError` (exit 2)."""
    from ..errors import InputError, UsageError

    if kind not in KINDS:
        raise UsageError(f"unknown import {kind!r}", hint=f"choose one of register, {', '.join(KINDS)}")
    if kind != "model-cards" and not path.is_file():
        raise InputError("no such file", path=path, hint=f"name the {kind} file to import")
    max_bytes = settings["max_file_bytes"]
    if kind == "csv":
        content: Any = interchange.read_csv(path, max_bytes=max_bytes)
    elif kind == "json":
        content = interchange.read_json(path, max_bytes=max_bytes)
    elif kind == "model-cards":
        content = model_cards.read_cards(path, max_bytes=max_bytes)
    else:
        content = roundtrip.read_export(path, max_bytes=max_bytes,
                                        max_literal_chars=settings["max_literal_chars"])
    return Parsed(kind, path, content)


def run(parsed: Parsed, catalogue: Catalogue, *, write: bool = True) -> ImportReport:
    """Apply a parsed source to ``catalogue``'s data folder; the report says what happened."""
    report = ImportReport(parsed.path.name)
    curator = URIRef(catalogue.settings["curator"])
    if parsed.kind in ("csv", "json"):
        provenance = Provenance(curator, source_date(parsed.path), parsed.path.name)
        candidates, rejected = interchange.candidates(parsed.content, catalogue, provenance)
        report.rejected.extend(rejected)
    elif parsed.kind == "model-cards":
        candidates = model_cards.candidates(parsed.content, catalogue, curator, report)
    else:
        candidates, left_out = roundtrip.candidates(parsed.content, parsed.path.name)
        if left_out:
            report.notes.append(f"{left_out:,} triple(s) belong to no entry (ontology, vocabularies) "
                                "and were left out: they live in ontology/")
    return apply_import(catalogue, candidates, report, write=write)


def import_source(kind: str, path: Path | str, catalogue: Catalogue) -> ImportReport:
    """Read and apply in one call (the Python API)."""
    return run(read(kind, Path(path), catalogue.settings), catalogue)
