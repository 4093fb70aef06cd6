"""The hostile corpus (tests/data/hostile/): every input refused through the real CLI, located, offline.

Each case of ``manifest.toml`` runs ``railgraph validate FILE`` (a file), ``railgraph validate
--data DIR`` (a folder) or ``railgraph query -`` (a ``.rq`` file) against a small catalogue root
(the repository's ontology, shapes and queries, no data), and must exit with its code and print its
message. An audit hook fails a case that opens a socket or a file named by the corpus
(``/etc/passwd``, ``/etc/hostname``). Inputs too large to commit are made here at run time.
"""

from __future__ import annotations

import html.parser
import json
import os
import shutil
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, TESTS, invoke

CORPUS = TESTS / "data" / "hostile"
CASES: list[dict[str, Any]] = tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))["case"]
#: Files the corpus points at; opening one of them means a reference was followed.
FORBIDDEN = ("/etc/passwd", "/etc/hostname", "/etc/shadow")

_events: list[str] | None = None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _events is None:
        return
    if event == "socket.connect":
        _events.append(f"connect {args[1]!r}")
    elif event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        if os.fsdecode(args[0]) in FORBIDDEN:
            _events.append(f"open {os.fsdecode(args[0])}")


sys.addaudithook(_audit)  # audit hooks cannot be removed; it records only while a test watches


@pytest.fixture()
def tripwire() -> Iterator[list[str]]:
    """Outbound connections and forbidden file opens made during the test."""
    global _events
    _events = []
    try:
        yield _events
    finally:
        _events = None


@pytest.fixture(scope="module")
def small_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalogue root with the repository's ontology, shapes and queries and no data."""
    root = tmp_path_factory.mktemp("hostile") / "root"
    for folder in ("ontology", "shapes", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    (root / "data").mkdir()
    return root


def run_case(run_cli, root: Path, target: Path, *extra: str):
    if target.is_dir():
        return run_cli("validate", "--root", str(root), "--data", str(target), *extra, cwd=root)
    if target.suffix == ".rq":
        return run_cli("query", "--root", str(root), "-", *extra, cwd=root,
                       stdin=target.read_text(encoding="utf-8"))
    return run_cli("validate", "--root", str(root), *extra, str(target), cwd=root)


def test_the_manifest_lists_every_input_and_at_least_60() -> None:
    listed = {case["file"] for case in CASES}
    assert len(listed) == len(CASES) >= 60
    on_disk = {p.relative_to(CORPUS).as_posix() for p in CORPUS.glob("*/*")}
    assert on_disk == listed
    for case in CASES:
        assert set(case) <= {"file", "exit", "message", "origin"}, case
        assert case["exit"] in (1, 2) and case["message"], case


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_hostile_input_is_refused_with_its_message(run_cli, small_root: Path, tripwire: list[str],
                                                   case: dict[str, Any]) -> None:
    result = run_case(run_cli, small_root, CORPUS / case["file"])
    assert (result.code, tripwire) == (case["exit"], []), result.err
    assert case["message"] in (result.err if case["exit"] == 2 else result.out), result.out + result.err
    assert "Traceback" not in result.err


def test_nothing_in_the_root_changes(run_cli, small_root: Path) -> None:
    before = {p: p.read_bytes() for p in small_root.rglob("*") if p.is_file() and ".railgraph-cache" not in p.parts}
    for case in CASES[::7]:
        run_case(run_cli, small_root, CORPUS / case["file"])
    after = {p: p.read_bytes() for p in small_root.rglob("*") if p.is_file() and ".railgraph-cache" not in p.parts}
    assert after == before


#: Cases a catalogue folder would load (Turtle, N-Triples), one per distinct kind of refusal.
DATA_CASES = list({case["message"].split(": ", 1)[-1][:24]: case for case in CASES
                   if case["file"].endswith((".ttl", ".nt")) and case["exit"] == 2}.values())[:10]


def _snapshot(out: Path, store: Path) -> tuple[dict[str, bytes], list[str]]:
    """Every file of a build folder, and every quad of a store, to compare before and after."""
    import pyoxigraph as ox

    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    opened = ox.Store.read_only(str(store / "store"))
    quads = sorted(str(q) for q in opened)
    del opened
    return files, quads


@pytest.fixture(scope="module")
def published(small_root: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A build folder and an on-disk store made from the small root before any hostile input."""
    place = tmp_path_factory.mktemp("published")
    out, store = place / "dist", place / "store"
    built = invoke("build", "--root", str(small_root), "--out", str(out), "--no-site", "--formats", "nt",
                           cwd=small_root)
    assert built.code == 0, built.err
    queried = invoke("query", "--root", str(small_root), "--store", str(store), "entries-by-kind",
                             cwd=small_root)
    assert queried.code == 0, queried.err
    return out, store


@pytest.mark.parametrize("case", DATA_CASES, ids=[c["file"] for c in DATA_CASES])
def test_a_refused_input_leaves_the_build_and_the_store_as_they_were(
        run_cli, small_root: Path, published: tuple[Path, Path], tmp_path: Path, tripwire: list[str],
        case: dict[str, Any]) -> None:
    out, store = published
    before = _snapshot(out, store)
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(CORPUS / case["file"], data)
    built = run_cli("build", "--root", str(small_root), "--data", str(data), "--out", str(out), "--no-site",
                    "--formats", "nt", "--force", cwd=small_root)
    queried = run_cli("query", "--root", str(small_root), "--data", str(data), "--store", str(store),
                      "entries-by-kind", cwd=small_root)
    assert (built.code, queried.code, tripwire) == (2, 2, []), built.err + queried.err
    assert case["message"] in built.err and case["message"] in queried.err
    assert _snapshot(out, store) == before


# -- inputs made at run time ------------------------------------------------------------------

ENTRY = "<https://w3id.org/railgraph/id/tool/hostile-probe> <http://purl.org/dc/terms/title> "


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(run_cli, small_root: Path,
                                                                 tmp_path: Path, tripwire: list[str]) -> None:
    huge = tmp_path / "huge.nt"
    with huge.open("wb") as handle:  # 60 MB on paper, nothing on disk: refused from its size alone
        handle.truncate(60_000_000)
    result = run_case(run_cli, small_root, huge)
    assert result.code == 2 and "huge.nt: file is 60,000,000 bytes, more than the 50,000,000 allowed" in result.err
    assert tripwire == []


def test_a_literal_over_the_limit_is_refused_at_its_line(run_cli, small_root: Path, tmp_path: Path) -> None:
    long = tmp_path / "long.nt"
    long.write_text("# a comment\n" + ENTRY + '"' + "x" * 2_000_000 + '" .\n', encoding="utf-8")
    result = run_case(run_cli, small_root, long)
    assert result.code == 2
    assert "long.nt:2:" in result.err and "a literal of 2,000,000 characters exceeds the 1,000,000 allowed" in result.err


def test_a_literal_over_pyoxigraphs_token_cap_is_refused(run_cli, small_root: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAILGRAPH_MAX_LITERAL_CHARS", "30000000")
    huge = tmp_path / "token.nt"
    huge.write_text(ENTRY + '"' + "y" * 20_000_000 + '" .\n', encoding="utf-8")
    result = run_case(run_cli, small_root, huge)
    assert result.code == 2 and "longer than pyoxigraph's 16 MiB limit" in result.err


def test_a_device_is_not_read(run_cli, small_root: Path, tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero on this system")
    endless = tmp_path / "endless.ttl"
    endless.symlink_to("/dev/zero")
    result = run_case(run_cli, small_root, endless)
    assert result.code == 2 and "endless.ttl: not a regular file" in result.err


def test_too_many_blank_nodes_are_refused(run_cli, small_root: Path, tmp_path: Path) -> None:
    from railgraph.loading import MAX_BLANK_NODES

    nested = tmp_path / "nested.ttl"
    depth = MAX_BLANK_NODES + 1
    nested.write_text("@prefix : <http://example.org/> .\n:s :p " + "[ :p " * depth + ":o" + " ]" * depth + " .\n",
                      encoding="utf-8")
    result = run_case(run_cli, small_root, nested)
    assert result.code == 2 and f"holds {depth:,} blank nodes" in result.err


def test_a_query_over_100k_characters_is_refused(run_cli, small_root: Path, tmp_path: Path) -> None:
    query = tmp_path / "long.rq"
    query.write_text("SELECT * WHERE { ?s ?p ?o FILTER(?o IN (" + ", ".join(['"x"'] * 30_000) + ")) }",
                     encoding="utf-8")
    assert len(query.read_text(encoding="utf-8")) > 100_000
    result = run_case(run_cli, small_root, query)
    assert result.code == 2 and "characters long; the most accepted is 100,000" in result.err


def test_a_remote_context_is_refused_even_when_requests_is_importable(run_cli, small_root: Path,
                                                                       tripwire: list[str]) -> None:
    pytest.importorskip("requests")
    result = run_case(run_cli, small_root, CORPUS / "jsonld" / "remote-context.jsonld")
    assert result.code == 2 and tripwire == []


def test_an_allowed_context_is_served_from_the_root(run_cli, small_root: Path, tmp_path: Path,
                                                     tripwire: list[str]) -> None:
    entry = tmp_path / "entry.jsonld"
    entry.write_text('{"@context": "https://w3id.org/railgraph/ontology/context.jsonld",\n'
                     ' "@id": "id:tool/hostile-probe", "@type": "Tool", "title": "Probe"}\n', encoding="utf-8")
    result = run_case(run_cli, small_root, entry, "--format", "json")
    assert result.code == 1, result.err  # read and validated: the probe lacks required fields
    assert "hostile-probe" in result.out and tripwire == []


def test_a_context_outside_the_allow_list_setting_is_refused(run_cli, small_root: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAILGRAPH_ALLOWED_CONTEXTS", "ontology/frames/entries.jsonld")
    entry = tmp_path / "entry.jsonld"
    entry.write_text('{"@context": "ontology/context.jsonld", "@id": "id:tool/x"}\n', encoding="utf-8")
    result = run_case(run_cli, small_root, entry)
    assert result.code == 2
    assert "'ontology/context.jsonld' at /@context is not an allowed context" in result.err
    assert "ontology/frames/entries.jsonld" in result.err


def test_an_allow_list_entry_outside_the_root_is_a_usage_error(run_cli, small_root: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAILGRAPH_ALLOWED_CONTEXTS", "../../etc/passwd")
    result = run_case(run_cli, small_root, CORPUS / "jsonld" / "remote-context.jsonld")
    assert result.code == 2 and "is not a path inside the catalogue root" in result.err


# -- output: HTML, CSV, served paths ----------------------------------------------------------

XSS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>', "</title><svg onload=alert(3)>",
       "javascript:alert(4)", "{{7*7}}<b>{% raw %}", "\u202e<iframe src=//evil>", "'-alert(5)-'",
       "<a href=\"javascript:alert(6)\">x</a>", "&lt;script&gt;", "<!--", "]]><script>alert(7)</script>"]
FORMULAS = ['=HYPERLINK("http://127.0.0.1:9/x","click")', "+SUM(1,2)", "-1+2", "@cmd|' /C calc'!A0",
            "\t=1+1", "\r=1+1", "=cmd|' /C notepad'!'A1'"]


class _Collector(html.parser.HTMLParser):
    """Tags, attributes and text of a page, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.scripts: list[tuple[str, str]] = []  # (type, text) of each script element
        self._script_type: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(attrs)
        if tag == "script":
            self._script_type = dict(attrs).get("type") or "text/javascript"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script_type = None

    def handle_data(self, data: str) -> None:
        if self._script_type is not None:
            self.scripts.append((self._script_type, data))


@pytest.fixture(scope="module")
def payload_catalogue(tmp_path_factory: pytest.TempPathFactory):
    import railgraph

    folder = tmp_path_factory.mktemp("payloads")
    lines = ["@prefix dct: <http://purl.org/dc/terms/> .", "@prefix rg: <https://w3id.org/railgraph/ontology#> ."]
    for number, text in enumerate(XSS + FORMULAS):
        lines.append(f"<https://w3id.org/railgraph/id/tool/payload-{number}> a rg:Tool ;\n"
                     f"    dct:title {json.dumps(text)}@en ;\n    dct:description {json.dumps(text)}@en .")
    (folder / "payloads.ttl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return railgraph.load(ROOT, data=[folder])


@pytest.mark.parametrize("number", range(len(XSS)))
def test_html_never_runs_a_hostile_title(payload_catalogue, number: int) -> None:
    from rdflib import URIRef

    from railgraph.export.site import render_entity

    page = render_entity(payload_catalogue, URIRef(f"https://w3id.org/railgraph/id/tool/payload-{number}"))
    text = page if isinstance(page, str) else page.decode("utf-8")
    collector = _Collector()
    collector.feed(text)
    assert XSS[number].split("<")[0] in text or "&" in text  # the title is on the page, as text
    assert not {"img", "svg", "iframe", "b"} & set(collector.tags)
    assert not [name for name, value in collector.attributes if name.startswith("on")]
    assert not [value for name, value in collector.attributes
                if name in ("href", "src") and (value or "").strip().lower().startswith("javascript:")]
    for kind, script in collector.scripts:
        if kind == "application/ld+json":  # data, not code: valid JSON that cannot close its element
            assert "<" not in script and json.loads(script)["@id"].endswith(f"payload-{number}")
        else:
            assert "alert(" not in script


def test_csv_cells_never_start_a_formula(payload_catalogue) -> None:
    import csv
    import io

    tables = payload_catalogue.tables()
    cells = [cell for name, data in tables.items() if name.endswith(".csv")
             for row in csv.reader(io.StringIO(data.decode("utf-8"))) for cell in row]
    for formula in FORMULAS:
        assert formula not in cells
        assert "'" + formula in cells, formula
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@", "\t", "\r")]


TRAVERSALS = ["/dist/..%2fsecret.txt", "/dist/%2e%2e/secret.txt", "/dist/..%5csecret.txt", "/dist/%252e%252e/secret.txt",
              "/dist/site/%00", "/dist/../secret.txt", "/dist//etc/passwd", "/dist/%c0%ae%c0%ae/secret.txt",
              "/dist/..", "/id/..%2f..%2fsecret.txt", "/..%2fsecret.txt", "/dist/%2fetc%2fpasswd"]


@pytest.fixture(scope="module")
def served(catalogue, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    from railgraph.server.app import create_app

    from .serving import running

    folder = tmp_path_factory.mktemp("served")
    (folder / "secret.txt").write_text("root:secret\n", encoding="utf-8")
    dist = folder / "dist"
    (dist / "site").mkdir(parents=True)
    (dist / "catalogue.nt").write_text("", encoding="utf-8")
    with running(create_app(catalogue, dist=dist)) as base:
        yield base, folder


@pytest.mark.parametrize("path", TRAVERSALS)
def test_served_paths_never_leave_the_export(served: tuple[str, Path], path: str) -> None:
    import http.client
    from urllib.parse import urlsplit

    base, _ = served
    location = urlsplit(base)
    connection = http.client.HTTPConnection(location.hostname, location.port, timeout=60)
    try:
        connection.request("GET", path)  # sent as written: no client-side normalisation
        response = connection.getresponse()
        status, body = response.status, response.read()
    finally:
        connection.close()
    assert status in (400, 404), (status, body[:200])
    assert b"root:secret" not in body
