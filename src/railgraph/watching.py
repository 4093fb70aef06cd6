"""``railgraph build --watch``: build, then build again whenever a file the build reads changes.

The files are looked at every interval (their modification time, size and inode, not their
bytes: about 20 ms for the 1,150 files of 100,000 tools). A change is acted on once the files
have stayed as they are for one more interval, so an editor that writes a file in steps causes
one build. The catalogue stays loaded between builds: edited sources are read again and put into
its query store in place (see :meth:`railgraph.catalogue.Catalogue.reread`); a changed shape
loads it again whole.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import RailgraphError

if TYPE_CHECKING:
    from .catalogue import Catalogue

#: What a file is known by between two looks: modification time (ns), size and inode.
Stamp = tuple[int, int, int]
#: What a look at the watched folders found: each file and its stamp.
Look = dict[Path, Stamp]


def look(folders: Iterable[Path]) -> Look:
    """Every file below ``folders`` with its stamp (a folder that is missing holds none)."""
    found: Look = {}
    for folder in folders:
        for directory, _, names in os.walk(folder):
            for name in names:
                path = Path(directory, name)
                try:
                    facts = path.stat()
                except OSError:
                    continue  # removed between the listing and the look
                found[path] = (facts.st_mtime_ns, facts.st_size, facts.st_ino)
    return found


def changed(before: Look, after: Look) -> list[Path]:
    """The files added, removed or changed between two looks, sorted."""
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))


def watch(folders: Sequence[Path], on_change: Callable[[list[Path]], None], *, interval: float,
          stop: Callable[[], bool] = lambda: False, sleep: Callable[[float], None] = time.sleep,
          since: Look | None = None) -> None:
    """Look at ``folders`` every ``interval`` seconds and hand ``on_change`` the files that
    changed, once they have stayed as they are for one interval, until ``stop`` says so.
    ``since``: the files as the caller read them (by default, as they are now); what changed
    after that is handed over at the first look."""
    before = look(folders) if since is None else since
    while not stop():
        sleep(interval)
        now = look(folders)
        paths = changed(before, now)
        while paths and not stop():  # settle: an editor may still be writing
            sleep(interval)
            later = look(folders)
            if not changed(now, later):
                break
            now = later
            paths = changed(before, now)
        if paths:
            on_change(paths)
        before = now


class Rebuilder:
    """Keeps a catalogue and builds it after each change (see :func:`watch`): ``load`` loads it
    afresh, ``build_once`` builds it (keeping its store, see :func:`railgraph.build.build`),
    ``report`` tells the user what happened. ``loaded`` is a look at its :meth:`folders` taken
    once the catalogue was first loaded, for :func:`watch`: a file edited during the first build
    (minutes at 100,000 tools) is built after it."""

    def __init__(self, load: Callable[[], Catalogue], build_once: Callable[[Catalogue], object],
                 report: Callable[[str], None]) -> None:
        self._load, self._build_once, self._report = load, build_once, report
        self.catalogue = load()
        self.loaded = look(self.folders())

    def folders(self) -> list[Path]:
        """What a build reads: the source folders and the shapes."""
        return [*self.catalogue.folders, self.catalogue.root / "shapes"]

    def __call__(self, paths: list[Path]) -> None:
        """Build again after ``paths`` changed; a file that cannot be read is reported, and the
        catalogue kept as it was for the next change."""
        shapes = (self.catalogue.root / "shapes").resolve()
        try:
            if any(path.resolve().is_relative_to(shapes) for path in paths):
                self.catalogue = self._load()
            else:
                change = self.catalogue.reread(paths)
                if not change.old and not change.new:
                    return  # no source among them: a backup file, an editor's swap file
        except RailgraphError as exc:
            self._report(f"not built: {exc}")
            return
        self._build_once(self.catalogue)
