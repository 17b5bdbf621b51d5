"""The benchmark's synthetic run folder: documented format, judged like a real run."""

from __future__ import annotations

import json
from pathlib import Path

from harness.bench.checks_probe import probe
from harness.bench.synthetic import write_synthetic_run
from harness.checks.verdict import Status
from harness.judge import judge
from harness.runfolder import RunFolder


def test_synthetic_run_passes_liveness_and_has_every_file(tmp_path: Path) -> None:
    run = RunFolder(write_synthetic_run(tmp_path / "run", 50))
    for name in ("meta.json", "scenario.yaml", "journal.jsonl", "workflows.json", "ledger.json",
                 "workers/worker-1.1.activities.jsonl"):
        assert (run.path / name).exists(), name
    assert len(run.workflows) == 50
    assert sum(w["status"] == "FAILED" for w in run.workflows) == 5
    ledger = json.loads((run.path / "ledger.json").read_text())
    assert {"attempts", "effects", "callbacks"} <= set(ledger)
    (verdict,) = judge(run, [("liveness", {})])
    assert verdict.status == Status.PASS, verdict


def test_probe_runs_every_check_but_those_needing_histories(tmp_path: Path) -> None:
    result = probe(write_synthetic_run(tmp_path / "run", 30))
    assert "liveness" in result["checks"]
    assert not any("determinism" in n or "replay" in n for n in result["checks"])
    assert Status.FAIL.value not in result["verdicts"].values(), result["verdicts"]
    assert result["seconds"] >= 0 and result["rss_mb"] > 0
