"""The cyclic garbage collector is paused while the catalogue's quads are parsed, and left as it was."""

from __future__ import annotations

import gc

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
