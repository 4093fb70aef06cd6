"""The CSV and JSON interchange import: good rows imported, bad rows reported by row and field,
re-runs unchanged, unreadable files refused with their position (railgraph.imports.interchange)."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV, XSD

import railgraph
from railgraph.errors import InputError
from railgraph.imports import apply, interchange
from railgraph.namespaces import RG

from .conftest import ROOT, TESTS
from .curation_helpers import invoke

FIXTURES = TESTS / "data" / "imports"
ID = "https://w3id.org/railgraph/id/"
VOCAB = "https://w3id.org/railgraph/vocab/"
CURATOR = "https://orcid.org/0000-0002-1825-0097"
SOURCE_DATE = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)


def mini_root(target: Path) -> Path:
    """A small catalogue that conforms: the repository's ontology, shapes and queries with its
    licences, organisations, models, one tool and the use case the seed licence names."""
    for name in ("ontology", "shapes", "queries"):
        shutil.copytree(ROOT / name, target / name)
    for name in ("licences", "organisations", "models"):
        shutil.copytree(ROOT / "data" / name, target / "data" / name)
    for relative in ("tools/aequitas.ttl", "use-cases/using-bigcode-open-and-responsible-ai-license.ttl"):
        (target / "data" / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "data" / relative, target / "data" / relative)
    return target


def dated_copy(source: Path, folder: Path) -> Path:
    """A copy of ``source`` outside git, its modification time fixed to SOURCE_DATE."""
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / source.name
    shutil.copy(source, copy)
    os.utime(copy, (SOURCE_DATE.timestamp(), SOURCE_DATE.timestamp()))
    return copy


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.ttl"))}


def test_a_csv_imports_its_good_rows_and_reports_the_bad_ones_by_row_and_field(tmp_path: Path) -> None:
    root = mini_root(tmp_path / "root")
    source = dated_copy(FIXTURES / "tools.csv", tmp_path / "in")
    run = invoke("import", "csv", str(source), cwd=root, environ={"RAILGRAPH_CURATOR": CURATOR})
    assert run.code == 1, run.err  # some rows rejected, the valid ones imported
    assert "3 created, 1 updated, 0 unchanged, 4 rejected" in run.out
    data = root / "data"
    for created in ("tools/responsible-ai-toolbox.ttl", "tools/tensorflow-privacy.ttl",
                    "metrics/average-odds-difference.ttl"):
        assert (data / created).is_file(), created
    for refused in ("tools/nemo-guardrails.ttl", "tools/fairness-indicators.ttl", "tools/langtest.ttl"):
        assert not (data / refused).exists(), refused
    lines = run.out.splitlines()
    stage = next(line for line in lines if line.startswith("rejected: tools.csv row 4:"))
    assert "lifecycle_stages ('Deply')" in stage and "not a concept of the lifecycle-stage scheme" in stage
    assert lines[lines.index(stage) + 2] == \
        f"    closest allowed values: <{VOCAB}lifecycle-stage/deploy> (Deploy)"
    organisation = next(line for line in lines if line.startswith("rejected: tools.csv row 5:"))
    assert "developing_organisations ('tensorflow-team')" in organisation
    assert any(line.startswith("rejected: tools.csv row 8: slug ('langtest'): the same tool appears again in row(s) 9")
               for line in lines)
    assert any(line.startswith("rejected: tools.csv row 9: slug ('langtest')") for line in lines)

    catalogue = railgraph.load(root)
    graph = catalogue.asserted
    toolbox = URIRef(ID + "tool/responsible-ai-toolbox")
    assert set(graph.objects(toolbox, RG.lifecycleStage)) == {  # by label
        URIRef(VOCAB + "lifecycle-stage/build-and-use-model"), URIRef(VOCAB + "lifecycle-stage/verify-and-validate")}
    privacy = URIRef(ID + "tool/tensorflow-privacy")
    assert set(graph.objects(privacy, RG.targetUser)) == {  # by notation
        URIRef(VOCAB + "target-user/ai-practitioners"), URIRef(VOCAB + "target-user/researchers")}
    assert graph.value(privacy, DCTERMS.license) == URIRef(ID + "licence/apache-2-0")  # by licence id
    assert graph.value(privacy, RG.developedBy) == URIRef(ID + "organisation/google")  # by slug
    assert graph.value(privacy, RG.status) == URIRef(VOCAB + "status/unverified")
    # provenance: the curator setting, the source file's date (not today's), the file name
    assert graph.value(privacy, PROV.wasAttributedTo) == URIRef(CURATOR)
    assert graph.value(privacy, DCTERMS.modified) == Literal("2024-03-01", datatype=XSD.date)
    assert graph.value(privacy, RG.importedFrom) == Literal("tools.csv")
    # the existing entry is updated in its own file, not duplicated; fields the row leaves empty stay
    aequitas = URIRef(ID + "tool/aequitas")
    assert [s.path.name for s in catalogue.sources if (aequitas, None, None) in s.graph] == ["aequitas.ttl"]
    assert Literal("fairness report", lang="en") in set(graph.objects(aequitas, DCAT.keyword))
    assert graph.value(aequitas, DCTERMS.title) == Literal("Aequitas", lang="en")
    assert graph.value(aequitas, RG.status) == URIRef(VOCAB + "status/verified")
    assert catalogue.validate().conforms

    before = snapshot(data)
    again = invoke("import", "csv", str(source), cwd=root, environ={"RAILGRAPH_CURATOR": CURATOR})
    assert again.code == 1
    assert "0 created, 0 updated, 4 unchanged, 4 rejected" in again.out
    assert snapshot(data) == before, "a re-run must not touch any file"


def test_a_json_file_imports_like_a_csv_and_a_taken_slug_is_refused(tmp_path: Path) -> None:
    root = mini_root(tmp_path / "root")
    run = invoke("import", "json", str(FIXTURES / "tools.json"), "--format", "json", cwd=root)
    assert run.code == 1, run.err
    import json

    report = json.loads(run.out)
    assert report["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 2}
    assert report["created"][0]["iri"] == ID + "tool/llm-guard"
    presidio, taken = report["rejected"]
    assert (presidio["origin"], presidio["field"], presidio["value"]) == ("tools.json entry 2", "usage_rights", "Opensource")
    assert presidio["closest"] == [f"<{VOCAB}usage-rights/open-source> (Open source)"]
    assert (taken["origin"], taken["field"]) == ("tools.json entry 3", "slug")
    assert f"<{ID}organisation/bigcode>" in taken["reason"]
    assert (root / "data" / "tools" / "llm-guard.ttl").is_file()
    assert not (root / "data" / "tools" / "presidio.ttl").exists()


# -- unreadable sources: exit 2, located, before the catalogue loads ------------------------------


HEADER = "kind,slug,title,description,source_url\n"


@pytest.mark.parametrize(("name", "content", "message", "line", "column"), [
    ("latin1.csv", HEADER.encode() + "tool,caf\xe9,Caf\xe9,x,https://x.org\n".encode("latin-1"),
     "not UTF-8", 2, 9),
    ("missing.csv", b"kind,slug,title,description\ntool,x,X,x\n", "required column(s) missing: source_url", 1, None),
    ("unknown.csv", b"kind,slug,title,description,source_url,lifecyle_stages\n", "unknown column 'lifecyle_stages'", 1, 6),
    ("repeated.csv", b"kind,slug,title,description,source_url,Tool type(s),tool_types\n", "repeats column", 1, 7),
    ("cells.csv", HEADER.encode() + b"tool,x,X,x,https://x.org,extra\n", "has 6 cells", 2, 6),
    ("quote.csv", HEADER.encode() + b'tool,x,"X"y,x,https://x.org\n', "invalid CSV", 2, None),
    ("empty.csv", b"", "the file is empty", None, None),
])
def test_an_unreadable_csv_is_refused_with_its_position(tmp_path: Path, name: str, content: bytes,
                                                        message: str, line: int | None, column: int | None) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")) as caught:
        interchange.read_csv(path, max_bytes=1_000_000)
    assert (caught.value.path, caught.value.line, caught.value.column) == (path, line, column)


@pytest.mark.parametrize(("content", "message", "line", "column"), [
    ('[{"kind": "tool",\n  "slug": "x",,}]', "invalid JSON", 2, 15),
    ('{"tools": []}', "must be an array of objects", 1, 1),
    ('["tool"]', "entry 1 is a str", None, None),
    ('[{"kind": "tool", "slug": {"x": 1}}]', "must be a string or an array of strings", None, None),
    ('[{"kind": "tool", "colour": "red"}]', "unknown column 'colour'", None, 2),
])
def test_malformed_json_is_refused_with_its_line_and_column(tmp_path: Path, content: str, message: str,
                                                            line: int | None, column: int | None) -> None:
    path = tmp_path / "tools.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as caught:
        interchange.read_json(path, max_bytes=1_000_000)
    assert (caught.value.line, caught.value.column) == (line, column)


def test_a_file_above_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "tool,x,X,x,https://x.org\n" * 100, encoding="utf-8")
    with pytest.raises(InputError, match="more than the 1,000 allowed"):
        interchange.read_csv(path, max_bytes=1_000)


def test_the_command_exits_2_on_an_unreadable_source_and_on_usage_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"kind,slug\n")
    run = invoke("import", "csv", str(path), cwd=tmp_path)
    assert run.code == 2
    assert f"{path}:1: required column(s) missing" in run.err
    assert invoke("import", "csv", cwd=tmp_path).code == 2
    assert "needs a SOURCE" in invoke("import", "json", cwd=tmp_path).err
    assert "takes no SOURCE" in invoke("import", "register", str(path), cwd=tmp_path).err
    assert "no such file" in invoke("import", "csv", str(tmp_path / "none.csv"), cwd=tmp_path).err


@pytest.mark.parametrize(("header", "column"), [
    ("Tool type(s)", "tool_types"), ("Lifecycle stage(s)", "lifecycle_stages"), ("Licence", "license"),
    ("Developing organisation(s)", "developing_organisations"), ("Target users", "target_users"),
    ("tag", "tags"), ("Source URL", "source_url"), ("Trustworthy AI relevance", "trustworthy_ai_relevance"),
    ("colour", None),
])
def test_headers_match_the_oecd_field_names_loosely(header: str, column: str | None) -> None:
    assert interchange.column_name(header) == column


def test_every_column_is_a_field_of_tools_or_metrics(catalogue) -> None:
    """A column's property is a field the schema finds for tools or metrics, or a facet of the
    ontology (a facet no entry uses yet has no field until one does)."""
    from rdflib.namespace import RDFS

    from railgraph.curation.schema import Schema

    schema = Schema.of(catalogue)
    fields = {f.path for cls in (RG.Tool, RG.Metric) for f in schema.fields(cls)}
    for column in interchange.COLUMNS:
        if column.path is not None:
            assert column.path in fields or (column.path, RDFS.subPropertyOf, RG.facet) in catalogue.asserted, \
                column.name
        if column.form == "concept" and column.path != RG.status:
            assert column.path in schema.schemes, column.name


# -- writing: all or nothing ----------------------------------------------------------------------


def test_a_failed_write_puts_back_the_files_already_replaced(tmp_path: Path, monkeypatch) -> None:
    first, second, third = tmp_path / "a.ttl", tmp_path / "b.ttl", tmp_path / "new" / "c.ttl"
    first.write_bytes(b"old a")
    second.write_bytes(b"old b")
    real = os.replace
    calls = []

    def failing(source, target):
        calls.append(target)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real(source, target)

    monkeypatch.setattr(apply.os, "replace", failing)
    with pytest.raises(InputError, match="put back as they were"):
        apply.write_all({first: b"new a", second: b"new b", third: b"new c"})
    monkeypatch.setattr(apply.os, "replace", real)
    assert (first.read_bytes(), second.read_bytes()) == (b"old a", b"old b")
    assert not third.exists()
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["a.ttl", "b.ttl"]


def test_docs_list_every_column() -> None:
    page = (ROOT / "docs" / "imports.md").read_text(encoding="utf-8")
    for column in interchange.COLUMNS:
        assert f"| `{column.name}` |" in page, column.name


def test_the_source_date_is_the_last_commit_else_the_file_time(tmp_path: Path) -> None:
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    path = tmp_path / "tools.csv"
    path.write_text(HEADER, encoding="utf-8")
    environ = {**os.environ, "GIT_AUTHOR_DATE": "2023-05-04T10:00:00Z", "GIT_COMMITTER_DATE": "2023-05-04T10:00:00Z",
               "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
               "GIT_COMMITTER_EMAIL": "t@example.org"}
    for command in (["init", "-q"], ["add", "tools.csv"], ["commit", "-q", "-m", "tools"]):
        subprocess.run(["git", "-C", str(tmp_path), *command], check=True, env=environ, capture_output=True)
    assert apply.source_date(path).isoformat() == "2023-05-04"  # committed: the commit's date
    path.write_text(HEADER + "tool,x,X,x,https://x.org\n", encoding="utf-8")
    os.utime(path, (SOURCE_DATE.timestamp(), SOURCE_DATE.timestamp()))
    assert apply.source_date(path).isoformat() == "2024-03-01"  # changed since: the file's time
