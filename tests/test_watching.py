"""``railgraph build --watch``: what changed is found by looking at the files, acted on once it has
settled, and built again by a process that keeps its catalogue; a file that cannot be read is
reported and the watch goes on."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from railgraph.errors import InputError
from railgraph.watching import Rebuilder, changed, look, watch

from .conftest import ROOT


def test_a_look_finds_files_added_changed_and_removed(tmp_path: Path) -> None:
    (tmp_path / "a.ttl").write_text("a", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.ttl").write_text("b", encoding="utf-8")
    before = look([tmp_path, tmp_path / "missing"])
    assert sorted(p.name for p in before) == ["a.ttl", "b.ttl"]
    (tmp_path / "a.ttl").write_text("a, longer", encoding="utf-8")
    (tmp_path / "sub" / "b.ttl").unlink()
    (tmp_path / "c.ttl").write_text("c", encoding="utf-8")
    assert changed(before, look([tmp_path])) == [tmp_path / "a.ttl", tmp_path / "c.ttl", tmp_path / "sub" / "b.ttl"]
    assert changed(before, before) == []


def test_a_change_is_handed_over_once_the_files_have_settled(tmp_path: Path) -> None:
    """An editor writing a file in two steps, one look apart, causes one call with both files."""
    steps = [lambda: (tmp_path / "a.ttl").write_text("first half", encoding="utf-8"),
             lambda: (tmp_path / "b.ttl").write_text("second half", encoding="utf-8"),
             lambda: None, lambda: None]
    calls: list[list[str]] = []

    def sleep(seconds: float) -> None:
        if steps:
            steps.pop(0)()

    watch([tmp_path], lambda paths: calls.append([p.name for p in paths]), interval=0.01,
          stop=lambda: not steps, sleep=sleep)
    assert calls == [["a.ttl", "b.ttl"]]


class Catalogue:
    """Stands in for a catalogue: counts what the rebuilder asks of it."""

    def __init__(self, root: Path, fail: bool = False) -> None:
        self.root, self.folders, self.fail, self.reread_paths = root, [root / "data"], fail, []

    def reread(self, paths):
        if self.fail:
            raise InputError("invalid Turtle", path=paths[0], line=3, column=1)
        self.reread_paths.append(paths)
        return type("Change", (), {"old": [], "new": paths if paths[0].suffix == ".ttl" else []})()


def test_the_rebuilder_reads_sources_again_loads_anew_for_shapes_and_reports_errors(tmp_path: Path) -> None:
    loaded: list[Catalogue] = []
    built: list[Catalogue] = []
    said: list[str] = []

    def load() -> Catalogue:
        loaded.append(Catalogue(tmp_path))
        return loaded[-1]

    rebuild = Rebuilder(load, built.append, said.append)
    assert rebuild.folders() == [tmp_path / "data", tmp_path / "shapes"]
    rebuild([tmp_path / "data" / "a.ttl"])
    assert len(loaded) == 1 and built == [loaded[0]] and loaded[0].reread_paths == [[tmp_path / "data" / "a.ttl"]]
    rebuild([tmp_path / "data" / "a.ttl~"])  # no source among them: nothing built
    assert len(built) == 1
    rebuild([tmp_path / "shapes" / "tool.ttl"])
    assert len(loaded) == 2 and built[-1] is loaded[1]
    rebuild.catalogue.fail = True
    rebuild([tmp_path / "data" / "a.ttl"])
    assert len(built) == 2 and said == [f"not built: {tmp_path / 'data' / 'a.ttl'}:3:1: invalid Turtle"]


def test_a_file_edited_during_the_first_build_is_built_after_it(tmp_path: Path) -> None:
    """The watch starts from the files as the first load found them, not as they are once the
    first build (minutes at scale) is over and the watch begins."""
    (tmp_path / "data").mkdir()
    source = tmp_path / "data" / "a.ttl"
    source.write_text("first", encoding="utf-8")
    rebuild = Rebuilder(lambda: Catalogue(tmp_path), lambda catalogue: None, lambda message: None)
    source.write_text("edited while the first build ran", encoding="utf-8")  # before the watch begins
    calls: list[list[Path]] = []
    looks = iter([False, False, True])
    watch(rebuild.folders(), calls.append, interval=0.01, stop=lambda: next(looks), sleep=lambda seconds: None,
          since=rebuild.loaded)
    assert calls == [[source]]
    calls.clear()
    looks = iter([False, False, True])
    watch(rebuild.folders(), calls.append, interval=0.01, stop=lambda: next(looks), sleep=lambda seconds: None)
    assert calls == [], "by default the watch starts from the files as they are"


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "root"
    for name in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(ROOT / name, folder / name)
    return folder


def wait_for(path: Path, text: str, count: int = 1, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = path.read_text(encoding="utf-8") if path.exists() else ""
        if found.count(text) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{text!r} did not appear {count} time(s) in {path}: {found}")


def test_build_watch_builds_again_after_an_edit_reports_a_broken_file_and_stops_on_ctrl_c(root: Path,
                                                                                            tmp_path: Path) -> None:
    """From a dist/ that is up to date (the watcher only loads the catalogue), through an edit, a
    broken file and its repair, to Ctrl-C."""
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    env = {**os.environ, "RAILGRAPH_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "railgraph", "build", "--no-site", "--formats", "nt"]
    subprocess.run(command, cwd=root, env=env, check=True, capture_output=True)  # dist/ up to date: not built again
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen([*command, "--watch", "--interval", "0.1"], cwd=root, env=env, stdout=stdout,
                                   stderr=stderr)
        try:
            wait_for(err, "watching")
            assert "dist/ is up to date" in out.read_text(encoding="utf-8") and "built" not in out.read_text()
            tool = root / "data" / "tools" / "adversarial-robustness-toolbox.ttl"
            text = tool.read_text(encoding="utf-8")
            tool.write_text(text.replace('dct:title "', 'dct:title "Watched ', 1), encoding="utf-8")
            wait_for(out, "built dist/", count=1)
            assert b'"Watched ' in (root / "dist" / "catalogue.nt").read_bytes()
            tool.write_text(text + "\nbroken ][\n", encoding="utf-8")
            wait_for(err, "not built:")
            assert "adversarial-robustness-toolbox.ttl:" in err.read_text(encoding="utf-8")
            assert b'"Watched ' in (root / "dist" / "catalogue.nt").read_bytes(), "the last build stays"
            tool.write_text(text, encoding="utf-8")
            wait_for(out, "built dist/", count=2)
            assert b'"Watched ' not in (root / "dist" / "catalogue.nt").read_bytes()
        finally:
            process.send_signal(signal.SIGINT)
            code = process.wait(timeout=60)
    assert code == 0, err.read_text(encoding="utf-8")
    assert "stopped watching" in err.read_text(encoding="utf-8")
    assert "Traceback" not in err.read_text(encoding="utf-8")
