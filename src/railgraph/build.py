"""``railgraph build``: load, infer, validate and write ``dist/`` (dumps, tables, description,
site) atomically.

Everything is written into a temporary folder beside the output folder and swapped in only when
the whole build succeeded, so a failed build leaves an earlier output folder untouched.
"""

from __future__ import annotations

import datetime
import gc
import os
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from rdflib import URIRef

from . import cache_reads
from ._version import __version__
from .atomic import (Chunks, Staging, Written, replace_folder, staged_folder, write_error, write_file_atomically,
                     write_files)
from .build_stamp import STAMP_FILE, stamp
from .catalogue import Catalogue
from .errors import InputError, UsageError
from .export import FORMATS, Format, get_format, parallel, pieces
from .export.catalog import Statistics, describe, statistics_of
from .export.rdf import serialize_lines
from .export.tables import prepare as prepare_tables, table_chunks
from .loading import stable_blank_nodes
from .namespaces import PREFIXES
from .validation import ValidationReport
from .validation_cache import Fingerprints

__all__ = ["DEFAULT_FORMATS", "BuildResult", "build", "check_formats", "prepare_to_rebuild", "release_date",
           "write_atomically", "write_file_atomically"]

#: How long an export takes, roughly, against the others (the costliest are started first).
_COST = {"jsonld-framed": 5, "jsonld": 4, "trig": 3, "ttl": 3, "rdfxml": 2, "nq": 2, "nt": 1}
#: How much the process grows, as a multiple of its size once the sources are loaded, while the
#: store is filled and closed (measured: 2.1 at 10,000 tools, 0.5 on the real catalogue): the
#: asserted dumps are forked beside that only where memory holds both.
_STORE_GROWTH = 2.5
#: The same while the catalogue is validated (measured: 0.27 at 10,000 tools, 0.06 at 100,000,
#: pyrudof's chunk and pyshacl's graphs): the later exports are forked beside that.
_VALIDATION_GROWTH = 0.3
#: The jobs that count the catalogue for its description, and find its example resources, beside the exports.
_STATISTICS, _EXAMPLES = "statistics", "examples"
#: The job that fingerprints the sources for the validation cache, beside inference.
_FINGERPRINTS = "fingerprints"
#: The jobs that write the inferred graph's dumps, and the CSV tables.
_INFERRED_DUMPS, _TABLES = "inferred", "csv"
#: The formats of the inferred graph's dumps.
_INFERRED_FORMATS = ("nt", "ttl")
#: Statements from which a build lets go of the sources' once the store holds them and the
#: processes writing the asserted dumps are forked (see :meth:`Catalogue.release_sources`):
#: 1.4 GB at 100,000 tools (3.3 million). Below, they hold little, and an asserted dump this
#: process takes over from the children would read the files again.
_RELEASE_FROM = 500_000
#: The graph formats :func:`~railgraph.export.rdf.serialize_lines` writes from sorted N-Triples
#: (Turtle is assembled from pieces, see :mod:`railgraph.export.pieces`): with N-Triples chosen,
#: one job writes ``catalogue.nt`` and makes them from its lines.
_FROM_LINES = ("rdfxml",)
#: Every export format, the CSV tables last (a folder, ``csv/``); ``--formats`` may choose fewer.
DEFAULT_FORMATS = (*FORMATS, _TABLES)
Step = Callable[[str], None]


@dataclass
class BuildResult:
    """What a build produced: ``written`` (file sizes by name) and ``counts`` (see
    :meth:`Catalogue.counts`) are empty when the catalogue did not conform."""

    out: Path
    report: ValidationReport
    written: dict[str, int] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.report.conforms


def build(catalogue: Catalogue, out: Path, formats: Sequence[str] = DEFAULT_FORMATS, *,
          site: bool = True, step: Step = lambda name: None, key: str | None = None,
          keep: Callable[[object], object] | None = None, reuse: bool = False,
          release: bool = False) -> BuildResult:
    """Infer, validate and, when the catalogue conforms, write every export into ``out``.

    ``out`` receives ``catalogue.*`` (one file per format), ``csv/`` where ``formats`` holds
    ``csv`` (one table per class and its CSVW metadata), ``inferred.ttl``/``.nt``,
    ``catalog.ttl``/``.jsonld`` (the DCAT-AP and VoID description of those files),
    ``validation.*`` and, unless ``site`` is false, ``site/``.
    With ``key`` (see :mod:`railgraph.build_stamp`), a stamp lets the next build see it is up to date.

    The exports are written into a fresh folder beside ``out`` by the processes that make them,
    and flushed to disk there, while the build goes on; the folder is swapped in for ``out``
    only when the catalogue conforms, and removed otherwise. The query store the build fills
    holds no graph per source (it reads none); it is let go of when the build ends, and handed to
    ``keep`` where that is given (a command that exits next: freeing the store of 100,000 tools
    takes seconds). With ``reuse``, it is kept for the next build instead, which
    :meth:`Catalogue.reread` brings up to date (``railgraph build --watch``), and so is what the
    build reads back from the cache (see :mod:`railgraph.cache_reads`); :func:`prepare_to_rebuild`
    reads ahead what the next build's exports read. With ``release`` (a caller that asks nothing
    more of the catalogue's sources: a command that exits next), a large build without a site
    or exports read from the sources once the store is filled lets go of the sources'
    statements while it infers (see :data:`_RELEASE_FROM`); they are read from the files again
    where they are asked for.
    """
    if reuse:
        cache_reads.keep()
    try:
        return _build(catalogue, out, formats, site=site, step=step, key=key, release=release and not reuse)
    finally:
        if not reuse:
            catalogue.forget_partial_store(keep)


def check_formats(formats: Sequence[str]) -> None:
    """Refuse a name among ``formats`` that is not one of :data:`DEFAULT_FORMATS`."""
    unknown = [name for name in formats if name not in DEFAULT_FORMATS]
    if unknown:
        raise UsageError(f"unknown export format {unknown[0]!r}", hint=f"choose among {', '.join(DEFAULT_FORMATS)}")


def prepare_to_rebuild(catalogue: Catalogue, formats: Sequence[str]) -> None:
    """Ready ``catalogue`` to be built into ``formats`` again after an edit (``build --watch``,
    once a build is reported, or on finding the output folder up to date): its store filled, its
    asserted triples counted, what its tables are made of kept (the next build makes them in this
    process, see :func:`railgraph.export.tables.prepare`), and what the exports of the next build
    read back from the cache read ahead, which the processes it forks then inherit."""
    cache_reads.keep()
    catalogue.infer(remember=False, source_graphs=False)
    if catalogue.asserted_counts is None:
        catalogue.asserted_counts = Statistics.of_store(catalogue.oxstore)
    _ = catalogue.examples  # kept through the edits that do not touch them
    if _TABLES in formats:
        prepare_tables(catalogue)
    _read_ahead(catalogue, formats)
    # what the process keeps between builds (millions of objects: the pieces, the tables' parts)
    # is left out of later collections, one of which took 1.1 s of a rebuild at 100,000 tools;
    # what was frozen last time is let go of first, so that what an edit dropped since (the
    # rdflib graphs a build made, which sit in cycles) is collected rather than kept for ever
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _read_ahead(catalogue: Catalogue, formats: Sequence[str]) -> None:
    """Read the pieces files the exports of the next build of ``catalogue`` read back from its
    cache (those of the documents in ``formats``), so that the processes forked for them inherit
    them: about 1.2 GB at 100,000 tools, read and checked once rather than in every build. So are
    the inferred dumps found right (1 GB, linked where the closure holds). What was read of files
    since replaced is let go of."""
    cache = catalogue.cache_dir()
    if cache is None:
        return
    cache_reads.forget_gone()
    for kind in (name for name in pieces.KINDS if name in formats):
        pieces.read(cache, kind)
    for format_name in _INFERRED_FORMATS if catalogue.inference_key is not None else ():
        catalogue.inferred_dump(format_name)


def _build(catalogue: Catalogue, out: Path, formats: Sequence[str], *, site: bool, step: Step,
           key: str | None, release: bool) -> BuildResult:
    check_formats(formats)
    tables = _TABLES in formats
    chosen = sorted((get_format(name) for name in formats if name != _TABLES),
                    key=lambda fmt: _COST.get(fmt.name, 0), reverse=True)
    # the asserted dumps need only the sources: they are written while the store is filled and
    # closed; what reads the store is written while the catalogue is validated
    early = [fmt for fmt in chosen if not (fmt.view or fmt.quads)]
    later = [fmt for fmt in chosen if fmt.view or fmt.quads]
    with staged_folder(out, what="build") as staging:
        asserted: dict[str, parallel.Task] = {}
        if catalogue.cache_dir() is not None:  # validation would make them on its own chain
            asserted[_FINGERPRINTS] = lambda c: c.source_fingerprints()
        from_lines = [fmt for fmt in early if fmt.name in _FROM_LINES] if any(f.name == "nt" for f in early) else []
        for fmt in early:
            name = f"catalogue{fmt.extension}"
            if not from_lines or fmt.name not in ("nt", *_FROM_LINES):
                asserted[name] = _writing(staging, out, name, _export(fmt.name))
            elif fmt == from_lines[0]:  # one job for them and the N-Triples, where the costliest stands
                asserted[name] = _writing_from_lines(staging, out, from_lines)
        exports: dict[str, parallel.Job] = {f"catalogue{fmt.extension}": _export(fmt.name) for fmt in later}
        entailed: dict[str, parallel.Task] = {name: _writing(staging, out, name, job) for name, job in exports.items()}
        # one job: the Turtle is written from the sorted N-Triples, which two jobs would each make;
        # the N-Triples are the closure as the cache keeps it, written there off the longest chain
        entailed[_INFERRED_DUMPS] = _inferred_dumps(staging, out, _INFERRED_FORMATS)
        if tables:
            entailed[_TABLES] = _writing(staging, out, _TABLES, lambda c: {f"csv/{name}": data
                                                                       for name, data in table_chunks(c).items()})
        entailed[_STATISTICS] = statistics_of
        entailed[_EXAMPLES] = lambda c: c.examples
        _ = catalogue.source_groups  # what the exports kept in pieces are cut along: found once, here
        first, second, growth = asserted, entailed, _STORE_GROWTH
        here: dict[str, parallel.Task] = {}  # what this process makes once it has validated
        most = 2
        if catalogue.filled:  # a store kept from the last build: one set of processes, and the
            # examples made here, kept through most edits (a child would find them again: 1.1 s),
            # and the tables, where this process kept what the last ones were made of (see prepare_tables)
            here = {_EXAMPLES: entailed.pop(_EXAMPLES)}
            if tables and catalogue.kept_tables is not None:
                here[_TABLES] = entailed.pop(_TABLES)
            first, second, growth = {**_largest_first(asserted, out), **entailed}, {}, 0.0
            most = 1
        with parallel.start(catalogue, first, growth=growth, alongside=True, most=most) as dumps:
            step("infer" + (f"; export {', '.join(fmt.name for fmt in early)}" if early else ""))
            # the sources' union in the query store, with what it entails (no graph per source:
            # the build reads none); their statements are let go of once the store holds them
            # where the children hold their own copy and nothing made later reads them (the site,
            # the dataset dumps and the framed view do)
            release = release and dumps.forked and not site and not later and not catalogue.filled \
                and sum(len(source.quads) for source in catalogue.sources) >= _RELEASE_FROM
            catalogue.infer(remember=False, source_graphs=False, release=release)
            if dumps.forked and dumps.finished():  # their answers are kept; the memory they held is
                dumps.close()  # freed for the later exports' processes
            with parallel.start(catalogue, second, growth=_VALIDATION_GROWTH, alongside=True) as more:
                more_exports = [*(fmt.name for fmt in later), _INFERRED_DUMPS, *([_TABLES] if tables else [])]
                step(f"validate; export {', '.join(more_exports)}")
                # made by a forked process beside inference; without one, validation makes them
                # beside pyrudof, rather than this process before validation
                fingerprints = cast(dict[str, Fingerprints], dumps.output(_FINGERPRINTS)) \
                    if _FINGERPRINTS in asserted and dumps.forked else None
                # one worker: the cores are busy with the exports already
                report = catalogue.validate(workers=1, fingerprints=fingerprints)
                result = BuildResult(out, report)
                if not report.conforms:  # the exports are stopped: the closure is kept for the next try
                    staging.discard()
                    catalogue.remember_inferred()
                    return result
                # the asserted dumps no child has begun are written here (taken from the end of
                # the queue): after an edit, validation ends seconds before they would all be written
                outputs = {name: task(catalogue) for name, task in here.items()}
                # (where the sources were let go of, the children write every asserted dump:
                # here, one would read the files again)
                outputs.update({**dumps.outputs(take=not release), **more.outputs()})
                more.close(wait=False)  # every answer is in: the workers are stopped meanwhile
                dumps.close(wait=False)
        statistics = cast(tuple[Statistics, Statistics], outputs[_STATISTICS])
        catalogue.asserted_counts = statistics[0]  # kept with the store, which reread() brings up to date
        written: dict[str, Written] = {}
        for name in [*asserted, *exports, _INFERRED_DUMPS, *([_TABLES] if tables else [])]:
            if name != _FINGERPRINTS:
                written.update(cast(dict[str, Written], outputs[name]))
        files = {"validation.json": report.to_json().encode("utf-8")}
        if report.graph is not None:  # labelled by content: a report read back from the cache is the same bytes
            files["validation.ttl"] = catalogue.serialize(stable_blank_nodes(report.graph, "validation"), "ttl")
        step("describe")
        written.update(_write(staging.path, files, out))
        description = describe(catalogue, written, version=__version__, issued=release_date(catalogue.root),
                               base_iri=catalogue.settings["base_iri"], statistics=statistics,
                               examples=cast(list[URIRef], outputs[_EXAMPLES]))
        files = {"catalog.ttl": catalogue.serialize(description, "ttl"),
                 "catalog.jsonld": catalogue.serialize(description, "jsonld")}
        if site:
            step("site")
            from .export.site import render_site

            site_files = render_site(catalogue, available={*written, *files})
            files.update({f"site/{name}": data for name, data in site_files.items()})
        step("write")
        written.update(_write(staging.path, files, out))
        if key is not None:
            sizes = {name: facts.size for name, facts in written.items()}
            written.update(_write(staging.path, {STAMP_FILE: stamp(key, sizes)}, out))
    result.written = {name: facts.size for name, facts in written.items()}
    result.counts = catalogue.counts(statistics=statistics)
    return result


def _largest_first(tasks: Mapping[str, parallel.Task], out: Path) -> dict[str, parallel.Task]:
    """``tasks`` (the fingerprints first, then the dumps) in the order a build from pieces should
    start them: the dumps whose files in ``out`` (the last build's) are largest first, as writing
    is most of their cost."""

    def size(name: str) -> int:
        try:
            return (out / name).stat().st_size
        except OSError:
            return 0

    return dict(sorted(tasks.items(), key=lambda item: (item[0] != _FINGERPRINTS, -size(item[0]))))


def _export(format_name: str) -> parallel.Job:
    """The job making ``catalogue.EXT`` in one format (in chunks: written, not joined)."""
    return lambda catalogue: catalogue.export_chunks(format_name)


def _writing(staging: Staging, out: Path, name: str, job: parallel.Job) -> parallel.Task:
    """``job``, its file (named ``name``) or files written into the ``staging`` folder of the
    build of ``out`` by whichever process runs it; its answer is what each file holds."""

    def write(catalogue: Catalogue) -> dict[str, Written]:
        data = job(catalogue)
        return _write(staging.path, data if isinstance(data, dict) else {name: data}, out)

    return write


def _inferred_dumps(staging: Staging, out: Path, formats: Sequence[str]) -> parallel.Task:
    """One job giving ``inferred.*`` in each of ``formats`` in turn: the cache's file linked
    where it keeps one (the same file under a second name, no copy), else written (see
    :func:`_writing`)."""

    def write(catalogue: Catalogue) -> dict[str, Written]:
        written: dict[str, Written] = {}
        for format_name in formats:
            name = f"inferred{get_format(format_name).extension}"
            kept = catalogue.inferred_dump(format_name)
            if kept.path is not None and _linked(kept.path, staging.path / name):
                written[name] = kept.written
            else:
                written.update(_write(staging.path, {name: kept.read()}, out))
            del kept  # the bytes of a dump just made (0.7 GB at 100,000 tools), before the next
        return written

    return write


def _linked(source: Path, target: Path) -> bool:
    """Whether ``source`` could be linked as ``target`` and flushed to disk (not across file
    systems, say)."""
    try:
        os.link(source, target)
        handle = os.open(target, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
    except OSError:
        target.unlink(missing_ok=True)
        return False
    return True


def _writing_from_lines(staging: Staging, out: Path, formats: Sequence[Format]) -> parallel.Task:
    """One job writing ``catalogue.nt``, then each of ``formats`` made from its sorted lines (the
    bytes :meth:`Catalogue.export` gives, with the catalogue serialised once), each file written
    before the next is made (see :func:`_writing`)."""

    def write(catalogue: Catalogue) -> dict[str, Written]:
        lines = catalogue.export("nt")
        written = _write(staging.path, {"catalogue.nt": lines}, out)
        for fmt in formats:
            written.update(_write(staging.path, {f"catalogue{fmt.extension}": serialize_lines(lines, fmt, PREFIXES)},
                                  out))
        return written

    return write


def _write(folder: Path, files: Mapping[str, bytes | Chunks], out: Path) -> dict[str, Written]:
    """:func:`write_files` into the staging ``folder`` of the build of ``out``, a failure (a full
    disk) reported as the build's."""
    try:
        return write_files(folder, files)
    except OSError as exc:
        raise write_error(exc, out, "build") from exc


def release_date(root: Path) -> datetime.date:
    """The date a build states as its release date, never the clock's.

    ``SOURCE_DATE_EPOCH`` when set (the reproducible-builds convention), else the date of the
    last commit of a git checkout at ``root``, else the newest modification time of its sources.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date()
        except (ValueError, OverflowError, OSError):
            raise InputError(f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix time",
                             hint="set it to whole seconds since 1970, or unset it") from None
    try:
        stamp = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%cs"],
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
        if stamp:
            return datetime.date.fromisoformat(stamp)
    except (OSError, subprocess.SubprocessError, ValueError):
        pass
    newest = max((p.stat().st_mtime for folder in ("ontology", "data") for p in (root / folder).rglob("*.ttl")),
                 default=0.0)
    return datetime.datetime.fromtimestamp(newest, datetime.timezone.utc).date()


def write_atomically(out: Path, files: dict[str, bytes], *, what: str = "build") -> None:
    """Write ``files`` into a fresh folder and swap it in for ``out`` in one rename."""
    replace_folder(out, lambda staging: write_files(staging, files), what=what)
