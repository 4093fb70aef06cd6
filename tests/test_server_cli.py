"""`railgraph serve`: the command starts a real server on 127.0.0.1 and refuses bad options."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .conftest import ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_answers_health_sparql_and_a_page_on_loopback(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "RAILGRAPH_PORT": str(port)}
    server = subprocess.Popen([sys.executable, "-m", "railgraph", "serve", "--root", str(ROOT),
                               "--dist", str(tmp_path)], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5) as reply:
                    health = json.load(reply)
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start within 300 s"
                time.sleep(0.5)
        assert health["status"] == "ok" and health["triples"] > 10_000
        ask = urllib.request.Request(f"{base}/sparql?query=ASK%7B%3Fs%20a%20%3Fo%7D",
                                     headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(ask, timeout=30) as reply:
            assert json.load(reply)["boolean"] is True
        with urllib.request.urlopen(f"{base}/id/licence/bigcode-openrail-m-license-agreement.html", timeout=30) as reply:
            assert b"BigCode" in reply.read()
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=60)
    assert f"serving on http://127.0.0.1:{port}/" in output.decode()


def test_serve_refuses_a_missing_dist_folder(run_cli, tmp_path: Path) -> None:
    result = run_cli("serve", "--dist", str(tmp_path / "missing"))
    assert result.code == 2
    assert "missing: no such folder" in result.err and "railgraph build" in result.err
