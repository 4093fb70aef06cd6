"""The fast validation path reports exactly what a plain pyshacl run reports.

Compared as sets of (severity, focus node, shape, path, value, message), on the real catalogue
(cold cache, warm cache, one file changed), on the corpus of invalid examples (alone and beside a
generated catalogue), and on changes that
only the dependency rules of :mod:`railgraph.validation_cache` bring back into view.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import threading
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

import railgraph
from railgraph import cache_reads, store_graph, validation, validation_cache, validation_core, validation_focus
from railgraph.catalogue import Catalogue
from railgraph.namespaces import RDF, RG, RGSH, SH
from railgraph.settings import Settings
from railgraph.validation import Severity, ValidationReport

from .conftest import ID, ROOT, TESTS

INVALID = TESTS / "data" / "invalid"
TOOL = ROOT / "data" / "tools" / "adversarial-robustness-toolbox.ttl"

Results = set[tuple[Severity, str, str, str | None, str | None, str]]


def results(report: ValidationReport) -> Results:
    return {(r.severity, r.focus_node, r.shape, r.path, r.value, r.message) for r in report.results}


def fast(catalogue: Catalogue, cache_dir: Path | None, **options) -> ValidationReport:
    """What the catalogue runs: the store, and an rdflib view of it (no rdflib copy)."""
    store = catalogue.oxstore
    return validation.validate_fast(store_graph.view(store), catalogue.shapes, cache_dir=cache_dir,
                                    source_digest=catalogue.source_digest(), store=store, **options)


def reference(catalogue: Catalogue) -> ValidationReport:
    return validation.validate(catalogue.union(), catalogue.shapes)


class Spy:
    """Records how many focus nodes each validation (pyrudof and pyshacl) was given."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.runs: list[int] = []
        check = validation._check

        def spy(data, store, shapes, targets, *args, **kwargs):
            self.runs.append(len(set().union(*targets.values())))
            return check(data, store, shapes, targets, *args, **kwargs)

        monkeypatch.setattr(validation, "_check", spy)


def copy_cache(source: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(source, tmp_path / "cache"))


def small_root(tmp_path: Path, *files: tuple[str, str]) -> Path:
    """A catalogue root with the real ontology and shapes and only ``files`` (name, Turtle) as data."""
    root = tmp_path / "root"
    root.mkdir()
    for name in ("ontology", "shapes", "queries"):
        os.symlink(ROOT / name, root / name)
    (root / "data").mkdir()
    for name, text in files:
        (root / "data" / name).write_text(text, encoding="utf-8")
    return root


# -- the real catalogue ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def plain(catalogue) -> ValidationReport:
    """A plain pyshacl run on the real catalogue (about 15 s)."""
    return reference(catalogue)


@pytest.fixture(scope="module")
def snapshot(catalogue, tmp_path_factory) -> tuple[Path, ValidationReport]:
    """A cache holding the real catalogue's snapshot, and the cold run that wrote it."""
    cache = tmp_path_factory.mktemp("cache")
    return cache, fast(catalogue, cache)


def test_a_cold_run_reports_what_pyshacl_reports(snapshot, plain) -> None:
    _, cold = snapshot
    assert plain.results, "the catalogue has warnings, so the comparison compares something"
    assert results(cold) == results(plain)
    assert cold.conforms == plain.conforms
    assert isomorphic(cold.graph, plain.graph)


def test_sparql_targets_of_shapes_pyrudof_checks_nothing_of_are_found_while_it_works(
        catalogue, plain, monkeypatch) -> None:
    """Their focus nodes are found once pyrudof has begun, beside it; the report is the same."""
    shapes = validation_focus.canonical(catalogue.shapes)
    later = validation._for_pyshacl_alone(shapes)
    assert RGSH.EntryObjectiveShape in later, "a SPARQL target and a SPARQL constraint"
    assert (RGSH.ConceptShape, SH.target, None) in shapes and RGSH.ConceptShape not in later, \
        "a SPARQL target, and core constraints pyrudof may check"
    assert all((shape, SH.target, None) in shapes for shape in later)
    started = threading.Event()
    run, find = validation_core.run, validation_focus.find_targets
    waited: list[bool] = []

    def rudof(*args, **kwargs):
        started.set()
        return run(*args, **kwargs)

    def finding(*args, wanted=lambda shape: True, **kwargs):
        if wanted(RGSH.EntryObjectiveShape):
            waited.append(started.wait(10))
        return find(*args, wanted=wanted, **kwargs)

    monkeypatch.setattr(validation_core, "run", rudof)
    monkeypatch.setattr(validation_focus, "find_targets", finding)
    monkeypatch.setattr(validation, "RUDOF_FROM", 0)
    report = fast(catalogue, None, workers=1)
    monkeypatch.undo()
    assert waited == [True], "found once, after pyrudof began"
    assert results(report) == results(plain)


def test_a_warm_run_reads_the_report_back(catalogue, snapshot, plain, tmp_path, monkeypatch) -> None:
    spy = Spy(monkeypatch)
    warm = fast(catalogue, copy_cache(snapshot[0], tmp_path))
    assert spy.runs == []
    assert results(warm) == results(plain)
    assert isomorphic(warm.graph, plain.graph)


def test_after_one_file_changes_only_what_it_can_affect_is_validated_again(
        fresh_catalogue, snapshot, tmp_path, monkeypatch) -> None:
    changed = tmp_path / TOOL.name
    changed.write_text(TOOL.read_text(encoding="utf-8")
                       .replace('"Adversarial Robustness Toolbox (ART)"@en', '"ART"')
                       .replace("tool-type/technical>", "tool-type/technicall>"), encoding="utf-8")
    fresh_catalogue.add_file(changed)
    fresh_catalogue.add_file(INVALID / "UseRestrictionLicenceShape.ttl")
    spy = Spy(monkeypatch)
    incremental = fast(fresh_catalogue, copy_cache(snapshot[0], tmp_path))
    expected = reference(fresh_catalogue)
    assert results(incremental) == results(expected)
    assert spy.runs and spy.runs[0] < 100, "only the neighbourhood of the change is validated"
    tool = ID + "tool/adversarial-robustness-toolbox"
    assert {r.shape for r in incremental.violations if r.focus_node == tool} >= {
        str(RGSH.EntryTitleShape), str(RGSH.EntryToolTypeShape)}
    (orphan,) = [r for r in incremental.results if r.shape == str(RGSH.UseRestrictionLicenceShape)]
    assert orphan.path == "^<http://www.w3.org/ns/odrl/2/prohibition>"


@pytest.mark.parametrize("edit", [('dct:title "', 'dct:title "Renamed '),
                                  ("rg:lifecycleStage <", "rdfs:seeAlso <")], ids=["title", "facet"])
def test_after_an_edit_only_the_changed_parts_are_fingerprinted_again(
        edit: tuple[str, str], generated_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A title is read by no inference: the edited source alone is fingerprinted again; a facet
    changes the inferred graph too, of which only the lines it lost and gained are."""
    root = tmp_path / "root"
    shutil.copytree(generated_root, root)
    settings = Settings.resolve({"cache_dir": str(tmp_path / "cache")})
    Catalogue.load(root, settings=settings).validate()
    tool = sorted((root / "data" / "tools").glob("*.ttl"))[0]
    tool.write_text(tool.read_text(encoding="utf-8").replace(*edit, 1), encoding="utf-8")
    read: list[int] = []
    lines_of = validation_cache.fingerprints_of_lines

    def counting(lines: Iterable[bytes]) -> validation_cache.Fingerprints:
        listed = [line for line in lines if line.strip()]
        read.append(len(listed))
        return lines_of(listed)

    monkeypatch.setattr(validation_cache, "fingerprints_of_lines", counting)
    spy = Spy(monkeypatch)
    catalogue = Catalogue.load(root, settings=settings)
    incremental = catalogue.validate()
    (edited,) = [len(s.quads) for s in catalogue.sources if s.path == tool]
    if edit[0].startswith("dct:title"):
        assert read == [edited]
    else:  # what the stage entailed is gone (rg:facet, dct:subject, ...); rdfs:seeAlso entails nothing
        lost, gained, source = read
        assert source == edited and 0 < lost < 20 and gained == 0
    assert spy.runs and spy.runs[0] < 100, "only the neighbourhood of the change is validated"
    monkeypatch.undo()
    assert results(incremental) == results(reference(catalogue))


def test_sources_fingerprinted_ahead_are_not_fingerprinted_again(generated_root: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A build fingerprints the sources beside inference (another process); validation then
    fingerprints none of them, and remembers the same state as when it made them itself."""
    settings = Settings.resolve({"cache_dir": str(tmp_path / "ahead")})
    catalogue = Catalogue.load(generated_root, settings=settings)
    ahead = catalogue.source_fingerprints()
    assert len(ahead) == len(catalogue.sources)
    read: list[int] = []
    lines_of = validation_cache.fingerprints_of_lines
    monkeypatch.setattr(validation_cache, "fingerprints_of_lines",
                        lambda lines: read.append(1) or lines_of(lines))
    given = catalogue.validate(fingerprints=ahead)
    assert read == []  # the inferred graph is kept apart, the sources were given
    monkeypatch.undo()
    alone = Catalogue.load(generated_root, settings=Settings.resolve({"cache_dir": str(tmp_path / "alone")}))
    assert results(alone.validate()) == results(given)
    snapshots = [validation_cache.latest_parts(tmp_path / name) for name in ("ahead", "alone")]
    assert snapshots[0] == snapshots[1] and ahead.items() <= snapshots[0].items()
    assert catalogue.source_fingerprints() == {}  # that snapshot holds them all: none is handed over


def test_only_the_sources_the_snapshot_lacks_are_fingerprinted_ahead(generated_root: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """After an edit, the build's forked process hands validation the edited source's
    fingerprints alone; validation reads the others from the snapshot, and fingerprints none."""
    root = Path(shutil.copytree(generated_root, tmp_path / "root"))
    settings = Settings.resolve({"cache_dir": str(tmp_path / "cache")})
    Catalogue.load(root, settings=settings).validate()
    edited = root / "data" / "tools" / "tool-0001.ttl"
    edited.write_text(edited.read_text(encoding="utf-8").replace('dct:title "', 'dct:title "Edited ', 1),
                      encoding="utf-8")
    catalogue = Catalogue.load(root, settings=settings)
    ahead = catalogue.source_fingerprints()
    assert len(ahead) == 1
    read: list[int] = []
    lines_of = validation_cache.fingerprints_of_lines
    monkeypatch.setattr(validation_cache, "fingerprints_of_lines",
                        lambda lines: read.append(1) or lines_of(lines))
    given = catalogue.validate(fingerprints=ahead)
    monkeypatch.undo()
    assert read == []
    alone = Catalogue.load(root, settings=Settings.resolve({"cache_dir": str(tmp_path / "alone")}))
    assert results(alone.validate()) == results(given)
    assert validation_cache.latest_parts(tmp_path / "cache") == validation_cache.latest_parts(tmp_path / "alone")


def test_the_latest_parts_are_read_whatever_the_shapes(tmp_path: Path) -> None:
    parts = {"s1": {"<x>": (1, 2)}}
    validation_cache.write(tmp_path, "a" * 64, validation_cache.Snapshot("d1", "schema", parts, ""))
    assert validation_cache.latest_parts(tmp_path) == parts
    assert validation_cache.read(tmp_path, "b" * 64) is None  # another shapes' report is not taken
    assert validation_cache.latest_parts(tmp_path / "none") == {}


def test_a_closure_gone_from_the_cache_has_everything_validated_again(
        generated_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "root"
    shutil.copytree(generated_root, root)
    cache = tmp_path / "cache"
    settings = Settings.resolve({"cache_dir": str(cache)})
    spy = Spy(monkeypatch)
    Catalogue.load(root, settings=settings).validate()
    (everything,) = spy.runs
    tool = sorted((root / "data" / "tools").glob("*.ttl"))[0]
    tool.write_text(tool.read_text(encoding="utf-8").replace("rg:lifecycleStage <", "rdfs:seeAlso <", 1),
                    encoding="utf-8")
    for closure in cache.glob("inferred-*.nt"):
        closure.write_bytes(closure.read_bytes()[:-10])  # its last line cut short
    catalogue = Catalogue.load(root, settings=settings)
    report = catalogue.validate()
    assert spy.runs[1:] == [everything], "what the edit changed cannot be told: everything is validated"
    monkeypatch.undo()
    assert results(report) == results(reference(catalogue))


# -- the invalid corpus and the dependency rules ----------------------------------------------

def test_on_the_invalid_corpus_cold_parallel_and_incremental(tmp_path, monkeypatch) -> None:
    root = small_root(tmp_path)
    cache = tmp_path / "cache"
    fast(railgraph.load(root), cache)
    corpus = railgraph.load(root, data=[INVALID])
    expected = reference(corpus)
    shapes = {r.shape.removeprefix(str(RGSH)) for r in expected.results}
    assert shapes == {p.stem for p in INVALID.glob("*.ttl")}
    spy = Spy(monkeypatch)
    assert results(fast(corpus, None, workers=2)) == results(expected)
    assert results(fast(corpus, cache)) == results(expected)
    whole, incremental = spy.runs
    assert incremental < whole, "brought up to date from the snapshot of the catalogue without examples"
    monkeypatch.undo()
    assert results(one_process_and_its_queries(corpus, monkeypatch)) == results(expected)


def one_process_and_its_queries(catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch) -> ValidationReport:
    """A cold fast run in this process, which must have used pyrudof and answered every SPARQL
    constraint set-wise: rdflib runs no query (targets and constraints are on pyoxigraph)."""
    checked: list[int] = []
    run, query = validation_core.run, Graph.query

    def rudof(*args, **kwargs):
        report = run(*args, **kwargs)
        checked.append(len(report))
        return report

    def per_node(self, *args, **kwargs):
        raise AssertionError(f"rdflib ran a query: {args[0]}")

    monkeypatch.setattr(validation_core, "run", rudof)
    monkeypatch.setattr(validation, "RUDOF_FROM", 0)
    monkeypatch.setattr(Graph, "query", per_node)
    report = fast(catalogue, None, workers=1)
    monkeypatch.undo()
    assert checked and checked[0] > 0, "pyrudof checked the core constraints and found something"
    return report


def test_on_a_generated_catalogue_with_the_invalid_corpus(generated_root) -> None:
    corpus = railgraph.load(generated_root, data=[INVALID])
    expected = reference(corpus)
    assert {r.shape.removeprefix(str(RGSH)) for r in expected.results} == {p.stem for p in INVALID.glob("*.ttl")}
    assert results(fast(corpus, None, workers=2)) == results(expected)


LINEAGE = """@prefix rg: <https://w3id.org/railgraph/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
""" + "".join(f"""<{ID}licence/chain-{a}> a rg:Licence ; dct:title "Chain {a}"@en ;
    rg:basedOn <{ID}licence/chain-{b}> .
""" for a, b in zip("abc", "bcd")) + f"""<{ID}licence/chain-d> a rg:Licence ; dct:title "Chain d"@en .
"""

CHANGE = f"""@prefix rg: <https://w3id.org/railgraph/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<{ID}licence/chain-d> rg:basedOn <{ID}licence/chain-a> .
<https://w3id.org/railgraph/vocab/lifecycle-stage/aaa-duplicate> a skos:Concept ;
    skos:inScheme <https://w3id.org/railgraph/vocab/lifecycle-stage> ;
    skos:broader <https://w3id.org/railgraph/vocab/lifecycle-stage/deploy> ;
    skos:prefLabel "Duplicate"@en ; skos:definition "A concept made up for a test."@en ;
    skos:notation "3" ; dct:source <https://example.org/railgraph/invalid/concept> ;
    rg:status <https://w3id.org/railgraph/vocab/status/verified> .
"""


def test_a_change_reaches_the_results_of_nodes_it_does_not_touch(tmp_path, monkeypatch) -> None:
    """A lineage cycle closed three links away, a notation taken from an unchanged concept, and a
    flow-down duty losing its action two links from its licence; each rule is needed."""
    flow_down = (INVALID / "ResponsibleAILicenceFlowDownShape.ttl").read_text(encoding="utf-8")
    root = small_root(tmp_path, ("lineage.ttl", LINEAGE),
                      ("rail.ttl", flow_down.replace("odrl:attribute", "odrl:nextPolicy")))
    cache = tmp_path / "cache"
    fast(railgraph.load(root), cache)
    (root / "data" / "rail.ttl").write_text(flow_down, encoding="utf-8")
    (tmp_path / "change").mkdir()
    (tmp_path / "change" / "change.ttl").write_text(CHANGE, encoding="utf-8")
    changed = railgraph.load(root, data=[tmp_path / "change"])
    expected = results(reference(changed))
    far = {(shape.rsplit("#", 1)[-1], focus.rsplit("/", 1)[-1]) for _, focus, shape, *_ in expected}
    assert far >= {("LicenceLineageCycleShape", f"chain-{n}") for n in "abcd"} | {
        ("ConceptNotationUniqueShape", "build-and-use-model"),
        ("ResponsibleAILicenceFlowDownShape", "invalid-responsible-ai-licence-flow-down")}
    for blind in ("groups", "reach"):
        shutil.copytree(cache, tmp_path / blind)
    assert results(fast(changed, cache)) == expected
    monkeypatch.setattr(validation_cache, "GROUPS", ())
    missed = expected - results(fast(changed, tmp_path / "groups"))
    assert {r[2].rsplit("#", 1)[-1] for r in missed} == {"ConceptNotationUniqueShape"}
    monkeypatch.undo()
    monkeypatch.setattr(validation_cache, "REACH", 1)
    missed = expected - results(fast(changed, tmp_path / "reach"))
    assert {r[2].rsplit("#", 1)[-1] for r in missed} == {"ResponsibleAILicenceFlowDownShape"}


def test_focus_nodes_found_among_some_nodes_are_those_of_every_focus_node(tmp_path) -> None:
    """After an edit the focus nodes are looked up among the nodes it can affect: the same as
    finding them all and keeping those, for class, SPARQL and blank-node targets alike."""
    blank_tool = ("blank-tool.ttl", f"[] a <{RG.Tool}> ; <{RG.toolType}> [] .")
    corpus = railgraph.load(small_root(tmp_path, blank_tool), data=[INVALID])
    store = corpus.oxstore
    data = store_graph.view(store)
    shapes = validation_focus.canonical(corpus.shapes)
    whole = validation_focus.find_targets(data, shapes, store)
    flagged = {URIRef(r.focus_node) for r in reference(corpus).results}  # SPARQL targets select these
    nodes = sorted({node for found in whole.values() for node in found}, key=str)
    blank = [node for node in nodes if not isinstance(node, URIRef)]
    assert blank and flagged, "blank nodes and SPARQL targets are both compared"
    for among in [set(nodes[::7]) | flagged, set(nodes[1::5]) - set(blank), {URIRef(ID + "tool/none")}]:
        expected = {shape: {node for node in found if node in among or isinstance(node, Literal)}
                    for shape, found in whole.items()}
        assert validation_focus.find_targets(data, shapes, store, among) == expected


def test_a_sparql_target_is_asked_about_some_nodes_only_where_that_changes_nothing() -> None:
    some = {URIRef(ID + "tool/a"), URIRef(ID + "tool/b")}
    for about in ["SELECT ?this WHERE { ?this ?p ?o }", "SELECT $this WHERE {\n  $this a ?c OPTIONAL { ?x ?p $this } }",
                  "SELECT ?this WHERE { ?p a ?c . FILTER (isIRI(?p)) ?this ?p ?o }",
                  "SELECT ?this WHERE { ?this <https://example.org/target-group> ?o }"]:  # a keyword in an IRI
        assert validation_focus._asked_about(about, some) == f"{about}\nVALUES ?this {{ <{ID}tool/a> <{ID}tool/b> }}"
    for whole in ["SELECT ?this WHERE { ?s <https://example.org/name> ?this }",  # may be a literal
                  "SELECT ?this WHERE { ?s (<https://example.org/a>|<https://example.org/b>) ?this }",
                  "SELECT ?this WHERE { FILTER NOT EXISTS { ?this ?p ?o } ?s ?p ?this }",
                  "SELECT ?this WHERE { OPTIONAL { ?this ?p ?o } }", "SELECT ?this WHERE { { ?this ?p ?o } UNION { ?s ?p ?this } }",
                  "SELECT (?s AS ?this) WHERE { ?s ?p ?o }", "SELECT ?this WHERE { ?this ?p ?o } LIMIT 5",
                  "SELECT ?this WHERE { ?this ?p ?o } GROUP BY ?this", "SELECT ?this WHERE { ?this ?p ?o VALUES ?p { 1 } }"]:
        assert validation_focus._asked_about(whole, some) == whole  # its answer for some would differ
    plain = "SELECT ?this WHERE { ?this ?p ?o }"
    assert validation_focus._asked_about(plain, some | {BNode()}) == plain  # a blank node cannot be named
    awkward = validation_focus._asked_about("SELECT ?this WHERE { ?this ?p ?o }", {Literal('a\nb\\"')})
    assert list(ox.Store().query(awkward)) == []  # a literal of any content is written as SPARQL reads it


def test_literal_focus_nodes_of_a_sparql_target_are_validated_after_an_edit(tmp_path) -> None:
    """A target selecting literals: asked about the nodes an edit affects, it would lose them."""
    ex = "https://example.org/"
    shapes = Graph().parse(format="turtle", data=f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <{ex}NameShape> a sh:NodeShape ; sh:datatype xsd:integer ; sh:message "a name is a number" ;
            sh:target [ a sh:SPARQLTarget ; sh:select "SELECT ?this WHERE {{ ?s <{ex}name> ?this }}" ] .""")
    data = Graph().parse(format="turtle", data=f'<{ex}a> <{ex}name> "alpha" . <{ex}b> <{ex}name> "beta" .')
    validation.validate_fast(data, shapes, cache_dir=tmp_path, source_digest="before")
    data.add((URIRef(ex + "a"), URIRef(ex + "other"), URIRef(ex + "x")))
    edited = validation.validate_fast(data, shapes, cache_dir=tmp_path, source_digest="after")
    assert results(edited) == results(validation.validate(data, shapes))
    assert {r.focus_node for r in edited.results} == {"alpha", "beta"}


def test_data_named_by_its_sources_and_inferred_key_is_not_counted(tmp_path, monkeypatch) -> None:
    """The key of the inferred graph names the data with the sources' digest, in place of its
    triples counted: the same names find the report made before (here, of data that a count would
    tell apart), and another key does not."""
    ex = "https://example.org/"
    shapes = Graph().parse(format="turtle", data=f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <{ex}NameShape> a sh:NodeShape ; sh:targetSubjectsOf <{ex}name> ; sh:message "no name" ;
            sh:property [ sh:path <{ex}name> ; sh:datatype xsd:integer ] .""")
    data = Graph().parse(format="turtle", data=f'<{ex}a> <{ex}name> "alpha" .')
    first = validation.validate_fast(data, shapes, cache_dir=tmp_path, source_digest="s", inferred_key="i")
    data.add((URIRef(ex + "a"), URIRef(ex + "other"), URIRef(ex + "x")))
    monkeypatch.setattr(validation_focus, "find_targets", lambda *args, **kwargs: pytest.fail("validated again"))
    again = validation.validate_fast(data, shapes, cache_dir=tmp_path, source_digest="s", inferred_key="i")
    assert results(again) == results(first) != []
    with pytest.raises(pytest.fail.Exception, match="validated again"):
        validation.validate_fast(data, shapes, cache_dir=tmp_path, source_digest="s", inferred_key="other")


def test_whatever_reaches_a_changed_node_along_a_chain_is_affected(monkeypatch) -> None:
    """Inference adds rg:hasAncestor along the chain too; the rule does not rely on it."""
    data = Graph()
    chain = [URIRef(f"{ID}licence/chain-{n}") for n in "abcde"]
    for child, parent in zip(chain, chain[1:]):
        data.add((child, RG.basedOn, parent))
    before, after = {f"<{chain[-1]}>": (1, 0)}, {f"<{chain[-1]}>": (2, 0)}
    assert validation_cache.affected(data, before, after) == set(chain)
    monkeypatch.setattr(validation_cache, "CHAINS", ())
    assert chain[0] not in validation_cache.affected(data, before, after)


def test_the_dependency_rules_cover_the_shapes(catalogue) -> None:
    """Paths reach no farther than :data:`~railgraph.validation_cache.REACH` links, an inverse
    path is only counted, and only the :data:`~railgraph.validation_cache.CHAINS` are followed to
    any length. (Joins written out in SPARQL, such as ``$this odrl:prohibition ?r . ?r a ...``,
    are not checked here: see the rules in :mod:`railgraph.validation_cache`.)"""
    shapes = catalogue.shapes
    counted = {SH.path, SH.name, SH.description, SH.message, SH.severity, SH.minCount, SH.maxCount, RDF.type}
    for shape, path in shapes.subject_objects(SH.path):
        if isinstance(path, URIRef):
            continue
        inverse = shapes.value(path, SH.inversePath)
        steps = list(shapes.items(path)) if inverse is None else [inverse]
        assert steps and all(isinstance(s, URIRef) for s in steps), shape
        assert len(steps) <= validation_cache.REACH, shape
        if inverse is not None:
            assert set(shapes.predicates(shape)) <= counted, f"{shape} checks the nodes pointing to its focus"
    prefixes = {str(p): str(n) for p, n in ((shapes.value(d, SH.prefix), shapes.value(d, SH.namespace))
                                            for d in shapes.objects(None, SH.declare))}
    chains = {str(c) for c in validation_cache.CHAINS} | {prefixes["rdfs"] + "subClassOf"}
    term = r"[a-z]+:[A-Za-z]+"
    for query in map(str, shapes.objects(None, SH.select)):
        for step in re.findall(rf"({term})[+*]", query):
            prefix, name = step.split(":")
            assert prefixes[prefix] + name in chains, step
        for sequence in re.findall(rf"{term}(?:/{term})+", query):
            assert sequence.count("/") <= validation_cache.REACH, sequence


# -- robustness --------------------------------------------------------------------------------

def test_the_shapes_digest_follows_content_not_blank_node_labels() -> None:
    text = (ROOT / "shapes" / "violations.ttl").read_text(encoding="utf-8")

    def load(violations: str = text) -> Graph:
        graph = Graph().parse(data=violations, format="turtle")
        return graph.parse(ROOT / "shapes" / "warnings.ttl")

    first = validation_focus.digest(load())
    assert validation_focus.digest(load()) == first
    for edit in (("sh:inversePath odrl:prohibition", "sh:inversePath odrl:permission"),
                 ("rg:basedOn+ $this", "rg:basedOn $this")):
        assert edit[0] in text
        assert validation_focus.digest(load(text.replace(edit[0], edit[1], 1))) != first, edit


def test_a_corrupt_snapshot_is_ignored(tmp_path, monkeypatch) -> None:
    example = (INVALID / "EntryTitleShape.ttl").read_text(encoding="utf-8")
    root = small_root(tmp_path, ("example.ttl", example))
    catalogue = railgraph.load(root)
    cache = tmp_path / "cache"
    cold = results(fast(catalogue, cache))
    (stored,) = cache.glob("validation-*.json")
    text = stored.read_text(encoding="utf-8")
    altered = text.replace("an entry needs exactly one English title", "all is well")
    stored.write_text(altered, encoding="utf-8")
    spy = Spy(monkeypatch)
    assert results(fast(catalogue, cache)) == cold
    assert spy.runs, "validated again rather than trusting an altered snapshot"
    keys = json.loads(text.split("\n", 1)[1])
    malformed = json.dumps({**keys, "parts": []})
    for corrupt in (text, "not a snapshot", text[: len(text) // 2],
                    hashlib.sha256(malformed.encode()).hexdigest() + "\n" + malformed):
        stored.write_text(corrupt, encoding="utf-8")
        for found in (validation_cache.read(cache, keys["shapes"]),
                      validation_cache.read(cache, keys["shapes"], keys["data"])):
            assert (found is not None) == (corrupt == text)


def test_shapes_with_rules_are_left_to_pyshacl(tmp_path) -> None:
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <https://example.org/> .
        ex:Shape a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path ex:name ; sh:minCount 1 ] ;
            sh:rule [ a sh:TripleRule ; sh:subject sh:this ; sh:predicate ex:seen ; sh:object ex:yes ] .
        """, format="turtle")
    data = Graph().parse(data="<https://example.org/a> a <https://example.org/Thing> .", format="turtle")
    report = validation.validate_fast(data, shapes, cache_dir=tmp_path, source_digest="x")
    assert results(report) == results(validation.validate(data, shapes))
    assert len(report.violations) == 1 and len(data) == 1
    assert not list(tmp_path.iterdir())


def test_an_rdflib_graph_without_a_store_gets_the_same_report(tmp_path) -> None:
    corpus = railgraph.load(small_root(tmp_path), data=[INVALID])
    copied = validation.validate_fast(corpus.union(), corpus.shapes, source_digest=corpus.source_digest())
    assert results(copied) == results(reference(corpus))


def test_the_view_reads_the_store_in_place(catalogue) -> None:
    view = store_graph.view(catalogue.oxstore)
    assert store_graph.reads(view, catalogue.oxstore)
    assert not store_graph.reads(catalogue.union(), catalogue.oxstore)
    assert len(view) == len(catalogue.union())
    licence = URIRef("https://w3id.org/railgraph/id/licence/bigcode-openrail-m-license-agreement")
    assert set(view.predicate_objects(licence)) == set(catalogue.union().predicate_objects(licence))


def test_the_view_is_true_while_its_store_holds_a_triple() -> None:
    store = ox.Store()
    view = store_graph.view(store)
    assert not view
    store.add(ox.Quad(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p"), ox.Literal("x")))
    assert view  # without counting the store (pyshacl asks often; a count reads every triple)
    store.add(ox.Quad(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p"), ox.Literal("y"),
                      ox.NamedNode("https://example.org/g")))
    store.remove(ox.Quad(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p"), ox.Literal("x")))
    assert not view  # a named graph's triple is not the default graph's


def test_the_view_counts_its_triples_once_until_changed_through_it(monkeypatch) -> None:
    counted: list[int] = []
    count = store_graph.count_triples
    monkeypatch.setattr(store_graph, "count_triples", lambda store: counted.append(1) or count(store))
    a, p = ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p")
    store = ox.Store()
    store.add(ox.Quad(a, p, ox.Literal("x")))
    view = store_graph.view(store)
    assert len(view) == len(view) == len(Graph(store=view.store, identifier=view.identifier)) == 1
    assert len(counted) == 1  # pyshacl's graphs over the same store share the count
    view.add((URIRef(a.value), URIRef(p.value), Literal("y")))
    assert len(view) == 2
    view.remove((URIRef(a.value), None, None))
    assert len(view) == 0 and len(counted) == 3


def test_kept_parts_are_compared_only_with_an_earlier_state_of_the_same_kind() -> None:
    states = {"a": [b"<x> <p> <y> .\n", b"<x> <q> <z> .\n"], "b": [b"<x> <p> <y> .\n", b"<w> <q> <z> .\n"]}

    def kept(key: str, gone: bool = False) -> validation_cache.Kept:
        return validation_cache.Kept("inferred", key, lambda: states[key], lambda k: None if gone else states[k])

    source = ("s1", lambda: [b"<x> <r> <v> .\n"])
    before = validation_cache.fingerprints_of([source, kept("a")], {})
    assert validation_cache.kept_changes([source, kept("a")], before) == ({}, {})
    lost, gained = validation_cache.kept_changes([source, kept("b")], before)
    assert set(lost) == {"<x>", "<z>"} and set(gained) == {"<w>", "<z>"}  # the shared line is left out
    assert validation_cache.kept_changes([source, kept("b", gone=True)], before) is None
    fingerprinted = validation_cache.fingerprints_of([source, (None, lambda: states["a"])], {})
    assert validation_cache.kept_changes([source, kept("a")], fingerprinted) is None  # kept here only
    assert validation_cache.kept_changes([source, (None, lambda: states["a"])], before) is None  # kept there only


def test_a_snapshot_write_that_fails_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from railgraph import atomic

    def full_disk(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", full_disk)  # the temporary file is written, then this fails
    snapshot = validation_cache.Snapshot("data", "schema", {"part": {"<x>": (1, 2)}}, "")
    validation_cache.write(tmp_path, "shapes", snapshot)  # skipped: the cache is an optimisation only
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    validation_cache.write(tmp_path, "shapes", snapshot)
    assert validation_cache.read(tmp_path, "shapes", "data") == snapshot


def test_the_parts_a_change_touched_find_the_nodes_all_parts_find() -> None:
    """:func:`~railgraph.validation_cache.affected` finds the same nodes from the parts that
    differ between two states as from every part merged: a part edited, one removed, one added,
    one unchanged but made again (equal, not the same object), and nodes shared between parts."""
    generator = random.Random(7)
    nodes = [f"<{ID}tool/n{n}>" for n in range(12)]
    predicates = [f"<{RG}p{n}>" for n in range(3)]

    def part() -> list[bytes]:
        return [f"{generator.choice(nodes)} {generator.choice(predicates)} {generator.choice(nodes)} .\n".encode()
                for _ in range(8)]

    lines = {name: part() for name in "abcdef"}
    before = {name: validation_cache.fingerprints_of_lines(each) for name, each in lines.items()}
    lines["b"] = lines["b"][:5] + part()[:2]
    del lines["c"]
    lines["g"] = part()
    after = {name: before[name] if name in "ade" else validation_cache.fingerprints_of_lines(each)
             for name, each in lines.items()}
    assert after["f"] == before["f"] and after["f"] is not before["f"]
    data = Graph().parse(data=b"".join(line for each in lines.values() for line in each).decode(), format="nt")
    everything = validation_cache.affected(data, validation_cache.merged(before.values()),
                                           validation_cache.merged(after.values()))
    old, new = validation_cache.differing(before, after)
    assert len(old) == len(new) == 2
    assert validation_cache.affected(data, validation_cache.merged(old), validation_cache.merged(new)) == everything
    assert everything


def test_a_process_that_keeps_what_it_read_parses_no_snapshot_it_wrote(generated_root: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """``build --watch`` (see :mod:`railgraph.cache_reads`): the snapshot a validation wrote is
    the next one's starting point without being read back, and the report is the same."""
    cache_reads.keep()
    root = Path(shutil.copytree(generated_root, tmp_path / "root"))
    catalogue = Catalogue.load(root, settings=Settings.resolve({"cache_dir": str(tmp_path / "cache")}))
    catalogue.validate()
    parsed: list[Path] = []
    parse = validation_cache._parsed
    monkeypatch.setattr(validation_cache, "_parsed",
                        lambda path: (path.exists() and parsed.append(path)) or parse(path))  # not a miss
    edited = root / "data" / "tools" / "tool-0001.ttl"
    edited.write_text(edited.read_text(encoding="utf-8").replace('dct:title "', 'dct:title "Edited ', 1),
                      encoding="utf-8")
    catalogue.reread([edited])
    again = catalogue.validate()
    assert parsed == []
    alone = Catalogue.load(root, settings=Settings.resolve({"cache_dir": str(tmp_path / "alone")}))
    assert results(again) == results(alone.validate())
