"""Time the command the scale targets name: ``railgraph build --formats ttl,nt,jsonld --no-site``.

Run from the repository root:

    .venv/bin/python benchmarks/build_cli.py [--sizes real,1000,10000] [--repeat 3] [--workdir DIR]

For each size (``real``: the repository's own catalogue; a number N: a catalogue of N generated
tools, made by benchmarks/generate.py in ``--workdir`` and reused) three builds are timed, each as
a child process, ``--repeat`` times:

- cold: a fresh cache folder and no output folder, as from a clean checkout;
- unchanged: the same command again (the build stamp finds nothing to do);
- one entry edited: one tool's title changed, then built again with the cache of the cold build.

Each figure is the median wall time over the repeats, with the largest peak memory (``ru_maxrss``
of the build and the processes it forked, read with ``os.wait4``). It asserts nothing.

With ``--reference CAP``, the reference path of ``build_phases.py`` (rdflib parses, owlrl closes,
pyshacl validates, rdflib writes Turtle, N-Triples and JSON-LD) runs on each generated catalogue
in the same invocation, each phase capped at CAP seconds, and the ratio of its total to the cold
build's median is printed (a lower bound when a phase hit the cap).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
COMMAND = ["build", "--formats", "ttl,nt,jsonld", "--no-site"]


def run_build(root: Path, out: Path, cache: Path) -> tuple[float, float]:
    """Wall seconds and peak GiB of one build (exit code checked)."""
    env = {**os.environ, "RAILGRAPH_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "railgraph", *COMMAND, "--root", str(root), "--out", str(out)]
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build of {root} failed: {child.stderr.read().decode() if child.stderr else ''}")
    return elapsed, usage.ru_maxrss / 2**20  # KiB; wait4 counts the processes it forked too


def edit_one_entry(root: Path) -> None:
    """Change the title of one tool (the first file under data/tools/)."""
    tool = sorted((root / "data" / "tools").glob("*.ttl"))[0]
    text = tool.read_text(encoding="utf-8")
    marker = 'dct:title "'
    at = text.index(marker) + len(marker)
    tool.write_text(text[:at] + "Edited " + text[at:], encoding="utf-8")


def catalogue(size: str, workdir: Path) -> Path:
    if size == "real":
        return ROOT
    folder = workdir / f"generated-{size}"
    if not folder.is_dir():
        subprocess.run([sys.executable, str(HERE / "generate.py"), size, str(folder)], check=True,
                       stdout=subprocess.DEVNULL)
    return folder


def copy_of(size: str, source: Path, root: Path) -> None:
    """Copy the catalogue ``source`` of ``size`` to ``root`` (the repository's without its
    checkout, environment, output and cache)."""
    if size == "real":
        shutil.copytree(source, root, ignore=shutil.ignore_patterns(
            ".git", ".venv", "dist", ".railgraph-cache", "__pycache__", "node_modules"))
    else:
        shutil.copytree(source, root)


def measure(size: str, workdir: Path, repeat: int) -> dict[str, list[tuple[float, float]]]:
    source = catalogue(size, workdir)
    figures: dict[str, list[tuple[float, float]]] = {"cold": [], "unchanged": [], "one entry edited": []}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(dir=workdir) as scratch:
            root = Path(scratch) / "root"
            copy_of(size, source, root)
            cache, out = Path(scratch) / "cache", Path(scratch) / "dist"
            figures["cold"].append(run_build(root, out, cache))
            figures["unchanged"].append(run_build(root, out, cache))
            edit_one_entry(root)
            figures["one entry edited"].append(run_build(root, out, cache))
    return figures


def reference_seconds(size: str, workdir: Path, cap: float) -> tuple[float, bool]:
    """The reference path's build (parse, infer, validate, three exports) on ``size`` generated
    tools, timed by ``build_phases.py``: total seconds, and whether a phase hit the cap."""
    with tempfile.TemporaryDirectory(dir=workdir) as scratch:
        report = Path(scratch) / "reference.json"
        subprocess.run([sys.executable, str(HERE / "build_phases.py"), "--sizes", size, "--paths", "reference",
                        "--phases", "parse,infer,validate,export ttl,export nt,export jsonld", "--repeat", "1",
                        "--cap", str(cap), "--workdir", str(workdir), "--json", str(report)],
                       check=True, stdout=subprocess.DEVNULL)
        phases = json.loads(report.read_text(encoding="utf-8"))["results"][0]["paths"]["reference"]["phases"]
    wanted = ("parse", "infer", "validate", "export ttl", "export nt", "export jsonld")
    capped = any(phases[name]["capped"] for name in wanted)
    total = sum(cap if phases[name]["capped"] else statistics.median(phases[name]["seconds"]) for name in wanted)
    return total, capped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="real,1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "railgraph-bench")
    parser.add_argument("--reference", type=float, metavar="CAP",
                        help="also time the reference path on generated catalogues, each phase capped at CAP s")
    options = parser.parse_args()
    options.workdir.mkdir(parents=True, exist_ok=True)
    print(f"railgraph {' '.join(COMMAND)}; {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}")
    print(f"{'catalogue':<12}{'build':<20}{'median s':>10}{'min s':>9}{'max s':>9}{'peak GiB':>10}")
    for size in options.sizes.split(","):
        figures = measure(size, options.workdir, options.repeat)
        for name, runs in figures.items():
            seconds = [s for s, _ in runs]
            print(f"{size:<12}{name:<20}{statistics.median(seconds):>10.2f}{min(seconds):>9.2f}"
                  f"{max(seconds):>9.2f}{max(g for _, g in runs):>10.2f}", flush=True)
        if options.reference and size != "real":
            total, capped = reference_seconds(size, options.workdir, options.reference)
            cold = statistics.median(s for s, _ in figures["cold"])
            bound = ">= " if capped else ""
            print(f"{size:<12}{'reference path':<20}{bound + f'{total:.1f}':>10}   ratio to cold: "
                  f"{bound}{total / cold:.1f}x" + (f" (a phase hit the {options.reference:.0f} s cap)" if capped else ""),
                  flush=True)
    print(f"load at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
