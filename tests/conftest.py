"""Shared fixtures: the real catalogue, loaded once, and a CLI runner."""

from __future__ import annotations

import importlib.util
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import railgraph
from railgraph import cache_reads
from railgraph.catalogue import Catalogue
from railgraph.cli import main

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
ID = "https://w3id.org/railgraph/id/"
VOCAB = "https://w3id.org/railgraph/vocab/"
LICENCE = ID + "licence/"
GENERATOR = ROOT / "benchmarks" / "generate.py"
BIGCODE = LICENCE + "bigcode-openrail-m-license-agreement"
BIGSCIENCE = LICENCE + "bigscience-openrail-m-license"
RAIL_1 = LICENCE + "bigscience-bloom-responsible-ai-license-rail-1-0"
CREATIVEML = LICENCE + "creativeml-openrail-m"
OPENRAIL_PP = LICENCE + "creativeml-openrail-plus-plus-m"


def rows(catalogue: Catalogue, name: str, **params: str) -> list[dict[str, str]]:
    """A named query's answer as a list of {variable: text} rows."""
    result = catalogue.query(name, **params)
    return [{str(k): str(v) for k, v in row.asdict().items()} for row in result]


@pytest.fixture(autouse=True)
def _cache_reads_forgotten() -> Iterator[None]:
    """A build that keeps its catalogue for the next one keeps what it read back from the cache
    too (:mod:`railgraph.cache_reads`): no other test inherits that."""
    yield
    cache_reads.keep(False)


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The repository's catalogue with inference done (shared: do not add files to it)."""
    loaded = railgraph.load(ROOT)
    _ = loaded.inferred
    return loaded


def generate(n: int, out: Path, seed: int = 3) -> Path:
    """A catalogue root of ``n`` synthetic tools, written by benchmarks/generate.py into ``out``."""
    spec = importlib.util.spec_from_file_location("railgraph_benchmark_generate", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.generate(n, out, seed=seed)
    return out


@pytest.fixture(scope="session")
def generated_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated catalogue of 50 tools (small enough for owlrl and pyshacl to take seconds)."""
    return generate(50, tmp_path_factory.mktemp("generated") / "catalogue")


@pytest.fixture()
def fresh_catalogue() -> Catalogue:
    """A catalogue of its own, for tests that add files to it."""
    return railgraph.load(ROOT)


@dataclass
class Run:
    code: int
    out: str
    err: str


def invoke(*args: str, cwd: Path = ROOT, stdin: str = "", environ: dict[str, str] | None = None) -> Run:
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
        patch.setattr(sys, "stdin", io.StringIO(stdin))
        patch.setattr(cli_module.stderr, "file", err)
        code = 0
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Run(code, out.getvalue() + out.buffer.getvalue().decode("utf-8"), err.getvalue())  # type: ignore[attr-defined]


@pytest.fixture()
def run_cli():
    """Run ``railgraph ARGS`` in-process (see :func:`invoke`); returns exit code, stdout and stderr."""
    return invoke


@pytest.fixture(scope="session")
def hostile_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    """The repository's catalogue plus the hostile values of tests/hostile.py, inference done."""
    from .hostile import write_hostile

    loaded = Catalogue.load(ROOT, data=[write_hostile(tmp_path_factory.mktemp("hostile"))])
    _ = loaded.inferred
    return loaded
