"""Soak tests (slow): `railgraph serve` under load with runaway queries, and builds killed at random.

Everything runs the real commands in subprocesses on the real catalogue, on 127.0.0.1 only,
bounded in time and count. They print figures; they assert no timings.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow

HOST = "127.0.0.1"
LOAD_SECONDS = 60.0
DEADLINE = "2"
LIGHT_QUERY = ("PREFIX rg: <https://w3id.org/railgraph/ontology#> PREFIX dct: <http://purl.org/dc/terms/>\n"
               "SELECT ?entry ?title WHERE { ?entry a rg:Tool ; dct:title ?title } ORDER BY ?entry LIMIT 25")
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
LOOKUPS = ["/id/tool/model-cards.ttl", "/id/tool/model-cards.html", "/vocab/lifecycle-stage/deploy.ttl",
           "/vocab/lifecycle-stage/deploy.html", "/id/licence/bigcode-openrail-m-license-agreement.ttl",
           "/id/licence/bigcode-openrail-m-license-agreement.html", "/ontology.ttl", "/id/tool.html"]
KILL_TRIALS = 20


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAILGRAPH_")}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def server() -> Iterator[int]:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "railgraph", "serve", "--host", HOST, "--port", str(port)],
                               cwd=ROOT, env=_env(RAILGRAPH_QUERY_DEADLINE=DEADLINE),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        started = time.monotonic()
        while True:
            assert process.poll() is None, "railgraph serve exited"
            assert time.monotonic() - started < 300, "railgraph serve did not answer /healthz"
            try:
                connection = http.client.HTTPConnection(HOST, port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    connection.close()
                    break
            except OSError:
                time.sleep(0.3)
        yield port
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def test_light_clients_are_served_while_runaway_queries_are_cut(server) -> None:
    """8 light clients (lookups, light SPARQL) and 4 clients repeating one explosive query, 60 s."""
    stop_at = time.monotonic() + LOAD_SECONDS
    light: list[float] = []
    light_errors: list[str] = []
    explosive: list[tuple[int, float, bytes]] = []
    lock = threading.Lock()
    light_sparql = "/sparql?" + urllib.parse.urlencode({"query": LIGHT_QUERY})
    explosive_sparql = "/sparql?" + urllib.parse.urlencode({"query": EXPLOSIVE})

    def light_client(number: int) -> None:
        connection = http.client.HTTPConnection(HOST, server, timeout=30)
        targets = [*LOOKUPS, light_sparql]
        count = number
        while time.monotonic() < stop_at and count < 100_000:
            target = targets[count % len(targets)]
            count += 1
            started = time.perf_counter()
            try:
                connection.request("GET", target, headers={"Accept": "*/*"})
                response = connection.getresponse()
                response.read()
                outcome = None if response.status == 200 else f"{target}: {response.status}"
            except (OSError, http.client.HTTPException) as exc:
                outcome = f"{target}: {type(exc).__name__}"
                connection.close()
                connection = http.client.HTTPConnection(HOST, server, timeout=30)
            with lock:
                if outcome is None:
                    light.append(time.perf_counter() - started)
                else:
                    light_errors.append(outcome)
        connection.close()

    def explosive_client() -> None:
        connection = http.client.HTTPConnection(HOST, server, timeout=30)
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            connection.request("GET", explosive_sparql, headers={"Accept": "application/sparql-results+json"})
            response = connection.getresponse()
            body = response.read()
            with lock:
                explosive.append((response.status, time.perf_counter() - started, body))
        connection.close()

    threads = [threading.Thread(target=light_client, args=(n,)) for n in range(8)]
    threads += [threading.Thread(target=explosive_client) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(LOAD_SECONDS + 60)
    assert not any(thread.is_alive() for thread in threads)

    ordered = sorted(light)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000
    statuses = sorted({status for status, _, _ in explosive})
    print(f"\nlight: {len(light):,} ok, {len(light_errors)} errors, p50 {statistics.median(ordered) * 1000:.1f} ms, "
          f"p99 {p99:.1f} ms; explosive: {len(explosive)} answered, statuses {statuses}, "
          f"slowest {max(seconds for _, seconds, _ in explosive):.2f} s (deadline {DEADLINE} s); "
          f"loadavg {Path('/proc/loadavg').read_text().strip()}")
    assert light_errors == []
    assert explosive, "no explosive query was answered"
    for status, _, body in explosive:
        assert status == 503, f"an explosive query got {status}: {body[:200]!r}"
        assert b'"results"' not in body  # an error, never a (truncated) result


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with the SHA-256 of its bytes."""
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def _build(out: Path, env: dict[str, str], formats: str = "nt") -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "railgraph", "build", "--out", str(out), "--no-site", "--formats", formats]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finish(build: subprocess.Popen[bytes]) -> None:
    _, err = build.communicate(timeout=600)
    assert build.returncode == 0, err.decode()


def test_a_killed_build_leaves_the_previous_output_intact(tmp_path) -> None:
    """Each trial asks for the other set of formats, so the build really writes (it is not up to date).

    (``--store`` is left out: a build that exports N-Triples only never opens the query store, so it
    would not be written; the store is swapped in by the same :func:`railgraph.atomic.replace_folder`.)
    """
    out = tmp_path / "dist"
    env = _env(RAILGRAPH_CACHE_DIR=str(tmp_path / "cache"))
    complete: dict[str, dict[str, str]] = {}
    for formats in ("nt,ttl", "nt"):  # the complete output of each, the second left in place
        _finish(_build(out, env, formats=formats))
        complete[formats] = _snapshot(out)
    started = time.monotonic()
    _finish(_build(tmp_path / "timed", env, formats="nt"))
    seconds = time.monotonic() - started
    shutil.rmtree(tmp_path / "timed")
    current, swapped = "nt", 0
    rng = random.Random(8)
    for trial in range(KILL_TRIALS):
        asked = "nt,ttl" if current == "nt" else "nt"
        victim = _build(out, env, formats=asked)
        time.sleep(rng.uniform(0, seconds))
        victim.send_signal(signal.SIGKILL)
        victim.communicate(timeout=60)
        now = _snapshot(out)
        assert now in (complete[current], complete[asked]), f"trial {trial}: {out} is neither the previous " \
            "output nor the new one"
        if now == complete[asked]:  # killed after its swap: the new output is whole
            current, swapped = asked, swapped + 1
        left = {p.name for p in tmp_path.iterdir()} - {"dist", "cache"}
        assert all(name.startswith(".dist.") for name in left), left  # staging or the lock file, hidden
    _finish(_build(out, env, formats="nt,ttl" if current == "nt" else "nt"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "dist"]  # leftovers cleaned
    print(f"\n{KILL_TRIALS} builds killed at random moments within {seconds:.1f} s: the output was whole "
          f"every time ({KILL_TRIALS - swapped} times the previous one, {swapped} times the new one)")


def test_two_concurrent_builds_end_with_one_complete_output(tmp_path) -> None:
    out = tmp_path / "dist"
    env = _env(RAILGRAPH_CACHE_DIR=str(tmp_path / "cache"))
    _finish(_build(tmp_path / "reference", env))
    builds = [_build(out, env), _build(out, env)]  # both running at once
    results = []
    for build in builds:
        _, err = build.communicate(timeout=600)
        results.append((build.returncode, err.decode()))
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 2]), results
    for code, err in results:
        if code == 2:
            assert "another railgraph process is writing" in err
    # one whole output: the files the winner's stamp lists, each of the size it wrote (other sessions
    # may edit the sources meanwhile, so the bytes are not compared with the reference build's)
    written = json.loads((out / ".railgraph-build.json").read_text())["files"]
    present = {p.relative_to(out).as_posix(): p.stat().st_size for p in out.rglob("*") if p.is_file()}
    assert {name: size for name, size in present.items() if not name.startswith(".")} == written
    assert set(_snapshot(out)) == set(_snapshot(tmp_path / "reference"))
    print(f"\nexit codes of two concurrent builds into one folder: {codes}")
