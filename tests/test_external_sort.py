"""Sorting a file's lines in runs gives what sorting them in memory gives."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from railgraph.export.rdf import sorted_lines
from railgraph.external_sort import write_sorted


def _lines(count: int, seed: int) -> list[bytes]:
    chosen = random.Random(seed)
    return [f"<https://example.org/s{chosen.randrange(count)}> <https://example.org/p> \"{chosen.random()}\" ."
            .encode() for _ in range(count)]


@pytest.mark.parametrize("run_bytes", [64, 4096, 1 << 26])  # many runs, a few, one
def test_lines_sorted_in_runs_equal_lines_sorted_in_memory(tmp_path: Path, run_bytes: int) -> None:
    lines = _lines(2000, seed=run_bytes)
    document = b"\n".join([*lines, b"", *lines[:50], b""]) + b"\n" + lines[7]  # repeated, empty, no last line feed
    source = tmp_path / "lines.nt"
    source.write_bytes(document)
    out = io.BytesIO()
    write_sorted(source, out, run_bytes=run_bytes)
    assert out.getvalue() == sorted_lines(document)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lines.nt"]  # the runs are removed


def test_distinct_lines_are_not_looked_through_for_repeats(tmp_path: Path) -> None:
    lines = sorted(set(_lines(500, seed=1)))
    source = tmp_path / "lines.nt"
    source.write_bytes(b"\n".join(reversed(lines)) + b"\n")
    out = io.BytesIO()
    write_sorted(source, out, distinct=True, run_bytes=256)
    assert out.getvalue() == b"".join(line + b"\n" for line in lines)


def test_a_write_that_fails_leaves_no_run_behind(tmp_path: Path) -> None:
    source = tmp_path / "lines.nt"
    source.write_bytes(b"\n".join(_lines(300, seed=2)) + b"\n")

    class Full(io.BytesIO):
        def write(self, data) -> int:  # type: ignore[override]
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        write_sorted(source, Full(), run_bytes=128)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lines.nt"]
