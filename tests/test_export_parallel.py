"""Exports written in forked processes are the bytes written one after the other."""

from __future__ import annotations

import pytest

from railgraph.errors import UsageError
from railgraph.export import parallel


def test_forked_exports_are_the_same_bytes_as_in_process(catalogue) -> None:
    jobs: dict[str, parallel.Job] = {
        "catalogue.jsonld": lambda c: c.export("jsonld"),
        "catalogue.ttl": lambda c: c.export("ttl"),
        "inferred.nt": lambda c: c.export("nt", inferred=True),
        "both": lambda c: {"a.nt": c.export("nt"), "b.trig": c.export("trig")},
    }
    forked = parallel.run(catalogue, jobs, workers=2)
    assert set(forked) == {"catalogue.jsonld", "catalogue.ttl", "inferred.nt", "a.nt", "b.trig"}
    assert forked == parallel.run(catalogue, jobs, workers=1)
    assert all(forked.values())


def test_an_export_that_fails_in_a_child_fails_the_run(catalogue) -> None:
    jobs: dict[str, parallel.Job] = {"nt": lambda c: c.export("nt"),
                                     "bad": lambda c: c.export("no-such-format")}
    with pytest.raises(UsageError, match="no-such-format"):
        parallel.run(catalogue, jobs, workers=2)
