"""A source file read before with the same bytes, syntax and limits is only parsed: it reads to the
same quads, and every other file is checked as ever."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from railgraph import rdf_input
from railgraph.checked_sources import FILE_NAME, CheckedSources
from railgraph.errors import InputError
from railgraph.loading import load_sources

TOOL = "https://w3id.org/railgraph/id/tool/"
PLAIN = f'<{TOOL}a> <http://purl.org/dc/terms/title> "A" ; <http://purl.org/dc/terms/issued> "2024-01-02"^^<http://www.w3.org/2001/XMLSchema#date> .\n'
BLANK = f'<{TOOL}b> <http://purl.org/dc/terms/title> "B" ; <{TOOL}part> [ <http://purl.org/dc/terms/title> "part" ] .\n'


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    data = tmp_path / "root" / "data"
    data.mkdir(parents=True)
    (data / "a.ttl").write_text(PLAIN, encoding="utf-8")
    (data / "b.ttl").write_text(BLANK, encoding="utf-8")
    return tmp_path / "root"


def load(root: Path, cache: Path | None, max_literal_chars: int = 1000) -> list:
    return load_sources(root, [root / "data"], max_bytes=10**6, max_literal_chars=max_literal_chars,
                        checked=CheckedSources(cache, max_literal_chars))


@pytest.fixture()
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files whose literals were checked."""
    checked: list[str] = []
    original = rdf_input.check_literals

    def counted(literals, text, path, limit):
        checked.append(Path(path).name)
        return original(literals, text, path, limit)

    monkeypatch.setattr(rdf_input, "check_literals", counted)
    return checked


def test_a_file_read_before_is_only_parsed_to_the_same_quads(root: Path, tmp_path: Path, checks: list[str]) -> None:
    cache = tmp_path / "cache"
    first = load(root, cache)
    assert checks == ["a.ttl", "b.ttl"]
    checks.clear()
    again = load(root, cache)
    assert checks == []
    assert [s.quads for s in again] == [s.quads for s in first]  # the blank node keeps its label
    assert [s.digest for s in again] == [s.digest for s in first]


def test_whether_a_file_names_a_blank_node_is_known_read_first_or_again(root: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    for sources in (load(root, cache), load(root, cache), load(root, None)):
        flags = {s.path.name: s.blank_nodes for s in sources}
        assert flags == {"a.ttl": False, "b.ttl": True}
        for source in sources:  # a file said to name none names none
            assert source.blank_nodes or not any(isinstance(t, ox.BlankNode) for q in source.quads for t in q)


def test_an_edited_file_is_checked_again(root: Path, tmp_path: Path, checks: list[str]) -> None:
    cache = tmp_path / "cache"
    load(root, cache)
    (root / "data" / "a.ttl").write_text(PLAIN.replace("2024-01-02", "2024-13-45"), encoding="utf-8")
    checks.clear()
    with pytest.raises(InputError, match="not a valid date") as caught:
        load(root, cache)
    assert caught.value.path is not None and Path(caught.value.path).name == "a.ttl"
    assert checks == ["a.ttl"]


def test_a_smaller_limit_checks_every_file_again(root: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load(root, cache, max_literal_chars=1000)
    with pytest.raises(InputError, match="exceeds the 3 allowed"):
        load(root, cache, max_literal_chars=3)


@pytest.mark.parametrize("damage", ["", "not the record\n", None])
def test_a_damaged_record_is_ignored(root: Path, tmp_path: Path, checks: list[str], damage: str | None) -> None:
    cache = tmp_path / "cache"
    load(root, cache)
    record = cache / FILE_NAME
    text = record.read_text()
    record.write_text(damage if damage is not None else text.replace(" 0\n", " zero\n"))
    checks.clear()
    load(root, cache)
    assert checks == ["a.ttl", "b.ttl"]
    assert record.read_text() == text, "and written anew"


def test_the_record_holds_the_files_of_the_last_catalogue_read(root: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load(root, cache)
    (root / "data" / "b.ttl").unlink()
    load(root, cache)
    assert len((cache / FILE_NAME).read_text().splitlines()) == 2  # the versions and a.ttl


def test_a_catalogue_that_fails_to_load_records_nothing(root: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (root / "data" / "c.ttl").write_text("<broken", encoding="utf-8")
    with pytest.raises(InputError):
        load(root, cache)
    assert not (cache / FILE_NAME).exists()


def test_without_a_cache_every_file_is_checked(root: Path, checks: list[str]) -> None:
    load(root, None)
    load(root, None)
    assert checks == ["a.ttl", "b.ttl", "a.ttl", "b.ttl"]
