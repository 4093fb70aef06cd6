"""The asserted N-Triples and JSON-LD assembled from cached pieces are the documents written whole,
byte for byte, and after an edit only the pieces of the edited file's group are made again."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import railgraph
from railgraph.atomic import newest_first
from railgraph import cache_reads
from railgraph.export import get_format, pieces, serialize_statements
from railgraph.export.rdf import load_context
from railgraph.loading import Source, read_source
from railgraph.namespaces import PREFIXES

from .conftest import ROOT

CONTEXT = load_context(ROOT / "ontology" / "context.jsonld")
EX = "https://w3id.org/railgraph/id/tool/"

FILES = {
    # one tool, a list and a blank node
    "a.ttl": f"""@prefix rg: <https://w3id.org/railgraph/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
<{EX}a> a rg:Tool ; dct:title "A"@en ; rg:steps ( <{EX}s1> <{EX}s2> ) ; rg:part [ dct:title "part" ] .
""",
    # adds to the tool of a.ttl (the two files are one group) and repeats one of its triples
    "b.ttl": f"""@prefix dct: <http://purl.org/dc/terms/> .
<{EX}a> dct:title "A"@en ; dct:identifier "a-1" .
""",
    # a tool of its own, whose IRI sorts between a's and a's blank nodes
    "c.ttl": f"""@prefix rg: <https://w3id.org/railgraph/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
<{EX}a/b> a rg:Tool ; dct:title "A/B" ; dct:issued "2024-01-02"^^<http://www.w3.org/2001/XMLSchema#date> .
""",
    "d.ttl": f"""@prefix dct: <http://purl.org/dc/terms/> .
<{EX}d> dct:title "D", "d"@de ; dct:extent 3, 2.5, true .
""",
}


def sources_in(folder: Path) -> list[Source]:
    return [read_source(path, f"data/{path.name}", max_bytes=10**7, max_literal_chars=10**6)
            for path in sorted(folder.glob("*.ttl"))]


def digests(sources: list[Source]) -> dict:
    return {s.graph_iri: hashlib.sha256(s.path.read_bytes()).digest() for s in sources}


def written_whole(sources: list[Source], fmt: str) -> bytes:
    return serialize_statements((q for s in sources for q in s.quads), get_format(fmt), PREFIXES, CONTEXT)


def assembled(sources: list[Source], fmt: str, cache: Path | None) -> bytes:
    if fmt == "nt":
        return b"".join(pieces.ntriples(pieces.groups(sources), digests(sources), cache))
    if fmt == "ttl":
        return b"".join(pieces.turtle(pieces.groups(sources), digests(sources), cache, PREFIXES))
    document = pieces.jsonld_document(pieces.groups(sources), digests(sources), cache, CONTEXT)
    assert document is not None
    return b"".join(document)


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    for name, text in FILES.items():
        (data / name).write_text(text, encoding="utf-8")
    return data


@pytest.fixture()
def made(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many statements each group whose pieces were made (not read back) held."""
    calls: list[int] = []
    for name in ("_ntriples_pieces", "_turtle_pieces", "_jsonld_pieces"):
        original = getattr(pieces, name)

        def counted(statements, *rest, original=original):
            calls.append(len(statements))
            return original(statements, *rest)

        monkeypatch.setattr(pieces, name, counted)
    return calls


@pytest.mark.parametrize("fmt", ["nt", "ttl", "jsonld"])
def test_the_real_catalogue_assembled_is_the_document_written_whole(catalogue, tmp_path: Path, fmt: str) -> None:
    whole = written_whole(catalogue.sources, fmt)
    assert catalogue.export(fmt) == whole
    assert assembled(catalogue.sources, fmt, tmp_path) == whole  # made, then kept
    assert assembled(catalogue.sources, fmt, tmp_path) == whole  # read back


@pytest.mark.parametrize("fmt", ["nt", "ttl", "jsonld"])
def test_a_generated_catalogue_assembled_is_the_document_written_whole(generated_root: Path, fmt: str) -> None:
    generated = railgraph.load(generated_root)
    assert generated.export(fmt) == written_whole(generated.sources, fmt)


def test_sources_sharing_a_subject_or_a_blank_node_are_one_group(folder: Path) -> None:
    sources = sources_in(folder)
    names = [[s.path.name for s in group] for group in pieces.groups(sources)]
    assert names == [["a.ttl", "b.ttl"], ["c.ttl"], ["d.ttl"]]


@pytest.mark.parametrize("fmt", ["nt", "ttl", "jsonld"])
def test_after_an_edit_only_the_edited_files_group_is_made_again(folder: Path, tmp_path: Path, made: list[int],
                                                                 fmt: str) -> None:
    cache = tmp_path / "cache"
    first = sources_in(folder)
    assert assembled(first, fmt, cache) == written_whole(first, fmt)
    assert len(made) == 3
    (folder / "c.ttl").write_text(FILES["c.ttl"].replace('"A/B"', '"A/B, edited"'), encoding="utf-8")
    edited = sources_in(folder)
    made.clear()
    assert assembled(edited, fmt, cache) == written_whole(edited, fmt)
    assert made == [3]  # c.ttl's three triples; a.ttl, b.ttl and d.ttl were read back
    made.clear()
    assert assembled(edited, fmt, cache) == written_whole(edited, fmt)
    assert made == []
    assert len(list(cache.glob(f"pieces-{fmt}-*.bin"))) == pieces.KEEP


def pieces_files(cache: Path, fmt: str) -> dict[str, bytes]:
    """The cache's pieces files of ``fmt``, by what they are: "full" or "overlay"."""
    return {path.name: b"overlay" if path.read_bytes().startswith(b"railgraph-pieces-overlay") else b"full"
            for path in cache.glob(f"pieces-{fmt}-*.bin")}


@pytest.mark.parametrize("fmt", ["nt", "ttl", "jsonld"])
def test_after_an_edit_the_cache_keeps_an_overlay_on_the_full_file(folder: Path, tmp_path: Path, made: list[int],
                                                                   fmt: str, monkeypatch) -> None:
    monkeypatch.setattr(pieces, "OVERLAY_SHARE", 1.0)  # these groups are few: one is a large share
    cache = tmp_path / "cache"
    assembled(sources_in(folder), fmt, cache)
    (base,) = pieces_files(cache, fmt)
    edits = [("c.ttl", '"A/B"', '"A/B, edited"'), ("d.ttl", '"D"', '"D, edited"'), ("d.ttl", "2.5", "3.5")]
    for number, (name, old, new) in enumerate(edits, start=1):
        (folder / name).write_text((folder / name).read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        edited = sources_in(folder)
        made.clear()
        assert assembled(edited, fmt, cache) == written_whole(edited, fmt)
        assert len(made) == 1, "only the edited file's group is made"
        kinds = pieces_files(cache, fmt)  # the KEEP latest documents, and the base of their overlays
        assert kinds.pop(base) == b"full" and list(kinds.values()) == [b"overlay"] * min(number, pieces.KEEP)
        latest = newest_first(cache, f"pieces-{fmt}-*.bin")[0]
        assert latest.name in kinds and latest.stat().st_size < (cache / base).stat().st_size
        made.clear()
        assert assembled(edited, fmt, cache) == written_whole(edited, fmt)
        assert made == [], "read back: the base and the overlay"
    (cache / base).unlink()  # an overlay without its base: every group is made again
    made.clear()
    assert assembled(edited, fmt, cache) == written_whole(edited, fmt)
    assert len(made) == 3


@pytest.mark.parametrize("fmt", ["nt", "ttl", "jsonld"])
def test_a_process_that_keeps_what_it_read_reads_the_full_file_once(folder: Path, tmp_path: Path, made: list[int],
                                                                    fmt: str, monkeypatch) -> None:
    """``build --watch`` (see :mod:`railgraph.cache_reads`): the same documents, each edit's
    overlay read, the full file under them read once."""
    monkeypatch.setattr(pieces, "OVERLAY_SHARE", 1.0)
    cache_reads.keep()
    read: list[str] = []
    reading = pieces._read_file
    monkeypatch.setattr(pieces, "_read_file", lambda path: read.append(path.name) or reading(path))
    cache = tmp_path / "cache"
    assembled(sources_in(folder), fmt, cache)
    (base,) = pieces_files(cache, fmt)
    for name, old, new in [("c.ttl", '"A/B"', '"A/B, edited"'), ("d.ttl", '"D"', '"D, edited"')]:
        (folder / name).write_text((folder / name).read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        edited = sources_in(folder)
        made.clear()
        assert assembled(edited, fmt, cache) == written_whole(edited, fmt)
        assert len(made) == 1
    assert read.count(base) == 1 and len(read) == 2, read  # the base, then the first overlay
    data = (cache / base).read_bytes()  # damaged in place, at the same size: read again, and refused
    (cache / base).write_bytes(data[:-1] + (b"0" if data[-1:] != b"0" else b"1"))
    made.clear()
    assert assembled(edited, fmt, cache) == written_whole(edited, fmt)
    assert len(made) == 3


def test_past_the_overlay_share_the_document_is_kept_whole_again(folder: Path, tmp_path: Path,
                                                                  monkeypatch) -> None:
    monkeypatch.setattr(pieces, "OVERLAY_SHARE", 0.0)
    cache = tmp_path / "cache"
    assembled(sources_in(folder), "nt", cache)
    (folder / "c.ttl").write_text(FILES["c.ttl"].replace('"A/B"', '"A/B, edited"'), encoding="utf-8")
    assert assembled(sources_in(folder), "nt", cache) == written_whole(sources_in(folder), "nt")
    assert sorted(pieces_files(cache, "nt").values()) == [b"full", b"full"]


@pytest.mark.parametrize("damage", [lambda data: data[:-7], lambda data: data[:40] + b"X" + data[41:],
                                    lambda data: b"something else"])
def test_a_damaged_pieces_file_is_made_again(folder: Path, tmp_path: Path, made: list[int], damage) -> None:
    cache = tmp_path / "cache"
    sources = sources_in(folder)
    whole = written_whole(sources, "nt")
    assembled(sources, "nt", cache)
    (kept,) = cache.glob("pieces-nt-*.bin")
    kept.write_bytes(damage(kept.read_bytes()))
    made.clear()
    assert assembled(sources, "nt", cache) == whole
    assert len(made) == 3


def test_turtle_that_would_escape_a_slash_in_a_prefixed_name_is_written_whole(folder: Path, tmp_path: Path) -> None:
    """With a prefix for the tools, ``<.../tool/a/b>`` would be ``tool:a\\/b``: the prefix is
    left out, as the whole document leaves it out."""
    sources = sources_in(folder)
    prefixes = {**PREFIXES, "tool": EX}
    whole = serialize_statements((q for s in sources for q in s.quads), get_format("ttl"), prefixes)
    assert b"@prefix tool:" not in whole and b"\\/" not in whole
    assert b"".join(pieces.turtle(pieces.groups(sources), digests(sources), tmp_path, prefixes)) == whole
    assert b"".join(pieces.turtle(pieces.groups(sources), digests(sources), tmp_path, prefixes)) == whole  # read back
    (folder / "c.ttl").unlink()  # no "/" left in a tool's local name: the prefix is used
    sources = sources_in(folder)
    whole = serialize_statements((q for s in sources for q in s.quads), get_format("ttl"), prefixes)
    assert b"@prefix tool:" in whole
    assert b"".join(pieces.turtle(pieces.groups(sources), digests(sources), tmp_path, prefixes)) == whole


def test_an_empty_catalogue_assembles_to_empty_documents(tmp_path: Path) -> None:
    assert b"".join(pieces.ntriples([], {}, tmp_path)) == written_whole([], "nt") == b""
    assert b"".join(pieces.turtle([], {}, tmp_path, PREFIXES)) == written_whole([], "ttl") == b""
    assert b"".join(pieces.jsonld_document([], {}, tmp_path, CONTEXT) or []) == written_whole([], "jsonld")


def test_a_context_the_fast_compaction_cannot_port_is_left_to_pyld(folder: Path, tmp_path: Path) -> None:
    sources = sources_in(folder)
    assert pieces.jsonld_document(pieces.groups(sources), digests(sources), tmp_path, {"@base": "https://example.org/"}) is None
    assert not list(tmp_path.glob("pieces-*"))


def test_data_the_fast_compaction_cannot_port_is_left_to_pyld(folder: Path, tmp_path: Path) -> None:
    (folder / "e.ttl").write_text(f'<{EX}e> <{EX}steps> ( "one" "two" ) .\n', encoding="utf-8")
    sources = sources_in(folder)
    assert pieces.jsonld_document(pieces.groups(sources), digests(sources), tmp_path, CONTEXT) is None
    assert not list(tmp_path.glob("pieces-jsonld-*"))


def test_a_cache_that_cannot_be_written_is_skipped(folder: Path, tmp_path: Path) -> None:
    sources = sources_in(folder)
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert b"".join(pieces.ntriples(pieces.groups(sources), digests(sources), blocked)) == written_whole(sources, "nt")


def test_writing_pieces_tells_the_full_file_the_latest_one_is_or_lies_on(tmp_path: Path, monkeypatch) -> None:
    """What the next write may lay its overlay on (see table_parts.Made): the file written, the
    base of an overlay, and for an overlay already there, its base where it is the one given."""
    monkeypatch.setattr(pieces, "OVERLAY_SHARE", 1.0)
    first = {"a" * 64: [(b"k", b"one")], "b" * 64: [(b"l", b"two")]}
    full = pieces.write(tmp_path, "nt", first)
    assert full is not None and full.keys == frozenset(first) and full.path.is_file()
    assert pieces.read(tmp_path, "nt").origin == full
    second = {**first, "c" * 64: [(b"m", b"three")]}
    assert pieces.write(tmp_path, "nt", second, on=full) == full  # an overlay on it
    assert pieces.write(tmp_path, "nt", second, on=full) == full  # the same overlay, there already
    assert pieces.write(tmp_path, "nt", second, on=None) is None  # an overlay on a base not given
    blocked = tmp_path / "blocked"
    blocked.write_text("not a folder")
    assert pieces.write(blocked, "nt", second) is None  # a cache that cannot be written
    monkeypatch.setattr(pieces, "OVERLAY_SHARE", 0.0)
    third = {**first, "d" * 64: [(b"n", b"four")]}
    whole = pieces.write(tmp_path, "nt", third, on=full)
    assert whole is not None and whole.path != full.path and whole.keys == frozenset(third)
    assert pieces.read(tmp_path, "nt").origin == whole
