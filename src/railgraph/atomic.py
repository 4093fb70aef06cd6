"""Writing without losing anything: a folder or file is built beside its target and swapped in
with one rename, so a reader sees the old or the new one, never a mix, and a failure leaves the
old one as it was.

A folder railgraph writes carries a marker file; railgraph only ever replaces a folder that is
empty or carries the marker, so ``--out`` or ``--store`` naming someone's own folder is refused,
never emptied.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import InputError

MARKER = ".railgraph-output"


def replace_folder(out: Path, fill: Callable[[Path], None], *, what: str = "output") -> None:
    """Run ``fill`` on a fresh folder beside ``out``, then swap it in for ``out`` in one rename."""
    out = out.resolve()
    if out.exists() and not _replaceable(out):
        raise InputError(f"{out} exists and was not written by railgraph; refusing to replace it",
                         path=out, hint=f"name a new or empty folder for the {what}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes it private; a server must read it
    except OSError as exc:
        raise InputError(f"cannot create the {what} folder: {exc.strerror or exc}", path=out) from exc
    retired: Path | None = None
    try:
        fill(staging)
        (staging / MARKER).write_text(f"written by railgraph; replaced whole by the next {what}\n",
                                      encoding="utf-8")
        if out.exists():
            retired = out.parent / f".{out.name}.old-{os.getpid()}"
            if retired.exists():
                shutil.rmtree(retired)
            out.rename(retired)
        staging.rename(out)
    except BaseException as exc:
        if retired is not None and not out.exists():
            retired.rename(out)
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write the {what}: {exc.strerror or exc}; the earlier folder "
                             "was left as it was", path=out) from exc
        raise
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` (relative path -> bytes) into ``folder``, each flushed to disk."""
    for name, data in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())


def write_file_atomically(path: Path, data: bytes) -> None:
    """Write one file through a temporary sibling and a rename."""
    path = path.resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", path=path) from exc
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write: {exc.strerror or exc}", path=path) from exc
        raise


def _replaceable(folder: Path) -> bool:
    if not folder.is_dir():
        return False
    return (folder / MARKER).is_file() or not any(folder.iterdir())


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
