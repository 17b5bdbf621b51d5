"""trend: runs ordered by start time, one row each, a broken folder does not sink the page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.errors import UsageError
from harness.report.trend import find_runs, trend_frame, write_trend
from tests.unit.test_report_fixtures import make_run


def nightly(root: Path) -> Path:
    for day in (3, 1, 2):
        make_run(root, f"fixture-2026010{day}T000000", started_at=f"2026-01-0{day}T00:00:00Z",
                 spacing=0.6 + 0.1 * day, verdicts={"liveness": "pass" if day < 3 else "fail"})
    (root / "broken").mkdir()
    (root / "broken" / "meta.json").write_text("{torn")
    return root


def test_trend_rows_are_ordered_by_start(tmp_path: Path) -> None:
    frame = trend_frame(nightly(tmp_path / "nightly"))
    named = frame[frame["run_id"].str.startswith("fixture")]
    assert list(named["run_id"]) == [f"fixture-2026010{d}T000000" for d in (1, 2, 3)]
    assert list(named["fail"]) == [0, 0, 1]
    assert named["throughput_wps"].is_monotonic_decreasing
    assert (tmp_path / "nightly" / "broken") in find_runs(tmp_path / "nightly")


def test_trend_page_is_self_contained(tmp_path: Path) -> None:
    root = nightly(tmp_path / "nightly")
    out = write_trend(root, tmp_path / "site" / "trend.html")
    html = out.read_text()
    assert not re.search(r"https?://", html)
    assert html.count('src="data:image/png;base64,') == 1
    assert 'href="../nightly/fixture-20260101T000000/report.html"' in html
    assert "meta.json could not be read" in html


def test_trend_of_an_empty_folder(tmp_path: Path) -> None:
    assert "No run folders were found" in write_trend(tmp_path).read_text()


def test_trend_of_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="nowhere"):
        write_trend(tmp_path / "nowhere")


def test_runs_are_grouped_by_scenario_and_internal_runs_left_out(tmp_path: Path) -> None:
    root = nightly(tmp_path / "reports")
    make_run(root / "selftest-20260102T000000" / "liveness" / "mutant-lost-early-callback",
             "selftest-liveness-20260102T000000", started_at="2026-01-02T01:00:00Z",
             verdicts={"liveness": "fail"})
    scenario = root / "selftest-20260102T000000" / "liveness" / "mutant-lost-early-callback" \
        / "selftest-liveness-20260102T000000" / "scenario.yaml"
    scenario.write_text("name: selftest-liveness\nworkloads:\n"
                        "  - {name: approval, version: mutant-lost-early-callback, count: 1}\n")
    make_run(root / "bench-20260102T000000" / "runs", "synthetic-20260101T000000",
             started_at="2026-01-01T00:00:00Z")
    make_run(root / ".internal", "hidden-20260101T000000")
    frame = trend_frame(root)
    assert "hidden-20260101T000000" not in set(frame["run_id"])
    why = dict(zip(frame["run_id"], frame["left_out"], strict=True))
    assert why["selftest-liveness-20260102T000000"].startswith("mutant run")
    assert why["synthetic-20260101T000000"].startswith("benchmark run")
    assert why["fixture-20260101T000000"] == ""
    html = write_trend(root).read_text()
    history = re.search(r'data-scenario="fixture".*?</tr>', html, re.S)
    assert history is not None
    assert re.findall(r'class="verdict (\w+)"', history.group(0)) == ["pass", "pass", "fail"]
    left_out = html[html.index('id="left-out"'):]
    assert "selftest-liveness-20260102T000000" in left_out
    assert "synthetic-20260101T000000" in left_out


def test_the_legend_sits_beside_the_plots_not_over_them(tmp_path: Path) -> None:
    from harness.report.trend import trend_figure

    root = tmp_path / "reports"
    for i, name in enumerate(("alpha", "beta", "gamma")):
        make_run(root, f"{name}-2026010{i + 1}T000000", started_at=f"2026-01-0{i + 1}T00:00:00Z")
    frame = trend_frame(root)
    frame["scenario"] = frame["run_id"].str.split("-").str[0]
    fig = trend_figure(frame)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    assert fig.legends, "the scenarios are named in a legend"
    box = fig.legends[0].get_window_extent(renderer)
    for ax in fig.axes:
        assert not box.overlaps(ax.get_window_extent(renderer)), ax.get_title()
