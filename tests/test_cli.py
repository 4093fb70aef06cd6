"""The command line: exit codes, stdout for results and stderr for diagnostics."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest

from .conftest import ID, ROOT, TESTS

BIGCODE = ID + "licence/bigcode-openrail-m-license-agreement"


def test_validate_the_repository_data_conforms(run_cli) -> None:
    result = run_cli("validate")
    assert result.code == 0, result.out + result.err
    assert "conforms: 0 violation(s)" in result.out


def test_validate_json_report_is_data(run_cli) -> None:
    result = run_cli("validate", "--format", "json")
    report = json.loads(result.out)
    assert report["conforms"] is True and report["violations"] == 0


def test_invalid_example_exits_1_with_a_located_message(run_cli) -> None:
    example = TESTS / "data" / "invalid" / "EntryTitleShape.ttl"
    result = run_cli("validate", str(example))
    assert result.code == 1
    assert "Violation" in result.out and "dct:title" in result.out
    assert f"{example.name}:" in result.out  # file and line of the focus node


def test_unreadable_input_exits_2(run_cli, tmp_path: Path) -> None:
    result = run_cli("validate", str(tmp_path / "missing.ttl"))
    assert result.code == 2
    assert "missing.ttl" in result.err and "cannot read" in result.err
    assert "Traceback" not in result.err


def test_unknown_query_exits_2_with_suggestions(run_cli) -> None:
    result = run_cli("query", "licence-restriction")
    assert result.code == 2
    assert "unknown query 'licence-restriction'" in result.err
    assert "did you mean" in result.err
    assert result.out == ""


def test_query_table_and_csv(run_cli) -> None:
    table = run_cli("query", "licence-restrictions", "--param", f"licence={BIGCODE}")
    assert table.code == 0
    assert "malware-generation" in table.out
    assert "14 row(s)" in table.err
    csv = run_cli("query", "licence-restrictions", "--param", f"licence={BIGCODE}", "--format", "csv")
    header, *body = csv.out.strip().splitlines()
    assert header.startswith("clauseId,label,restrictedUse")
    assert len(body) == 14


def test_query_json_is_sparql_results_json(run_cli) -> None:
    result = run_cli("query", "licence-ancestors", "--format", "json")
    document = json.loads(result.out)
    assert document["head"]["vars"][:2] == ["ancestor", "title"]
    assert len(document["results"]["bindings"]) == 3


def test_query_tsv_uses_sparql_term_syntax(run_cli) -> None:
    result = run_cli("query", "licence-ancestors", "--format", "tsv")
    header, first, *_ = result.out.splitlines()
    assert header.startswith("?ancestor\t?title")
    assert first.startswith("<https://w3id.org/railgraph/id/licence/")


def test_ad_hoc_query_from_stdin(run_cli) -> None:
    result = run_cli("query", "-", stdin="ASK { ?s a <https://w3id.org/railgraph/ontology#Licence> }")
    assert result.code == 0 and result.out.strip() == "true"


def test_construct_query_from_a_file_gives_turtle(run_cli, tmp_path: Path) -> None:
    query = tmp_path / "licences.rq"
    query.write_text("CONSTRUCT { ?l a <https://w3id.org/railgraph/ontology#Licence> } "
                     "WHERE { ?l a <https://w3id.org/railgraph/ontology#Licence> }", encoding="utf-8")
    result = run_cli("query", str(query), "--format", "nt")
    assert result.code == 0
    assert f"<{BIGCODE}>" in result.out


def test_sparql_syntax_error_exits_2(run_cli) -> None:
    result = run_cli("query", "-", stdin="SELECT * WHERE { ?s ?p }")
    assert result.code == 2
    assert "<query>:1:" in result.err and "SPARQL syntax error" in result.err


def test_table_format_for_a_graph_query_is_a_usage_error(run_cli) -> None:
    result = run_cli("query", "-", "--format", "csv", stdin="CONSTRUCT WHERE { ?s a ?o }")
    assert result.code == 2 and "gives a graph" in result.err


def test_bad_param_syntax_exits_2(run_cli) -> None:
    result = run_cli("query", "licence-models", "--param", "licence")
    assert result.code == 2 and "KEY=VALUE" in result.err


def test_queries_lists_names_and_parameters(run_cli) -> None:
    result = run_cli("queries")
    assert result.code == 0
    assert "licence-restrictions" in result.out and "--param licence (iri" in result.out


def test_info_prints_counts_and_settings(run_cli, catalogue) -> None:
    from railgraph.namespaces import RDF, RG

    result = run_cli("info", "--format", "json")
    info = json.loads(result.out)
    union = catalogue.union()
    assert info["entries"]["responsible-ai-licence"] == len(set(union.subjects(RDF.type, RG.ResponsibleAILicence)))
    assert info["entries"]["use-restriction"] == len(set(union.subjects(RDF.type, RG.UseRestriction)))
    assert info["entries"]["responsible-ai-licence"] >= 5
    assert info["concept_schemes"]["lifecycle-stage"] == 6
    assert set(info["settings"]) >= {"base_iri", "query_deadline", "row_cap"}


def test_export_to_a_file(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "catalogue.nt"
    result = run_cli("export", "--format", "nt", "--out", str(out))
    assert result.code == 0
    assert f"<{BIGCODE}>" in out.read_text(encoding="utf-8")


def test_unwritable_output_exits_2_naming_the_path(run_cli, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = run_cli("export", "--format", "nt", "--out", str(blocker / "catalogue.nt"))
    assert result.code == 2
    assert "cannot write" in result.err and "a-file" in result.err
    assert "Traceback" not in result.err
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_build_writes_dist_and_a_summary_and_no_site_skips_the_site(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    result = run_cli("build", "--out", str(out), "--no-site", "--formats", "ttl,jsonld-framed,csv")
    assert result.code == 0, result.err
    assert "validation: conforms" in result.out
    assert "catalogue-framed.jsonld" in result.out and "csv/tools.csv" in result.out
    assert {p.name for p in out.iterdir()} == {
        "catalogue.ttl", "catalogue-framed.jsonld", "inferred.ttl", "inferred.nt", "csv",
        "catalog.ttl", "catalog.jsonld", "validation.json", "validation.ttl", ".railgraph-output",
        ".railgraph-build.json"}
    assert "describe" in result.err, "the build reports its phases"
    again = run_cli("build", "--out", str(out), "--no-site", "--formats", "ttl,jsonld-framed,csv")
    assert again.code == 0 and "is up to date" in again.out, "an unchanged catalogue is not rebuilt"


def test_build_writes_the_tables_only_where_the_formats_hold_csv(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    result = run_cli("build", "--out", str(out), "--no-site", "--formats", "nt")
    assert result.code == 0, result.err
    assert not (out / "csv").exists() and "csv/" not in result.out
    assert b"csv/" not in (out / "catalog.ttl").read_bytes(), "the description lists no tables"
    assert "export inferred" in result.err and "csv" not in result.err, "the phases name no tables"


def test_build_refuses_an_unknown_format_before_reading_the_catalogue(run_cli, tmp_path: Path) -> None:
    result = run_cli("build", "--out", str(tmp_path / "dist"), "--no-site", "--formats", "nt,xlsx")
    assert result.code == 2
    assert "unknown export format 'xlsx'" in result.err and "csv" in result.err
    assert "loading" not in result.err and not (tmp_path / "dist").exists()


def test_export_csv_writes_a_folder_of_tables(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "tables"
    result = run_cli("export", "--format", "csv", "--out", str(out))
    assert result.code == 0, result.err
    assert {"tools.csv", "licences.csv", "csv-metadata.json"} <= {p.name for p in out.iterdir()}
    assert result.out == ""


def test_export_csv_refuses_a_folder_it_did_not_write(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    result = run_cli("export", "--format", "csv", "--out", str(out))
    assert result.code == 2 and "not written by railgraph" in result.err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_export_csv_needs_a_folder(run_cli) -> None:
    result = run_cli("export", "--format", "csv")
    assert result.code == 2 and "--out DIR" in result.err


def test_export_framed_jsonld_to_stdout(run_cli) -> None:
    result = run_cli("export", "--format", "jsonld-framed")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert any(node["@id"] == "id:licence/bigcode-openrail-m-license-agreement" for node in document["@graph"])


def test_version(run_cli) -> None:
    from railgraph import __version__

    result = run_cli("--version")
    assert result.code == 0 and __version__ in result.out


def test_module_entry_point_runs() -> None:
    import subprocess
    import sys

    completed = subprocess.run([sys.executable, "-m", "railgraph", "--help"], capture_output=True,
                               text=True, check=False)
    assert completed.returncode == 0 and "railgraph" in completed.stdout


def test_the_command_leaves_at_once_with_its_output_flushed_and_errors_keep_their_codes(tmp_path: Path) -> None:
    import subprocess
    import sys

    ok = subprocess.run([sys.executable, "-m", "railgraph", "queries"], capture_output=True, text=True,
                        timeout=120)
    assert ok.returncode == 0
    assert "licence-restrictions" in ok.stdout  # written before the process left without teardown
    missing = subprocess.run([sys.executable, "-m", "railgraph", "query", "no-such-query"],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2
    assert "no-such-query" in missing.stderr


def test_the_command_keeps_its_catalogue_until_the_process_ends(monkeypatch, capsys, tmp_path: Path) -> None:
    """Freed when the command returned, a catalogue of 100,000 tools took 10 s before the exit."""
    import os
    import sys
    import weakref

    from railgraph import cli
    from railgraph.catalogue import Catalogue

    loaded: list[weakref.ref] = []
    load = Catalogue.load

    def remembered(*args, **kwargs):
        catalogue = load(*args, **kwargs)
        loaded.append(weakref.ref(catalogue))
        return catalogue

    class Exited(Exception):
        pass

    parent, really = os.getpid(), os._exit

    def leave(code: int) -> None:  # the build's forked workers leave for real
        if os.getpid() != parent:
            really(code)
        raise Exited(code)

    monkeypatch.setattr(Catalogue, "load", remembered)
    monkeypatch.setattr(os, "_exit", leave)
    monkeypatch.setattr(cli, "_LEFT_TO_EXIT", None)
    frozen: list[int] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(len(loaded)))  # not this test process's objects
    monkeypatch.setenv("RAILGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "argv", ["railgraph", "build", "--root", str(ROOT), "--out", str(tmp_path / "dist"),
                                      "--formats", "nt", "--no-site"])
    with pytest.raises(Exited):
        cli.run()
    assert capsys.readouterr().out
    assert len(loaded) == 1 and loaded[0]() is not None  # alive at the exit
    assert frozen == [1]  # once loaded, out of the collector's reach
