"""railgraph: the linked-data catalogue of trustworthy-AI tools and responsible AI licences.

Public API::

    import railgraph
    catalogue = railgraph.load()            # the catalogue in the current folder or the shipped one
    report = catalogue.validate()
    rows = catalogue.query("licence-restrictions", licence="https://w3id.org/railgraph/id/licence/...")

Everything not listed in ``__all__`` (and ``railgraph.errors``) is internal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from ._version import __version__
from .catalogue import Catalogue
from .errors import InputError, RailgraphError, RemoteError, ShapesError, UsageError
from .settings import Settings
from .validation import Severity, ValidationReport, ValidationResult


def load(root: Path | str | None = None, data: Sequence[Path | str] = ()) -> Catalogue:
    """Load a catalogue: ``root`` or the current folder or the copy shipped in the package."""
    return Catalogue.load(root=root, data=data)


__all__ = [
    "Catalogue",
    "InputError",
    "RailgraphError",
    "RemoteError",
    "Settings",
    "Severity",
    "ShapesError",
    "UsageError",
    "ValidationReport",
    "ValidationResult",
    "__version__",
    "load",
]
