"""``railgraph build``: writes dist/ atomically and never damages an earlier build."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

import railgraph.build as building
from railgraph.atomic import MARKER
from railgraph.build import BuildResult, build, release_date, write_atomically
from railgraph.catalogue import Catalogue
from railgraph.errors import InputError
from railgraph.export import get_format
from railgraph.export.catalog import SPDX
from railgraph.namespaces import BASE, DCAT, INFERRED_GRAPH
from railgraph.settings import Settings

from .conftest import ROOT, TESTS
from .graphs import parse_with_oxigraph, same_graph


@pytest.fixture(scope="module")
def finished(catalogue, tmp_path_factory) -> BuildResult:
    result = build(catalogue, tmp_path_factory.mktemp("build") / "dist")
    assert result.ok, result.report.to_text()
    return result


@pytest.fixture(scope="module")
def built(finished: BuildResult) -> Path:
    return finished.out


def test_the_result_tells_what_was_written_and_what_the_catalogue_holds(finished: BuildResult, catalogue) -> None:
    on_disk = {p.relative_to(finished.out).as_posix(): p.stat().st_size for p in finished.out.rglob("*")
               if p.is_file() and p.name != MARKER}
    assert finished.written == on_disk
    assert finished.counts == catalogue.counts()  # the triples taken from the build's VoID counts


def test_build_writes_every_format_the_tables_the_description_and_the_site(built: Path) -> None:
    names = {p.name for p in built.iterdir()}
    assert names == {"catalogue.ttl", "catalogue.nt", "catalogue.jsonld", "catalogue.rdf",
                     "catalogue.nq", "catalogue.trig", "catalogue-framed.jsonld", "inferred.ttl",
                     "inferred.nt", "csv", "catalog.ttl", "catalog.jsonld", "validation.json",
                     "validation.ttl", "site", MARKER}
    report = json.loads((built / "validation.json").read_text(encoding="utf-8"))
    assert report["conforms"] is True and report["violations"] == 0
    assert (built / "site" / "index.html").is_file()
    assert (built / "site" / "id" / "licence" / "bigcode-openrail-m-license-agreement.html").is_file()


@pytest.mark.parametrize("name", ["catalogue.ttl", "catalogue.nt", "catalogue.jsonld", "catalogue.rdf"])
def test_every_rdf_dump_in_dist_is_the_asserted_graph(built: Path, catalogue, name: str) -> None:
    fmt = {".ttl": "ttl", ".nt": "nt", ".jsonld": "jsonld", ".rdf": "rdfxml"}[Path(name).suffix]
    assert same_graph(parse_with_oxigraph((built / name).read_bytes(), fmt)[None], catalogue.asserted)


def test_the_description_lists_every_file_but_itself_and_the_site(built: Path) -> None:
    description = Graph().parse(built / "catalog.ttl")
    assert same_graph(description, Graph().parse(built / "catalog.jsonld"))
    described = {str(url).removeprefix(BASE + "dist/") for url in description.objects(None, DCAT.downloadURL)}
    on_disk = {p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file()}
    assert described == {n for n in on_disk if not n.startswith(("site/", "catalog.", MARKER))}
    for name in described:
        distribution = description.value(predicate=DCAT.downloadURL, object=URIRef(BASE + "dist/" + name))
        checksum = description.value(description.value(distribution, SPDX.checksum), SPDX.checksumValue)
        assert str(checksum) == hashlib.sha256((built / name).read_bytes()).hexdigest(), name


def test_release_date_comes_from_source_date_epoch_or_git_never_the_clock(monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert release_date(ROOT) == datetime.date(2023, 11, 14)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(InputError, match="SOURCE_DATE_EPOCH"):
        release_date(ROOT)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert release_date(ROOT) <= datetime.date.today()


def test_build_leaves_no_staging_folders_behind(built: Path) -> None:
    assert [p.name for p in built.parent.iterdir()] == ["dist"]


def test_a_non_conforming_catalogue_leaves_the_earlier_dist_untouched(fresh_catalogue, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    write_atomically(out, {"catalogue.ttl": b"earlier build"})
    invalid = sorted((TESTS / "data" / "invalid").glob("*.ttl"))[0]
    fresh_catalogue.add_file(invalid)
    result = build(fresh_catalogue, out)
    assert not result.ok
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "catalogue.ttl"]
    assert (out / "catalogue.ttl").read_text(encoding="utf-8") == "earlier build"
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]  # no folder of the failed build is left


def test_a_write_that_fails_midway_restores_the_earlier_folder(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "dist"
    write_atomically(out, {"keep.txt": b"earlier"})
    original_rename = Path.rename

    def failing_rename(self: Path, target):  # the swap-in fails after the old folder moved away
        if self.name.startswith(".dist.new-"):
            raise OSError("disk full")
        return original_rename(self, target)

    monkeypatch.setattr(Path, "rename", failing_rename)
    with pytest.raises(InputError, match="disk full"):
        write_atomically(out, {"catalogue.ttl": b"new"})
    monkeypatch.undo()
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_a_folder_railgraph_did_not_write_is_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter-1.tex").write_text("years of work", encoding="utf-8")
    with pytest.raises(InputError, match="not written by railgraph"):
        write_atomically(out, {"catalogue.ttl": b"new"})
    assert [p.name for p in out.iterdir()] == ["chapter-1.tex"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]


def test_a_written_folder_is_readable_by_others_and_replaceable(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    write_atomically(out, {"a.ttl": b"first"})
    assert out.stat().st_mode & 0o055 == 0o055 & ~_umask(), "mkdtemp's private mode must not stay"
    write_atomically(out, {"b.ttl": b"second"})
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "b.ttl"]


def _umask() -> int:
    import os

    current = os.umask(0)
    os.umask(current)
    return current


def test_a_build_from_the_caches_writes_the_bytes_of_a_cold_one(tmp_path: Path) -> None:
    """The inferred graph and the validation report read back from the cache give the same files
    (the validation report used to keep the labels and prefixes of its run)."""
    from railgraph.catalogue import Catalogue
    from railgraph.settings import Settings

    settings = Settings.resolve({"cache_dir": str(tmp_path / "cache")})

    def files(out: Path) -> dict[str, bytes]:
        build(Catalogue.load(ROOT, settings=settings), out, ("nt",), site=False)
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    cold = files(tmp_path / "cold")
    assert any((tmp_path / "cache").glob("inferred-*.nt")), "the second build reads the cache"
    assert files(tmp_path / "cached") == cold
    assert b"ValidationResult" in cold["validation.ttl"]


def test_the_exports_fork_one_process_each_beside_inference_and_validation_where_two_would_not_fit(
        tmp_path: Path, monkeypatch) -> None:
    """Where memory holds one more copy of the build and not two, the exports still run in a
    forked process while the build infers and validates; the early one ends, its answers kept,
    before the later one is forked."""
    from railgraph.catalogue import Catalogue
    from railgraph.export import parallel
    from railgraph.settings import Settings

    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    # before inference: 1 copy + growth 2.5 <= 80 % < 2 copies + growth; then the store grew
    readings = iter([(2**30, 5 * 2**30), (5 * 2**29, 5 * 2**30)])
    monkeypatch.setattr(parallel, "_memory", lambda: next(readings))
    pools: list[parallel.Pending] = []
    ended_before: list[list[bool]] = []  # for each pool, whether each earlier one had ended
    pending = parallel.Pending.__init__

    def recorded(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        ended_before.append([pool._closed for pool in pools])
        pending(self, *args, **kwargs)
        pools.append(self)

    def finished(self) -> bool:  # as if inference took longer than the early exports
        for result in self._pending.values():
            result.wait()
        return True

    monkeypatch.setattr(parallel.Pending, "__init__", recorded)
    monkeypatch.setattr(parallel.Pending, "finished", finished)
    catalogue = Catalogue.load(ROOT, settings=Settings.resolve({"cache_dir": str(tmp_path / "cache")}))
    result = build(catalogue, tmp_path / "out", ("nt",), site=False)
    assert result.ok
    early, later = pools
    assert [len(pool._pool._pool) for pool in (early, later)] == [1, 1]
    assert ended_before == [[], [True]], "the early exports' process ended before the later one was forked"
    assert (tmp_path / "out" / "catalogue.nt").read_bytes() == catalogue.export("nt")


def test_the_closure_is_cached_by_a_build_that_conforms_and_by_one_that_does_not(tmp_path: Path,
                                                                                 monkeypatch) -> None:
    """The build writes the inferred graph to the cache beside the exports, not on its longest
    chain; a build that fails validation stops the exports, and writes it itself."""
    from railgraph.catalogue import Catalogue
    from railgraph.export import parallel
    from railgraph.settings import Settings

    monkeypatch.setattr(parallel, "_forked_workers", lambda *args, **kwargs: 0)  # the jobs wait for validation

    for conforming in (True, False):
        cache = tmp_path / f"cache-{conforming}"
        catalogue = Catalogue.load(ROOT, settings=Settings.resolve({"cache_dir": str(cache)}))
        if not conforming:
            catalogue.add_file(sorted((TESTS / "data" / "invalid").glob("*.ttl"))[0])
        result = build(catalogue, tmp_path / f"out-{conforming}", ("nt",), site=False)
        assert result.ok is conforming
        (closure,) = cache.glob("inferred-*.nt")
        assert closure.name.startswith(f"inferred-{catalogue.inference_key}-")


@pytest.mark.parametrize("linkable", [True, False])
def test_the_inferred_dumps_are_the_caches_files_linked_or_else_copied(tmp_path: Path, monkeypatch,
                                                                        linkable: bool) -> None:
    import os

    from railgraph.catalogue import Catalogue
    from railgraph.settings import Settings

    if not linkable:  # another file system, say
        def refuse(source, target) -> None:
            raise OSError(18, "Invalid cross-device link")

        monkeypatch.setattr(os, "link", refuse)
    cache = tmp_path / "cache"
    catalogue = Catalogue.load(ROOT, settings=Settings.resolve({"cache_dir": str(cache)}))
    result = build(catalogue, tmp_path / "out", ("nt",), site=False)
    assert result.ok
    for extension in (".nt", ".ttl"):
        dumped = tmp_path / "out" / f"inferred{extension}"
        (kept,) = cache.glob(f"inferred-{catalogue.inference_key}-*{extension}")
        data = dumped.read_bytes()
        assert data == kept.read_bytes() == catalogue.export(extension[1:], inferred=True)
        assert kept.name.endswith(f"-{hashlib.sha256(data).hexdigest()}{extension}")
        assert result.written[f"inferred{extension}"] == len(data)
        assert os.path.samefile(dumped, kept) is linkable


def test_inference_may_leave_the_closure_for_later(tmp_path: Path) -> None:
    from railgraph.catalogue import Catalogue
    from railgraph.settings import Settings

    cache = tmp_path / "cache"
    catalogue = Catalogue.load(ROOT, settings=Settings.resolve({"cache_dir": str(cache)}))
    catalogue.infer(remember=False)
    assert not list(cache.glob("inferred-*.nt"))
    catalogue.remember_inferred()
    (closure,) = cache.glob("inferred-*.nt")
    reopened = Catalogue.load(ROOT, settings=Settings.resolve({"cache_dir": str(cache)}))
    reopened.infer()
    assert reopened.inference_key == catalogue.inference_key
    assert set(reopened.inferred_triples) == set(catalogue.inferred_triples)


def test_a_folder_railgraph_did_not_write_is_refused_before_any_work(fresh_catalogue, tmp_path: Path,
                                                                     monkeypatch) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("someone's own file", encoding="utf-8")
    monkeypatch.setattr(type(fresh_catalogue), "infer", lambda *args, **kwargs: pytest.fail("inferred"))
    with pytest.raises(InputError, match="not written by railgraph"):
        build(fresh_catalogue, out)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


@pytest.mark.parametrize("failure", ["export", "full disk"])
def test_an_export_that_fails_leaves_the_earlier_dist_and_no_staging(failure: str, catalogue, tmp_path: Path,
                                                                     monkeypatch) -> None:
    from railgraph import build as build_module

    out = tmp_path / "dist"
    write_atomically(out, {"catalogue.ttl": b"earlier build"})
    if failure == "export":
        monkeypatch.setattr(build_module, "table_chunks", lambda c: {}["no such table"])
        expected: type[Exception] = KeyError
    else:
        def full(folder: Path, files) -> dict:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(build_module, "write_files", full)
        expected = InputError
    with pytest.raises(expected) as raised:
        build(catalogue, out, formats=("nt", "csv"), site=False)
    if failure == "full disk":
        assert str(raised.value).startswith(f"{out}: cannot write the build: No space left on device")
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "catalogue.ttl"]
    assert (out / "catalogue.ttl").read_bytes() == b"earlier build"
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]


def test_the_build_fills_its_store_without_a_graph_per_source_and_lets_it_go(tmp_path: Path, monkeypatch) -> None:
    from railgraph.catalogue import Catalogue
    from railgraph.export import tables
    from railgraph.settings import Settings

    catalogue = Catalogue.load(ROOT, settings=Settings.resolve({"cache_dir": "none"}))
    render = tables.table_chunks

    def seen(each: Catalogue) -> dict[str, list]:  # run by the build, in whichever process: told by a file
        (tmp_path / "graphs.json").write_text(json.dumps(sorted(graph.value for graph in each.oxstore.named_graphs())))
        return render(each)

    monkeypatch.setattr("railgraph.build.table_chunks", seen)
    result = build(catalogue, tmp_path / "dist", ("nt", "trig", "csv"), site=False)
    assert result.ok
    assert json.loads((tmp_path / "graphs.json").read_text()) == [str(INFERRED_GRAPH)]
    assert catalogue.whole_store and "_memory_store" not in catalogue.__dict__, "the partial store is let go of"
    named = {graph.value for graph in catalogue.oxstore.named_graphs()}
    assert len(named) == len(catalogue.sources) + 1, "asked for again, the store is whole"
    trig = ox.parse(path=tmp_path / "dist" / "catalogue.trig", format=ox.RdfFormat.TRIG)
    assert {quad.graph_name.value for quad in trig} == named, "the dataset dumps still hold a graph per source"


def test_a_command_about_to_exit_keeps_the_partial_store_rather_than_freeing_it(tmp_path: Path) -> None:
    from railgraph.catalogue import Catalogue
    from railgraph.settings import Settings

    catalogue = Catalogue.load(ROOT, settings=Settings.resolve({"cache_dir": "none"}))
    kept: list[object] = []
    assert build(catalogue, tmp_path / "dist", ("nt",), site=False, keep=kept.append).ok
    assert len(kept) == 1 and isinstance(kept[0], ox.Store) and len(kept[0]) > 0
    assert catalogue.whole_store and "_memory_store" not in catalogue.__dict__


@pytest.mark.parametrize("formats", [("nt", "ttl", "rdfxml"), ("ttl",), ("rdfxml", "nt")])
def test_rdfxml_made_from_the_n_triples_lines_is_the_exports_bytes(catalogue, tmp_path: Path,
                                                                   formats: tuple[str, ...], monkeypatch) -> None:
    """With N-Triples chosen, the catalogue is serialised once for it and RDF/XML; Turtle is
    assembled from its own pieces."""
    from railgraph.catalogue import Catalogue
    from railgraph.export import parallel

    monkeypatch.setattr(parallel, "_forked_workers", lambda *args, **kwargs: 0)  # the calls are seen here
    serialised: list[str] = []
    export = Catalogue.export_chunks  # what export() joins

    def counted(self: Catalogue, name: str, *, inferred: bool = False) -> list:
        if not inferred:
            serialised.append(name)
        return export(self, name, inferred=inferred)

    monkeypatch.setattr(Catalogue, "export_chunks", counted)
    result = build(catalogue, tmp_path / "dist", formats, site=False)
    assert result.ok
    expected = sorted(formats) if "nt" not in formats else sorted(["nt", *(["ttl"] if "ttl" in formats else [])])
    assert sorted(serialised) == expected
    monkeypatch.setattr(Catalogue, "export_chunks", export)
    for name in formats:
        fmt = get_format(name)
        assert (tmp_path / "dist" / f"catalogue{fmt.extension}").read_bytes() == catalogue.export(name), name


def test_a_build_from_a_kept_store_starts_the_largest_dumps_first(tmp_path: Path) -> None:
    from railgraph import build as build_module

    (tmp_path / "catalogue.nt").write_bytes(b"x" * 30)
    (tmp_path / "catalogue.ttl").write_bytes(b"x" * 10)
    tasks = {name: (lambda c: None) for name in ("catalogue.jsonld", "fingerprints", "catalogue.ttl", "catalogue.nt")}
    assert list(build_module._largest_first(tasks, tmp_path)) == [
        "fingerprints", "catalogue.nt", "catalogue.ttl", "catalogue.jsonld"]  # the last build's sizes; none: 0


#: The sources are let go of only where the asserted dumps are written by forked processes.
_FORKING = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: the exports are not forked")


@_FORKING
def test_a_build_that_lets_go_of_the_sources_writes_the_same_files(generated_root: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def built(name: str, formats: tuple[str, ...] = ("ttl", "nt", "jsonld"), *, site: bool = False,
              release: bool = True) -> tuple[Catalogue, dict[str, bytes]]:
        catalogue = Catalogue.load(generated_root, settings=Settings.resolve({"cache_dir": str(tmp_path / name)}))
        out = tmp_path / name / "dist"
        assert build(catalogue, out, formats, site=site, release=release).ok
        return catalogue, {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
                           if p.is_file() and p.name != ".railgraph-build.json"}

    _, kept = built("kept", release=False)
    read_again = tmp_path / "read-again"  # a file: forked processes append to it too
    original = Catalogue._read_as

    def reading(self: Catalogue, path: Path, relative: str):  # type: ignore[no-untyped-def]
        with read_again.open("a", encoding="utf-8") as log:
            log.write(f"{path}\n")
        return original(self, path, relative)

    monkeypatch.setattr(Catalogue, "_read_as", reading)
    monkeypatch.setattr(building, "_RELEASE_FROM", 0)
    released, files = built("released")
    assert files == kept
    assert all(source._quads is None for source in released.sources if source.digest)
    assert not read_again.exists()  # nothing the build did, in any process, read them again
    for formats, site in ((("ttl", "nt", "jsonld"), True), (("nt", "nq"), False)):  # what reads the sources later
        kept_sources, _ = built(f"site-{site}", formats, site=site)
        assert all(source._quads is not None for source in kept_sources.sources)
    assert not read_again.exists()


@_FORKING
def test_a_build_after_a_change_of_shapes_reads_no_released_source_again(generated_root: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The forked process fingerprints only the sources no snapshot holds, whatever its shapes:
    validation finds the others there too, not in the files."""
    root = tmp_path / "root"
    shutil.copytree(generated_root, root)
    settings = Settings.resolve({"cache_dir": str(tmp_path / "cache")})
    monkeypatch.setattr(building, "_RELEASE_FROM", 0)
    assert build(Catalogue.load(root, settings=settings), tmp_path / "first", ("nt",), site=False, release=True).ok
    shapes = root / "shapes" / "violations.ttl"
    shapes.write_text(shapes.read_text(encoding="utf-8").replace("an entry needs exactly one English title",
                                                                 "an entry needs one English title", 1),
                      encoding="utf-8")
    read_again: list[Path] = []
    original = Catalogue._read_as
    monkeypatch.setattr(Catalogue, "_read_as", lambda self, path, relative: read_again.append(path)
                        or original(self, path, relative))
    assert build(Catalogue.load(root, settings=settings), tmp_path / "second", ("nt",), site=False, release=True).ok
    assert read_again == []
