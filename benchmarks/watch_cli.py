"""Time ``railgraph build --watch --formats ttl,nt,jsonld --no-site``: its rebuild after one edit.

Run from the repository root:

    .venv/bin/python benchmarks/watch_cli.py [--sizes real,10000] [--edits 3] [--workdir DIR]

For each size (as in build_cli.py: ``real`` or a number of generated tools, reused from
``--workdir``), one watcher is started on a copy of the catalogue with a fresh cache (its first
build is a cold one), at ``--interval 0.1``. Then ``--edits`` times, a few seconds apart, one
tool's title is changed, and the time from the write to the watcher's ``built`` line is taken,
with the processor time the machine spent meanwhile (all cores, from /proc/stat). The watcher is
stopped with SIGINT and must exit 0. It asserts nothing else.
"""

from __future__ import annotations

import argparse
import os
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from build_cli import catalogue, copy_of, edit_one_entry

COMMAND = ["build", "--watch", "--interval", "0.1", "--formats", "ttl,nt,jsonld", "--no-site"]


def busy_seconds() -> float:
    """Processor seconds spent by all cores so far, outside idle and I/O wait."""
    with open("/proc/stat", encoding="ascii") as stream:
        fields = [int(value) for value in stream.readline().split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def lines_of(stream, found: queue.Queue) -> None:
    for line in stream:
        found.put((time.perf_counter(), line))


def wait_for(found: queue.Queue, text: str, timeout: float) -> tuple[float, str]:
    deadline = time.perf_counter() + timeout
    while True:
        at, line = found.get(timeout=max(0.1, deadline - time.perf_counter()))
        if text in line:
            return at, line


def measure(size: str, workdir: Path, edits: int) -> tuple[float, list[tuple[float, float]]]:
    """The first (cold) build's seconds, and each rebuild's seconds and busy processor seconds."""
    source = catalogue(size, workdir)
    with tempfile.TemporaryDirectory(dir=workdir) as scratch:
        root = Path(scratch) / "root"
        copy_of(size, source, root)
        env = {**os.environ, "RAILGRAPH_CACHE_DIR": str(Path(scratch) / "cache")}
        started = time.perf_counter()
        # SIGINT as a terminal sends it, even where this benchmark runs in the background (a
        # shell's "&" starts it with SIGINT ignored, which its children would inherit)
        watcher = subprocess.Popen([sys.executable, "-m", "railgraph", *COMMAND, "--root", str(root),
                                    "--out", str(Path(scratch) / "dist")], env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        out: queue.Queue = queue.Queue()
        err: queue.Queue = queue.Queue()
        threading.Thread(target=lines_of, args=(watcher.stdout, out), daemon=True).start()
        threading.Thread(target=lines_of, args=(watcher.stderr, err), daemon=True).start()
        try:
            first, _ = wait_for(out, "built ", timeout=3600)
            wait_for(err, "watching", timeout=60)
            rebuilds = []
            for _ in range(edits):
                time.sleep(3)
                busy = busy_seconds()
                edited = time.perf_counter()
                edit_one_entry(root)
                built, line = wait_for(out, "built ", timeout=600)
                rebuilds.append((built - edited, busy_seconds() - busy))
        finally:
            watcher.send_signal(signal.SIGINT)
            code = watcher.wait(timeout=120)
        if code != 0:
            raise SystemExit(f"the watcher exited {code}")
    return first - started, rebuilds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="real,10000")
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "railgraph-bench")
    options = parser.parse_args()
    options.workdir.mkdir(parents=True, exist_ok=True)
    print(f"railgraph {' '.join(COMMAND)}; {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}")
    print(f"{'catalogue':<12}{'first build s':>14}{'rebuild median s':>18}{'min s':>8}{'max s':>8}"
          f"{'busy CPU-s':>12}")
    for size in options.sizes.split(","):
        first, rebuilds = measure(size, options.workdir, options.edits)
        seconds = [s for s, _ in rebuilds]
        print(f"{size:<12}{first:>14.2f}{statistics.median(seconds):>18.2f}{min(seconds):>8.2f}"
              f"{max(seconds):>8.2f}{statistics.median(c for _, c in rebuilds):>12.1f}", flush=True)
    print(f"load at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
