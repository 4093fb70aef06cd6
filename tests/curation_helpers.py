"""Helpers shared by the curation tests: a catalogue root of their own and an in-process CLI run."""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import pytest

from railgraph.cli import cli, main
from railgraph.curation_cli import register

from .conftest import ROOT, Run

register(cli)


def copy_root(target: Path) -> Path:
    """A copy of the repository's catalogue (ontology, shapes, queries, data) at ``target``."""
    for name in ("ontology", "shapes", "queries", "data"):
        shutil.copytree(ROOT / name, target / name)
    return target


def invoke(*args: str, cwd: Path, environ: dict[str, str] | None = None) -> Run:
    """Run ``railgraph ARGS`` in-process in ``cwd``: exit code, stdout and stderr."""
    from railgraph import cli as cli_module

    out, err = io.StringIO(), io.StringIO()
    out.buffer = io.BytesIO()  # type: ignore[attr-defined]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        for name, value in (environ or {}).items():
            patch.setenv(name, value)
        patch.setattr(sys, "stdout", out)
        patch.setattr(sys, "stderr", err)
        patch.setattr(cli_module.stderr, "file", err)
        code = 0
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Run(code, out.getvalue() + out.buffer.getvalue().decode("utf-8"), err.getvalue())  # type: ignore[attr-defined]


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
