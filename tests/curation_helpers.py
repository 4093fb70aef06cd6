"""Helpers shared by the curation tests: a catalogue root of their own and skeleton filling."""

from __future__ import annotations

import shutil
from pathlib import Path

from .conftest import ROOT, invoke

__all__ = ["copy_root", "fill", "invoke"]


def copy_root(target: Path) -> Path:
    """A copy of the repository's catalogue (ontology, shapes, queries, data) at ``target``."""
    for name in ("ontology", "shapes", "queries", "data"):
        shutil.copytree(ROOT / name, target / name)
    return target


#: Values that fill a skeleton's required fields, by the predicate the line starts with.
FILL = {
    "dct:title": '"A tool added by the curation tests"@en',
    "dct:description": '"Written by the curation tests to check that a filled skeleton validates."@en',
    "prov:hadPrimarySource": "<https://example.org/railgraph-tests/source>",
    "foaf:name": '"Curation test organisation"',
    "rg:releasedUnder": "<https://w3id.org/railgraph/id/licence/apache-2-0>",
}


def fill(text: str, values: dict[str, str] = FILL) -> str:
    """Uncomment every required field line of a skeleton and put a value in its placeholder."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("# ") and "# required:" in stripped:
            predicate = stripped[2:].split(" ", 1)[0]
            statement = stripped[2:].split("  # required:", 1)[0]
            placeholder = statement[len(predicate) + 1:].rsplit(" ;", 1)[0]
            line = "    " + statement.replace(placeholder, values[predicate], 1)
        lines.append(line)
    return "\n".join(lines) + "\n"
