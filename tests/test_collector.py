"""The cyclic garbage collector is paused while the catalogue's quads are parsed, and left as it was."""

from __future__ import annotations

import gc
import sys

import pytest

from railgraph import collector, loading
from railgraph.catalogue import Catalogue

from .conftest import ROOT


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_off_inside_and_as_it_was_after(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with pytest.raises(KeyError), collector.paused():
            assert not gc.isenabled()
            raise KeyError("a failure inside")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_the_sources_are_parsed_with_the_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    original = loading.load_sources

    def recording(*args, **kwargs):
        seen.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(loading, "load_sources", recording)
    assert gc.isenabled()
    Catalogue.load(ROOT)
    assert seen == [False]
    assert gc.isenabled()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim, read through /proc")
def test_memory_freed_between_objects_still_held_is_given_back() -> None:
    def resident() -> int:
        with open("/proc/self/status", encoding="ascii") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) * 1024

    chunks = [bytes([n % 251]) * 4000 for n in range(60_000)]  # 240 MB, each from malloc
    kept = chunks[::20]  # the rest freed between them: nothing to trim from the top alone
    del chunks
    before = resident()
    collector.give_back()
    assert before - resident() > 100 << 20
    assert len(kept) == 3000
