"""compare: planted regressions are flagged, identical runs pass, thresholds are honoured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import UsageError
from harness.report.compare import Thresholds, compare
from tests.unit.test_report_fixtures import make_run

BASE = {"liveness": "pass", "idempotency": "pass", "resume": "unknown"}


def test_identical_runs_have_no_regression(tmp_path: Path) -> None:
    a = make_run(tmp_path, "a-1", verdicts=BASE)
    b = make_run(tmp_path, "b-1", verdicts=BASE)
    result = compare(a, b)
    assert result.regressions == [] and result.ok
    assert result.verdict_changes == []
    assert all(m.change == 0 for m in result.metrics[:5])
    assert all(m.change in (0, None) for m in result.metrics[5:])  # no backlog sampled


def test_verdict_pass_to_fail_is_a_regression(tmp_path: Path) -> None:
    a = make_run(tmp_path, "a-1", verdicts=BASE)
    b = make_run(tmp_path, "b-1", verdicts={**BASE, "idempotency": "fail", "resume": "pass"})
    result = compare(a, b)
    assert result.regressions == ["check idempotency: pass -> fail"]
    assert result.improvements == ["check resume: unknown -> pass"]
    assert not compare(a, b, Thresholds(verdict_worsening=False)).regressions


def test_pass_to_unknown_is_a_worsening(tmp_path: Path) -> None:
    a = make_run(tmp_path, "a-1", verdicts=BASE)
    b = make_run(tmp_path, "b-1", verdicts={**BASE, "liveness": "unknown"})
    assert compare(a, b).regressions == ["check liveness: pass -> unknown"]


def test_throughput_drop_beyond_threshold_is_a_regression(tmp_path: Path) -> None:
    a = make_run(tmp_path, "a-1", verdicts=BASE)
    b = make_run(tmp_path, "b-1", verdicts=BASE, spacing=0.9)  # starts further apart
    result = compare(a, b)
    assert len(result.regressions) == 1 and result.regressions[0].startswith("throughput")
    throughput = next(m for m in result.metrics if m.name == "throughput")
    assert throughput.change is not None and throughput.change < -0.1
    loose = compare(a, b, Thresholds(max_throughput_drop=0.9))
    assert loose.regressions == []


def test_latency_and_recovery_rises_are_regressions(tmp_path: Path) -> None:
    a = make_run(tmp_path, "a-1", verdicts=BASE)
    b = make_run(tmp_path, "b-1", verdicts=BASE, slow=1.5)
    names = [r.split(":")[0] for r in compare(a, b).regressions]
    assert names == ["latency p95", "recovery p95"]


def test_a_fault_never_recovered_from_is_a_regression(tmp_path: Path) -> None:
    a = make_run(tmp_path, "a-1", verdicts=BASE)
    b = make_run(tmp_path, "b-1", verdicts=BASE)
    for run in (a,):
        data = json.loads((run / "results.json").read_text())
        data["recovery"]["per_fault"][2]["seconds"] = 0.5
        (run / "results.json").write_text(json.dumps(data))
    assert "faults never recovered from: 0 -> 1" in compare(a, b).regressions


def test_markdown_and_rich_renderings(tmp_path: Path) -> None:
    a = make_run(tmp_path, "a-1", verdicts=BASE)
    b = make_run(tmp_path, "b-1", verdicts={**BASE, "liveness": "fail"})
    result = compare(a, b)
    text = result.to_markdown()
    assert text.startswith("## Comparison: REGRESSION")
    assert "| check liveness | pass | fail |  | REGRESSION |" in text
    # one verdict change, five metrics, five things to watch
    assert result.rich_table().row_count == 11


def test_missing_run_is_a_usage_error(tmp_path: Path) -> None:
    a = make_run(tmp_path, "a-1")
    with pytest.raises(UsageError, match="nowhere"):
        compare(a, tmp_path / "nowhere")


def test_things_to_watch_compare_and_a_backlog_that_no_longer_drains_regresses(
        tmp_path: Path) -> None:
    import json

    a = make_run(tmp_path, "a-1", verdicts=BASE, backlog=True)
    b = make_run(tmp_path, "b-1", verdicts=BASE, backlog=True)
    lines = (b / "backlog.jsonl").read_text().splitlines()
    stuck = [json.loads(line) for line in lines]
    for row in stuck:
        if row.get("queue") == "workflow" and "backlog" in row and row["t"] > 1_800_000_009:
            row["backlog"] = 12  # f1's backlog never comes down in B
    (b / "backlog.jsonl").write_text("".join(json.dumps(r) + "\n" for r in stuck))
    result = compare(a, b)
    drain = next(m for m in result.metrics if m.name == "backlog drain max")
    assert drain.a == 2.5
    assert any("never drained: 0 -> " in r for r in result.regressions), result.regressions
