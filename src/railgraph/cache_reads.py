"""Cache files read back once, then kept in memory while they stay the same file, for a process
that builds again and again (``railgraph build --watch``, see :func:`railgraph.build.build`).

Off until :func:`keep` is called: a command that builds once reads each file once, and keeping
what it read would only raise its peak memory; what is small (a digest found by reading a large
file) is kept all the same. A file is "the same" while its inode, size and
modification time are (what :mod:`railgraph.watching` compares); the cache writes its files
whole, under a new inode. Forked processes inherit what was kept without copying it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

__all__ = ["forget_gone", "keep", "keeping", "read", "touched", "wrote"]

T = TypeVar("T")
#: A file's inode, size and modification time (ns).
Stamp = tuple[int, int, int]

_KEPT: dict[Path, tuple[Stamp, object]] = {}
_keeping = False


def keep(on: bool = True) -> None:
    """Keep what is read from now on (or no longer, forgetting what was kept)."""
    global _keeping
    _keeping = on
    if not on:
        _KEPT.clear()


def keeping() -> bool:
    """Whether what is read is kept."""
    return _keeping


def read(path: Path, reading: Callable[[Path], T], *, small: bool = False) -> T:
    """``reading(path)``, or what it gave before while ``path`` is the same file (a None it
    gives, for a file missing or damaged, is not kept). ``small``: kept even when not keeping."""
    if not (_keeping or small):
        return reading(path)
    stamp = _stamp(path)
    known = _KEPT.get(path)
    if known is not None and stamp is not None and known[0] == stamp:
        return known[1]  # type: ignore[return-value]
    value = reading(path)
    if value is not None and stamp is not None and _stamp(path) == stamp:  # not written meanwhile
        _KEPT[path] = (stamp, value)
    return value


def wrote(path: Path, value: object) -> None:
    """Keep ``value`` as what reading the file this process just wrote at ``path`` gives."""
    stamp = _stamp(path) if _keeping else None
    if stamp is not None:
        _KEPT[path] = (stamp, value)


def touched(path: Path) -> None:
    """``path`` was given a new modification time, not new bytes: what was kept stays."""
    known = _KEPT.get(path)
    stamp = _stamp(path) if known is not None else None
    if known is not None and stamp is not None and stamp[:2] == known[0][:2]:  # same inode and size
        _KEPT[path] = (stamp, known[1])


def forget_gone() -> None:
    """Let go of what was read from files removed or written again since."""
    for path, (stamp, _) in list(_KEPT.items()):
        if _stamp(path) != stamp:
            del _KEPT[path]


def _stamp(path: Path) -> Stamp | None:
    try:
        facts = os.stat(path)
    except OSError:
        return None
    return facts.st_ino, facts.st_size, facts.st_mtime_ns
