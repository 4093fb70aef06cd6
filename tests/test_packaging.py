"""The wheel ships the catalogue: installed offline into a fresh venv, it builds from an empty folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, check=False)


def test_installed_wheel_builds_the_catalogue_from_an_empty_folder(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    built = run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", wheels, ROOT,
                cwd=ROOT)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = wheels.glob("railgraph-*.whl")

    venv = tmp_path / "venv"
    made = run(sys.executable, "-m", "venv", "--system-site-packages", venv, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    # The dependencies come from the environment running the tests (no index is reached):
    # its site-packages are appended to the new venv's path, after the venv's own.
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path)
    deps = [p for p in sys.path if p.endswith("site-packages")]
    (Path(site.stdout.strip()) / "test-dependencies.pth").write_text("\n".join(deps) + "\n")
    installed = run(python, "-m", "pip", "install", "--no-index", "--no-deps", "--force-reinstall",
                    wheel, cwd=tmp_path)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    empty = tmp_path / "empty"
    empty.mkdir()
    railgraph = venv / "bin" / "railgraph"
    result = run(railgraph, "build", cwd=empty)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (empty / "dist" / "catalogue.ttl").is_file()
    info = run(railgraph, "info", cwd=empty)
    assert "_catalogue" in info.stdout, "the shipped copy of the catalogue must be used"
    assert "responsible-ai-licence" in info.stdout
