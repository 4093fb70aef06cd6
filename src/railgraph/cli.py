"""The ``railgraph`` command: a thin shell over :class:`railgraph.Catalogue`.

Results go to stdout, diagnostics to stderr. Exit codes: 0 success, 1 the data does not conform,
2 bad input or usage, 3 a remote service failed (see docs/errors.md).
"""

from __future__ import annotations

import gc
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from ._version import __version__
from .errors import RailgraphError, UsageError
from .settings import SETTINGS, Settings

F = TypeVar("F", bound=Callable[..., Any])

stderr = Console(stderr=True, highlight=False, soft_wrap=True)

SELECT_FORMATS = ("table", "csv", "tsv", "json", "xml")
GRAPH_FORMATS = ("ttl", "nt", "jsonld")
EXPORT_FORMATS = ("ttl", "nt", "jsonld", "rdfxml", "nq", "trig", "jsonld-framed", "csv")


def catalogue_options(command: F) -> F:
    """--root, --data and --store, shared by every command that loads the catalogue."""
    command = click.option("--store", type=click.Path(path_type=Path), default=None, expose_value=False,
                           callback=_remember_store,
                           help="Keep the query store on disk in this folder; reopened as long as "
                                "the sources are unchanged.")(command)
    command = click.option("--data", "data", multiple=True, type=click.Path(path_type=Path),
                           help="Extra data folder loaded beside the root's data/ (repeatable).")(command)
    command = click.option("--root", type=click.Path(path_type=Path), default=None,
                           help="Catalogue root (default: current folder, else the shipped copy).")(command)
    return command


@contextmanager
def step(label: str) -> Iterator[None]:
    """Show a spinner while a step runs and report its time when it took over a second."""
    started = time.perf_counter()
    if stderr.is_terminal:
        with stderr.status(f"{label}…"):
            yield
    else:
        yield
    elapsed = time.perf_counter() - started
    if elapsed >= 1.0:
        stderr.print(f"[dim]{label}: {elapsed:.1f} s[/dim]")


def _remember_store(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    ctx.meta["railgraph.store"] = value


#: The catalogues commands loaded, while :func:`run` ends the process at once after the command:
#: kept here, they are not freed object by object when the command returns (10 s at 100,000 tools),
#: and what is alive once one is loaded is frozen out of the garbage collector's reach, which
#: would walk it in every full collection.
_LEFT_TO_EXIT: list[Any] | None = None


def open_catalogue(root: Path | None, data: tuple[Path, ...], *, infers: bool = False,
                   kept: bool = True) -> Any:
    """The catalogue, loaded; for a command that ``infers`` next, with its last closure read
    meanwhile (see :class:`railgraph.inference.Prefetch`). Unless ``kept`` is false (a command
    that may load it again, and let go of this one), it is kept until the process ends."""
    from .catalogue import Catalogue

    store = click.get_current_context().meta.get("railgraph.store")
    settings = Settings.resolve({"root": root, "store": str(store) if store else None})
    with step("loading the catalogue"):
        catalogue = Catalogue.load(root=root, data=data, settings=settings, prefetch=infers)
    if _LEFT_TO_EXIT is not None:
        if kept:
            _LEFT_TO_EXIT.append(catalogue)
        gc.freeze()  # it lives until the process ends: later collections need not walk it again
    return catalogue


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="railgraph")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """railgraph: the linked-data catalogue of trustworthy-AI tools and responsible AI licences."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


@cli.command()
@catalogue_options
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Output folder (default: dist). Replaced atomically.")
@click.option("--formats", default=",".join(EXPORT_FORMATS), show_default=True,
              help="Comma-separated export formats: ttl, nt, jsonld, rdfxml, nq, trig, "
                   "jsonld-framed, csv (the tables, in csv/). The DCAT description and the "
                   "inferred triples are always written.")
@click.option("--no-site", is_flag=True, help="Skip the static HTML site (dist/site/).")
@click.option("--force", is_flag=True, help="Build even when the output folder is up to date.")
@click.option("--watch", is_flag=True,
              help="Then keep the catalogue loaded and build again whenever a source or shape "
                   "changes, reading only what changed (Ctrl-C stops).")
@click.option("--interval", type=click.FloatRange(min=0.05), default=1.0, show_default=True,
              help="With --watch: seconds between two looks at the files.")
def build(root: Path | None, data: tuple[Path, ...], out: Path | None, formats: str,
          no_site: bool, force: bool, watch: bool, interval: float) -> None:
    """Load, infer, validate and export the catalogue into dist/ (unless it is up to date)."""
    from .build import build as run_build, check_formats, prepare_to_rebuild, release_date
    from .build_stamp import build_key, up_to_date
    from .resources import find_root

    started = time.perf_counter()
    settings = Settings.resolve({"root": root})
    out_dir = out or Path(settings["out"])
    names = tuple(f.strip() for f in formats.split(",") if f.strip())
    check_formats(names)  # before the catalogue is read
    source_root = find_root(settings["root"])

    def key_now() -> str:
        return build_key(source_root, data, formats=names, site=not no_site, base_iri=settings["base_iri"],
                         release=release_date(source_root).isoformat())

    def build_once(catalogue: Any, key: str, since: float) -> Any:
        """Build ``catalogue``, stamped ``key`` (taken before its files were read: a file changed
        meanwhile makes the next build run again, rather than be taken as built)."""
        with step("building"):
            return run_build(catalogue, out_dir, names, site=not no_site, key=key, step=lambda phase: stderr.print(
                f"[dim]  {time.perf_counter() - since:5.1f} s  {phase}[/dim]"),
                keep=_LEFT_TO_EXIT.append if _LEFT_TO_EXIT is not None and not watch else None, reuse=watch,
                release=not watch)

    if watch:
        _build_and_watch(lambda: open_catalogue(root, data, infers=True, kept=False), build_once, key_now,
                         lambda catalogue: prepare_to_rebuild(catalogue, names), out_dir, force=force,
                         interval=interval)
        return
    key = key_now()
    if not force and up_to_date(out_dir, key):
        click.echo(f"{out_dir}/ is up to date: nothing it is built from has changed "
                   f"({time.perf_counter() - started:.1f} s; --force builds anyway)")
        return
    result = build_once(open_catalogue(root, data, infers=True), key, started)
    if not _built(result, out_dir, started):
        sys.exit(1)


def _built(result: Any, out_dir: Path, started: float, *, brief: bool = False) -> bool:
    """Report a build: its summary where the catalogue conformed (``brief``: one line), else the
    validation report."""
    report = result.report
    if not result.ok:
        click.echo(report.to_text(), err=True)
        stderr.print(f"build failed: the catalogue does not conform; {out_dir} was left as it was")
        return False
    counts = result.counts
    entries = ", ".join(f"{n} {k}" for k, n in counts["entries"].items())
    click.echo(f"built {out_dir}/ in {time.perf_counter() - started:.1f} s")
    if brief:
        click.echo(f"  validation: conforms, {len(report.warnings)} warning(s)")
        return True
    click.echo(f"  entries: {entries}")
    click.echo(f"  triples: {counts['triples']['asserted']:,} asserted, "
               f"{counts['triples']['inferred']:,} inferred")
    click.echo(f"  validation: conforms, {len(report.warnings)} warning(s)")
    pages = {name: size for name, size in result.written.items() if name.startswith("site/")}
    for name, size in sorted(result.written.items()):
        if name not in pages and not name.startswith("."):
            click.echo(f"  {name}: {size:,} bytes")
    if pages:
        click.echo(f"  site/: {len(pages):,} files, {sum(pages.values()):,} bytes")
    return True


def _build_and_watch(load: Callable[[], Any], build_once: Callable[[Any, str, float], Any],
                     key_now: Callable[[], str], prepare: Callable[[Any], None], out_dir: Path, *,
                     force: bool, interval: float) -> None:
    """``build --watch``: build (unless ``out_dir`` is up to date and not ``force``), then build
    again after each change to the files a build reads, until interrupted (see
    :mod:`railgraph.watching`). ``prepare`` readies the catalogue for the next build, after each
    one that conformed, and where none was needed. ``key_now`` gives the build stamp's key of the
    files as they are."""
    from .build_stamp import up_to_date
    from rich.markup import escape  # messages quote input, which may look like markup

    from .watching import Rebuilder, watch

    def say(message: str) -> None:
        stderr.print(escape(message), highlight=False)

    key = key_now()  # of the files as they are before they are read (again): see build_once

    def build_now(catalogue: Any, *, brief: bool = True) -> None:
        since = time.perf_counter()
        try:
            result = build_once(catalogue, key, since)
        except RailgraphError as exc:  # an output folder that cannot be written, say: tried again next time
            say(f"not built: {exc}")
            return
        if _built(result, out_dir, since, brief=brief):
            prepare(catalogue)  # for the next build, once this one is reported

    started = time.perf_counter()
    rebuilder = Rebuilder(load, build_now, say)
    if not force and up_to_date(out_dir, key):  # nothing to write: readied for the builds to come
        prepare(rebuilder.catalogue)
        click.echo(f"{out_dir}/ is up to date ({time.perf_counter() - started:.1f} s)")
    else:
        build_now(rebuilder.catalogue, brief=False)

    def changed(paths: list[Path]) -> None:
        nonlocal key
        more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
        say(f"changed: {', '.join(_shown(path) for path in paths[:3])}{more}")
        key = key_now()
        rebuilder(paths)

    folders = rebuilder.folders()
    say(f"watching {', '.join(_shown(folder) for folder in folders)} (Ctrl-C stops)")
    try:
        watch(folders, changed, interval=interval, since=rebuilder.loaded)
    except KeyboardInterrupt:
        say("stopped watching")


def _shown(path: Path) -> str:
    """``path`` relative to the working folder where it lies within it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


@cli.command()
@catalogue_options
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "ttl"]), default="text",
              show_default=True, help="Report format.")
def validate(root: Path | None, data: tuple[Path, ...], paths: tuple[Path, ...], fmt: str) -> None:
    """SHACL-validate the catalogue; with PATHs, check those files within it."""
    catalogue = open_catalogue(root, data, infers=True)
    with step("validating"):
        report = catalogue.validate(paths)
    if fmt == "json":
        click.echo(report.to_json())
    elif fmt == "ttl":
        click.echo(report.graph.serialize(format="turtle") if report.graph is not None else "")
    else:
        click.echo(report.to_text())
        if paths and report.results:
            from .curation.explain import explain, render

            click.echo(render(explain(report, catalogue)))
    sys.exit(0 if report.conforms else 1)


@cli.command()
@catalogue_options
@click.argument("name")
@click.option("--param", "params", multiple=True, metavar="K=V", help="Query parameter (repeatable).")
@click.option("--format", "fmt", type=click.Choice(SELECT_FORMATS + GRAPH_FORMATS), default=None,
              help="Output format (default: table for SELECT/ASK, ttl for CONSTRUCT/DESCRIBE).")
@click.option("--endpoint", default=None, metavar="URL",
              help="Run the query on this remote SPARQL endpoint instead of the local catalogue "
                   "(slugs given as IRI parameters are still resolved locally).")
def query(root: Path | None, data: tuple[Path, ...], name: str, params: tuple[str, ...],
          fmt: str | None, endpoint: str | None) -> None:
    """Run a named query, a .rq FILE, or SPARQL read from stdin (-)."""
    from .output import write_result
    from .queries import parse_query_file

    values = _parse_params(params)
    if endpoint is not None:
        result = _remote_query(endpoint, name, values, root, data)
    else:
        catalogue = open_catalogue(root, data)
        with step("querying"):
            if name == "-":
                result = catalogue.query(sys.stdin.read(), **values)
            elif name.endswith(".rq") or Path(name).is_file():
                result = catalogue.run_named(parse_query_file(Path(name)), values)
            else:
                result = catalogue.query(name, **values)
    rows = write_result(result, fmt, sys.stdout)
    if rows is not None:
        stderr.print(f"[dim]{rows} row(s)[/dim]")


def _remote_query(endpoint: str, name: str, values: dict[str, str], root: Path | None,
                  data: tuple[Path, ...]) -> Any:
    """Run ``name`` (a named query, a .rq file, SPARQL text or - for stdin) on a remote endpoint."""
    from . import remote
    from .catalogue import looks_like_sparql
    from .queries import QueryLibrary, parse_query_file
    from .resources import find_root

    endpoints = remote.Endpoints.derive(endpoint)
    if name == "-" or looks_like_sparql(name):
        if values:
            raise UsageError("parameters can only be given to named queries")
        text = sys.stdin.read() if name == "-" else name
    else:
        named = parse_query_file(Path(name)) if name.endswith(".rq") or Path(name).is_file() else \
            QueryLibrary(find_root(root) / "queries").get(name)
        catalogues: list[Any] = []

        def resolve(identifier: str) -> Any:  # the local catalogue is loaded only for slugs
            if not catalogues:
                catalogues.append(open_catalogue(root, data))
            return catalogues[0].resolve_any(identifier)

        text = remote.named_query_text(named, values, resolve)
    with step(f"querying {endpoints.query}"):
        return remote.query(endpoints, text, timeout=Settings.resolve()["remote_timeout"])


def _parse_params(params: tuple[str, ...], option: str = "--param") -> dict[str, str]:
    values: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"{option} {item!r} is not KEY=VALUE")
        values[key.strip()] = value
    return values


@cli.command()
@catalogue_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def queries(root: Path | None, data: tuple[Path, ...], fmt: str) -> None:
    """List the named queries with their parameters."""
    from .queries import QueryLibrary
    from .resources import find_root

    library = QueryLibrary(find_root(root) / "queries")
    if fmt == "json":
        click.echo(json.dumps([{
            "name": q.name, "title": q.title, "description": q.description, "form": q.form,
            "parameters": [{"name": p.name, "type": p.type, "required": p.required,
                            "default": p.default, "allowed": list(p.allowed)} for p in q.parameters],
        } for q in library], indent=2))
        return
    for named in library:
        click.echo(f"{named.name}  —  {named.title}")
        if named.description:
            click.echo(f"    {named.description}")
        for parameter in named.parameters:
            click.echo(f"    --param {parameter.describe()}")


@cli.command()
@catalogue_options
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), required=True,
              help="Export format; nq and trig keep the named graphs (sources and inferred); "
                   "jsonld-framed has one object per tool or metric; csv is a folder of tables.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="File to write (default: stdout), or for csv the folder. Written atomically.")
@click.option("--inferred", is_flag=True, help="Export the inferred triples instead of the asserted ones.")
def export(root: Path | None, data: tuple[Path, ...], fmt: str, out: Path | None, inferred: bool) -> None:
    """Export the catalogue in one format."""
    from .build import write_atomically, write_file_atomically

    if fmt == "csv":
        if out is None:
            raise UsageError("csv is a folder of tables: name it with --out DIR")
        if inferred:
            raise UsageError("the csv tables hold the asserted values; drop --inferred")
        catalogue = open_catalogue(root, data)
        with step("exporting csv"):
            tables = catalogue.tables()
        write_atomically(out, tables, what="csv export")
        stderr.print(f"wrote {out}/ ({len(tables)} files, {sum(map(len, tables.values())):,} bytes)")
        return
    catalogue = open_catalogue(root, data)
    with step(f"exporting {fmt}"):
        payload = catalogue.export(fmt, inferred=inferred)
    if out is None:
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
        return
    write_file_atomically(out, payload)
    stderr.print(f"wrote {out} ({len(payload):,} bytes)")


@cli.command()
@catalogue_options
@click.argument("text")
@click.option("--facet", "facet_values", multiple=True, metavar="K=V",
              help="Filter, e.g. lifecycle-stage=deploy (repeatable; values of one facet are OR-ed).")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def search(root: Path | None, data: tuple[Path, ...], text: str, facet_values: tuple[str, ...],
           limit: int, fmt: str) -> None:
    """Tools and metrics ranked by relevance to TEXT (title 3, tag 2, description 1 per word)."""
    from dataclasses import asdict

    filters: dict[str, list[str]] = {}
    for key, value in _parse_params(facet_values, option="--facet").items():
        filters.setdefault(key, []).extend(v for v in value.split(",") if v)
    catalogue = open_catalogue(root, data)
    hits = catalogue.search(text, filters, limit)
    if fmt == "json":
        click.echo(json.dumps([asdict(h) for h in hits], indent=2))
        return
    for hit in hits:
        click.echo(f"{hit.score:>4}  {hit.title}  <{hit.entry}>  ({hit.kind}: {'; '.join(hit.matched)})")
    stderr.print(f"[dim]{len(hits)} result(s)[/dim]")


@cli.command(name="check-use")
@catalogue_options
@click.option("--licence", default=None, help="Licence id: IRI, slug, ScanCode key, SPDX or HF id.")
@click.option("--model", default=None, help="Model id: IRI, slug or Hugging Face id.")
@click.option("--purpose", required=True, help="Restricted-use concept: IRI, slug or notation.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def check_use(root: Path | None, data: tuple[Path, ...], licence: str | None, model: str | None,
              purpose: str, fmt: str) -> None:
    """May a model or licence be used for PURPOSE? Exit 1 when forbidden or conditional."""
    catalogue = open_catalogue(root, data)
    result = catalogue.check_use(purpose, licence=licence, model=model)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        click.echo(f"{result.verdict}: {result.purpose_label} ({result.purpose})")
        for finding in result.findings:
            qualifiers = "".join([f"; scope: {', '.join(finding.scopes)}" if finding.scopes else "",
                                  f"; unless: {', '.join(finding.unless)}" if finding.unless else ""])
            click.echo(f"  {finding.verdict}: {finding.licence_title}, {finding.section} "
                       f"clause {finding.clause_id}: {finding.label}{qualifiers}")
            click.echo(f"    <{finding.clause}>" + (f"  text: {finding.text_location}"
                                                    if finding.text_location else ""))
        click.echo("licences considered:")
        for considered in result.considered:
            click.echo(f"  {considered.title} <{considered.licence}>: {considered.reason}")
        if not result.considered:
            click.echo("  none: the model names no licence in the catalogue")
    sys.exit(0 if result.verdict == "unrestricted" else 1)


@cli.command()
@catalogue_options
@click.argument("licence_a")
@click.argument("licence_b")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def diff(root: Path | None, data: tuple[Path, ...], licence_a: str, licence_b: str, fmt: str) -> None:
    """What LICENCE_B added, dropped, narrowed or relaxed relative to LICENCE_A. Exit 1 if they differ."""
    from dataclasses import asdict

    catalogue = open_catalogue(root, data)
    differences = catalogue.diff(licence_a, licence_b)
    if fmt == "json":
        click.echo(json.dumps([asdict(d) for d in differences], indent=2))
    else:
        for d in differences:
            clauses = " -> ".join(c or "-" for c in (d.clause_a, d.clause_b))
            qualifier = f" ({d.qualifier})" if d.qualifier else ""
            click.echo(f"{d.change:<9} {d.kind:<11} {d.label}{qualifier}  [{clauses}]")
        click.echo(f"{len(differences)} difference(s)", err=True)
    sys.exit(1 if differences else 0)


@cli.command(name="import")
@catalogue_options
@click.argument("kind", type=click.Choice(["register", "csv", "json", "model-cards", "railgraph"]))
@click.argument("source", required=False, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Report format (csv, json, model-cards, railgraph).")
def import_(root: Path | None, data: tuple[Path, ...], kind: str, source: Path | None, fmt: str) -> None:
    """Import into data/: `register` (ScanCode LicenseDB and SPDX License List, no SOURCE), or
    `csv`/`json` (the interchange format), `model-cards` (a folder of Hugging Face README.md) and
    `railgraph` (a railgraph export) from SOURCE. Exit 1 when some rows were rejected (the valid
    ones are imported), 2 when SOURCE cannot be read."""
    if kind == "register":
        if source is not None:
            raise UsageError("`railgraph import register` takes no SOURCE",
                             hint="it reads the pinned files under data/register/sources/")
        from .register import import_register

        catalogue = open_catalogue(root, data)
        with step("importing the licence register"):
            result = import_register(catalogue.root, catalogue.curated())
        for relative, triples in sorted(result.written.items()):
            click.echo(f"wrote {relative}: {triples:,} triples")
        return
    if source is None:
        raise UsageError(f"`railgraph import {kind}` needs a SOURCE",
                         hint="name the file (for model-cards: the folder) to import")
    from . import imports

    parsed = imports.read(kind, source, Settings.resolve({"root": root}))  # before the catalogue loads
    catalogue = open_catalogue(root, data)
    with step(f"importing {source}"):
        report = imports.run(parsed, catalogue)
    click.echo(report.to_json() if fmt == "json" else report.to_text())
    sys.exit(report.exit_code)


@cli.command()
@catalogue_options
@click.option("--endpoint", required=True, metavar="URL",
              help="SPARQL query URL of the store, e.g. http://127.0.0.1:7878/query (Oxigraph server) "
                   "or http://127.0.0.1:3030/railgraph (a Fuseki dataset).")
@click.option("--graph", default=None, metavar="IRI",
              help="Put asserted and inferred triples together into this one graph (default: one "
                   "named graph per source file plus the inferred graph).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="S",
              help="Seconds to wait for the store at each step (default: the remote_timeout setting, 30).")
@click.option("--update-endpoint", default=None, metavar="URL",
              help="SPARQL Update URL (default: derived from --endpoint, see docs/remote.md).")
@click.option("--store-endpoint", default=None, metavar="URL",
              help="Graph Store Protocol URL (default: derived from --endpoint, see docs/remote.md).")
def push(root: Path | None, data: tuple[Path, ...], endpoint: str, graph: str | None,
         timeout: float | None, update_endpoint: str | None, store_endpoint: str | None) -> None:
    """Replace the catalogue's graphs in a triple store, all or nothing. Exit 3 if the store fails."""
    from . import remote

    endpoints = remote.Endpoints.derive(endpoint, update=update_endpoint, store=store_endpoint)
    timeout = timeout or Settings.resolve()["remote_timeout"]
    remote.check(endpoints, graph=graph, timeout=timeout)  # before the catalogue is loaded
    catalogue = open_catalogue(root, data)
    with step(f"pushing to {endpoints.store}"):
        report = remote.push(catalogue, endpoints, graph=graph, timeout=timeout)
    click.echo(f"pushed {report.triples:,} triples in {len(report.graphs)} graph(s) to {report.store}")
    if report.dropped:
        click.echo(f"  dropped {len(report.dropped)} graph(s) the catalogue no longer has")


@cli.command()
@catalogue_options
@click.option("--host", default=None, help="Address to bind (default: the host setting, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port to listen on (default: the port setting, 8000).")
@click.option("--dist", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder of a build whose dumps are served under /dist/ (default: the out setting, "
                   "dist, when it exists).")
def serve(root: Path | None, data: tuple[Path, ...], host: str | None, port: int | None,
          dist: Path | None) -> None:
    """Serve the catalogue: SPARQL endpoint, linked data and web UI (read-only)."""
    try:
        from .server.app import serve as run_server
    except ImportError as exc:  # the serve extra is not installed
        raise UsageError(f"serving needs the optional web stack ({exc.name} is missing)",
                         hint="pip install 'railgraph[serve]'") from exc
    settings = Settings.resolve({"host": host, "port": port})
    if dist is None and Path(settings["out"]).is_dir():
        dist = Path(settings["out"])
    elif dist is not None and not dist.is_dir():
        raise UsageError(f"{dist}: no such folder", hint="run `railgraph build` first, or leave out --dist")
    catalogue = open_catalogue(root, data)
    with step("checking the catalogue"):
        _ = catalogue.inferred
    stderr.print(f"serving on http://{settings['host']}:{settings['port']}/ (Ctrl-C stops)")
    run_server(catalogue, host=settings["host"], port=settings["port"], dist=dist)


@cli.command()
@catalogue_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def info(root: Path | None, data: tuple[Path, ...], fmt: str) -> None:
    """Counts per class and concept scheme, the version and the settings."""
    catalogue = open_catalogue(root, data)
    counts = catalogue.counts()
    settings = {s.name: catalogue.settings[s.name] for s in SETTINGS}
    settings["root"] = str(catalogue.root)
    if fmt == "json":
        click.echo(json.dumps({"version": __version__, **counts, "settings": settings}, indent=2,
                              default=str))
        return
    click.echo(f"railgraph {__version__}")
    click.echo(f"catalogue root: {catalogue.root}")
    click.echo("entries:")
    for kind, number in counts["entries"].items():
        click.echo(f"  {kind:<24} {number:>7,}")
    click.echo("concept schemes (concepts):")
    for scheme, number in counts["concept_schemes"].items():
        click.echo(f"  {scheme:<24} {number:>7,}")
    click.echo(f"triples: {counts['triples']['asserted']:,} asserted, "
               f"{counts['triples']['inferred']:,} inferred, in {counts['sources']} source files")
    click.echo(f"shapes: {counts['shapes']}   named queries: {counts['named_queries']}")
    click.echo("settings:")
    for setting in SETTINGS:
        click.echo(f"  {setting.name:<18} = {settings[setting.name]!s:<40} ({setting.env})")


# The curation commands live in their own module, which imports the helpers above.
from .curation_cli import register as _register_curation  # noqa: E402

_register_curation(cli)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and turn railgraph errors into their exit codes."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="railgraph", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, click.UsageError) else exc.exit_code)
    except click.exceptions.Abort:
        stderr.print("aborted")
        sys.exit(130)
    except RailgraphError as exc:
        if debug:
            raise
        from rich.markup import escape  # a message quotes input, which may look like markup

        stderr.print(f"[bold red]error:[/bold red] {escape(str(exc))}", markup=True, highlight=False)
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(0)


def run() -> None:
    """The ``railgraph`` command: :func:`main`, then, when it succeeded, leave at once.

    Freeing a loaded catalogue object by object takes over a second at 10,000 tools and 10 s at
    100,000; nothing is left to do by then (output is flushed, files are written and closed,
    forked workers have ended), so the process exits without that teardown, and the command's
    catalogue is kept (see :func:`open_catalogue`) so it is not freed when the command returns
    either. An error exits as :func:`main` does.
    """
    import logging
    import multiprocessing
    import os

    from .atomic import finish_removals
    from .export.parallel import finish_closing

    global _LEFT_TO_EXIT
    _LEFT_TO_EXIT = []
    main()
    finish_closing()  # forked workers being stopped
    if multiprocessing.active_children():
        return
    finish_removals()  # an output folder replaced: the earlier one is being removed
    logging.shutdown()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        pass
    os._exit(0)
