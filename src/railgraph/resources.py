"""Find the catalogue root: a checkout in the current folder, or the copy inside the package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .errors import UsageError

CATALOGUE_FOLDERS = ("ontology", "shapes", "queries", "data")


def is_catalogue_root(folder: Path) -> bool:
    """True when ``folder`` holds all four catalogue folders."""
    return all((folder / name).is_dir() for name in CATALOGUE_FOLDERS)


def packaged_root() -> Path | None:
    """The copy of the catalogue shipped inside the wheel, if this is an installed package."""
    shipped = Path(str(resources.files("railgraph"))) / "_catalogue"
    if is_catalogue_root(shipped):
        return shipped
    checkout = Path(__file__).resolve().parents[2]  # src/railgraph/ -> the source checkout
    return checkout if is_catalogue_root(checkout) else None


def find_root(explicit: Path | str | None = None, cwd: Path | None = None) -> Path:
    """The catalogue root to use: ``explicit``, else the current folder, else the shipped copy."""
    if explicit is not None:
        root = Path(explicit)
        if not is_catalogue_root(root):
            missing = [name for name in CATALOGUE_FOLDERS if not (root / name).is_dir()]
            raise UsageError(f"{root} is not a catalogue root: it has no {', '.join(missing)} folder",
                             hint="point --root at a folder holding ontology/, shapes/, queries/ and data/")
        return root.resolve()
    here = cwd or Path.cwd()
    if is_catalogue_root(here):
        return here.resolve()
    shipped = packaged_root()
    if shipped is None:
        raise UsageError("no catalogue found: the current folder is not a catalogue root and the "
                         "installed package ships none", hint="pass --root DIR")
    return shipped
