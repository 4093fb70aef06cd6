"""A large catalogue is read in two processes: the sources are those of a serial read, the error
raised is the first file's, and the files the helper read are recorded as checked."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from railgraph import loading, split_reading
from railgraph.checked_sources import CheckedSources
from railgraph.errors import InputError

from .conftest import ROOT

LIMITS = {"max_bytes": 10**7, "max_literal_chars": 10**6}


def _load(root: Path, checked: CheckedSources | None = None) -> list[loading.Source]:
    return loading.load_sources(root, [root / "ontology", root / "data"], **LIMITS, checked=checked)


def _facts(sources: list[loading.Source]) -> list[tuple[object, ...]]:
    return [(s.path, s.graph_iri, s.quads, s.prefixes, s.digest, s.blank_nodes, s.name) for s in sources]


@pytest.fixture()
def split(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every load split, however small; the files the helper sent back, by index."""
    monkeypatch.setattr(split_reading, "SPLIT_FROM", 0)
    sent: list[int] = []
    original = split_reading._Split._source

    def counted(self: split_reading._Split, message: split_reading._Read) -> loading.Source:
        sent.append(message.index)
        return original(self, message)

    monkeypatch.setattr(split_reading._Split, "_source", counted)
    return sent


@pytest.fixture()
def copied_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    for folder in ("ontology", "data"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


def test_a_split_read_gives_the_sources_of_a_serial_one(split: list[int], generated_root: Path) -> None:
    together = _load(generated_root)
    assert split, "the helper read none of the files"
    assert len(split) < len(together), "this process read none of the files"
    split_reading.SPLIT_FROM = 10**15  # undone by monkeypatch
    serial = _load(generated_root)
    assert _facts(together) == _facts(serial)


def test_the_shipped_catalogue_reads_alike_split(split: list[int]) -> None:
    """Blank nodes (licence clauses) and files rdflib reads keep their labels and prefixes."""
    together = _load(ROOT)
    split_reading.SPLIT_FROM = 10**15
    assert _facts(together) == _facts(_load(ROOT))
    assert any(s.blank_nodes for s in together)


def test_a_small_catalogue_is_read_here_alone(monkeypatch: pytest.MonkeyPatch, generated_root: Path) -> None:
    forked: list[object] = []
    monkeypatch.setattr(split_reading, "_Split", lambda *args: forked.append(args))
    assert _load(generated_root)  # far below SPLIT_FROM
    assert forked == []


def test_the_first_bad_file_is_reported_whichever_process_read_it(split: list[int], copied_root: Path) -> None:
    """The helper takes files from the front and this process from the end: each meets one bad
    file, and the error is the first file's, as a serial read reports it."""
    first, last = copied_root / "data" / "aaa-first.ttl", copied_root / "data" / "zzz-last.ttl"
    first.write_text("<https://w3id.org/railgraph/id/tool/x> <http://purl.org/dc/terms/title> \"unclosed .\n",
                     encoding="utf-8")
    last.write_text("<https://w3id.org/railgraph/id/tool/y> <http://purl.org/dc/terms/title> .\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        _load(copied_root)
    assert raised.value.path == first and raised.value.line == 1
    split_reading.SPLIT_FROM = 10**15
    with pytest.raises(InputError) as serial:
        _load(copied_root)
    assert str(serial.value) == str(raised.value)


def test_what_the_helper_read_is_recorded_as_checked(split: list[int], copied_root: Path, tmp_path: Path) -> None:
    records = []
    for name in ("split", "serial"):
        cache = tmp_path / name
        cache.mkdir()
        _load(copied_root, CheckedSources(cache, LIMITS["max_literal_chars"]))
        records.append(CheckedSources(cache, LIMITS["max_literal_chars"]).known)
        split_reading.SPLIT_FROM = 10**15
    assert split
    assert records[0] == records[1] and len(records[0]) > len(split)


def test_a_helper_that_dies_leaves_its_files_to_this_process(split: list[int], monkeypatch: pytest.MonkeyPatch,
                                                              generated_root: Path) -> None:
    unanswered: list[int] = []
    original = split_reading._Split._read_unanswered

    def dying(self: split_reading._Split, index: int) -> split_reading._Read:
        os._exit(1)  # the helper is killed while reading its first file

    def recorded(self: split_reading._Split) -> None:
        unanswered.append(self.next[0])
        original(self)

    monkeypatch.setattr(split_reading._Split, "_helped", dying)
    monkeypatch.setattr(split_reading._Split, "_read_unanswered", recorded)
    together = _load(generated_root)
    assert split == [] and unanswered == [1]  # it had claimed the first file, which is read here
    split_reading.SPLIT_FROM = 10**15
    assert _facts(together) == _facts(_load(generated_root))
