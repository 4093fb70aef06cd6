"""Whether ``dist/`` is up to date: a build stamp over everything a build reads.

A build writes ``.railgraph-build.json`` into its output folder: a key (a digest of every file
under the catalogue's ontology/, shapes/ and data folders, the package's own code and templates,
the chosen formats, the base IRI and the release date) and the size of every file it wrote. The
next build with the same key, over an output folder still holding those files, has nothing to do.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from . import cache_reads
from ._version import __version__

STAMP_FILE = ".railgraph-build.json"
_PACKAGE = Path(__file__).resolve().parent


def build_key(root: Path, data: Sequence[Path], *, formats: Sequence[str], site: bool, base_iri: str,
              release: str) -> str:
    """The digest that changes whenever anything a build reads or decides changes."""
    digest = hashlib.sha256(json.dumps([__version__, list(formats), site, base_iri, release]).encode())
    folders = [root / "ontology", root / "shapes", root / "data", *data]
    for label, folder in [(f"source{n}", f) for n, f in enumerate(folders)] + [("package", _PACKAGE)]:
        for path in _files(folder):
            digest.update(f"{label}/{path.relative_to(folder).as_posix()}\0".encode())
            digest.update(cache_reads.read(path, _file_digest))  # a watching process reads the edited ones
    return digest.hexdigest()


def _file_digest(path: Path) -> bytes:
    return hashlib.sha256(path.read_bytes()).digest()


def stamp(key: str, sizes: Mapping[str, int]) -> bytes:
    """The stamp a build writes beside the files it wrote, given their ``sizes`` by name."""
    return json.dumps({"key": key, "files": dict(sorted(sizes.items()))}, indent=1).encode("utf-8")


def up_to_date(out: Path, key: str) -> bool:
    """True when ``out`` holds a build stamped ``key`` and every file it wrote, at its size."""
    try:
        recorded = json.loads((out / STAMP_FILE).read_text(encoding="utf-8"))
        if recorded.get("key") != key:
            return False
        return all((out / name).stat().st_size == size for name, size in recorded["files"].items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def _files(folder: Path) -> Iterable[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith("."))
