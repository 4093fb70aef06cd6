"""Pausing Python's cyclic garbage collector while millions of objects that form no cycles are
made (parsed quads, table cells): each full collection would walk them all again."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Leave the cyclic garbage collector off inside the block (as it was after it)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
