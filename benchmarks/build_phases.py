"""Time every build phase, named query, facet count and search on generated catalogues.

Run from the repository root:

    .venv/bin/python benchmarks/build_phases.py [--sizes 1000,10000,100000] [--repeat R]
        [--cap 120] [--inner 5] [--workdir DIR] [--seed 0] [--paths railgraph,reference]
        [--phases PREFIX,...] [--json FILE]

For each size N a catalogue of N tools is generated (benchmarks/generate.py; kept in
``--workdir`` and reused) and two paths are timed on it, each in child processes:

- railgraph, through the public API: ``railgraph.load(root)`` (parse), ``catalogue.oxstore``
  (infer: the query store filled and closed), ``catalogue.validate()``, ``catalogue.export(fmt)``, a one-entry lookup, every named
  query, ``catalogue.facets()`` and ``catalogue.search("fairness")``;
- the reference: rdflib parses the same files into one Graph and serialises it, owlrl computes the
  full OWL 2 RL closure, pyshacl validates it (``advanced=True``), and the lookup and the named
  queries run on that plain graph (on the asserted triples when owlrl was capped; marked †).
  The framed JSON-LD view has no reference: rdflib cannot frame, and PyLD framing the whole
  graph did not finish within 120 s even for 100 tools.

Build phases (parse, infer, validate, exports, first calls) run once in each of ``--repeat`` fresh
child processes; the figure is the median over them. Warm phases (lookup, queries, facets,
search) run in the first child only: one warm-up call, then up to ``--inner`` timed calls while
the phase has used less than half its cap; the figure is their median. Every phase is capped
(``--cap`` seconds): the parent kills the child at the cap, prints the phase as "> cap", and
starts a new child that skips it (and the railgraph phases that need it). Peak memory is the
largest ``ru_maxrss`` of a path's child processes, read with ``os.wait4`` as each child ends.
Children run with RAILGRAPH_CACHE_DIR=none, so every railgraph build is cold.

Add a phase by adding one ``Phase(...)`` line to :func:`railgraph_phases` (and, where a
reference exists, one to :func:`reference_phases` under the same name).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import queue
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ENTRY = "https://w3id.org/railgraph/id/"
EXPORTS = ("ttl", "nt", "jsonld", "jsonld-framed")
BUILD = ("parse", "infer", "validate", "export ttl", "export nt", "export jsonld")
SEARCH = "fairness"

#: Named-query parameters that the generated catalogue answers better than the defaults do.
SAMPLE_PARAMETERS: dict[str, Callable[[dict[str, str]], dict[str, str]]] = {
    "entries-by-kind": lambda s: {"kind": "tool"},
    "licence-by-identifier": lambda s: {"identifier": s["identifier"]},
    "licences-by-family": lambda s: {"family": s["licence-family"]},
    "licences-forbidding-use": lambda s: {"use": s["restricted-use"]},
    "licence-descendants": lambda s: {"licence": s["licence-root"]},
    "licence-models": lambda s: {"licence": s["licence-root"]},
    "licence-restriction-diff": lambda s: {"a": s["licence-parent"], "b": s["licence"]},
}


@dataclass(frozen=True)
class Phase:
    """One timed step. ``run`` returns details for the JSON output (or None)."""

    name: str
    run: Callable[[], dict[str, Any] | None]
    warm: bool = False  # a steady-state call: warm-up first, median of several calls
    needs: tuple[str, ...] = ()  # phases it cannot do without (skipped when one is capped)
    uses: tuple[str, ...] = ()  # phases whose result it uses when there is one


# -- the two paths (they run in the child) -----------------------------------------------------


def lookup_text(samples: dict[str, str]) -> str:
    """Every triple about one tool: the cheapest question a catalogue answers."""
    return f"SELECT ?p ?o WHERE {{ <{samples['tool']}> ?p ?o }}"


def railgraph_phases(root: Path, params: dict[str, dict[str, str]], samples: dict[str, str]) -> list[Phase]:
    """The railgraph path, through the public API only."""
    import railgraph

    state: dict[str, Any] = {}

    def cat() -> Any:
        return state["catalogue"]

    def parse() -> dict[str, Any]:
        state["catalogue"] = railgraph.load(root)
        return {"sources": len(cat().sources)}

    def validate() -> dict[str, Any]:
        report = cat().validate()
        return {"conforms": report.conforms, "violations": len(report.violations),
                "warnings": len(report.warnings)}

    lookup = lookup_text(samples)
    inferred = ("infer",)
    return [
        Phase("parse", parse),
        Phase("infer", lambda: {"quads": len(cat().oxstore), "inferred": len(cat().inferred_triples)}),
        Phase("validate", validate, needs=inferred),
        *[Phase(f"export {fmt}", lambda fmt=fmt: {"bytes": len(cat().export(fmt))},
                needs=inferred if fmt == "jsonld-framed" else ()) for fmt in EXPORTS],
        Phase("lookup (first query)", lambda: {"rows": len(list(cat().query(lookup)))}, needs=inferred),
        Phase("lookup", lambda: {"rows": len(list(cat().query(lookup)))}, warm=True, needs=inferred),
        *[Phase(f"query {name}", lambda name=name, p=p: {"rows": len(list(cat().query(name, **p)))},
                warm=True, needs=inferred) for name, p in params.items()],
        Phase("facets (first call)", lambda: {"facets": len(cat().facets())}, needs=inferred),
        Phase("facets", lambda: {"facets": len(cat().facets())}, warm=True, needs=inferred),
        Phase("facets(lifecycle-stage=deploy)",
              lambda: {"facets": len(cat().facets({"lifecycle-stage": ["deploy"]}))}, warm=True, needs=inferred),
        Phase(f"search({SEARCH!r})", lambda: {"hits": len(cat().search(SEARCH))}, warm=True, needs=inferred),
    ]


def reference_phases(root: Path, params: dict[str, dict[str, str]], samples: dict[str, str]) -> list[Phase]:
    """rdflib + owlrl + pyshacl on one plain graph.

    The exports run before the closure so that they serialise the asserted triples, as
    railgraph's do; the lookup, the queries and validation run on the closure when there is one.
    """
    import owlrl
    from pyshacl import validate as shacl_validate
    from rdflib import Graph
    from railgraph.queries import QueryLibrary  # reads the .rq headers; runs nothing

    formats = {".ttl": "turtle", ".nt": "nt"}
    state: dict[str, Any] = {"closed": False}
    queries = QueryLibrary(root / "queries")
    context = json.loads((root / "ontology" / "context.jsonld").read_text(encoding="utf-8"))["@context"]

    def files(folder: str) -> list[Path]:
        return sorted(p for p in (root / folder).rglob("*") if p.suffix in formats)

    def parse() -> dict[str, Any]:
        graph, shapes = Graph(), Graph()
        for path in files("ontology") + files("data"):
            graph.parse(path, format=formats[path.suffix])
        for path in files("shapes"):
            shapes.parse(path, format=formats[path.suffix])
        state["graph"], state["shapes"] = graph, shapes
        return {"triples": len(graph)}

    def serialise(fmt: str) -> dict[str, Any]:
        graph = state["graph"]
        if fmt == "jsonld":
            data = graph.serialize(format="json-ld", context=context)
        else:
            data = graph.serialize(format={"ttl": "turtle"}.get(fmt, fmt))
        return {"bytes": len(data.encode("utf-8"))}

    def infer() -> dict[str, Any]:
        graph = state["graph"]
        before = len(graph)
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
        state["closed"] = True
        return {"added": len(graph) - before}

    def on_graph(details: dict[str, Any]) -> dict[str, Any]:
        return details if state["closed"] else {**details, "note": "on asserted triples: owlrl capped"}

    def validate() -> dict[str, Any]:
        conforms, results, _ = shacl_validate(state["graph"], shacl_graph=state["shapes"], advanced=True)
        return on_graph({"conforms": conforms, "report_triples": len(results)})

    def run(text: str, bindings: dict[str, Any]) -> dict[str, Any]:
        return on_graph({"rows": len(list(state["graph"].query(text, initBindings=bindings)))})

    lookup = lookup_text(samples)
    closure = ("infer",)
    return [
        Phase("parse", parse),
        *[Phase(f"export {fmt}", lambda fmt=fmt: serialise(fmt)) for fmt in EXPORTS if fmt != "jsonld-framed"],
        Phase("infer", infer),
        Phase("validate", validate, uses=closure),
        Phase("lookup (first query)", lambda: run(lookup, {}), uses=closure),
        Phase("lookup", lambda: run(lookup, {}), warm=True, uses=closure),
        *[Phase(f"query {name}", lambda name=name, p=p: run(queries.get(name).text, queries.get(name).bindings(p)),
                warm=True, uses=closure) for name, p in params.items()],
    ]


PATHS = {"railgraph": railgraph_phases, "reference": reference_phases}


def child(path: str, root: Path, skip: set[str], params: dict[str, dict[str, str]],
          samples: dict[str, str], inner: int, cap: float) -> None:
    """Run one path's phases in order, writing one JSON event per line to the original stdout."""
    events = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything else printed goes to stderr

    def emit(**event: Any) -> None:
        events.write(json.dumps(event) + "\n")

    for phase in PATHS[path](root, params, samples):
        if phase.name in skip:
            continue
        emit(event="start", phase=phase.name)
        try:
            started = time.perf_counter()
            details = phase.run()
            first = time.perf_counter() - started
            times = []
            while phase.warm and len(times) < inner and time.perf_counter() - started < cap / 2:
                begun = time.perf_counter()
                details = phase.run()
                times.append(time.perf_counter() - begun)
        except Exception as exc:  # report and go on: later phases may not depend on this one
            emit(event="error", phase=phase.name, error=f"{type(exc).__name__}: {exc}"[:300])
            continue
        emit(event="end", phase=phase.name, seconds=times or [first], details=details or {},
             rss_kib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


# -- the parent ----------------------------------------------------------------------------------


@dataclass
class Measure:
    """What one path measured for one phase, over all its child processes."""

    seconds: list[float] = field(default_factory=list)
    capped: bool = False
    error: str | None = None
    skipped: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds and not self.capped else None

    def to_json(self) -> dict[str, Any]:
        return {"median_s": self.median(), "seconds": self.seconds, "capped": self.capped,
                "error": self.error, "skipped": self.skipped, "details": self.details}


@dataclass
class PathRun:
    """All measures of one path on one catalogue, and the largest RSS of its children."""

    measures: dict[str, Measure] = field(default_factory=dict)
    peak_rss_kib: int = 0


def run_path(path: str, phases: list[Phase], root: Path, params: dict[str, dict[str, str]],
             samples: dict[str, str], args: argparse.Namespace, repeat: int) -> PathRun:
    """Run ``path`` in ``repeat`` fresh children, starting another one after each capped phase."""
    run = PathRun()
    wanted = [p for p in phases if not args.phases or p.name.startswith(tuple(args.phases))]
    for number in range(repeat):
        done: set[str] = set()  # phases measured in this repeat
        while True:
            todo = []
            for phase in wanted:
                measure = run.measures.setdefault(phase.name, Measure())
                blocked = [n for n in phase.needs if n in run.measures and
                           (run.measures[n].capped or run.measures[n].skipped)]
                if blocked and not measure.skipped:
                    measure.skipped = f"needs {blocked[0]}, which did not finish"
                stale = measure.capped or measure.skipped or measure.error or (phase.warm and number > 0)
                if not stale and phase.name not in done:
                    todo.append(phase)
            if not todo:
                break
            setup = {"parse"} | {n for p in todo for n in p.needs + p.uses
                                 if not run.measures.get(n, Measure()).capped}
            runs = {p.name for p in todo} | setup
            skip = {p.name for p in phases if p.name not in runs}
            killed, rss = run_child(path, root, skip, params, samples, args, number, run.measures, done)
            run.peak_rss_kib = max(run.peak_rss_kib, rss)
            if killed is None:
                break
    return run


def run_child(path: str, root: Path, skip: set[str], params: dict[str, dict[str, str]],
              samples: dict[str, str], args: argparse.Namespace, number: int,
              measures: dict[str, Measure], done: set[str]) -> tuple[str | None, int]:
    """One child process; returns the phase it was killed in (if any) and its peak RSS in KiB."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", path, "--root", str(root),
               "--skip", json.dumps(sorted(skip)), "--params", json.dumps(params),
               "--samples", json.dumps(samples), "--inner", str(args.inner), "--cap", str(args.cap)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, start_new_session=True,
                               env={**os.environ, "RAILGRAPH_CACHE_DIR": "none"})
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    running: str | None = None
    deadline = time.monotonic() + args.cap
    killed: str | None = None
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            os.killpg(process.pid, signal.SIGKILL)
            killed = running
            while lines.get() is not None:  # let the reader reach the end of the pipe
                pass
            break
        if line is None:
            break
        event = json.loads(line)
        name = event["phase"]
        if event["event"] == "start":
            running, deadline = name, time.monotonic() + args.cap
            continue
        running, deadline = None, time.monotonic() + args.cap
        if name in done:
            continue  # re-run as set-up after a restart: it counts once per repeat
        done.add(name)
        measure = measures.setdefault(name, Measure())
        if event["event"] == "error":
            measure.error = event["error"]
            log(f"{path} #{number + 1} {name}: {event['error']}")
            continue
        measure.seconds.extend(event["seconds"])
        measure.details = {**event["details"], "rss_kib": event["rss_kib"]}
        log(f"{path} #{number + 1} {name}: {format_seconds(statistics.median(event['seconds']))}")
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.stdout is not None
    process.stdout.close()
    if killed is None and process.returncode < 0:
        log(f"{path} #{number + 1}: killed after {args.cap:g} s without news between phases")
    elif killed:
        measures.setdefault(killed, Measure()).capped = True
        done.add(killed)
        log(f"{path} #{number + 1} {killed}: > {args.cap:g} s (killed)")
    elif process.returncode != 0:
        log(f"{path} #{number + 1}: the child process ended with status {process.returncode}")
    return killed, usage.ru_maxrss


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def format_seconds(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


def value(measure: Measure | None, cap: float) -> tuple[float | None, bool]:
    """A measure's median and whether it is only a lower bound (a capped phase counts as the cap)."""
    if measure is None:
        return None, False
    if measure.capped:
        return cap, True
    return measure.median(), "at least" in measure.details


def cell(measure: Measure | None, cap: float) -> str:
    if measure is None or measure.error:
        return "error" if measure else "—"
    if measure.skipped:
        return "not run"
    seconds, bound = value(measure, cap)
    if seconds is None:
        return "—"
    return ("> " if bound else "") + format_seconds(seconds) + (" †" if "note" in measure.details else "")


def ratio(ours: Measure | None, theirs: Measure | None, cap: float) -> str:
    """reference / railgraph; '>' or '<' when one side is only a lower bound."""
    (a, a_bound), (b, b_bound) = value(ours, cap), value(theirs, cap)
    if not a or not b or (a_bound and b_bound) or cell(ours, cap) == "not run" or cell(theirs, cap) == "not run":
        return "—"
    quotient = b / a
    digits = 1 if quotient >= 1 else 2 if quotient >= 0.1 else 3
    return ("> " if b_bound else "< " if a_bound else "") + f"{quotient:.{digits}f}x"


def build_total(run: PathRun, cap: float) -> Measure | None:
    """The build phases' medians added up (a capped phase counts as the cap)."""
    values = [value(run.measures.get(name), cap) for name in BUILD]
    if any(seconds is None for seconds, _ in values):
        return None
    details = {"at least": True} if any(bound for _, bound in values) else {}
    return Measure(seconds=[sum(seconds for seconds, _ in values if seconds)], details=details)


def table(n: int, runs: dict[str, PathRun], order: list[str], cap: float) -> str:
    """The figures of one size, one row per phase."""
    ours, theirs = runs.get("railgraph", PathRun()), runs.get("reference", PathRun())
    rows = [(name, ours.measures.get(name), theirs.measures.get(name)) for name in order
            if name in ours.measures or name in theirs.measures]
    totals = build_total(ours, cap), build_total(theirs, cap)
    if totals != (None, None):
        rows.append(("build: parse to export jsonld", *totals))
    body = [("phase", "railgraph median", "reference median", "ratio")]
    body += [(name, cell(a, cap), cell(b, cap), ratio(a, b, cap)) for name, a, b in rows]
    widths = [max(len(row[i]) for row in body) for i in range(4)]
    lines = [f"N = {n:,} tools"]
    lines += ["  ".join([row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])])
              for row in body]
    peaks = ", ".join(f"{path} {run.peak_rss_kib / 1024 ** 2:.2f} GiB" for path, run in runs.items())
    lines.append(f"peak memory (largest ru_maxrss of the path's child processes): {peaks}")
    if any("note" in m.details for m in theirs.measures.values()):
        lines.append("† on the asserted triples only: the owlrl closure was capped")
    return "\n".join(lines)


def load_generator() -> Any:
    """benchmarks/generate.py as a module (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("railgraph_bench_generate", HERE / "generate.py")
    assert spec and spec.loader
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def catalogue_for(n: int, workdir: Path, seed: int) -> tuple[Path, dict[str, Any], float | None]:
    """The generated catalogue of ``n`` tools (made now, or reused), its manifest and generation time."""
    generator = load_generator()
    version = hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()[:8]
    root = workdir / f"n{n}-seed{seed}-{version}"  # a changed generator makes a new catalogue
    manifest = root / generator.MANIFEST
    if manifest.is_file():
        return root, json.loads(manifest.read_text(encoding="utf-8")), None
    started = time.perf_counter()
    made = generator.generate(n, root, seed)
    return root, made, time.perf_counter() - started


def query_parameters(root: Path, samples: dict[str, str]) -> dict[str, dict[str, str]]:
    """Each named query's defaults, with every entry IRI replaced by a generated entry of its kind."""
    from railgraph.queries import QueryLibrary

    params: dict[str, dict[str, str]] = {}
    for named in QueryLibrary(root / "queries"):
        values = {}
        for parameter in named.parameters:
            default = parameter.default
            if default is not None and default.startswith(ENTRY):
                default = samples.get(default[len(ENTRY):].split("/")[0], default)
            if default is not None:
                values[parameter.name] = default
        if named.name in SAMPLE_PARAMETERS:
            values.update(SAMPLE_PARAMETERS[named.name](samples))
        params[named.name] = values
    return params


def machine() -> dict[str, Any]:
    import platform

    import rdflib

    return {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
            "rdflib": rdflib.__version__}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated numbers of tools")
    parser.add_argument("--repeat", type=int, help="child processes per path (default 3 up to 10,000 tools, else 1)")
    parser.add_argument("--cap", type=float, default=120.0, help="seconds a phase may run before it is killed")
    parser.add_argument("--inner", type=int, default=5, help="timed calls of a warm phase")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "railgraph-bench",
                        help="where generated catalogues are kept and reused")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--paths", default="railgraph,reference", help="railgraph, reference or both")
    parser.add_argument("--phases", default="", help="run only the phases whose names start with these")
    parser.add_argument("--json", type=Path, help="also write the results here, as JSON")
    parser.add_argument("--child", choices=sorted(PATHS), help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--skip", default="[]", help=argparse.SUPPRESS)
    parser.add_argument("--params", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--samples", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.root, set(json.loads(args.skip)), json.loads(args.params),
              json.loads(args.samples), args.inner, args.cap)
        return
    args.phases = [p for p in args.phases.split(",") if p]
    paths = [p for p in args.paths.split(",") if p]
    if not paths or set(paths) - set(PATHS):
        parser.error(f"--paths takes {' and/or '.join(PATHS)}")
    results = []
    for n in (int(size) for size in args.sizes.replace("_", "").split(",") if size):
        root, manifest, generated = catalogue_for(n, args.workdir, args.seed)
        log(f"N={n:,}: {root}" + (f", generated in {generated:.1f} s" if generated else " (reused)"))
        repeat = args.repeat or (3 if n <= 10_000 else 1)
        samples = manifest["samples"]
        params = query_parameters(root, samples)
        phases = {path: PATHS[path](root, params, samples) for path in paths}
        runs = {path: run_path(path, phases[path], root, params, samples, args, repeat) for path in paths}
        order = [p.name for p in railgraph_phases(root, params, samples)]
        print(table(n, runs, order, args.cap) + "\n", flush=True)
        results.append({"n": n, "seed": args.seed, "repeat": repeat, "cap_s": args.cap, "inner": args.inner,
                        "generated_s": generated, "entries": manifest["entries"], "parameters": params,
                        "paths": {path: {"peak_rss_kib": run.peak_rss_kib,
                                         "phases": {k: m.to_json() for k, m in run.measures.items()}}
                                  for path, run in runs.items()}})
        if args.json:
            args.json.write_text(json.dumps({"machine": machine(), "results": results}, indent=2) + "\n",
                                 encoding="utf-8")


if __name__ == "__main__":
    main()
