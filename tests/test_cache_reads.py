"""Cache files read back once and kept while they stay the same file (``build --watch``)."""

from __future__ import annotations

import os
from pathlib import Path

from railgraph import cache_reads


def counting(calls: list[Path]):
    def reading(path: Path) -> bytes | None:
        calls.append(path)
        return path.read_bytes() if path.exists() else None
    return reading


def test_nothing_is_kept_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "file.bin"
    path.write_bytes(b"one")
    calls: list[Path] = []
    assert [cache_reads.read(path, counting(calls)) for _ in range(2)] == [b"one", b"one"]
    assert len(calls) == 2
    assert not cache_reads.keeping()


def test_a_file_is_read_once_while_it_is_the_same_file(tmp_path: Path) -> None:
    cache_reads.keep()
    path = tmp_path / "file.bin"
    path.write_bytes(b"one")
    calls: list[Path] = []
    reading = counting(calls)
    assert cache_reads.read(path, reading) == cache_reads.read(path, reading) == b"one"
    assert len(calls) == 1
    os.utime(path, ns=(1, 1))  # another process touched it: its time is not what was kept
    assert cache_reads.read(path, reading) == b"one" and len(calls) == 2
    os.utime(path, ns=(2, 2))
    cache_reads.touched(path)  # this process touched it: what was kept stays
    assert cache_reads.read(path, reading) == b"one" and len(calls) == 2
    replacement = tmp_path / "new.bin"
    replacement.write_bytes(b"two")
    replacement.replace(path)  # written whole under a new inode, as the cache writes
    assert cache_reads.read(path, reading) == b"two" and len(calls) == 3


def test_what_is_missing_is_not_kept_and_what_is_gone_is_let_go(tmp_path: Path) -> None:
    cache_reads.keep()
    path = tmp_path / "file.bin"
    calls: list[Path] = []
    reading = counting(calls)
    assert cache_reads.read(path, reading) is None
    path.write_bytes(b"one")
    assert cache_reads.read(path, reading) == b"one" and len(calls) == 2
    cache_reads.wrote(tmp_path / "written.bin", "parsed")  # no such file: nothing kept
    (tmp_path / "written.bin").write_bytes(b"{}")
    cache_reads.wrote(tmp_path / "written.bin", "parsed")
    assert cache_reads.read(tmp_path / "written.bin", reading) == "parsed" and len(calls) == 2
    path.unlink()
    cache_reads.forget_gone()
    path.write_bytes(b"one")
    os.utime(path, ns=(3, 3))
    assert cache_reads.read(path, reading) == b"one" and len(calls) == 3


def test_no_longer_keeping_forgets(tmp_path: Path) -> None:
    cache_reads.keep()
    path = tmp_path / "file.bin"
    path.write_bytes(b"one")
    calls: list[Path] = []
    cache_reads.read(path, counting(calls))
    cache_reads.keep(False)
    cache_reads.keep()
    cache_reads.read(path, counting(calls))
    assert len(calls) == 2
