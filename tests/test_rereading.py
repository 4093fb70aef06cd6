"""A catalogue that reads again only its edited, added or removed source files, and brings its query
store up to date in place, builds the bytes that a catalogue loaded afresh builds."""

from __future__ import annotations

import gc
import re
import weakref
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from railgraph.build import build, prepare_to_rebuild
from railgraph.catalogue import Catalogue
from railgraph.errors import InputError
from railgraph.export.catalog import Statistics, catalogue_examples
from railgraph.settings import Settings

FORMATS = ("nt", "ttl", "jsonld", "trig", "csv")
TOOL = "https://w3id.org/railgraph/id/tool/synthetic-tool-"
ROBUSTNESS = "<https://w3id.org/railgraph/vocab/objective/robustness>"
FAIRNESS = "<https://w3id.org/railgraph/vocab/objective/fairness>"


@pytest.fixture()
def root(generated_root: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(generated_root, tmp_path / "root"))


def tools_file(root: Path) -> Path:
    return root / "data" / "tools" / "tool-0001.ttl"


def extra_file(root: Path) -> Path:
    """A file of one more tool (the first tool's description under another IRI) that also states
    one triple the tools' file states: taking it away must keep that triple."""
    text = tools_file(root).read_text(encoding="utf-8")
    header, first = text[:text.index(f"<{TOOL}000000>")], text[text.index(f"<{TOOL}000000>"):]
    first = first[:first.index(f"<{TOOL}000001>")]
    shared = re.search(rf"<{TOOL}000001>\s+a rg:Tool ;\s+(dct:title \"[^\"]*\"@en) ;", text)
    assert shared is not None
    path = root / "data" / "tools" / "extra.ttl"
    path.write_text(header + first.replace(f"{TOOL}000000", f"{TOOL}900000")
                    + f"<{TOOL}000001> {shared.group(1)} .\n", encoding="utf-8")
    return path


def edit(root: Path, change: str) -> Path:
    """Make ``change`` on disk; the path it touched."""
    if change in ("added", "removed"):
        path = root / "data" / "tools" / "extra.ttl"
        if change == "added":
            extra_file(root)
        else:
            path.unlink()
        return path
    path = tools_file(root)
    text = path.read_text(encoding="utf-8")
    if change == "title":
        edited = text.replace('dct:title "', 'dct:title "Edited ', 1)
    else:  # what inference reads: a tool's objective
        assert ROBUSTNESS in text
        edited = text.replace(ROBUSTNESS, FAIRNESS, 1)
    path.write_text(edited, encoding="utf-8")
    return path


def files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def graph(store: ox.Store, name: ox.NamedNode | ox.DefaultGraph) -> set[ox.Quad]:
    return set(store.quads_for_pattern(None, None, None, name))


INFERRED = ox.NamedNode("https://w3id.org/railgraph/graph/inferred")


@pytest.mark.parametrize("change", ["title", "objective", "added", "removed"])
@pytest.mark.parametrize("cached", [True, False], ids=["cache", "no-cache"])
def test_a_catalogue_reread_after_an_edit_builds_what_one_loaded_afresh_builds(root: Path, tmp_path: Path,
                                                                              change: str, cached: bool) -> None:
    settings = Settings.resolve({"cache_dir": str(tmp_path / "cache") if cached else "none"})
    if change == "removed":
        extra_file(root)
    kept = Catalogue.load(root, settings=settings)
    assert build(kept, tmp_path / "first", FORMATS, site=False, reuse=True).ok
    prepare_to_rebuild(kept, FORMATS)  # as build --watch does: the next tables are made from these
    store, key = kept.oxstore, kept.inference_key
    assert kept.asserted_counts is not None
    reread = kept.reread([edit(root, change)])
    assert [s.path.name for s in reread.old + reread.new] == {
        "title": ["tool-0001.ttl"] * 2, "objective": ["tool-0001.ttl"] * 2,
        "added": ["extra.ttl"], "removed": ["extra.ttl"]}[change]
    assert kept.oxstore is store, "the store is brought up to date, not filled afresh"
    if cached:  # the closure is kept only where the edit changes nothing inference reads
        assert (kept.inference_key == key) == (change == "title")
    again = build(kept, tmp_path / "again", FORMATS, site=False, reuse=True)
    fresh = Catalogue.load(root, settings=settings)
    assert [s.path for s in kept.sources] == [s.path for s in fresh.sources]
    made = build(fresh, tmp_path / "fresh", FORMATS, site=False, reuse=True)
    assert again.ok and made.ok
    assert files(tmp_path / "again") == files(tmp_path / "fresh")
    assert again.counts == made.counts, "counted from the VoID counts kept up to date"
    for name in (ox.DefaultGraph(), INFERRED):
        assert graph(kept.oxstore, name) == graph(fresh.oxstore, name)
    assert kept.asserted_counts == Statistics.of_store(kept.oxstore), "the VoID counts, brought up to date"
    if change == "removed":  # the triple the removed file shared with another is still there
        assert any(q.subject.value == f"{TOOL}000001" for q in graph(kept.oxstore, ox.DefaultGraph()))
        assert not any(q.subject.value == f"{TOOL}900000" for q in graph(kept.oxstore, ox.DefaultGraph()))


def test_a_store_with_a_graph_per_source_keeps_each_up_to_date(root: Path, tmp_path: Path) -> None:
    settings = Settings.resolve({"cache_dir": "none"})
    extra_file(root)
    kept = Catalogue.load(root, settings=settings)
    store = kept.oxstore  # made whole: each source in its named graph
    kept.reread([edit(root, "removed"), edit(root, "objective")])
    assert kept.oxstore is store
    assert set(store) == set(Catalogue.load(root, settings=settings).oxstore)


@pytest.mark.parametrize("damage", ["syntax", "twice"])
def test_a_file_that_cannot_be_read_leaves_the_catalogue_as_it_was(root: Path, tmp_path: Path, damage: str) -> None:
    kept = Catalogue.load(root, settings=Settings.resolve({"cache_dir": "none"}))
    store = kept.oxstore
    before, sources = set(store), list(kept.sources)
    original = tools_file(root).read_text(encoding="utf-8")
    if damage == "syntax":
        path = tools_file(root)
        path.write_text(original.replace("a rg:Tool ;", "a rg:Tool ; ] ;", 1), encoding="utf-8")
        expected = r"invalid Turtle"
    else:  # a new file types a tool the tools' file describes
        path = root / "data" / "tools" / "twice.ttl"
        path.write_text(f"<{TOOL}000003> a <https://w3id.org/railgraph/ontology#Tool> .\n", encoding="utf-8")
        expected = rf"<{TOOL}000003> is already described in .*tool-0001.ttl"
    with pytest.raises(InputError, match=expected) as raised:
        kept.reread([path])
    assert raised.value.path is not None and Path(raised.value.path).name == path.name
    assert raised.value.line is not None
    assert kept.sources == sources and set(kept.oxstore) == before
    if damage == "syntax":  # put right, the file is read as any edit
        path.write_text(original, encoding="utf-8")
    else:
        path.unlink()
    kept.reread([path])
    assert [s.digest for s in kept.sources] == [s.digest for s in sources] and set(kept.oxstore) == before


def test_a_file_added_from_outside_the_source_folders_is_read_again_not_dropped(root: Path, tmp_path: Path) -> None:
    kept = Catalogue.load(root, settings=Settings.resolve({"cache_dir": "none"}))
    outside = tmp_path / "elsewhere" / "extra.ttl"
    outside.parent.mkdir()
    outside.write_text(f'<{TOOL}000001> <http://purl.org/dc/terms/alternative> "one" .\n', encoding="utf-8")
    added = kept.add_file(outside)
    store = kept.oxstore
    outside.write_text(f'<{TOOL}000001> <http://purl.org/dc/terms/alternative> "two" .\n', encoding="utf-8")
    change = kept.reread([outside])
    assert [s.graph_iri for s in change.new] == [added.graph_iri] and change.old == [added]
    assert [s.path for s in kept.sources].count(outside) == 1
    values = {q.object.value for q in store.quads_for_pattern(ox.NamedNode(f"{TOOL}000001"),
                                                              ox.NamedNode("http://purl.org/dc/terms/alternative"),
                                                              None, ox.DefaultGraph())}
    assert values == {"two"}


def test_files_that_are_no_sources_are_ignored(root: Path) -> None:
    kept = Catalogue.load(root, settings=Settings.resolve({"cache_dir": "none"}))
    sources = list(kept.sources)
    backup = root / "data" / "tools" / "tool-0001.ttl~"
    backup.write_text("not RDF", encoding="utf-8")
    outside = root.parent / "elsewhere.ttl"
    outside.write_text("not RDF either", encoding="utf-8")
    change = kept.reread([backup, outside, root / "data" / "tools" / "gone.ttl"])
    assert not change.old and not change.new and kept.sources == sources


def test_what_an_edit_drops_is_collected_though_what_is_kept_is_frozen(root: Path, tmp_path: Path) -> None:
    kept = Catalogue.load(root, settings=Settings.resolve({"cache_dir": str(tmp_path / "cache")}))
    assert build(kept, tmp_path / "out", ("nt",), site=False, reuse=True).ok
    try:
        union = weakref.ref(kept.union())  # an rdflib graph: it sits in cycles
        prepare_to_rebuild(kept, ("nt",))
        kept.reread([edit(root, "title")])
        assert build(kept, tmp_path / "again", ("nt",), site=False, reuse=True).ok
        prepare_to_rebuild(kept, ("nt",))
        assert union() is None
    finally:
        gc.unfreeze()


def test_what_a_watching_process_keeps_is_left_out_of_later_collections(root: Path, tmp_path: Path) -> None:
    kept = Catalogue.load(root, settings=Settings.resolve({"cache_dir": str(tmp_path / "cache")}))
    assert build(kept, tmp_path / "out", ("nt", "csv"), site=False, reuse=True).ok
    gc.unfreeze()
    try:
        prepare_to_rebuild(kept, ("nt", "csv"))
        assert kept.kept_tables is not None
        parts = kept.kept_tables.parts.parts
        assert gc.is_tracked(parts) and gc.get_freeze_count() > 0
        assert not any(each is parts for each in gc.get_objects()), "frozen: no generation holds it"
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("change", ["title", "first tool renamed"])
def test_the_examples_are_kept_through_an_edit_that_does_not_touch_them(root: Path, change: str) -> None:
    kept = Catalogue.load(root, settings=Settings.resolve({"cache_dir": "none"}))
    kept.infer()
    before = kept.examples
    assert URIRef(f"{TOOL}000000") in before
    path = tools_file(root)
    text = path.read_text(encoding="utf-8")
    if change == "title":
        path.write_text(text.replace('dct:title "', 'dct:title "Edited ', 1), encoding="utf-8")
    else:
        path.write_text(text.replace(f"<{TOOL}000000>", f"<{TOOL}999999>"), encoding="utf-8")
    kept.reread([path])
    assert kept.examples == catalogue_examples(kept.oxstore)
    assert (kept.examples is before) == (change == "title")
    if change != "title":
        assert URIRef(f"{TOOL}000001") in kept.examples
