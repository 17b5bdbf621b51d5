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
