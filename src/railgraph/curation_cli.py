"""The curation commands: ``railgraph new``, ``railgraph release`` and ``railgraph diff-release``.

:func:`register` adds them to the ``railgraph`` group (cli.py calls it once). Exit codes follow
docs/errors.md: 0 success (``diff-release``: no difference), 1 the catalogue does not conform
(``release``) or the releases differ (``diff-release``), 2 bad input or usage.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli import catalogue_options, open_catalogue, step, stderr
from .errors import UsageError

__all__ = ["register"]

KINDS = ("tool", "metric", "licence", "use-case", "model", "organisation")


@click.command()
@catalogue_options
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("slug")
def new(root: Path | None, data: tuple[Path, ...], kind: str, slug: str) -> None:
    """Write a Turtle skeleton of a new KIND entry to data/{folder}/SLUG.ttl."""
    from .curation.skeleton import check_slug, new_entry

    check_slug(kind, slug)  # before the catalogue loads: a bad slug is refused at once
    catalogue = open_catalogue(root, data)
    with step("writing the skeleton"):
        written = new_entry(catalogue, kind, slug)
    click.echo(f"wrote {written.path}")
    stderr.print(f"fill it in, then check it: railgraph validate {written.path}")


@click.command()
@catalogue_options
@click.argument("version")
@click.option("--releases", "releases_dir", type=click.Path(path_type=Path), default=None,
              help="Folder of releases (default: releases/ in the catalogue root).")
def release(root: Path | None, data: tuple[Path, ...], version: str, releases_dir: Path | None) -> None:
    """Build the catalogue and write releases/VERSION/ with its dump and changelog."""
    from .curation.release import parse_version, release as make_release
    from .resources import find_root

    parse_version(version)
    folder = releases_dir or find_root(root) / "releases"
    if (folder / version).exists():  # refused before the catalogue loads; release() checks again
        raise UsageError(f"{folder / version} already exists: release {version} was made before",
                         hint="a release is never rewritten; choose the next version")
    catalogue = open_catalogue(root, data)
    with step(f"releasing {version}"):
        result = make_release(catalogue, version, folder)
    if result.folder is None or result.changelog is None:
        click.echo(result.report.to_text(), err=True)
        stderr.print(f"release {version} not made: the catalogue does not conform")
        sys.exit(1)
    log = result.changelog
    click.echo(f"released {version} into {result.folder}/")
    if log.previous is None:
        click.echo("  first release")
    else:
        click.echo(f"  since {log.previous}: {len(log.entries)} entry change(s), "
                   f"{len(log.clauses)} licence clause change(s), {len(log.concepts)} concept change(s)")


@click.command(name="diff-release")
@click.argument("release_a")
@click.argument("release_b")
@click.option("--releases", "releases_dir", type=click.Path(path_type=Path), default=None,
              help="Folder the versions are looked up in (default: releases/ in the catalogue root).")
@click.option("--root", type=click.Path(path_type=Path), default=None,
              help="Catalogue root whose releases/ folder holds the versions.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def diff_release(release_a: str, release_b: str, releases_dir: Path | None, root: Path | None, fmt: str) -> None:
    """What changed from RELEASE_A to RELEASE_B (versions or release folders). Exit 1 if they differ."""
    from .curation.changelog import compare
    from .curation.release import find_release, read_dump
    from .resources import find_root
    from .settings import Settings

    settings = Settings.resolve({"root": root})
    folder = releases_dir or find_root(settings["root"]) / "releases"
    paths = [find_release(folder, name) for name in (release_a, release_b)]
    with step("reading the releases"):
        old, new = (read_dump(path, settings["max_file_bytes"]) for path in paths)
    log = compare(old, new, version=paths[1].name, previous=paths[0].name)
    click.echo(log.to_json() if fmt == "json" else log.to_text(), nl=fmt != "json")
    sys.exit(0 if log.empty else 1)


def register(group: click.Group) -> None:
    """Add ``new``, ``release`` and ``diff-release`` to ``group`` (once)."""
    for command in (new, release, diff_release):
        if command.name not in group.commands:
            group.add_command(command)
