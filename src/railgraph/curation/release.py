"""``railgraph release VERSION``: build, stamp and write ``releases/{VERSION}/``.

A release folder holds

- ``catalogue.nt.gz``: every asserted triple, as sorted N-Triples, gzipped with no timestamp, so the
  same catalogue gives the same bytes; the ontology's ``owl:versionIRI`` and ``owl:versionInfo``
  are stamped with the release (in this copy only: the ontology sources are not rewritten);
- ``catalog.ttl``: the DCAT-AP and VoID description of the release, with its version, its release
  date (:func:`railgraph.build.release_date`, never the clock) and the dump's checksum;
- ``CHANGELOG.md`` and ``changes.json``: the changes since the previous release in ``releases/``
  (the highest version below this one), computed from the two dumps (:mod:`.changelog`).

The folder is written beside its place and renamed into it in one step, so there is never half a
release. An existing version is refused, and a catalogue that does not conform is not released.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef

from ..atomic import write_files
from ..errors import InputError, UsageError
from ..export import get_format, serialize
from ..loading import new_graph
from ..namespaces import BASE, DCAT, DCTERMS, OWL
from ..validation import ValidationReport
from .changelog import Changelog, compare

if TYPE_CHECKING:
    from ..catalogue import Catalogue

__all__ = ["DUMP", "ReleaseResult", "find_release", "parse_version", "read_dump", "release", "releases"]

DUMP = "catalogue.nt.gz"
ONTOLOGY = URIRef(BASE + "ontology")
#: MAJOR.MINOR.PATCH, optionally followed by a pre-release -alpha.N, -beta.N or -rc.N.
VERSION = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-(alpha|beta|rc)\.(0|[1-9]\d*))?$")
_STAGES = {"alpha": 0, "beta": 1, "rc": 2, None: 3}
GZIP = URIRef("https://www.iana.org/assignments/media-types/application/gzip")
COMPRESS_FORMAT = URIRef(str(DCAT) + "compressFormat")


@dataclass
class ReleaseResult:
    """What ``release`` did; ``folder`` is None when the catalogue did not conform."""

    version: str
    report: ValidationReport
    folder: Path | None = None
    changelog: Changelog | None = None


def parse_version(text: str) -> tuple[int, int, int, int, int]:
    """A sortable key for a version string, or a :class:`UsageError` saying the form."""
    match = VERSION.match(text)
    if match is None:
        raise UsageError(f"{text!r} is not a release version",
                         hint="write MAJOR.MINOR.PATCH, e.g. 0.2.0, optionally with -alpha.N, -beta.N or -rc.N")
    major, minor, patch, stage, number = match.groups()
    return int(major), int(minor), int(patch), _STAGES[stage], int(number or 0)


def releases(folder: Path) -> list[str]:
    """The versions released in ``folder`` (those holding a dump), oldest first."""
    if not folder.is_dir():
        return []
    found = [p.name for p in folder.iterdir() if p.is_dir() and VERSION.match(p.name) and (p / DUMP).is_file()]
    return sorted(found, key=parse_version)


def find_release(folder: Path, name: str) -> Path:
    """A release given as a version in ``folder`` or as a path to a release folder."""
    candidate = folder / name if VERSION.match(name) else Path(name)
    if not (candidate / DUMP).is_file():
        known = releases(folder)
        raise UsageError(f"no release {name!r}: {candidate / DUMP} does not exist",
                         hint=f"known releases in {folder}: {', '.join(known)}" if known else
                         f"there is no release in {folder} yet; make one with `railgraph release VERSION`")
    return candidate


def read_dump(folder: Path, max_bytes: int) -> Graph:
    """The graph of a release folder's dump (at most ``max_bytes`` once decompressed)."""
    path = folder / DUMP
    try:
        with gzip.open(path, "rb") as stream:
            data = stream.read(max_bytes + 1)
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read the release dump: {exc}", path=path,
                         hint="the file must be gzipped N-Triples written by `railgraph release`") from exc
    if len(data) > max_bytes:
        raise InputError(f"the dump is larger than {max_bytes:,} bytes once decompressed", path=path,
                         hint="raise RAILGRAPH_MAX_FILE_BYTES if the release is genuine")
    graph = new_graph()
    try:
        graph.parse(data=data.decode("utf-8"), format="nt")
    except Exception as exc:  # rdflib raises several types for bad syntax
        raise InputError(f"the dump is not valid N-Triples: {str(exc).splitlines()[0] if str(exc) else exc}",
                         path=path) from exc
    return graph


def release(catalogue: Catalogue, version: str, folder: Path) -> ReleaseResult:
    """Build and validate the catalogue, then write ``folder/version/``; see the module docstring."""
    from ..build import build, release_date
    from ..export.catalog import describe

    key = parse_version(version)
    target = folder / version
    if target.exists():
        raise UsageError(f"{target} already exists: release {version} was made before",
                         hint="a release is never rewritten; choose the next version")
    with tempfile.TemporaryDirectory(prefix="railgraph-release-") as scratch:
        built = build(catalogue, Path(scratch) / "build", ("nt",), site=False)
    result = ReleaseResult(version, built.report)
    if not built.ok:
        return result
    graph = stamped(catalogue.asserted, version)
    dump = gzip.compress(serialize(graph, get_format("nt")), compresslevel=9, mtime=0)
    earlier = [v for v in releases(folder) if parse_version(v) < key]
    previous = earlier[-1] if earlier else None
    old = read_dump(folder / previous, catalogue.settings["max_file_bytes"]) if previous else None
    log = compare(old, graph, version=version, previous=previous)
    issued = release_date(catalogue.root)
    description = describe(catalogue, {"catalogue.nt": dump}, version=version, issued=issued,
                           base_iri=catalogue.settings["base_iri"])
    description = _release_description(description, version, catalogue.settings["base_iri"])
    files = {
        DUMP: dump,
        "catalog.ttl": catalogue.serialize(description, "ttl"),
        "CHANGELOG.md": log.to_markdown().encode("utf-8"),
        "changes.json": log.to_json().encode("utf-8"),
    }
    _write_new_folder(target, files)
    result.folder, result.changelog = target, log
    return result


def stamped(asserted: Graph, version: str) -> Graph:
    """A copy of ``asserted`` whose ontology carries the release's version IRI and version."""
    graph = new_graph()
    graph += asserted
    graph.remove((ONTOLOGY, OWL.versionIRI, None))
    graph.remove((ONTOLOGY, OWL.versionInfo, None))
    graph.add((ONTOLOGY, OWL.versionIRI, URIRef(f"{ONTOLOGY}/{version}")))
    graph.add((ONTOLOGY, OWL.versionInfo, Literal(version)))
    return graph


def _release_description(description: Graph, version: str, base_iri: str) -> Graph:
    """The build description pointed at the release's dump instead of ``dist/``."""
    base = base_iri if base_iri.endswith("/") else base_iri + "/"
    renames = {URIRef(f"{base}dist/catalogue.nt"): URIRef(f"{base}releases/{version}/{DUMP}")}
    for distribution in description.subjects(DCTERMS.title, Literal("catalogue.nt")):
        renames[distribution] = URIRef(f"{base}catalogue/{version}/distribution/{DUMP}")  # type: ignore[index]
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in description.namespaces():
        graph.bind(prefix, namespace)
    for s, p, o in description:
        o = Literal(DUMP) if p == DCTERMS.title and o == Literal("catalogue.nt") else o
        graph.add((renames.get(s, s), p, renames.get(o, o)))  # type: ignore[arg-type]
    for distribution in set(renames.values()) - {renames[URIRef(f"{base}dist/catalogue.nt")]}:
        graph.add((distribution, COMPRESS_FORMAT, GZIP))
    graph.add((ONTOLOGY, OWL.versionIRI, URIRef(f"{ONTOLOGY}/{version}")))
    return graph


def _write_new_folder(target: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` into a fresh folder beside ``target`` and rename it into place."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    except OSError as exc:
        raise InputError(f"cannot create the release folder: {exc.strerror or exc}", path=target) from exc
    try:
        os.chmod(staging, 0o755)
        write_files(staging, files)
        os.rename(staging, target)  # fails, leaving nothing behind, if target appeared meanwhile
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write the release: {exc.strerror or exc}; nothing was released",
                             path=target) from exc
        raise
