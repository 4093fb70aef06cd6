"""Writing without losing anything: a folder or file is built beside its target and swapped in
with one rename, so a reader sees the old or the new one, never a mix, and a failure leaves the
old one as it was.

A folder railgraph writes carries a marker file; railgraph only ever replaces a folder that is
empty or carries the marker, so ``--out`` or ``--store`` naming someone's own folder is refused,
never emptied. One writer at a time: a second process writing the same folder is refused while
the first holds the lock (``fcntl.flock`` on a sibling ``.NAME.lock`` file, removed when the write
ends; the kernel releases the lock when the writer exits, even killed, once the processes it
forked have ended too, and a lock file a killed writer left behind is simply taken by the next one).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import itertools
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .errors import InputError

MARKER = ".railgraph-output"
#: Numbers the folders this process retires; the threads removing them (see :func:`_swap_in`).
_RETIREMENTS = itertools.count()
_REMOVERS: list[threading.Thread] = []
#: How much of a large file one ``write`` call hands the kernel (see :func:`write_sliced`).
SLICE = 1 << 20
#: How many bytes of a file :func:`write_files` writes before it asks for them to go to disk.
AHEAD = 16 * SLICE
#: A file's bytes in chunks, in order, not joined (a document assembled from pieces, say).
Chunks = list["bytes | memoryview"]


def replace_folder(out: Path, fill: Callable[[Path], None], *, what: str = "output") -> None:
    """Run ``fill`` on a fresh folder beside ``out``, then swap it in for ``out`` in one rename.

    Raises :class:`InputError` if another process is writing ``out`` at the same time.
    """
    with staged_folder(out, what=what) as staging:
        try:
            fill(staging.path)
        except OSError as exc:
            raise write_error(exc, out, what) from exc


@dataclass
class Staging:
    """The fresh folder :func:`staged_folder` swaps in, unless :meth:`discard` is called."""

    path: Path
    kept: bool = True

    def discard(self) -> None:
        """Leave the earlier folder as it was: this one is removed instead of swapped in."""
        self.kept = False


@contextlib.contextmanager
def staged_folder(out: Path, *, what: str = "output") -> Iterator[Staging]:
    """A fresh folder beside ``out`` to fill, swapped in for ``out`` in one rename when the block
    ends (removed instead when it raises or discards it). ``out`` is locked for the whole block.

    Raises :class:`InputError` if another process is writing ``out`` at the same time, or if
    ``out`` is a folder railgraph did not write. What the block raises is raised as it is: the
    block reports its own write failures (see :func:`write_error`).
    """
    out = out.resolve()
    with _writer_lock(out, what):
        _recover(out)
        if out.exists() and not _replaceable(out):
            raise InputError(f"{out} exists and was not written by railgraph; refusing to replace it",
                             path=out, hint=f"name a new or empty folder for the {what}")
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            staging = Staging(Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent)))
        except OSError as exc:
            raise InputError(f"cannot create the {what} folder: {exc.strerror or exc}", path=out) from exc
        try:
            try:
                os.chmod(staging.path, 0o777 & ~_umask())  # mkdtemp makes it private; a server must read it
            except OSError as exc:
                raise InputError(f"cannot create the {what} folder: {exc.strerror or exc}", path=out) from exc
            yield staging
        except BaseException:
            shutil.rmtree(staging.path, ignore_errors=True)
            raise
        if staging.kept:
            _swap_in(staging.path, out, what)
        else:
            shutil.rmtree(staging.path, ignore_errors=True)


@contextlib.contextmanager
def _writer_lock(out: Path, what: str) -> Iterator[None]:
    """Hold the lock on ``out`` (a sibling lock file, removed after), or refuse if another process holds it."""
    lock = out.parent / f".{out.name}.lock"
    while True:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            handle = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666 & ~_umask())
        except OSError as exc:
            raise InputError(f"cannot create the {what} folder: {exc.strerror or exc}", path=out) from exc
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            raise InputError(f"another railgraph process is writing {out} right now; refusing to write it "
                             "at the same time", path=out,
                             hint=f"wait for it to finish, or name another folder for the {what}") from None
        try:
            current = os.stat(lock).st_ino
        except FileNotFoundError:
            current = None
        if current == os.fstat(handle).st_ino:
            break
        os.close(handle)  # the holder before us removed this file: lock the one there now
    try:
        yield
    finally:
        Path(lock).unlink(missing_ok=True)  # while still locked, so no one holds a lock on a removed file
        os.close(handle)


def _swap_in(staging: Path, out: Path, what: str) -> None:
    """Mark ``staging`` as railgraph's and rename it to ``out``, the earlier ``out`` retired and
    removed; on failure the earlier one is put back and ``staging`` removed."""
    retired: Path | None = None
    try:
        (staging / MARKER).write_text(f"written by railgraph; replaced whole by the next {what}\n",
                                      encoding="utf-8")
        if out.exists():
            retired = out.parent / f".{out.name}.old-{os.getpid()}-{next(_RETIREMENTS)}"
            if retired.exists():
                shutil.rmtree(retired)
            out.rename(retired)
        staging.rename(out)
    except BaseException as exc:
        if retired is not None and not out.exists():
            retired.rename(out)
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise write_error(exc, out, what) from exc
        raise
    if retired is not None:  # gone from sight already: removed while the caller goes on
        remover = threading.Thread(target=shutil.rmtree, args=(retired,), kwargs={"ignore_errors": True},
                                   name="railgraph-remove")
        remover.start()
        _REMOVERS[:] = [*(each for each in _REMOVERS if each.is_alive()), remover]


def finish_removals() -> None:
    """Wait until the folders retired by this process are removed (a process that leaves by
    ``os._exit`` calls this first; at a normal exit, Python waits for them itself). A folder
    left by a process killed meanwhile is removed by the next write beside it."""
    while _REMOVERS:
        _REMOVERS.pop().join()


def write_error(exc: OSError, out: Path, what: str) -> InputError:
    """The error reported when the ``what`` folder ``out`` cannot be written (a full disk, say)."""
    return InputError(f"cannot write the {what}: {exc.strerror or exc}; the earlier folder was left as it was",
                      path=out)


def _recover(out: Path) -> None:
    """Undo what a writer killed mid-way left beside ``out`` (called holding the lock).

    Killed between its two renames, a writer leaves ``out`` missing and the previous folder retired
    as ``.NAME.old-PID``: that folder is put back. Staging folders it left are removed.
    """
    retired = sorted(out.parent.glob(f".{out.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if not out.exists() and retired:
        retired.pop().rename(out)
    for stale in [*retired, *out.parent.glob(f".{out.name}.new-*")]:
        shutil.rmtree(stale, ignore_errors=True)


@dataclass(frozen=True)
class Written:
    """What one file holds: its size and the SHA-256 of its bytes (hexadecimal)."""

    size: int
    sha256: str

    @classmethod
    def of(cls, data: bytes | Chunks) -> Written:
        if isinstance(data, list):
            digest = hashlib.sha256()
            for chunk in data:
                digest.update(chunk)
            return cls(sum(map(len, data)), digest.hexdigest())
        return cls(len(data), hashlib.sha256(data).hexdigest())


def write_files(folder: Path, files: Mapping[str, bytes | Chunks]) -> dict[str, Written]:
    """Write ``files`` (relative path -> bytes, or their :data:`Chunks`) into ``folder``, each
    flushed to disk (all are written first, then flushed, so the disk works on them together);
    return what each holds.

    The disk is asked to start on each :data:`AHEAD` bytes once they are written, while the next
    are: the flush then finds little left to do. Linux's page cache starts writing on its own only
    once a tenth or so of memory is waiting, so without this a 580 MB dump was written to the page
    cache in 0.4 s and then flushed in 0.55 s, with it in 0.57 s and 0.02 s."""
    written: dict[str, Written] = {}
    for name, data in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb", buffering=SLICE) as stream:
            done = asked = 0
            whole = memoryview(data) if not isinstance(data, list) else None
            chunks = data if whole is None else [whole[at:at + AHEAD] for at in range(0, len(whole), AHEAD)]
            for chunk in chunks:  # small ones gather in the stream's buffer
                write_sliced(stream, chunk)
                done += len(chunk)
                if done - asked >= AHEAD:
                    stream.flush()
                    _start_writing_back(stream.fileno(), asked, done - asked)
                    asked = done
        written[name] = Written.of(data)
    for name in written:
        handle = os.open(folder / name, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
    return written


def _start_writing_back(handle: int, start: int, size: int) -> None:
    """Ask the kernel to start writing ``size`` bytes of an open file from ``start`` to disk, and
    go on at once. ``POSIX_FADV_DONTNEED`` does that on Linux (and drops from the page cache those
    pages of the range already on disk); where the call is missing, the flush does it all."""
    advise = getattr(os, "posix_fadvise", None)
    if advise is not None:
        with contextlib.suppress(OSError):  # advice only: the flush writes what it could not
            advise(handle, start, size, os.POSIX_FADV_DONTNEED)


def write_file_atomically(path: Path, data: bytes) -> None:
    """Write one file through a temporary sibling and a rename."""
    write_through(path, lambda stream: write_sliced(stream, data))


def write_sliced(stream: BinaryIO, data: bytes | memoryview) -> None:
    """Write ``data`` to ``stream`` :data:`SLICE` bytes at a time. Writing 590 MB took about
    0.15 s of system time on the machine measured, but sometimes seconds (fresh page cache costs
    it that much at times): 8 of 24 tries past 1 s written in one call, 2 of 24 in 1 MiB slices."""
    view = memoryview(data)
    for start in range(0, len(view), SLICE):
        stream.write(view[start:start + SLICE])


def write_through(path: Path, write: Callable[[BinaryIO], object], *, durable: bool = True) -> None:
    """Write one file by ``write`` into a temporary sibling ``.NAME.*``, then rename it over
    ``path``; the temporary file is removed whatever stops the write. ``durable``: flushed to
    disk before the rename (a cache, which can always be made again, need not be).

    Raises :class:`InputError` where the file cannot be written (a read-only place, a full disk).
    """
    path = path.resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", path=path) from exc
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        with_usual_mode(temporary)
        os.replace(temporary, path)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write: {exc.strerror or exc}", path=path) from exc
        raise



class Digesting:
    """A stream that digests (SHA-256) the bytes written through it, for a checksum written after them."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream, self.digest = stream, hashlib.sha256()

    def write(self, data: bytes | memoryview) -> int:
        self.digest.update(data)
        return self.stream.write(data)

    def flush(self) -> None:
        self.stream.flush()


def newest_first(folder: Path, pattern: str) -> list[Path]:
    """The files of ``folder`` matching ``pattern``, the most recently modified first (one
    removed meanwhile, by another process, is left out)."""
    found = []
    for path in folder.glob(pattern):
        try:
            found.append((path.stat().st_mtime, path))
        except OSError:
            pass
    return [path for _, path in sorted(found, reverse=True)]


def keep_newest(folder: Path, pattern: str, keep: int) -> None:
    """Remove all but the ``keep`` most recently modified files of ``folder`` matching ``pattern``
    (a cache's, which can always be made again)."""
    for stale in newest_first(folder, pattern)[keep:]:
        stale.unlink(missing_ok=True)

def _replaceable(folder: Path) -> bool:
    if not folder.is_dir():
        return False
    return (folder / MARKER).is_file() or not any(folder.iterdir())


def with_usual_mode(path: Path | str) -> None:
    """Give a file made by :func:`tempfile.mkstemp` (readable by its owner alone) the mode a
    file made by ``open`` would have."""
    os.chmod(path, 0o666 & ~_umask())


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
