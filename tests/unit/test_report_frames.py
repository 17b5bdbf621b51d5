"""Frames and key figures: attempts pairing, crash points, ledger outcomes, derived stats."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from harness.report import frames
from harness.report.figures import key_figures
from harness.report.model import load_report
from harness.runfolder import RunFolder
from tests.unit.test_report_fixtures import T0, make_run


def test_attempts_pair_events_and_mark_lost_ones(tmp_path: Path) -> None:
    run = RunFolder(make_run(tmp_path))
    events = frames.read_activity_events(run.workers_dir)  # the torn last line is skipped
    table = frames.attempts(events, T0 + 40, frames.worker_deaths(run))
    assert set(table["outcome"]) == {"completed", "failed", "lost"}
    lost = table[table["outcome"] == "lost"].iloc[0]
    assert lost["workflow_id"].endswith("order_saga-9") and lost["activity_type"] == "ship"
    assert lost["end"] == T0 + 7.0  # where its worker was killed, not the run end
    retried = table[table["workflow_id"].str.endswith("order_saga-1")]
    assert sorted(retried[retried["activity_type"] == "charge"]["attempt"]) == [1, 2]


def test_ledger_summary_counts_outcomes(tmp_path: Path) -> None:
    run = RunFolder(make_run(tmp_path))
    table = frames.ledger_summary(run.ledger).set_index(["service", "op"])
    charge = table.loc[("payments", "charge")]
    assert (charge["attempts"], charge["effects"], charge["duplicate"]) == (2, 1, 1)
    assert table.loc[("payments", "refund"), "noop"] == 1
    assert table.loc[("shipping", "ship"), "rejected"] == 1
    assert frames.ledger_summary(None).empty
    assert frames.ledger_summary({"attempts": [], "effects": []}).empty


def test_faults_pair_inject_and_heal(tmp_path: Path) -> None:
    table = frames.faults(RunFolder(make_run(tmp_path))).set_index("fault_id")
    assert list(table.index) == ["f1", "f2", "f3", "f4"]
    assert table.loc["f1", "healed"] - table.loc["f1", "injected"] == 2.0
    assert table.loc["f4", "error"].startswith("inject failed")
    assert pd.isna(table.loc["f4", "healed"])


def test_worker_crashes_come_from_the_journal(tmp_path: Path) -> None:
    assert list(frames.worker_crashes(RunFolder(make_run(tmp_path)))) == [T0 + 10.0]


def test_key_figures_from_the_journal(tmp_path: Path) -> None:
    fig = key_figures(load_report(make_run(tmp_path)))
    assert (fig.workflows, fig.completed, fig.failed, fig.indeterminate) == (30, 25, 4, 1)
    assert fig.throughput_wps and fig.latency_p50_s and fig.latency_p95_s
    assert fig.faults == 3 and fig.recovery_p95_s == 1.95


def test_stats_in_results_win(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    data = json.loads((run / "results.json").read_text())
    data["stats"] = {"throughput_wps": 99.0, "workflows": 1000}
    (run / "results.json").write_text(json.dumps(data))
    fig = key_figures(load_report(run))
    assert fig.throughput_wps == 99.0 and fig.workflows == 1000


def test_activity_events_without_files() -> None:
    events = frames.read_activity_events(Path("/nonexistent"))
    assert isinstance(events, pd.DataFrame) and events.empty
    assert frames.attempts(events).empty
