"""OWL 2 RL inference: kept apart from the asserted triples, and the entailments queries rely on."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from railgraph import cache_reads, inference, reasoning
from railgraph.catalogue import Catalogue
from railgraph.namespaces import ODRL, RDF, RG
from railgraph.settings import Settings

from .conftest import ID, VOCAB

BIGCODE = URIRef(ID + "licence/bigcode-openrail-m-license-agreement")


def test_inferred_triples_are_not_in_the_asserted_graph(catalogue) -> None:
    assert len(catalogue.inferred) > 0
    assert not any(triple in catalogue.asserted for triple in catalogue.inferred)


def test_ancestors_follow_transitively_from_based_on(catalogue) -> None:
    ancestors = set(catalogue.inferred.objects(BIGCODE, RG.hasAncestor))
    assert {URIRef(ID + "licence/codeml-openrail-m-v0-1"),
            URIRef(ID + "licence/bigscience-openrail-m-license"),
            URIRef(ID + "licence/bigscience-bloom-responsible-ai-license-rail-1-0")} <= ancestors


def test_restricted_use_is_inferred_from_the_odrl_purpose_constraint(catalogue) -> None:
    clause = URIRef(ID + "licence/bigcode-openrail-m-license-agreement/clause/c")
    assert (clause, RG.restrictedUse, URIRef(VOCAB + "restricted-use/malware-generation")) in catalogue.inferred
    assert (clause, RG.restrictedUse, None) not in catalogue.asserted


def test_subclass_types_are_inferred(catalogue) -> None:
    assert (BIGCODE, RDF.type, ODRL.Set) in catalogue.inferred
    assert (BIGCODE, RDF.type, RG.Licence) in catalogue.inferred


def test_derived_models_reach_their_ancestors(catalogue) -> None:
    starcoder = URIRef(ID + "model/starcoder")
    assert (starcoder, RG.hasAncestor, URIRef(ID + "model/starcoderbase")) in catalogue.union()


def test_no_trivial_or_vocabulary_triples_are_kept(catalogue) -> None:
    from railgraph.namespaces import OWL

    assert (None, OWL.sameAs, None) not in catalogue.inferred
    assert (None, RDF.type, OWL.Thing) not in catalogue.inferred


def _edit(root: Path, old: str, new: str) -> None:
    tool = sorted((root / "data" / "tools").glob("*.ttl"))[0]
    text = tool.read_text(encoding="utf-8")
    assert old in text
    tool.write_text(text.replace(old, new, 1), encoding="utf-8")


def _inferred(root: Path, cache: Path | None) -> set[ox.Triple]:
    settings = Settings.resolve({"cache_dir": str(cache) if cache else "none"})
    return set(Catalogue.load(root, settings=settings).inferred_triples)


def test_an_edit_inference_does_not_read_reuses_the_cached_closure(generated_root: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    root, cache = tmp_path / "root", tmp_path / "cache"
    shutil.copytree(generated_root, root)
    before = _inferred(root, cache)
    _edit(root, 'dct:title "', 'dct:title "Renamed ')
    with monkeypatch.context() as patch:
        patch.setattr(inference, "infer_into", None)  # would fail if inferred again
        cached = _inferred(root, cache)
    assert cached == before == _inferred(root, None)


def test_an_edit_inference_reads_infers_again(generated_root: Path, tmp_path: Path) -> None:
    root, cache = tmp_path / "root", tmp_path / "cache"
    shutil.copytree(generated_root, root)
    before = _inferred(root, cache)
    _edit(root, "rg:lifecycleStage <", "rdfs:seeAlso <")  # no longer a facet of the tool
    after = _inferred(root, cache)
    assert after != before
    assert after == _inferred(root, None)
    assert len(list(cache.glob("inferred-*.nt"))) == 2


def test_the_inference_key_digests_again_only_the_sources_handed_in_anew(catalogue, monkeypatch) -> None:
    store = catalogue.oxstore
    sources = [source.quads for source in sorted(catalogue.sources, key=lambda s: str(s.graph_iri))]
    serialized: list[int] = []
    original = ox.serialize

    def counted(quads, *args, **kwargs):
        serialized.append(1)
        return original(quads, *args, **kwargs)

    monkeypatch.setattr(inference.ox, "serialize", counted)
    monkeypatch.setattr(inference, "_SOURCE_DIGESTS", {})
    key = inference.input_key(store, sources)
    assert len(serialized) == len(sources)
    serialized.clear()
    assert inference.input_key(store, sources) == key and serialized == []
    edited = [*sources[:-1], sources[-1] + (ox.Quad(ox.NamedNode(ID + "tool/x"), ox.NamedNode(str(RDF.type)),
                                                    ox.NamedNode(str(RG.Tool))),)]
    changed = inference.input_key(store, edited)
    assert changed != key and len(serialized) == 1, "the edited source alone"
    serialized.clear()
    same = [list(quads) for quads in sources]  # other sequences, the same quads: digested again
    assert inference.input_key(store, same) == key and len(serialized) == len(sources)


def test_the_schema_is_closed_once_for_every_build_of_it(generated_root: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    root, cache = tmp_path / "root", tmp_path / "cache"
    shutil.copytree(generated_root, root)
    _inferred(root, cache)
    (schema,) = cache.glob("schema-*.nt")
    _edit(root, "rg:lifecycleStage <", "rdfs:seeAlso <")  # the data is inferred again, the schema is the same
    with monkeypatch.context() as patch:
        patch.setattr(reasoning, "close_schema", lambda graph: pytest.fail("closed again"))
        after = _inferred(root, cache)
    assert after == _inferred(root, None)
    text = schema.read_bytes()
    schema.write_bytes(text[: len(text) // 2] + b"\n<not a triple\n")
    for each in cache.glob("inferred-*"):
        each.unlink()
    assert _inferred(root, cache) == after
    assert schema.read_bytes() == text, "and written anew"


def _prefetched(root: Path, cache: Path) -> tuple[Catalogue, set[ox.Triple]]:
    catalogue = Catalogue.load(root, settings=Settings.resolve({"cache_dir": str(cache)}), prefetch=True)
    return catalogue, set(catalogue.inferred_triples)


@pytest.mark.parametrize("edit", [('dct:title "', 'dct:title "Renamed '),  # the closure read ahead is kept
                                  ("rg:lifecycleStage <", "rdfs:seeAlso <")])  # it is dropped
def test_the_closure_read_while_the_sources_are_read_is_kept_only_for_its_sources(
        generated_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: tuple[str, str]) -> None:
    root, cache = tmp_path / "root", tmp_path / "cache"
    shutil.copytree(generated_root, root)
    _inferred(root, cache)
    _edit(root, *edit)
    checked: list[Path] = []
    whole = inference._checked
    monkeypatch.setattr(inference, "_checked", lambda path, extension: checked.append(path) or whole(path, extension))
    catalogue, found = _prefetched(root, cache)
    assert found == _inferred(root, None)
    kept = edit[0] == 'dct:title "'
    assert len(checked) == 1  # read ahead; a closure of other sources is then not found
    assert len(list(cache.glob("inferred-*.nt"))) == (1 if kept else 2)
    (closure,) = cache.glob(f"inferred-{catalogue.inference_key}-*.nt")
    assert inference.newest_first(cache, "inferred-*.nt")[0] == closure  # the one read ahead next time


def test_a_kept_dump_found_right_is_read_again_only_once_written_again(tmp_path: Path, monkeypatch) -> None:
    document = b"<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n"
    inference.kept_dump(tmp_path, "k" * 32, ".nt", lambda: document)
    (path,) = tmp_path.glob("inferred-*.nt")
    cache_reads.keep(False)  # nothing kept from before
    digests: list[int] = []
    sha256 = inference.hashlib.sha256
    monkeypatch.setattr(inference.hashlib, "sha256", lambda *a: digests.append(1) or sha256(*a))
    assert inference._checked(path, ".nt") is not None and len(digests) == 1
    assert inference._checked(path, ".nt") is not None and len(digests) == 1, "found right before: not read"
    inference._touch(tmp_path, "k" * 32)
    assert inference._checked(path, ".nt") is not None and len(digests) == 1, "touched, not written"
    touched = path.stat().st_mtime_ns
    path.write_bytes(document.replace(b"/a>", b"/x>"))  # the same size, written in place
    os.utime(path, ns=(touched + 10**7, touched + 10**7))  # as the clock's next tick would leave it
    assert inference._checked(path, ".nt") is None and len(digests) == 2


def test_no_closure_or_a_damaged_one_is_not_read_ahead(generated_root: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    expected = _inferred(generated_root, None)
    assert _prefetched(generated_root, cache)[1] == expected  # none in the cache yet
    (closure,) = cache.glob("inferred-*.nt")
    text = closure.read_bytes()
    closure.write_bytes(text.replace(b"/tool/", b"/tooL/", 1))
    catalogue, found = _prefetched(generated_root, cache)
    assert found == expected
    assert closure.read_bytes() == text, "written anew"


@pytest.mark.parametrize("damage", [
    lambda text: text[:len(text) // 2] + b"\n<not a triple\n" + text[len(text) // 2:],
    lambda text: text[text.index(b"\n") + 1:],  # one triple fewer: still N-Triples, read leniently
    lambda text: text.replace(b"/tool/", b"/tooL/", 1),  # another IRI: still N-Triples
    lambda text: text[:-1],  # cut short
])
def test_a_damaged_cached_closure_is_inferred_again(generated_root: Path, tmp_path: Path, monkeypatch,
                                                    damage) -> None:
    cache = tmp_path / "cache"
    expected = _inferred(generated_root, cache)
    (cached,) = cache.glob("inferred-*.nt")
    text = cached.read_bytes()
    cached.write_bytes(damage(text))
    inferred: list[object] = []
    infer_into = inference.infer_into
    monkeypatch.setattr(inference, "infer_into", lambda *args: inferred.append(args) or infer_into(*args))
    assert _inferred(generated_root, cache) == expected
    assert len(inferred) == 1
    assert cached.read_bytes() == text, "written anew: the sorted N-Triples its name gives the digest of"


def test_closures_kept_as_n_quads_by_earlier_versions_are_removed(generated_root: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    earlier = cache / f"inferred-{'0' * 32}.nq"
    earlier.write_bytes(b"")
    _inferred(generated_root, cache)
    assert not earlier.exists()
    assert len(list(cache.glob("inferred-*.nt"))) == 1


def test_inferred_dumps_are_remembered_with_their_closure(generated_root: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    settings = Settings.resolve({"cache_dir": str(cache)})
    expected = {name: Catalogue.load(generated_root, settings=settings).export(name, inferred=True)
                for name in ("ttl", "nt")}
    assert sorted(p.suffix for p in cache.glob("inferred-*")) == [".nt", ".ttl"]
    (damaged,) = cache.glob("inferred-*.ttl")
    damaged.write_bytes(damaged.read_bytes()[:-10])
    with monkeypatch.context() as patch:
        patch.setattr(Catalogue, "inferred_triples", property(lambda self: pytest.fail("dumped again")))
        patch.setattr(inference, "sorted_lines", lambda document, **options: pytest.fail("dumped again"))
        assert Catalogue.load(generated_root, settings=settings).export("nt", inferred=True) == expected["nt"]
    assert Catalogue.load(generated_root, settings=settings).export("ttl", inferred=True) == expected["ttl"]
    assert Catalogue.load(generated_root, settings=Settings.resolve({"cache_dir": "none"})).export(
        "ttl", inferred=True) == expected["ttl"]


def test_a_write_that_stops_leaves_no_temporary_file(tmp_path: Path) -> None:
    def failing(stream) -> None:
        stream.write(b"half of it")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        inference._remember(tmp_path / "inferred-k.nq", failing)

    def full_disk(stream) -> None:
        raise OSError(28, "No space left on device")

    inference._remember(tmp_path / "inferred-k.nq", full_disk)  # the cache is skipped, not the build
    assert list(tmp_path.iterdir()) == []


def test_a_temporary_file_left_by_a_killed_writer_is_removed_by_a_later_write(tmp_path: Path) -> None:
    import os
    import time

    abandoned, recent = tmp_path / ".inferred-abandoned", tmp_path / ".inferred-being-written"
    for each in (abandoned, recent):
        each.write_bytes(b"<a> <b> <c>")
    hours_ago = time.time() - 2 * inference._ABANDONED_AFTER
    os.utime(abandoned, (hours_ago, hours_ago))
    inference._remember(tmp_path / "inferred-k.nq", lambda stream: stream.write(b""))
    assert sorted(p.name for p in tmp_path.iterdir()) == [".inferred-being-written", "inferred-k.nq"]


@pytest.mark.parametrize("document", [b"_:b1 <https://example.org/p> <https://example.org/o> .\n",
                                      b"<https://example.org/s> <https://example.org/p> _:b1 .\n",
                                      b"<https://example.org/s> <https://example.org/p> <https://example.org/o> .\n"])
def test_a_closure_read_back_keeps_its_blank_node_labels(tmp_path: Path, document: bytes) -> None:
    """pyoxigraph's loaders relabel blank nodes: a closure that names one is parsed instead."""
    graph = ox.NamedNode("https://example.org/g")
    inference.kept_dump(tmp_path, "k" * 32, ".nt", lambda: document)
    kept = inference._found(tmp_path, "k" * 32, ".nt")
    assert kept is not None and kept.blank_nodes is (b"_:" in document)
    store = ox.Store()
    inference._load_closure(store, kept, graph)
    assert [quad.triple for quad in store] == [quad.triple for quad in ox.parse(document, format=ox.RdfFormat.N_TRIPLES)]


def test_a_dump_streamed_into_the_cache_is_named_by_what_it_holds(tmp_path: Path) -> None:
    import stat

    document = b"<https://example.org/s> <https://example.org/p> <https://example.org/o> .\n"
    kept = inference.kept_dump(tmp_path, "k" * 32, ".nt", lambda: pytest.fail("made in memory"),
                               lambda stream: stream.write(document))
    assert kept.path is not None and kept.path.read_bytes() == document and kept.data is None
    assert kept.written.size == len(document) and kept.path.name.endswith(f"-{kept.written.sha256}.nt")
    assert inference._found(tmp_path, "k" * 32, ".nt") == inference._check(kept.path, ".nt")
    opened = tmp_path / "opened"
    opened.write_bytes(b"")
    assert stat.S_IMODE(kept.path.stat().st_mode) == stat.S_IMODE(opened.stat().st_mode)  # a build links it


def test_a_dump_that_cannot_be_streamed_into_the_cache_is_made_in_memory(tmp_path: Path) -> None:
    document = b"<https://example.org/s> <https://example.org/p> <https://example.org/o> .\n"

    def full_disk(stream) -> None:
        stream.write(document[:10])
        raise OSError(28, "No space left on device")

    kept = inference.kept_dump(tmp_path, "k" * 32, ".nt", lambda: document, full_disk)
    assert kept.read() == document
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no half-written file


def test_a_sorting_folder_left_by_a_killed_writer_is_removed_by_a_later_write(tmp_path: Path) -> None:
    import os
    import time

    abandoned = tmp_path / ".inferred-sorting-abandoned"
    abandoned.mkdir()
    (abandoned / "closure.nt").write_bytes(b"<a> <b> <c> .\n")
    hours_ago = time.time() - 2 * inference._ABANDONED_AFTER
    os.utime(abandoned, (hours_ago, hours_ago))
    inference._remember(tmp_path / "inferred-k.nq", lambda stream: stream.write(b""))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inferred-k.nq"]


def test_the_closure_written_to_a_stream_is_its_sorted_dump(generated_root: Path, tmp_path: Path) -> None:
    import io

    catalogue = Catalogue.load(generated_root, settings=Settings.resolve({"cache_dir": "none"}))
    store = catalogue.oxstore
    graph = ox.NamedNode(str(inference.INFERRED_GRAPH))
    written = io.BytesIO()
    inference.write_closure(store, graph, written, tmp_path)
    assert written.getvalue() == inference.closure_dump(store, graph)
    assert list(tmp_path.iterdir()) == []


def test_what_a_killed_writer_left_is_removed_by_the_next_closure_written(generated_root: Path, tmp_path: Path) -> None:
    import io
    import subprocess
    import sys

    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                           text=True, check=True).stdout.strip()
    left = [tmp_path / f".inferred-sorting-pid{ended}-x", tmp_path / f".inferred-{'k' * 32}-pid{ended}-y.nt"]
    alive = tmp_path / f".inferred-sorting-pid{os.getpid()}-z"  # a writer at work
    for folder in (left[0], alive):
        folder.mkdir()
        (folder / "closure.nt").write_bytes(b"<a> <b> <c> .\n")
    left[1].write_bytes(b"<a> <b> <c> .\n")
    catalogue = Catalogue.load(generated_root, settings=Settings.resolve({"cache_dir": "none"}))
    graph = ox.NamedNode(str(inference.INFERRED_GRAPH))
    inference.write_closure(catalogue.oxstore, graph, io.BytesIO(), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [alive.name]
