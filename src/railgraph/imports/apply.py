"""Apply an import: place each candidate entry in its file, validate the would-be catalogue, write.

Every import builds :class:`Candidate` entries (a graph per entry) and hands them to
:func:`apply_import`, which

1. places each entry in ``data/{folder}/{slug}.ttl`` (or the curated file that already describes
   it) and works out the file's new content: an import that carries some fields of an entry
   (CSV, JSON, model cards) replaces those fields and keeps the rest; a railgraph export carries
   whole entries and replaces them;
2. sorts out the entries whose content would not change (``unchanged``: their files are not
   touched, and their provenance is not bumped);
3. validates the catalogue as it would be, with the new files in a temporary folder standing in
   for the old ones, and rejects the entries that bring a new violation (explained in plain words
   by :mod:`railgraph.curation.explain`), then the entries that refer to a rejected one, and
   validates again until what is left conforms;
4. writes the files of what is left together (:func:`write_all`): each file is replaced in one
   rename, and a failure part-way puts back the files already replaced, so the data folder holds
   either the whole import or none of it.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.term import Node

from .. import loading
from ..curation.explain import explain
from ..curation.schema import curie
from ..curation.skeleton import FOLDERS, SLUG
from ..errors import InputError
from ..namespaces import DCTERMS, ID, PROV, RG, XSD
from ..validation import ValidationReport, ValidationResult
from .report import Change, ImportReport, Rejection

if TYPE_CHECKING:
    from ..catalogue import Catalogue

__all__ = ["Candidate", "Provenance", "apply_import", "entry_of", "source_date", "write_all"]

#: The properties that say who changed an entry, when and from which file (set only on a change).
PROVENANCE = (PROV.wasAttributedTo, DCTERMS.modified, RG.importedFrom)
#: How many times the would-be catalogue is validated at most (each round drops rejected entries).
MAX_ROUNDS = 5


@dataclass(frozen=True)
class Provenance:
    """Who, when and from which file: recorded on every entry an import creates or changes."""

    curator: URIRef
    modified: date
    source_name: str  # the file name only (never a path: it would differ per machine)


@dataclass
class Candidate:
    """One entry as a source gives it.

    ``replaces`` lists the properties of the entry the source sets: they replace the entry's
    current values and everything else is kept. ``None`` means the source gives the whole entry
    (its parts and blank nodes included), which replaces the current description.
    """

    kind: str
    slug: str
    graph: Graph
    origin: str
    replaces: frozenset[URIRef] | None = None
    provenance: Provenance | None = None
    columns: dict[URIRef, str] = field(default_factory=dict)  # property -> field name to report
    cells: dict[str, str] = field(default_factory=dict)  # a value (as validation shows it) -> the text given
    row: int | None = None  # the row (or object) number in the source, to sort the report

    @property
    def iri(self) -> URIRef:
        return ID[f"{self.kind}/{self.slug}"]


@dataclass
class _Plan:
    candidate: Candidate
    target: Path  # absolute path of the file to write
    relative: str  # the same, relative to the root
    new: Graph  # the whole new content of the file
    existed: bool  # the entry was in the catalogue before


def entry_of(node: Node) -> tuple[str, str] | None:
    """(kind, slug) of the entry an IRI belongs to: the entry itself or one of its parts."""
    text = str(node)
    if not isinstance(node, URIRef) or not text.startswith(str(ID)):
        return None
    parts = text[len(str(ID)):].split("/")
    if len(parts) < 2 or parts[0] not in FOLDERS or not SLUG.match(parts[1]):
        return None
    return parts[0], parts[1]


def source_date(path: Path) -> date:
    """When ``path`` last changed: its last commit's date when git tracks it unmodified, else its
    modification time (UTC). Never today's date unless the file changed today."""
    try:
        folder, name = str(path.resolve().parent), path.name
        status = subprocess.run(["git", "-C", folder, "status", "--porcelain", "--", name],
                                capture_output=True, text=True, timeout=10, check=False)
        if status.returncode == 0 and not status.stdout.strip():
            log = subprocess.run(["git", "-C", folder, "log", "-1", "--format=%cs", "--", name],
                                 capture_output=True, text=True, timeout=10, check=False)
            if log.returncode == 0 and log.stdout.strip():
                return date.fromisoformat(log.stdout.strip())
    except (OSError, subprocess.SubprocessError, ValueError):
        pass  # no git, or not a repository: the file's own time below
    return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc).date()


def apply_import(catalogue: Catalogue, candidates: list[Candidate], report: ImportReport, *,
                 write: bool = True) -> ImportReport:
    """Validate ``candidates`` within ``catalogue`` and write the ones that conform (see module)."""
    index = _index(catalogue)
    plans = []
    for candidate in candidates:
        plan = _place(catalogue, candidate, report, index.get(candidate.iri, []))
        if plan is not None:
            plans.append(plan)
    if plans:
        plans = _validate(catalogue, plans, report)
    for plan in plans:
        change = Change(str(plan.candidate.iri), plan.relative, plan.candidate.origin)
        (report.updated if plan.existed else report.created).append(change)
    report.rejected.sort(key=lambda r: (r.row is None, r.row or 0))
    if write and plans:
        write_all({plan.target: turtle(plan.new, plan.candidate, plan.existed) for plan in plans})
        report.written = [plan.relative for plan in plans]
    return report


def _index(catalogue: Catalogue) -> dict[URIRef, list[loading.Source]]:
    """Entry IRI -> the sources that describe the entry or one of its parts."""
    index: dict[URIRef, list[loading.Source]] = {}
    for source in catalogue.sources:
        entries = {entry_of(subject) for subject in set(source.graph.subjects())} - {None}
        for kind, slug in entries:  # type: ignore[misc]
            index.setdefault(ID[f"{kind}/{slug}"], []).append(source)
    return index


# -- placing an entry in its file ----------------------------------------------------------------


def _place(catalogue: Catalogue, candidate: Candidate, report: ImportReport,
           owners: list[loading.Source]) -> _Plan | None:
    iri = candidate.iri
    data = catalogue.root / "data"
    curated = {(data / folder).resolve() for folder in FOLDERS.values()}
    existed = bool(owners)
    target = (data / FOLDERS[candidate.kind] / f"{candidate.slug}.ttl").resolve()
    own = next((s for s in owners if s.path.resolve().parent in curated
                and s.path.resolve().parent.name == FOLDERS[candidate.kind]), None)
    if own is not None:
        target = own.path.resolve()
    if not existed:
        taken = [ID[f"{kind}/{candidate.slug}"] for kind in FOLDERS
                 if kind != candidate.kind and (ID[f"{kind}/{candidate.slug}"], None, None) in catalogue.asserted]
        if taken:
            report.rejected.append(Rejection(candidate.origin, "slug", candidate.slug,
                                             f"the slug is taken by <{taken[0]}>",
                                             "choose another slug: a slug names one entry of any kind",
                                             row=candidate.row))
            return None
    current = next((s.graph for s in owners if s.path.resolve() == target), None)
    if current is None and target.exists():
        current = next((s.graph for s in catalogue.sources if s.path.resolve() == target), None)
    existing = _copy(current) if current is not None else loading.new_graph()
    if candidate.replaces is None:  # the whole entry: what only other files say is left to them
        others = [s.graph for s in owners if s.path.resolve() != target]
        new = _copy(existing)
        for triple in _owned_triples(existing, iri):
            new.remove(triple)
        for triple in candidate.graph:
            if isinstance(triple[0], BNode) or triple in existing or not any(triple in graph for graph in others):
                new.add(triple)
    else:
        new = _copy(existing)
        for prop in candidate.replaces:
            new.remove((iri, prop, None))
        new += candidate.graph
    relative = _relative(target, catalogue.root)
    if isomorphic(_without_provenance(new, iri), _without_provenance(existing, iri)):
        report.unchanged.append(Change(str(iri), relative, candidate.origin))
        return None
    if not len(new):
        report.unchanged.append(Change(str(iri), relative, candidate.origin))
        return None
    if candidate.provenance is not None:
        for prop in PROVENANCE:
            new.remove((iri, prop, None))
        new.add((iri, PROV.wasAttributedTo, candidate.provenance.curator))
        new.add((iri, DCTERMS.modified, Literal(candidate.provenance.modified.isoformat(), datatype=XSD.date)))
        new.add((iri, RG.importedFrom, Literal(candidate.provenance.source_name)))
    return _Plan(candidate, target, relative, new, existed)


def _owned(node: Node, iri: URIRef) -> bool:
    return node == iri or str(node).startswith(str(iri) + "/")


def _owned_triples(graph: Graph, iri: URIRef) -> list[tuple[Node, Node, Node]]:
    """The triples of ``graph`` about ``iri``, its parts and the blank nodes they hold."""
    found = []
    seen: set[Node] = set()
    frontier = [s for s in set(graph.subjects()) if _owned(s, iri)]
    while frontier:
        subject = frontier.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for triple in graph.triples((subject, None, None)):
            found.append(triple)
            if isinstance(triple[2], BNode):
                frontier.append(triple[2])
    return found


def _without_provenance(graph: Graph, iri: URIRef) -> Graph:
    stripped = _copy(graph)
    for prop in PROVENANCE:
        stripped.remove((iri, prop, None))
    return stripped


def _copy(graph: Graph) -> Graph:
    copy = loading.new_graph()
    copy += graph
    return copy


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def turtle(graph: Graph, candidate: Candidate, existed: bool = False) -> bytes:
    """The file of an entry: a comment naming the import, then the graph as Turtle."""
    source = candidate.provenance.source_name if candidate.provenance else candidate.origin.split(" ")[0]
    verb = "Rewritten" if existed else "Written"
    header = (f"# railgraph {candidate.kind}: {candidate.slug}\n"
              f"# {verb} by `railgraph import` from {source}; edit freely. A later import\n"
              "# replaces only the fields its source carries.\n\n")
    return header.encode("utf-8") + graph.serialize(format="turtle", encoding="utf-8")


# -- validating the would-be catalogue -------------------------------------------------------------


def _validate(catalogue: Catalogue, plans: list[_Plan], report: ImportReport) -> list[_Plan]:
    from ..catalogue import Catalogue

    baseline = {_key(r) for r in catalogue.validate().violations}
    limits = {"max_bytes": catalogue.settings["max_file_bytes"],
              "max_literal_chars": catalogue.settings["max_literal_chars"]}
    for _round in range(MAX_ROUNDS):
        if not plans:
            return plans
        with tempfile.TemporaryDirectory(prefix="railgraph-import-") as folder:
            staged: dict[Path, _Plan] = {}
            sources = []
            for plan in plans:
                path = Path(folder) / plan.relative
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(turtle(plan.new, plan.candidate, plan.existed))
                source = loading.read_source(path, plan.relative, **limits)
                sources.append(source)
                staged[plan.target] = plan
            kept = [s for s in catalogue.sources if s.path.resolve() not in staged]
            trial = Catalogue(catalogue.root, kept + sources, catalogue.shapes, catalogue.queries,
                              catalogue.settings)
            result = trial.validate()
            fresh = [r for r in result.violations if _key(r) not in baseline]
            if not fresh:
                return plans
            owner = {subject: plan for source, plan in zip(sources, plans) for subject in source.graph.subjects()}
            blame: dict[int, list[ValidationResult]] = {}
            for violation in fresh:
                focus = _focus(violation)
                guilty = [owner[focus]] if focus in owner else \
                    [p for s, p in zip(sources, plans) if (None, None, focus) in s.graph] or plans
                for plan in guilty:
                    blame.setdefault(id(plan), []).append(violation)
            explained = explain(ValidationReport([r for rs in blame.values() for r in rs], result.graph), trial)
            by_result = dict(zip([r for rs in blame.values() for r in rs], explained))
            rejected = [plan for plan in plans if id(plan) in blame]
            for plan in rejected:
                for violation in blame[id(plan)]:
                    report.rejected.append(_rejection(plan, violation, by_result[violation]))
            plans = _drop_dependents([p for p in plans if id(p) not in blame], rejected, report)
    raise InputError("the import does not settle: entries keep failing validation after "
                     f"{MAX_ROUNDS} rounds", hint="import fewer rows at a time")


def _drop_dependents(plans: list[_Plan], rejected: list[_Plan], report: ImportReport) -> list[_Plan]:
    """Leave out the entries that refer to a rejected one (their reference would dangle)."""
    gone = {p.candidate.iri for p in rejected if not p.existed}
    while gone:
        dependent = [p for p in plans if any(o in gone for o in p.new.objects())]
        for plan in dependent:
            missing = next(o for o in plan.new.objects() if o in gone)
            report.rejected.append(Rejection(plan.candidate.origin, None, None,
                                             f"it refers to <{missing}>, which was rejected",
                                             "fix the rejected entry, then import again",
                                             row=plan.candidate.row))
        plans = [p for p in plans if p not in dependent]
        gone = {p.candidate.iri for p in dependent if not p.existed}
    return plans


def _rejection(plan: _Plan, violation: ValidationResult, explanation: object) -> Rejection:
    from ..curation.explain import Explanation

    assert isinstance(explanation, Explanation)
    path = URIRef(violation.path) if violation.path and "://" in violation.path else None
    column = plan.candidate.columns.get(path) if path is not None else None
    field_name = column or (curie(path) if path is not None else None)
    value = plan.candidate.cells.get(violation.value or "", violation.value)
    return Rejection(plan.candidate.origin, field_name, value, explanation.problem, explanation.fix,
                     explanation.closest, row=plan.candidate.row)


def _key(result: ValidationResult) -> tuple[str, str, str | None, str | None]:
    return result.focus_node, result.shape, result.path, result.value


def _focus(result: ValidationResult) -> Node:
    return URIRef(result.focus_node) if "://" in result.focus_node else BNode(result.focus_node)


# -- writing --------------------------------------------------------------------------------------


def write_all(files: dict[Path, bytes]) -> None:
    """Write every file or none: each is staged beside its target (written and flushed), then all
    are renamed into place; if a rename fails, the files already replaced get their old content
    back and new ones are removed. A reader sees each file whole, old or new."""
    staged: list[tuple[Path, Path]] = []
    try:
        for target, data in sorted(files.items()):
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            staged.append((Path(temporary), target))
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, 0o666 & ~_umask())
    except OSError as exc:
        for temporary, _target in staged:
            temporary.unlink(missing_ok=True)
        raise InputError(f"cannot stage the import: {exc.strerror or exc}; nothing was written",
                         path=getattr(exc, "filename", None)) from exc
    previous = {target: target.read_bytes() if target.exists() else None for _t, target in staged}
    done: list[Path] = []
    try:
        for temporary, target in staged:
            os.replace(temporary, target)
            done.append(target)
    except BaseException as exc:
        for target in done:
            old = previous[target]
            if old is None:
                target.unlink(missing_ok=True)
            else:
                _restore(target, old)
        for temporary, _target in staged:
            temporary.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write the import: {exc.strerror or exc}; the files already "
                             "written were put back as they were", path=getattr(exc, "filename", None)) from exc
        raise


def _restore(target: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    os.replace(temporary, target)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
