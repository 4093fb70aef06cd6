"""Load on ``railgraph serve``: linked-data lookups and a facet query, 8 keep-alive clients.

Run from the repository root:  .venv/bin/python benchmarks/serve_load.py [--seconds 10]

Starts the real command (``python -m railgraph serve --port P``, on 127.0.0.1) on the real
catalogue as a subprocess, waits for ``/healthz``, then drives it from this process with a lean
client: asyncio, raw HTTP/1.1 over keep-alive connections, one connection per client. Phases:

1. lookups: ``GET /id/...`` and ``/vocab/...`` as ``.ttl`` and ``.html`` of a spread of entities
   (every kind, round robin), after a warm-up pass over every path (so the server's cache is warm);
2. facet query: ``queries/facet-counts.rq`` through ``GET /sparql`` (SPARQL JSON), by one client
   and then by the same number of clients as the lookups.

Each phase runs for ``--seconds`` (or until ``--max-requests``), and prints requests per second,
median, p90, p99 and max latency, errors, and the CPU seconds the server and this client used
(on a 2-core machine the client's share is CPU the server did not get). Loopback only; bounded
in time and count. It asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/railgraph/"
HOST = "127.0.0.1"
#: Seconds one request may take before it counts as an error (and its connection is reopened).
REQUEST_TIMEOUT = 30.0

ENTITIES = f"""SELECT DISTINCT ?s WHERE {{
  ?s a ?type .
  FILTER(STRSTARTS(STR(?s), "{BASE}id/") || STRSTARTS(STR(?s), "{BASE}vocab/"))
}} ORDER BY ?s"""


@dataclass
class Phase:
    """What one phase measured."""

    name: str
    clients: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    client_cpu: float = 0.0
    server_cpu: float = 0.0

    def line(self) -> str:
        done = len(self.latencies)
        if not done:
            return f"{self.name:<28} {self.clients:>2} clients  no request succeeded; errors {dict(self.errors)}"
        ordered = sorted(self.latencies)
        p = lambda q: ordered[min(done - 1, int(q * done))] * 1000  # noqa: E731
        errors = sum(self.errors.values())
        return (f"{self.name:<28} {self.clients:>2} clients  {done:>7,} ok  {done / self.seconds:>8,.0f} req/s  "
                f"median {statistics.median(ordered) * 1000:6.1f} ms  p90 {p(0.90):6.1f}  p99 {p(0.99):6.1f}  "
                f"max {ordered[-1] * 1000:7.1f}  errors {errors}"
                + (f" {dict(self.errors)}" if errors else "")
                + f"  cpu s: server {self.server_cpu:.1f}, client {self.client_cpu:.1f}")


class Connection:
    """One keep-alive HTTP/1.1 connection: GET, read the status and the whole body."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str, accept: str) -> tuple[int, int]:
        """``(status, body length)`` of ``GET target``."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {target} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nAccept: {accept}\r\n"
                          "User-Agent: railgraph-serve-load\r\n\r\n".encode("latin-1"))
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for each in lines[1:]:
            if each:
                key, _, value = each.partition(":")
                headers[key.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
            size = len(body)
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            size = 0
            while True:
                chunk = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(chunk + 2)
                size += chunk
                if chunk == 0:
                    break
        else:
            raise ValueError("a response without Content-Length or chunked encoding")
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, size

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None


async def drive(port: int, phase: Phase, targets: list[tuple[str, str]], seconds: float, max_requests: int,
                server_pid: int) -> Phase:
    """Run ``phase.clients`` clients over ``targets`` (path, Accept) for ``seconds``."""
    stop_at = time.perf_counter() + seconds
    budget = [max_requests]

    async def client(number: int) -> None:
        conn = Connection(port)
        position = number * max(1, len(targets) // phase.clients)
        try:
            while time.perf_counter() < stop_at and budget[0] > 0:
                budget[0] -= 1
                target, accept = targets[position % len(targets)]
                position += 1
                started = time.perf_counter()
                try:
                    async with asyncio.timeout(REQUEST_TIMEOUT):
                        status, _ = await conn.get(target, accept)
                except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError) as exc:
                    phase.errors[type(exc).__name__] += 1
                    await conn.close()
                    continue
                if status == 200:
                    phase.latencies.append(time.perf_counter() - started)
                else:
                    phase.errors[str(status)] += 1
        finally:
            await conn.close()

    cpu, server = time.process_time(), server_cpu(server_pid)
    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(phase.clients)))
    phase.seconds = time.perf_counter() - started
    phase.client_cpu = time.process_time() - cpu
    phase.server_cpu = server_cpu(server_pid) - server
    return phase


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) the server process and its finished children used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(v) for v in fields[11:13]) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def fetch(url: str, accept: str = "*/*", timeout: float = 60) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback only
        return bytes(response.read())


def wait_healthy(port: int, process: subprocess.Popen[bytes], timeout: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with status {process.returncode} before it was ready")
        try:
            fetch(f"http://{HOST}:{port}/healthz", timeout=2)
            return time.perf_counter() - started
        except (OSError, urllib.error.URLError):
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer /healthz within {timeout:g} s")


def spread(paths: list[str], count: int) -> list[str]:
    """``count`` paths taken round robin across kinds (``id/tool``, ``vocab/objective``, ...)."""
    kinds: dict[str, list[str]] = defaultdict(list)
    for path in paths:
        kinds["/".join(path.split("/")[:3])].append(path)
    chosen: list[str] = []
    queues = [list(reversed(v)) for _, v in sorted(kinds.items())]
    while len(chosen) < count and any(queues):
        for queue in queues:
            if queue and len(chosen) < count:
                chosen.append(queue.pop())
    return chosen


def lookup_targets(port: int, count: int) -> list[tuple[str, str]]:
    """``.ttl`` and ``.html`` paths of ``count`` entities that the server publishes."""
    query = urllib.parse.urlencode({"query": ENTITIES})
    table = fetch(f"http://{HOST}:{port}/sparql?{query}", "text/csv").decode("utf-8")
    iris = [row[0] for row in list(csv.reader(io.StringIO(table)))[1:]]
    paths = [iri[len(BASE) - 1:] for iri in iris if "#" not in iri]
    targets = []
    for path in spread(paths, count):
        targets.append((f"{path}.ttl", "text/turtle"))
        targets.append((f"{path}.html", "text/html"))
    return targets


async def warm(port: int, targets: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Request every target once; keep those that answer 200."""
    conn = Connection(port)
    kept = []
    try:
        for target, accept in targets:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                status, _ = await conn.get(target, accept)
            if status == 200:
                kept.append((target, accept))
    finally:
        await conn.close()
    return kept


def start_server(port: int, log: Path, profile: Path | None, extra: list[str]) -> subprocess.Popen[bytes]:
    command = [sys.executable]
    if profile is not None:
        command += ["-m", "cProfile", "-o", str(profile)]
    command += ["-m", "railgraph", "serve", "--host", HOST, "--port", str(port), *extra]
    with open(log, "wb") as stream:
        return subprocess.Popen(command, cwd=ROOT, stdout=stream, stderr=subprocess.STDOUT)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # uvicorn shuts down cleanly (and cProfile writes its file)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def run(args: argparse.Namespace) -> None:
    port = args.port or free_port()
    log = Path(tempfile.mkstemp(prefix="railgraph-serve-load-", suffix=".log")[1])
    print(f"machine: {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}; loadavg before: {Path('/proc/loadavg').read_text().strip()}")
    process = start_server(port, log, args.profile, args.server_arg)
    try:
        print(f"server ready in {wait_healthy(port, process, args.start_timeout):.1f} s "
              f"(pid {process.pid}, log {log})")
        targets = lookup_targets(port, args.entities)
        started = time.perf_counter()
        targets = asyncio.run(warm(port, targets))
        print(f"warm-up: {len(targets)} representations of {len(targets) // 2} entities "
              f"in {time.perf_counter() - started:.1f} s")
        facet = f"/sparql?{urllib.parse.urlencode({'query': (ROOT / 'queries/facet-counts.rq').read_text()})}"
        facet_targets = [(facet, "application/sparql-results+json")]
        phases: list[Callable[[], Phase]] = [
            lambda: Phase("lookups (.ttl, .html)", args.clients),
            lambda: Phase("facet query, 1 client", 1),
            lambda: Phase("facet query", args.clients),
        ]
        for make in phases:
            phase = make()
            chosen = targets if phase.name.startswith("lookups") else facet_targets
            if not phase.name.startswith("lookups"):
                asyncio.run(drive(port, Phase("warm-up", 1), chosen, 0, 2, process.pid))
            asyncio.run(drive(port, phase, chosen, args.seconds, args.max_requests, process.pid))
            print(phase.line(), flush=True)
        print(f"loadavg after: {Path('/proc/loadavg').read_text().strip()}")
    finally:
        stop_server(process)
        if args.profile is not None:
            print(f"profile of the server: {args.profile} (python -m pstats {args.profile})")
        if not args.keep_log:
            log.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase (default 10)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--entities", type=int, default=400, help="entities looked up (default 400)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="cap per phase (default 200,000)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--start-timeout", type=float, default=300.0, help="seconds to wait for /healthz")
    parser.add_argument("--profile", type=Path, default=None, help="run the server under cProfile into FILE")
    parser.add_argument("--keep-log", action="store_true", help="keep the server's log (access log included)")
    parser.add_argument("--server-arg", action="append", default=[], help="extra argument for `railgraph serve`")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
