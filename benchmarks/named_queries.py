"""Median latency of every named query, facet count and search through the Python API.

Run from the repository root:  .venv/bin/python benchmarks/named_queries.py [--repeat 7]

Each figure is the median of ``--repeat`` runs after one warm-up run, on the real catalogue
(loaded once, inference done). The ratio column compares each median with the median of a
reference measured in the same run: a one-entry lookup (every triple about the seed licence).
Named queries are also run on rdflib, the reference engine, in the same run; the last column is
rdflib's median divided by the embedded store's (pyoxigraph).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import railgraph
from railgraph.store import RdflibStore

SEED = "https://w3id.org/railgraph/id/licence/bigcode-openrail-m-license-agreement"
LOOKUP = f"SELECT ?p ?o WHERE {{ <{SEED}> ?p ?o }}"


def median_ms(run: Callable[[], object], repeat: int) -> float:
    run()  # warm-up: parses and caches the query
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    catalogue = railgraph.load(Path(__file__).resolve().parents[1])
    _ = catalogue.dataset
    print(f"catalogue loaded and inferred in {time.perf_counter() - started:.1f} s: "
          f"{len(catalogue.asserted):,} asserted + {len(catalogue.inferred):,} inferred triples")
    reference = median_ms(lambda: list(catalogue.query(LOOKUP)), args.repeat)
    rdflib_store = RdflibStore(catalogue.dataset)
    rows = [("reference: one-entry lookup", reference, None)]
    for named in catalogue.queries:
        bindings = named.bindings({})
        mine = median_ms(lambda n=named.name: list(catalogue.query(n)), args.repeat)
        theirs = median_ms(lambda n=named: list(rdflib_store.query(n.text, bindings)), args.repeat)
        rows.append((f"query {named.name}", mine, theirs))
    rows.append(("facets() unfiltered", median_ms(lambda: catalogue.facets(), args.repeat), None))
    rows.append(("facets(lifecycle-stage=deploy)",
                 median_ms(lambda: catalogue.facets({"lifecycle-stage": ["deploy"]}), args.repeat), None))
    rows.append(("search('fairness toolkit')",
                 median_ms(lambda: catalogue.search("fairness toolkit"), args.repeat), None))
    rows.append(("check_use(model=wizardcoder, malware)",
                 median_ms(lambda: catalogue.check_use("malware-generation", model="wizardcoder-15b-v1-0"),
                           args.repeat), None))
    width = max(len(name) for name, *_ in rows)
    print(f"{'what':<{width}}  {'median ms':>10}  {'x lookup':>8}  {'rdflib ms':>10}  {'rdflib/store':>12}")
    for name, ms, theirs in rows:
        extra = f"  {theirs:>10.1f}  {theirs / ms:>12.1f}" if theirs is not None else ""
        print(f"{name:<{width}}  {ms:>10.1f}  {ms / reference:>8.1f}{extra}")


if __name__ == "__main__":
    main()
