"""The benchmark's synthetic fan-out run folder: the collection format, judged like a run."""

from __future__ import annotations

from pathlib import Path

from harness.bench.checks_probe import probe
from harness.bench.synthetic import PARENT, write_synthetic_run
from harness.checks.verdict import Status
from harness.judge import judge
from harness.load.run_figures import run_figures
from harness.runfolder import RunFolder


def test_synthetic_fanout_has_every_file_and_passes_its_checks(tmp_path: Path) -> None:
    run = RunFolder(write_synthetic_run(tmp_path / "run", children=6, activities=7))
    for name in ("meta.json", "scenario.yaml", "journal.jsonl", "workflows.json", "ledger.json",
                 "workers/worker-1.1.activities.jsonl.gz", "histories/part-00000.jsonl.gz"):
        assert (run.path / name).exists(), name
    assert len(run.workflows) == 7  # the parent and six children
    assert {r["workflow_type"] for r in run.workflows} == {"FanOut", "FanOutChild"}
    lengths = {r["workflow_id"]: len(h["events"]) for r, h in run.histories()}
    assert len(lengths) == 7
    assert all(lengths[r["workflow_id"]] == r["history_length"] for r in run.workflows)
    assert len(list(run.attempt_log_lines())) == 2 * 6 * 7  # started + completed each
    verdicts = {v.check: v.status for v in judge(run, [("liveness", {}),
                                                      ("fanout_integrity", {})])}
    assert verdicts == {"liveness": Status.PASS, "fanout_integrity": Status.PASS}, verdicts
    figures = run_figures(run)
    assert figures["activities_completed"] == 42 and figures["workflows"] == 7


def test_a_parent_history_holds_every_child(tmp_path: Path) -> None:
    run = RunFolder(write_synthetic_run(tmp_path / "run", children=3, activities=2))
    parent = next(r for r in run.workflows if r["workflow_id"] == PARENT)
    kinds = [e["eventType"] for e in run.history(parent)["events"]]
    assert kinds.count("EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED") == 3
    assert kinds[-1] == "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"


def test_probe_runs_every_check_but_the_replay(tmp_path: Path) -> None:
    result = probe(write_synthetic_run(tmp_path / "run", children=3, activities=4))
    assert "liveness" in result["checks"] and "nondeterminism" in result["checks"]
    assert result["excluded"] == ["determinism"]
    assert Status.FAIL.value not in result["verdicts"].values(), result["verdicts"]
    assert result["seconds"] >= 0 and result["rss_mb"] > 0
    assert result["cpu_seconds"] > 0  # the judging's own CPU, apart from waiting for a core


def test_the_bench_table_shows_the_judging_cpu_beside_its_wall_time(capsys) -> None:  # type: ignore[no-untyped-def]
    from harness.load.console import print_bench

    result = {"errors": {}, "raw": {}, "quick": True, "seconds": 1.0,
              "synthetic_1m_checks_seconds": 140.0, "synthetic_1m_checks_cpu_seconds": 51.7}
    print_bench(result)
    out = capsys.readouterr().out
    assert "synthetic_1m_checks_seconds" in out and "140.0" in out
    assert "synthetic_1m_checks_cpu_seconds" in out and "51.7" in out
