"""The CSV tables assembled from parts kept in the cache are the tables written whole, byte for
byte; after an edit only the edited file's rows are read from the store again, unless a table's
columns changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from railgraph import cache_reads
from railgraph.catalogue import Catalogue
from railgraph.export import table_parts
from railgraph.export import tables as tables_module
from railgraph.export.tables import render_tables
from railgraph.settings import Settings

ORGANISATION = "https://w3id.org/railgraph/id/organisation/"


@pytest.fixture()
def root(generated_root: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "catalogue"
    shutil.copytree(generated_root, copy, ignore=shutil.ignore_patterns(".railgraph-cache", "dist"))
    return copy


def subjects_asked(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[int]:
    """How many subjects each call of ``module.name(store, subjects)`` asked for, from now on."""
    calls: list[int] = []
    original = getattr(module, name)

    def counted(store, subjects):
        subjects = list(subjects)
        calls.append(len(subjects))
        return original(store, subjects)

    monkeypatch.setattr(module, name, counted)
    return calls


@pytest.fixture()
def read_from_store(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many subjects each read of cells from the store asked for."""
    return subjects_asked(monkeypatch, table_parts, "cells_of")


def tables(root: Path, cache: Path | None) -> dict[str, bytes]:
    settings = Settings.resolve({"cache_dir": str(cache) if cache else "none"}, environ={})
    return render_tables(Catalogue.load(root, settings=settings))


def edit(root: Path, old: str, new: str) -> None:
    path = root / "data" / "tools" / "tool-0001.ttl"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def header(data: bytes) -> list[str]:
    return data.split(b"\r\n", 1)[0].decode().split(",")


def watching(root: Path, cache: Path | None) -> Catalogue:
    """A process that keeps its catalogue (``build --watch``) after a build wrote the tables
    into ``cache``: loaded, inferred, and ready to make the next tables from its last ones."""
    tables(root, cache)  # by a build, say: the watching process reads them back from the cache
    cache_reads.keep()
    watched = Catalogue.load(root, settings=Settings.resolve({"cache_dir": str(cache) if cache else "none"},
                                                             environ={}))
    watched.infer()
    tables_module.prepare(watched)
    return watched


def test_tables_read_back_from_the_cache_are_the_tables_written_whole(root: Path, tmp_path: Path,
                                                                      read_from_store: list[int]) -> None:
    whole = tables(root, None)
    assert tables(root, tmp_path / "cache") == whole  # made, then kept
    read_from_store.clear()
    assert tables(root, tmp_path / "cache") == whole  # read back
    assert read_from_store == []
    assert len(list((tmp_path / "cache").glob("pieces-csv-*.bin"))) == 1


@pytest.mark.parametrize(("old", "new", "shown"), [
    ('dct:title "', 'dct:title "An edited title, with a comma: ', b'"An edited title, with a comma: '),
    # a new column: the tools table has one part, so again only the edited one is read
    ("rg:status <", "rdfs:seeAlso <https://example.org/see-also> ;\n    rg:status <", b",see_also,"),
])
def test_after_an_edit_only_the_edited_files_rows_are_read_again(root: Path, tmp_path: Path,
                                                                 read_from_store: list[int],
                                                                 old: str, new: str, shown: bytes) -> None:
    cache = tmp_path / "cache"
    tables(root, cache)
    edit(root, old, new)
    read_from_store.clear()
    edited = tables(root, cache)
    assert read_from_store == [50]  # the 50 tools of the edited file; the other parts were kept
    assert edited == tables(root, None)
    assert shown in edited["tools.csv"]


def test_a_separator_an_edit_takes_is_changed_in_every_row(root: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    before = json.loads(tables(root, cache)["csv-metadata.json"])
    edit(root, "rg:status <", 'dcat:keyword "one|two"@en , "three"@en ;\n    rg:status <')
    edited = tables(root, cache)
    assert edited == tables(root, None)
    after = json.loads(edited["csv-metadata.json"])

    def separator(metadata: dict, name: str) -> str | None:
        (table,) = [t for t in metadata["tables"] if t["url"] == "tools.csv"]
        return {c["name"]: c.get("separator") for c in table["tableSchema"]["columns"]}.get(name)

    assert separator(after, "keyword") == "¦"
    assert separator(before, "keyword") in ("|", None)


def test_columns_changed_by_one_part_are_written_again_in_the_others(root: Path, tmp_path: Path,
                                                                     read_from_store: list[int]) -> None:
    """An organisation file's edit adds a column to the organisations table: the organisations
    described elsewhere are written again from the store."""
    cache = tmp_path / "cache"
    tables(root, cache)
    extra = root / "data" / "organisations" / "zz-extra.ttl"
    extra.write_text(f"""@prefix rg: <https://w3id.org/railgraph/ontology#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<{ORGANISATION}zz-extra> a rg:Organisation ; foaf:name "Extra"@en ; foaf:nick "X"@en .
""", encoding="utf-8")
    read_from_store.clear()
    edited = tables(root, cache)
    assert read_from_store == [1, 5]  # the new file's organisation, then those kept, for the new column
    assert edited == tables(root, None)
    assert "nick" in header(edited["organisations.csv"])


def test_a_row_no_source_describes_is_written_every_time(root: Path, tmp_path: Path) -> None:
    """An IRI typed by inference alone (the range of rg:developedBy) is a row of its own part."""
    cache = tmp_path / "cache"
    edit(root, "rg:developedBy <", f"rg:developedBy <{ORGANISATION}nobody-describes> , <")
    first = tables(root, cache)
    assert first == tables(root, None)
    assert f"\r\n{ORGANISATION}nobody-describes".encode() in first["organisations.csv"]
    assert tables(root, cache) == first


@pytest.mark.parametrize("damage", [lambda data: data[:-9], lambda data: data[:60] + b"#" + data[61:],
                                    lambda data: b""])
def test_a_damaged_tables_file_is_made_again(root: Path, tmp_path: Path, read_from_store: list[int],
                                             damage) -> None:
    cache = tmp_path / "cache"
    whole = tables(root, cache)
    (kept,) = cache.glob("pieces-csv-*.bin")
    kept.write_bytes(damage(kept.read_bytes()))
    read_from_store.clear()
    assert tables(root, cache) == whole
    assert sum(read_from_store) > 50


@pytest.fixture()
def looked_up(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many subjects each look-up of rows in the store asked for."""
    return subjects_asked(monkeypatch, tables_module, "_tables_of")


@pytest.mark.parametrize(("old", "new"), [
    ('dct:title "', 'dct:title "Edited '),
    # a new column (of a predicate inference does not read): the tools table has one part
    ("rg:status <", 'dct:alternative "Another name"@en ;\n    rg:status <'),
])
@pytest.mark.parametrize("cached", [True, False], ids=["cache", "no-cache"])
def test_a_watching_process_makes_the_next_tables_from_its_last_ones(
        root: Path, tmp_path: Path, read_from_store: list[int], looked_up: list[int],
        old: str, new: str, cached: bool) -> None:
    """Under the same closure, only the edited file's subjects are looked up and read from the
    store; the tables are those of a catalogue loaded afresh."""
    watched = watching(root, tmp_path / "cache" if cached else None)
    assert (watched.kept_tables is not None) == cached, "kept under the closure's key, which needs a cache"
    edit(root, old, new)
    watched.reread([root / "data" / "tools" / "tool-0001.ttl"])
    read_from_store.clear()
    again = render_tables(watched)
    if cached:
        assert (looked_up, read_from_store) == ([50], [50])
    else:  # every row found and read afresh
        assert looked_up == [] and sum(read_from_store) > 50
    assert again == tables(root, None)
    if cached:
        assert render_tables(watched) == again  # and again, from the tables just made


def test_a_watching_process_keeps_the_rows_no_source_describes(root: Path, tmp_path: Path,
                                                               read_from_store: list[int],
                                                               looked_up: list[int]) -> None:
    """Under the same closure, the edited file's rows are looked up again, and the rows no
    source describes (an IRI typed by inference alone) stay a part of their own."""
    edit(root, "rg:developedBy <", f"rg:developedBy <{ORGANISATION}nobody-describes> , <")
    watched = watching(root, tmp_path / "cache")
    assert watched.kept_tables is not None and watched.kept_tables.parts.parts[-1].key is None
    edit(root, 'dct:title "', 'dct:title "Edited ')
    watched.reread([root / "data" / "tools" / "tool-0001.ttl"])
    assert watched.inference_key == watched.kept_tables.inference_key
    read_from_store.clear()
    again = render_tables(watched)
    # the edited file's 50 tools; the row no source describes is read every time, kept by nothing
    assert (looked_up, read_from_store) == ([50], [50, 1])
    assert again == tables(root, None)
    assert f"\r\n{ORGANISATION}nobody-describes".encode() in again["organisations.csv"]


def test_a_watching_process_lays_out_again_the_kept_shares_of_a_table_an_edit_adds_a_column_to(
        root: Path, tmp_path: Path, read_from_store: list[int], looked_up: list[int]) -> None:
    """The licences table has a part per file: an edit of one adds a column, so the shares kept
    for the others are read from the store again and written with it."""
    watched = watching(root, tmp_path / "cache")
    licence = root / "data" / "licences" / "rail-licence-0001.ttl"
    text = licence.read_text(encoding="utf-8")
    licence.write_text(text.replace("    dct:title ", '    dct:alternative "Another name"@en ;\n    dct:title ', 1),
                       encoding="utf-8")
    watched.reread([licence])
    read_from_store.clear()
    again = render_tables(watched)
    assert looked_up == [sum(1 for line in text.splitlines() if line.startswith("<"))]  # the edited file's subjects
    # the edited file's rows, then the one licence of each other file again, for the new column
    assert read_from_store == [17, 1, 1, 1]
    assert again == tables(root, None)
    assert "alternative" in header(again["licences.csv"])


def test_a_watching_process_whose_closure_changed_finds_every_row_afresh(root: Path, tmp_path: Path,
                                                                         looked_up: list[int],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    cache_reads.keep()
    settings = Settings.resolve({"cache_dir": str(tmp_path / "cache")}, environ={})
    watched = Catalogue.load(root, settings=settings)
    render_tables(watched)
    kept = watched.kept_tables
    assert kept is not None and kept.inference_key == watched.inference_key
    edit(root, "rg:developedBy <", f"rg:developedBy <{ORGANISATION}nobody-describes> , <")
    watched.reread([root / "data" / "tools" / "tool-0001.ttl"])
    assert watched.inference_key != kept.inference_key
    for kept_file in (tmp_path / "cache").glob("pieces-csv-*.bin"):  # not read back: held in the process
        kept_file.unlink()
    read = subjects_asked(monkeypatch, table_parts, "cells_of")
    edited = render_tables(watched)
    assert looked_up == [], "every row found afresh"
    # the edited file's 50 tools, and the row no source describes; the other files' shares, kept
    # by content, are those of the last tables
    assert read == [50, 1]
    assert edited == tables(root, None)
    assert f"\r\n{ORGANISATION}nobody-describes".encode() in edited["organisations.csv"]


@pytest.mark.parametrize("change", ["title", "added", "moved"])
def test_parts_made_again_are_the_parts_made_afresh(root: Path, tmp_path: Path, change: str) -> None:
    """Where the groups describe other subjects (an entry added), the parts cannot be made again."""
    settings = Settings.resolve({"cache_dir": "none"}, environ={})

    def parted(catalogue: Catalogue) -> tuple[list[list[str]], table_parts.Parts]:
        store = catalogue.oxstore
        flattened = [tables_module._flattened(store, table) for table in tables_module.TABLES]
        rows = [tables_module._rows(store, table.cls) for table in tables_module.TABLES]
        return flattened, table_parts.parts_of(catalogue.source_groups, catalogue.file_digests, rows, flattened)

    _, before = parted(Catalogue.load(root, settings=settings))
    tools = root / "data" / "tools" / "tool-0001.ttl"
    text = tools.read_text(encoding="utf-8")
    if change == "title":
        tools.write_text(text.replace('dct:title "', 'dct:title "Edited ', 1), encoding="utf-8")
    elif change == "added":
        (root / "data" / "tools" / "zz-extra.ttl").write_text(
            f"@prefix rg: <https://w3id.org/railgraph/ontology#> .\n<{ORGANISATION}zz> a rg:Organisation .\n",
            encoding="utf-8")
    else:  # the file cut in two: both halves in the group the file was
        cut = text.index("\n<https://w3id.org/railgraph/id/tool/", len(text) // 2)
        header = text[:text.index("\n<https://w3id.org/railgraph/id/tool/")]
        tools.write_text(text[:cut] + "\n", encoding="utf-8")
        (root / "data" / "tools" / "tool-0001b.ttl").write_text(header + text[cut:], encoding="utf-8")
    after = Catalogue.load(root, settings=settings)
    flattened, afresh = parted(after)
    again = table_parts.parts_again(before, after.source_groups, after.file_digests,
                                    lambda subjects: tables_module._tables_of(after.oxstore, subjects), flattened)
    if change == "added":
        assert again is None
    else:
        assert again is not None
        assert [(p.key, p.rows) for p in again.parts] == [(p.key, p.rows) for p in afresh.parts]
        assert again.groups == afresh.groups
