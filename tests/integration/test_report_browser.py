"""report.html in a real headless Chromium: what a person sees, offline, without errors.

Uses the system Chromium (scripts/install-chromium.sh) driven by Playwright; it never
downloads a browser. A missing browser fails this test: a skipped browser check would
let a broken report ship looking green.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.report import write_reports
from tests.unit.test_report_fixtures import make_run

pytestmark = pytest.mark.integration


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Chromium is not installed: run `bash scripts/install-chromium.sh` "
                    "(Debian package 'chromium') to get /usr/bin/chromium")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: `.venv/bin/pip install -e '.[dev]'`")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=chromium_path(), headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        try:
            yield instance
        finally:
            instance.close()


class Page:
    """A page that records console errors, page errors and every non-file request."""

    def __init__(self, browser: Any, html: Path) -> None:
        self.errors: list[str] = []
        self.remote: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.set_default_timeout(15_000)
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)
        self.page.goto(html.as_uri(), wait_until="load")

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.remote.append(url)
            route.abort()


def test_report_shows_verdicts_plots_and_evidence(browser: Any, tmp_path: Path) -> None:
    run = make_run(tmp_path)  # a failing check, an unknown one, three faults, activities
    view = Page(browser, write_reports(run)["html"])
    page = view.page
    assert page.inner_text("#overall-status").strip().upper() == "FAIL"
    rows = page.locator("table.verdicts tbody tr")
    assert rows.count() == 3
    shown = [[c.strip() for c in rows.nth(i).locator("td").all_inner_texts()]
             for i in range(3)]
    assert [(r[0], r[1].upper()) for r in shown] == [
        ("liveness", "PASS"), ("idempotency", "FAIL"), ("resume", "UNKNOWN")]

    images = page.locator("img")
    assert images.count() == 3
    for i in range(3):
        img = images.nth(i)
        img.scroll_into_view_if_needed()
        assert img.evaluate("el => el.complete && el.naturalWidth > 0 && el.naturalHeight > 0")
        box = img.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100

    failing = page.locator("details#check-2")
    assert failing.locator("table tbody tr").count() == 3
    assert failing.locator("table").is_visible()  # a failure's evidence is open
    unknown = page.locator("details#check-3")
    assert not unknown.locator("table").is_visible()
    unknown.locator("summary").click()
    assert unknown.locator("table").is_visible()

    link = failing.locator("a[href^='histories/']").first
    target = (run / link.get_attribute("href")).resolve()
    assert target.exists() and target.is_relative_to(run.resolve())
    assert view.errors == [] and view.remote == []


def test_report_without_activities_or_faults_says_so(browser: Any, tmp_path: Path) -> None:
    run = make_run(tmp_path, faults=False, activities=False, ledger=False)
    view = Page(browser, write_reports(run)["html"])
    notes = view.page.locator(".empty-plot").all_inner_texts()
    assert any("No activity events" in n for n in notes)
    assert any("No faults ran" in n for n in notes)
    assert view.page.locator("img").count() == 1
    assert view.errors == [] and view.remote == []


def test_report_shows_backlog_and_drain_on_the_fault_timeline(browser: Any,
                                                              tmp_path: Path) -> None:
    run = make_run(tmp_path, backlog=True)  # f1 keeps the worker down 7-9 s: a backlog builds
    view = Page(browser, write_reports(run)["html"])
    page = view.page
    timeline = page.locator("#plot-1 img")
    timeline.scroll_into_view_if_needed()
    assert "backlog" in (timeline.get_attribute("alt") or "")
    assert timeline.evaluate("el => el.complete && el.naturalHeight > 0")
    # The timeline grows a backlog panel between throughput and latency.
    assert timeline.evaluate("el => el.naturalHeight") > 700
    drain = page.locator("details#backlog-drain table tbody tr")
    assert drain.locator("td").first.is_visible()
    rows = {r[0]: r for r in ([c.strip() for c in drain.nth(i).locator("td").all_inner_texts()]
                              for i in range(drain.count()))}
    assert rows["f1 worker_kill"][2:] == ["+7.00 s", "+9.00 s", "0", "14", "2.50 s"]
    watch = page.locator("section#watch h3").all_inner_texts()
    assert "Schedule-to-start latency per phase (s)" not in watch  # no history events here
    assert {"Workflow task failures by cause", "Activity failures by type", "Workers",
            "gRPC errors"} <= set(watch)
    grpc = page.locator("section#watch table").last.inner_text()
    assert "RESOURCE_EXHAUSTED" in grpc and "backlog sampler" in grpc
    assert view.errors == [] and view.remote == []


def test_trend_groups_by_scenario_and_leaves_internal_runs_out(browser: Any,
                                                               tmp_path: Path) -> None:
    from harness.report.trend import write_trend

    root = tmp_path / "reports"
    for day, status in ((1, "pass"), (2, "fail"), (3, "pass")):
        make_run(root, f"nightly-2026010{day}T000000", started_at=f"2026-01-0{day}T00:00:00Z",
                 verdicts={"liveness": status})
    mutant = make_run(root / "selftest-20260102T000000" / "idempotency" / "mutant-x",
                      "selftest-idempotency-20260102T000000", verdicts={"idempotency": "fail"})
    (mutant / "scenario.yaml").write_text(
        "name: selftest-idempotency\nworkloads:\n"
        "  - {name: order_saga, version: mutant-no-idempotency-key, count: 1}\n")
    view = Page(browser, write_trend(root))
    page = view.page
    history = page.locator("table.scenarios tbody tr")
    assert history.count() == 1  # the mutant run is not a scenario of the trend
    cells = history.first.locator("a.verdict")
    assert [cells.nth(i).get_attribute("class") for i in range(cells.count())] == [
        "verdict pass", "verdict fail", "verdict pass"]
    assert cells.first.is_visible()
    left_out = page.locator("table.left-out tbody tr")
    assert left_out.count() == 1
    assert "mutant run" in left_out.first.inner_text()
    assert page.locator("table.runs tbody tr").count() == 3
    plot = page.locator("#plots img")
    plot.scroll_into_view_if_needed()
    assert plot.evaluate("el => el.complete && el.naturalWidth > 0")
    assert view.errors == [] and view.remote == []
