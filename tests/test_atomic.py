"""One writer at a time, and what a killed writer leaves behind is undone by the next."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from railgraph.atomic import MARKER, replace_folder
from railgraph.errors import InputError


def _fill(name: str):
    return lambda staging: (staging / name).write_text(name)


def test_a_second_writer_is_refused_while_the_first_writes(tmp_path) -> None:
    out = tmp_path / "dist"
    inside, release = threading.Event(), threading.Event()

    def slow(staging: Path) -> None:
        (staging / "a.txt").write_text("a")
        inside.set()
        release.wait(30)

    first = threading.Thread(target=replace_folder, args=(out, slow))
    first.start()
    assert inside.wait(30)
    try:
        # another process: flock excludes other open files, so a thread of this process would be refused too
        script = ("import sys; from pathlib import Path; from railgraph.atomic import replace_folder\n"
                  "from railgraph.errors import InputError\n"
                  "try:\n    replace_folder(Path(sys.argv[1]), lambda s: None)\n"
                  "except InputError as e:\n    print(e); sys.exit(e.exit_code)\n")
        second = subprocess.run([sys.executable, "-c", script, str(out)], capture_output=True, text=True, timeout=60)
    finally:
        release.set()
        first.join(30)
    assert second.returncode == 2
    assert "another railgraph process is writing" in second.stdout
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "a.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]  # lock file removed after the write


def test_a_thread_of_the_same_process_is_refused_too(tmp_path) -> None:
    out = tmp_path / "dist"
    errors: list[InputError] = []

    def nested(staging: Path) -> None:
        try:
            replace_folder(out, _fill("b.txt"))
        except InputError as error:
            errors.append(error)

    replace_folder(out, nested)
    assert len(errors) == 1 and "another railgraph process" in str(errors[0])


def test_a_folder_retired_by_a_killed_writer_is_put_back(tmp_path) -> None:
    out = tmp_path / "dist"
    replace_folder(out, _fill("old.txt"))
    out.rename(tmp_path / ".dist.old-4242")  # killed between its two renames
    (tmp_path / ".dist.new-abc").mkdir()  # and a staging folder left from another kill
    (tmp_path / ".dist.lock").write_text("")  # the lock file a killed writer leaves
    with pytest.raises(RuntimeError):
        replace_folder(out, lambda staging: (_ for _ in ()).throw(RuntimeError("fill failed")))
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "old.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]
