"""Loading sources: one named graph per file, located syntax errors, limits."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from railgraph import loading
from railgraph.catalogue import Catalogue
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
    paths += [p for p in loading.source_files(TESTS / "data") if "hostile" not in p.parts]  # refused on purpose
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


# -- strict reading (railgraph.rdf_input) -------------------------------------------------------

TOOL = "<https://w3id.org/railgraph/id/tool/probe>"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text", ['<http://example.org/has space> <http://example.org/p> "x" .\n',
                                  '<http://example.org/has space> <http://example.org/p> "x"@en-GB .\n',
                                  '<http://example.org/a> <http://example.org/p> "bad \\q escape" .\n'])
def test_what_pyoxigraph_refuses_is_an_error_even_where_rdflib_would_read_it(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path, "lenient.ttl", text)
    with pytest.raises(InputError, match=r"lenient\.ttl:1:\d+: invalid Turtle: ") as caught:
        parse_file(path, max_bytes=10_000, max_literal_chars=100)
    assert caught.value.line == 1 and caught.value.column is not None


SAME_ENTRY = {
    "entry.nq": f'{TOOL} <http://purl.org/dc/terms/title> "Probe"@en <https://example.org/g> .\n',
    "entry.trig": f'<https://example.org/g> {{ {TOOL} <http://purl.org/dc/terms/title> "Probe"@en . }}\n',
    "entry.rdf": '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dct="http://purl.org/dc/terms/">'
                 '<rdf:Description rdf:about="https://w3id.org/railgraph/id/tool/probe">'
                 '<dct:title xml:lang="en">Probe</dct:title></rdf:Description></rdf:RDF>\n',
    "entry.jsonld": '{"@context": "ontology/context.jsonld", "@id": "id:tool/probe", "title": "Probe"}\n',
}


@pytest.mark.parametrize("name", sorted(SAME_ENTRY))
def test_a_file_named_explicitly_may_be_in_any_syntax(tmp_path: Path, name: str) -> None:
    from railgraph.rdf_input import ContextAllowList

    path = _write(tmp_path, name, SAME_ENTRY[name])
    graph = parse_file(path, max_bytes=10_000, max_literal_chars=100,
                       contexts=ContextAllowList(ROOT, ("ontology/context.jsonld",)))
    assert set(graph) == {(URIRef(TOOL.strip("<>")), URIRef("http://purl.org/dc/terms/title"), Literal("Probe", lang="en"))}


def test_a_json_ld_context_is_refused_unless_allowed(tmp_path: Path) -> None:
    path = _write(tmp_path, "entry.jsonld", SAME_ENTRY["entry.jsonld"])
    with pytest.raises(InputError, match="'ontology/context.jsonld' at /@context is not an allowed context") as caught:
        parse_file(path, max_bytes=10_000, max_literal_chars=100)
    assert (caught.value.line, caught.value.column) == (1, 14)


@pytest.mark.parametrize(("declaration", "what"), [('<!DOCTYPE rdf:RDF [<!ENTITY e "x">]>', "DOCTYPE"),
                                                    ('<!ENTITY e SYSTEM "file:///etc/passwd">', "ENTITY")])
def test_rdf_xml_declarations_are_refused_before_parsing(tmp_path: Path, declaration: str, what: str) -> None:
    path = _write(tmp_path, "entry.rdf", '<?xml version="1.0"?>\n' + declaration + "\n" + SAME_ENTRY["entry.rdf"])
    with pytest.raises(InputError, match=f"entry.rdf:2:1: RDF/XML with a {what} declaration is refused"):
        parse_file(path, max_bytes=10_000, max_literal_chars=100)


def test_rdf_xml_must_be_well_formed(tmp_path: Path) -> None:
    unclosed = SAME_ENTRY["entry.rdf"].replace("</rdf:Description></rdf:RDF>", "")
    path = _write(tmp_path, "entry.rdf", unclosed)
    with pytest.raises(InputError, match=r"entry\.rdf:2:1: invalid RDF/XML: the XML is not well-formed"):
        parse_file(path, max_bytes=10_000, max_literal_chars=1_000)


@pytest.mark.parametrize(("value", "datatype"), [('"abc"', "integer"), ('"2026-13-45"', "date"),
                                                 ('"yes"', "boolean"), ('"1.2.3"', "decimal")])
def test_ill_typed_literals_are_refused_where_they_stand(tmp_path: Path, value: str, datatype: str) -> None:
    column = len(f"{TOOL} <http://example.org/p> ") + 1
    path = _write(tmp_path, "typed.ttl", f"@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
                                         f"{TOOL} <http://example.org/p> {value}^^xsd:{datatype} .\n")
    with pytest.raises(InputError, match=rf"typed\.ttl:2:{column}: {value} is not a valid {datatype}"):
        parse_file(path, max_bytes=10_000, max_literal_chars=100)


def test_well_typed_literals_and_unknown_datatypes_pass(tmp_path: Path) -> None:
    path = _write(tmp_path, "typed.ttl", f"@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
                                         f'{TOOL} <http://example.org/p> "2026-02-28"^^xsd:date, "-12"^^xsd:integer, '
                                         f'"anything"^^<http://example.org/datatype> .\n')
    assert len(parse_file(path, max_bytes=10_000, max_literal_chars=100)) == 3


def test_a_control_character_xml_cannot_carry_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "bell.nt", f'{TOOL} <http://example.org/p> "ring \\u0007 the bell" .\n')
    with pytest.raises(InputError, match="control character U\\+0007"):
        parse_file(path, max_bytes=10_000, max_literal_chars=100)
    tab = _write(tmp_path, "tab.nt", f'{TOOL} <http://example.org/p> "a\\tb\\nc\\r" .\n')
    assert len(parse_file(tab, max_bytes=10_000, max_literal_chars=100)) == 1


def test_one_iri_described_in_two_files_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    entry = "@prefix rg: <https://w3id.org/railgraph/ontology#> .\n\n" + TOOL + " a rg:Tool .\n"
    _write(folder, "a.ttl", entry)
    _write(folder, "b.ttl", entry.replace("a rg:Tool", "a rg:Tool, rg:Metric"))
    with pytest.raises(InputError, match=r"b\.ttl:3: <https://w3id.org/railgraph/id/tool/probe> is already "
                                         r"described in .*a\.ttl \(line 3\)"):
        loading.load_sources(tmp_path, [folder], max_bytes=10_000, max_literal_chars=100)


def test_outside_iris_may_be_typed_in_several_files(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("a.ttl", "b.ttl"):
        _write(folder, name, "<http://example.org/Thing> a <http://www.w3.org/2002/07/owl#Class> .\n")
    assert len(loading.load_sources(tmp_path, [folder], max_bytes=10_000, max_literal_chars=100)) == 2


def test_too_many_blank_nodes_are_refused(tmp_path: Path) -> None:
    many = loading.MAX_BLANK_NODES + 1
    path = _write(tmp_path, "blank.ttl", "".join(f"{TOOL} <http://example.org/p> [ <http://example.org/q> {n} ] .\n"
                                                 for n in range(many)))
    with pytest.raises(InputError, match=f"holds {many:,} blank nodes"):
        loading.read_source(path, "blank.ttl", max_bytes=1_000_000, max_literal_chars=100)


def test_a_symbolic_link_is_named_where_it_is(tmp_path: Path) -> None:
    target = _write(tmp_path, "elsewhere.ttl", f"{TOOL} <http://example.org/p> 1 .\n")
    folder = tmp_path / "root" / "data"
    folder.mkdir(parents=True)
    (folder / "link.ttl").symlink_to(target)
    assert loading.relative_name(folder / "link.ttl", tmp_path / "root", folder) == "data/link.ttl"


_LICENCE = "bigcode-openrail-m-license-agreement.ttl"


def _copied_catalogue(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    for folder in ("ontology", "shapes", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    (root / "data").mkdir()
    shutil.copy(ROOT / "data" / "licences" / _LICENCE, root / "data" / _LICENCE)
    return root


def test_released_statements_are_read_again_from_the_file_when_asked_for(tmp_path: Path) -> None:
    catalogue = Catalogue.load(_copied_catalogue(tmp_path))
    (source,) = [s for s in catalogue.sources if s.path.name == _LICENCE]
    quads, subjects = source.quads, source.subjects
    catalogue.release_sources()
    assert source._quads is None and source.subjects == subjects
    assert source.quads == quads  # blank nodes labelled as they were


def test_a_released_source_whose_file_changed_is_refused(tmp_path: Path) -> None:
    root = _copied_catalogue(tmp_path)
    catalogue = Catalogue.load(root)
    catalogue.release_sources()
    (source,) = [s for s in catalogue.sources if s.path.name == _LICENCE]
    source.path.write_text(source.path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        _ = source.quads
    assert raised.value.path == source.path and "changed" in str(raised.value)


def test_a_source_not_read_from_a_file_cannot_be_released() -> None:
    source = loading.Source(Path("made.ttl"), graph_iri_for("made.ttl"), ())
    with pytest.raises(ValueError, match="not read from its file"):
        source.release(lambda: source)
