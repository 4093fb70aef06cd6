"""Loading sources: one named graph per file, located syntax errors, limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from railgraph import loading
from railgraph.errors import InputError
from railgraph.loading import graph_iri_for, parse_file
from railgraph.namespaces import BASE

from .conftest import ROOT, TESTS
from .graphs import same_graph

BROKEN = """@prefix ex: <http://example.org/> .
ex:a ex:b ex:c .
ex:a ex:b "unterminated .
"""


def test_every_source_file_gets_its_own_named_graph(catalogue) -> None:
    iris = {str(s.graph_iri) for s in catalogue.sources}
    assert "https://w3id.org/railgraph/graph/ontology/railgraph.ttl" in iris
    assert "https://w3id.org/railgraph/graph/data/licences/bigcode-openrail-m-license-agreement.ttl" in iris
    assert not any(iri.startswith("file:") for iri in iris)
    assert len(iris) == len(catalogue.sources)


def _rdflib_reading(path: Path) -> object:
    text = path.read_text(encoding="utf-8")
    return loading.new_graph().parse(data=text, format=loading.FORMATS[path.suffix], publicID=BASE)


def test_pyoxigraph_reads_every_source_as_rdflib_does() -> None:
    """Sources are parsed by pyoxigraph (fast); the graph must be the one rdflib's parser gives."""
    paths = [p for folder in ("ontology", "data", "shapes") for p in loading.source_files(ROOT / folder)]
    paths += loading.source_files(TESTS / "data")
    read_fast = 0
    for path in paths:
        fast = loading._parse_fast(path.read_text(encoding="utf-8"), loading.FORMATS[path.suffix])
        if fast is not None:
            read_fast += 1
            assert same_graph(fast, _rdflib_reading(path)), path
    assert read_fast == len(paths) > 100


@pytest.mark.parametrize("obj", ['"Colour"@en-GB', '"plain"^^xsd:string', '"<b>x</b>"^^rdf:HTML'])
def test_what_pyoxigraph_reads_differently_is_left_to_rdflib(tmp_path: Path, obj: str) -> None:
    path = tmp_path / "x.ttl"
    path.write_text("@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
                    "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
                    f"<http://example.org/a> <http://example.org/p> {obj} .\n", encoding="utf-8")
    assert loading._parse_fast(path.read_text(encoding="utf-8"), "turtle") is None
    graph = parse_file(path, max_bytes=10_000, max_literal_chars=100)
    assert set(graph) == set(_rdflib_reading(path))
    if "string" in obj:
        assert graph.value(URIRef("http://example.org/a"), URIRef("http://example.org/p")) == \
            Literal("plain", datatype=XSD.string)


def test_graph_iri_never_uses_platform_separators() -> None:
    assert str(graph_iri_for("data\\tools\\x.ttl")) == "https://w3id.org/railgraph/graph/data/tools/x.ttl"


def test_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        parse_file(broken, max_bytes=10_000, max_literal_chars=1_000)
    error = caught.value
    assert error.line == 3
    assert error.column is not None and error.column > 1
    assert str(broken) in str(error) and ":3:" in str(error)


def test_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    big = tmp_path / "big.ttl"
    big.write_text("# " + "x" * 2_000 + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="more than the 1,000 allowed"):
        parse_file(big, max_bytes=1_000, max_literal_chars=1_000)


def test_overlong_literal_is_refused(tmp_path: Path) -> None:
    long = tmp_path / "long.ttl"
    long.write_text(f'<http://e/a> <http://e/b> "{"y" * 500}" .\n', encoding="utf-8")
    with pytest.raises(InputError, match="literal of 500 characters"):
        parse_file(long, max_bytes=100_000, max_literal_chars=100)


def test_non_utf8_file_is_located(tmp_path: Path) -> None:
    latin = tmp_path / "latin.ttl"
    latin.write_bytes(b'<http://e/a> <http://e/b> "caf\xe9" .\n')
    with pytest.raises(InputError, match="not UTF-8") as caught:
        parse_file(latin, max_bytes=100_000, max_literal_chars=100)
    assert caught.value.line == 1


def test_unsupported_suffix_is_refused(tmp_path: Path) -> None:
    odd = tmp_path / "entry.json"
    odd.write_text("{}", encoding="utf-8")
    with pytest.raises(InputError, match="unsupported file type"):
        parse_file(odd, max_bytes=100, max_literal_chars=100)


def test_relative_iris_resolve_against_the_railgraph_base(tmp_path: Path) -> None:
    entry = tmp_path / "relative.ttl"
    entry.write_text("<id/tool/x> <http://e/p> <vocab/status/draft> .\n", encoding="utf-8")
    graph = parse_file(entry, max_bytes=10_000, max_literal_chars=100)
    (subject,) = set(graph.subjects())
    assert str(subject) == "https://w3id.org/railgraph/id/tool/x"


def test_broken_file_exits_2_naming_its_line(run_cli, tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text(BROKEN, encoding="utf-8")
    result = run_cli("validate", str(broken))
    assert result.code == 2
    assert f"{broken}:3:" in result.err
    assert "Traceback" not in result.err


def test_a_failed_parse_adds_nothing_to_the_catalogue(fresh_catalogue, tmp_path: Path) -> None:
    before = len(fresh_catalogue.asserted)
    broken = tmp_path / "broken.ttl"
    broken.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(InputError):
        fresh_catalogue.add_file(broken)
    assert len(fresh_catalogue.asserted) == before


def test_root_is_the_current_folder_when_it_is_a_catalogue(tmp_path: Path) -> None:
    from railgraph.errors import UsageError
    from railgraph.resources import find_root

    assert find_root(cwd=ROOT) == ROOT
    with pytest.raises(UsageError, match="has no ontology, shapes, queries, data folder"):
        find_root(tmp_path)
