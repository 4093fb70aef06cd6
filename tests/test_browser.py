"""The web UI in a real headless Chromium (Debian's ``chromium``), driven by Playwright.

A real server on 127.0.0.1 serves the repository's catalogue plus tests/hostile.py's values. The
browser is the system's ``/usr/bin/chromium``; Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from railgraph.catalogue import Catalogue
from railgraph.server.app import create_app
from railgraph.server.forms import PAGE_SIZE

from .serving import running

CHROMIUM = Path(os.environ.get("RAILGRAPH_CHROMIUM", "/usr/bin/chromium"))
if not CHROMIUM.exists():
    pytest.skip(f"the browser tests need Chromium at {CHROMIUM}: install it with `sudo apt-get install -y "
                "chromium` (Debian, Ubuntu; .ci/run does this) or set RAILGRAPH_CHROMIUM to its path",
                allow_module_level=True)

from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, expect, sync_playwright  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
BIGCODE_TITLE = "BigCode OpenRAIL-M License Agreement v1"


@pytest.fixture(scope="module")
def server(hostile_catalogue: Catalogue) -> Iterator[str]:
    with running(create_app(hostile_catalogue)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


class Watched:
    """A page with every dialog (alert, confirm, prompt) and console error it raised recorded."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("response", lambda response: self.errors.append(f"{response.status} {response.url}")
                if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)  # failed loads are recorded by URL, above


@pytest.fixture()
def tab(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context()
    watched = Watched(context.new_page())
    yield watched
    context.close()
    assert not watched.dialogs, f"script ran: {watched.dialogs}"


def query_of(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def shown_total(page: Page) -> int:
    return int(page.locator("#total").inner_text().split()[0])


def test_search_filter_by_lifecycle_stage_open_a_licence_and_run_a_named_query(
        tab: Watched, server: str, catalogue: Catalogue) -> None:
    page = tab.page
    page.goto(server + "/")
    expect(page.locator("h1")).to_have_text("Search the catalogue")

    # search
    page.get_by_label("Tools and metrics").fill("fairness")
    page.get_by_label("Tools and metrics").press("Enter")
    page.wait_for_url(re.compile(r"[?&]q=fairness"))
    found = catalogue.search("fairness", limit=1000)
    expect(page.locator("ol.hits a.title")).to_have_text([h.title for h in found[:PAGE_SIZE]])
    assert shown_total(page) == len(found)

    # filter by lifecycle stage: ticking the box applies it (the script submits the form)
    stage = page.locator("fieldset[data-facet='lifecycle-stage']").get_by_label(re.compile("Verify and validate"))
    with page.expect_navigation():
        stage.check()
    assert query_of(page)["lifecycle-stage"] == ["verify-and-validate"]
    assert query_of(page)["q"] == ["fairness"]
    narrowed = catalogue.search("fairness", {"lifecycle-stage": ["lifecycle-stage/verify-and-validate"]}, 1000)
    assert 0 < len(narrowed) < len(found)
    expect(page.locator("ol.hits a.title")).to_have_text([h.title for h in narrowed[:PAGE_SIZE]])
    expect(page.locator("ul.active li")).to_contain_text(["Lifecycle stage: Verify and validate"])
    expect(page.locator("fieldset[data-facet='lifecycle-stage'] input[value='verify-and-validate']")).to_be_checked()

    # open a licence page from a search
    with page.expect_navigation():
        page.locator("ul.active a").click()  # drop the filter first (licences have no lifecycle stage)
    assert "lifecycle-stage" not in query_of(page)
    page.get_by_label("Tools and metrics").fill("openrail")
    page.get_by_label("Tools and metrics").press("Enter")
    page.wait_for_url(re.compile(r"q=openrail"))
    page.get_by_role("link", name=BIGCODE_TITLE).click()
    page.wait_for_url(re.compile(r"/id/licence/bigcode-openrail-m-license-agreement\.html$"))
    expect(page.locator("h1")).to_have_text(BIGCODE_TITLE)
    expect(page.get_by_role("heading", name="Use restrictions")).to_be_visible()
    clauses = catalogue.query("licence-restrictions",
                              licence="https://w3id.org/railgraph/id/licence/bigcode-openrail-m-license-agreement")
    expect(page.locator("table.clauses tbody tr")).to_have_count(len(list(clauses)))

    # run a named query from the query page
    page.goto(server + "/query")
    with page.expect_navigation():
        page.get_by_label("Example").select_option(label="Use restrictions of a licence")
    expect(page.locator("#named-title")).to_have_text("Use restrictions of a licence")
    page.get_by_label(re.compile("^licence")).fill("bigscience-openrail-m-license")
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_url(re.compile(r"run=1"))
    expected = list(catalogue.query("licence-restrictions",
                                    licence="https://w3id.org/railgraph/id/licence/bigscience-openrail-m-license"))
    expect(page.locator("table.results tbody tr")).to_have_count(len(expected))
    expect(page.locator("#row-count")).to_have_text(f"{len(expected)} rows")
    download = page.get_by_role("link", name="CSV")
    assert urlsplit(download.get_attribute("href") or "").path == "/sparql"
    assert not tab.errors, tab.errors


def test_the_pages_work_without_javascript(browser: Browser, server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(server + "/?q=fairness")
        page.locator("fieldset[data-facet='tool-type'] input[value='technical']").check()
        apply = page.get_by_role("button", name="Apply filters")
        expect(apply).to_be_visible()
        with page.expect_navigation():
            apply.click()
        assert query_of(page)["tool-type"] == ["technical"]
        page.goto(server + "/query")
        page.get_by_label("Example").select_option(label="Entries of one kind")
        page.get_by_role("button", name="Open").click()
        page.wait_for_url(re.compile(r"name=entries-by-kind"))
        page.get_by_role("button", name="Run", exact=True).click()
        expect(page.locator("table.results tbody tr").first).to_be_visible()
    finally:
        context.close()


def test_hostile_values_are_shown_as_text_and_never_run(tab: Watched, server: str) -> None:
    page = tab.page
    page.goto(server + "/?q=hostile+probe")
    expect(page.locator("ol.hits a.title").first).to_have_text("Hostile probe <script>alert('title')</script>")
    expect(page.locator("fieldset[data-facet='objective']")).to_contain_text("Objective <img src=x onerror=alert('concept')>")
    page.locator("fieldset[data-facet='objective'] summary").click()  # past the first eight values
    page.locator("fieldset[data-facet='objective'] input[value='hostile-objective']").check()
    page.wait_for_url(re.compile("objective=hostile-objective"))
    expect(page.locator("ul.active li")).to_contain_text(["Objective <img src=x onerror=alert('concept')>"])
    page.locator("ol.hits a.title").first.click()
    page.wait_for_url(re.compile(r"/id/tool/hostile-probe\.html$"))
    expect(page.locator("h1")).to_have_text("Hostile probe <script>alert('title')</script>")
    page.goto(server + "/check-use?model=hostile-model&purpose=malware-generation")
    expect(page.locator("#verdict")).to_have_text("forbidden")
    attack = "SELECT ?x WHERE { BIND(\"</textarea><script>alert('query')</script>\" AS ?x) }"
    page.goto(server + "/query")
    page.locator("#query").fill(attack)
    page.locator("#query").press("Control+Enter")  # the script's shortcut runs it
    page.wait_for_url(re.compile(r"query="))
    expect(page.locator("table.results tbody td")).to_have_text(["</textarea><script>alert('query')</script>"])
    expect(page.locator("#query")).to_have_value(attack)
    page.goto(server + "/?q=%3Cscript%3Ealert('q')%3C/script%3E&tool-type=%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E")
    expect(page.locator("#q")).to_have_value("<script>alert('q')</script>")
    expect(page.locator(".problems")).to_contain_text("onerror=alert(1)")
    assert not tab.dialogs
