"""One writer at a time, and what a killed writer leaves behind is undone by the next."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from railgraph import atomic
from railgraph.atomic import (MARKER, SLICE, Written, finish_removals, replace_folder, staged_folder, write_files,
                              write_sliced)
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


def test_a_discarded_or_failed_staging_folder_leaves_the_earlier_one(tmp_path) -> None:
    out = tmp_path / "dist"
    replace_folder(out, _fill("old.txt"))
    with staged_folder(out) as staging:
        (staging.path / "new.txt").write_text("new")
        staging.discard()
    with pytest.raises(KeyError), staged_folder(out) as staging:
        (staging.path / "new.txt").write_text("new")
        raise KeyError("an export failed")  # raised as it is: the block reports its own failures
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "old.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]
    with staged_folder(out) as staging:
        (staging.path / "new.txt").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "new.txt"]


def test_write_files_reports_what_each_file_holds(tmp_path) -> None:
    import hashlib

    written = write_files(tmp_path, {"a.nt": b"<a> <b> <c> .\n", "csv/t.csv": b""})
    assert written == {"a.nt": Written(14, hashlib.sha256(b"<a> <b> <c> .\n").hexdigest()),
                       "csv/t.csv": Written(0, hashlib.sha256(b"").hexdigest())}
    assert (tmp_path / "csv" / "t.csv").read_bytes() == b""


def test_a_full_disk_while_filling_is_reported_with_the_folder(tmp_path) -> None:
    out = tmp_path / "dist"

    def full(staging: Path) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(InputError, match="dist: cannot write the output: No space left on device"):
        replace_folder(out, full)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("size", [0, 1, SLICE - 1, SLICE, SLICE + 1, 3 * SLICE + 7])
def test_data_written_in_slices_is_written_whole(tmp_path: Path, size: int) -> None:
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    with (tmp_path / "file").open("wb") as stream:
        write_sliced(stream, data)
    assert (tmp_path / "file").read_bytes() == data


def test_a_file_given_in_chunks_is_written_and_described_as_joined(tmp_path: Path) -> None:
    chunks = [b"head\n", memoryview(b"x" * (SLICE + 5)), b"", memoryview(b"tail\n")]
    joined = b"".join(chunks)
    written = write_files(tmp_path, {"chunked": chunks, "joined": joined})
    assert (tmp_path / "chunked").read_bytes() == joined
    assert written["chunked"] == written["joined"] == Written.of(joined)


def test_the_folder_replaced_is_removed_while_the_writer_goes_on(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    replace_folder(out, _fill("old.txt"))
    replace_folder(out, _fill("new.txt"))
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "new.txt"]
    finish_removals()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


@pytest.mark.parametrize("whole", [True, False], ids=["bytes", "chunks"])
def test_each_stretch_of_a_large_file_is_sent_to_disk_once_written(tmp_path: Path, monkeypatch, whole: bool) -> None:
    asked: list[tuple[int, int]] = []
    monkeypatch.setattr(atomic, "AHEAD", 10)
    monkeypatch.setattr(atomic, "_start_writing_back", lambda handle, start, size: asked.append((start, size)))
    chunks = [b"x" * 4, b"y" * 7, b"z" * 12, b"w" * 3]
    joined = b"".join(chunks)
    write_files(tmp_path, {"file": joined if whole else chunks})
    assert (tmp_path / "file").read_bytes() == joined
    assert asked == ([(0, 10), (10, 10)] if whole else [(0, 11), (11, 12)])  # the rest, by the flush
