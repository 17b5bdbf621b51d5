"""The README's load, scale and bench commands, run as a new user runs them.

From the repository root, with the default relative `--out` (reports/): a child process
that gets a path relative to the harness's working directory while it runs in another one
(Locust runs in its load folder) fails only here, never with an absolute temporary folder.
Each test removes exactly the folders it created under reports/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.bench.run import RATIOS

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
HARNESS = Path(sys.executable).parent / "harness"


@pytest.fixture
def new_reports() -> Iterator[None]:
    """Removes what the test adds under <root>/reports/ (the user's own runs stay)."""
    before = _listing()
    yield
    for path in sorted(_listing() - before, reverse=True):  # .stack's entries first
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink()


def harness(*args: str, state: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(HARNESS), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "HARNESS_STATE_DIR": str(state)})


def added(reports_before: set[Path], prefix: str) -> list[Path]:
    return sorted(p for p in (ROOT / "reports").glob(prefix + "*") if p not in reports_before)


def _listing() -> set[Path]:
    """Entries of reports/ and of reports/.stack/ (each command's stack state lands there)."""
    reports = ROOT / "reports"
    found = set(reports.iterdir()) if reports.is_dir() else set()
    stacks = reports / ".stack"
    return found | (set(stacks.iterdir()) if stacks.is_dir() else set())


def test_readme_load_command_from_repo_root(new_reports: None, tmp_path: Path) -> None:
    before = _listing()
    proc = harness("load", "scenarios/load/orders.yaml", "-u", "5", "-r", "5", "-t", "10s",
                   state=tmp_path / "state", timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    runs = added(before, "load-orders")
    assert len(runs) == 1, runs
    summary = json.loads((runs[0] / "load" / "summary.json").read_text())
    assert summary["aggregated"]["requests"] > 0
    assert summary["aggregated"]["failures"] == 0, summary.get("failures")
    assert (runs[0] / "load" / "locust_stats.csv").exists()  # not under load/reports/...


def test_readme_scale_command_from_repo_root(new_reports: None, tmp_path: Path) -> None:
    before = _listing()
    proc = harness("scale", "--shapes", "2x3,3x3", "--workers", "1",
                   state=tmp_path / "state", timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    sweeps = added(before, "scale-")
    assert len(sweeps) == 1, sweeps
    rows = (sweeps[0] / "scale.csv").read_text().splitlines()
    assert len(rows) == 3, rows  # a header and one row per point
    assert (sweeps[0] / "where_time_went.png").stat().st_size > 0


def test_readme_bench_quick_from_repo_root(new_reports: None, tmp_path: Path) -> None:
    """Every key, each ratio with median, min and max (figures are not asserted: quick
    sizes mean little, and the machine may be shared)."""
    before = _listing()
    out = tmp_path / "bench.json"
    proc = harness("bench", "--quick", "--json", str(out), state=tmp_path / "state",
                   timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["errors"] == {}, result["errors"]
    for key in RATIOS:
        summary = result[key]
        assert summary["pairs"] >= 3, (key, summary)
        assert summary["min"] <= summary["median"] <= summary["max"], (key, summary)
        assert isinstance(summary["unstable"], bool)
    for key in ("synthetic_1m_checks_seconds", "synthetic_1m_checks_cpu_seconds",
                "synthetic_1m_rss_mb", "synthetic_1m_run_folder_mb"):
        assert isinstance(result[key], int | float) and result[key] > 0, key
    assert result["raw"]["locust_vs_bare"]["b"][0]["locust_failures"] == 0
    folders = added(before, "bench-")
    assert len(folders) == 1 and (folders[0] / "bench.json").exists()
