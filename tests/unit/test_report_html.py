"""report.html: self-contained (no network reference), every section, degrades with notes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from harness.report import write_reports
from harness.report.html import defang
from tests.unit.test_report_fixtures import make_run

URL = re.compile(r"https?://", re.IGNORECASE)


def html_of(run: Path) -> str:
    return write_reports(run)["html"].read_text(encoding="utf-8")


def test_report_is_self_contained(tmp_path: Path) -> None:
    html = html_of(make_run(tmp_path))  # meta and evidence both hold http(s) URLs
    assert not URL.search(html)
    assert "<link" not in html and "<script" not in html
    assert 'src="data:image/png;base64,' in html
    for tag in re.findall(r"(?:src|href)=\"([^\"]*)\"", html):
        assert tag.startswith(("data:image/png;base64,", "#", "histories/", "load/")), tag


def test_report_has_every_section(tmp_path: Path) -> None:
    html = html_of(make_run(tmp_path))
    assert 'id="overall-status">fail<' in html
    assert "seed <code>7</code>" in html and "fixture-20260101T000000" in html
    for section in ("verdicts", "figures", "plots", "ledger", "environment", "histories"):
        assert f'id="{section}"' in html
    assert html.count('<img src="data:image/png;base64,') == 3  # timeline, swimlane, recovery
    assert html.count("<details") >= 3
    assert "127.0.0.1:8080 (http)" in html  # the address survives without its scheme
    assert '<td>payments</td><td>charge</td><td class="num">2</td>' in html


def test_history_evidence_becomes_a_relative_link(tmp_path: Path) -> None:
    html = html_of(make_run(tmp_path))
    stored = "histories/fixture-20260101T000000__order_saga-0__run-0.json"
    assert f'<a href="{stored}">' in html
    missing = "histories/fixture-20260101T000000__order_saga-9__run-9.json"
    assert f'<a href="{missing}" class="missing"' in html


def test_report_degrades_without_optional_files(tmp_path: Path) -> None:
    run = make_run(tmp_path, faults=False, activities=False, ledger=False)
    written = write_reports(run)
    assert set(written) == {"html", "junit", "markdown"}
    html = written["html"].read_text()
    assert "No activity events were recorded" in html
    assert "No faults ran in this run" in html
    assert "Ledger.json is missing" in html
    assert html.count('<img src="data:') == 1  # the timeline only


def test_report_of_a_bare_folder_says_what_is_missing(tmp_path: Path) -> None:
    run = tmp_path / "bare"
    run.mkdir()
    (run / "meta.json").write_text(json.dumps({"run_id": "bare-1", "seed": 1}))
    html = html_of(run)
    assert "results.json is missing" in html and "journal.jsonl is missing" in html
    assert "No verdicts" in html and 'id="overall-status">unknown<' in html


def test_unreadable_files_become_notes(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    (run / "results.json").write_text("{torn")
    shutil.rmtree(run / "histories")
    html = html_of(run)
    assert "results.json could not be read" in html


def test_invalid_results_are_named_in_the_report(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    data = json.loads((run / "results.json").read_text())
    data["status"] = "green"
    (run / "results.json").write_text(json.dumps(data))
    assert "does not match harness.results/1" in html_of(run)


def test_evidence_and_summaries_are_escaped(tmp_path: Path) -> None:
    run = make_run(tmp_path, verdicts={"<b>x</b>": "fail"})
    html = html_of(run)
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_defang() -> None:
    assert defang("see HTTPS://a.b and http://c") == "see HTTPS[:]//a.b and http[:]//c"


def test_load_summary_is_shown_when_present(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    data = json.loads((run / "results.json").read_text())
    data["load"] = {"users": 50, "requests_per_s": 120.5}
    (run / "results.json").write_text(json.dumps(data))
    html = html_of(run)
    assert 'id="load"' in html and "requests per s" in html and "120.5" in html
    assert 'id="load"' not in html_of(make_run(tmp_path / "plain"))


def test_odd_lines_in_journal_and_activity_files_are_skipped(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    with (run / "journal.jsonl").open("a") as f:
        f.write('[1, 2]\n{"kind": "fault", "type": "inject"}\n{"t": "soon", "kind": "run"}\n')
    with (run / "workers" / "worker-1.1.activities.jsonl").open("a") as f:
        f.write('\n{"t": "x", "event": "started"}\n"text"\n')
    html = html_of(run)
    assert html.count('<img src="data:') == 3 and "could not be drawn" not in html
