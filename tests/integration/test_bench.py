"""`harness bench --json out.json --quick` writes every key (figures are not asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

KEYS = ("locust_vs_bare", "fanout_vs_minimal", "linear_20k_vs_1k", "default_vs_naive_db",
        "checks_10k_seconds", "checks_10k_rss_mb")

# The lead wires these commands into harness.cli; build the parser here so the test does
# not depend on that wiring.
RUN = """
import argparse, os, sys
from harness.load.command import add_load_parsers, cmd_bench
parser = argparse.ArgumentParser()
add_load_parsers(parser.add_subparsers(dest="command"))
code = cmd_bench(parser.parse_args(sys.argv[1:]))
sys.stdout.flush()
os._exit(code)
"""


def test_bench_quick_writes_all_keys(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [sys.executable, "-c", RUN, "bench", "--json", str(out), "--quick",
         "--out", str(tmp_path / "reports")],
        capture_output=True, text=True, timeout=240,
        env={**os.environ, "HARNESS_STATE_DIR": str(tmp_path / "state")})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(out.read_text())
    for key in KEYS:
        assert isinstance(result[key], int | float), (key, result.get(key))
    assert result["quick"] is True and "raw" in result and "targets" in result
    assert list(tmp_path.glob("reports/bench-*/bench.json"))
