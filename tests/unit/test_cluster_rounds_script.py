"""scripts/cluster-rounds.sh refuses bad input before it starts anything (exit 2)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "cluster-rounds.sh"


@pytest.mark.parametrize("rounds", ["0", "ten", "-3", "2x"])
def test_bad_round_count_is_refused_with_one_line_and_nothing_made(
        rounds: str, tmp_path: Path) -> None:
    out = tmp_path / "rounds"
    done = subprocess.run(["bash", str(SCRIPT), rounds], capture_output=True, text=True,
                          env={"OUT": str(out), "PATH": "/usr/bin:/bin"}, timeout=30)
    assert done.returncode == 2
    assert f"ROUNDS must be a positive number, got '{rounds}'" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not out.exists()  # no output folder, no stack


FAKE_HARNESS = """#!/usr/bin/env bash
# The harness CLI as the round driver sees it: `stack up` prints its address table and
# stays up until SIGTERM; every other command prints a verdict line (FAKE_VERDICTS).
if [ "$1" = stack ]; then
  echo $$ > "$FAKE_DIR/stack.pid"
  echo "stack is up (Ctrl-C tears it down)"
  echo "│ temporal                │ 127.0.0.1:23784 │"
  echo "│ temporal_for_workers    │ 127.0.0.1:50557 │"
  trap 'echo stopped > "$FAKE_DIR/stack.stopped"; exit 130' TERM
  while true; do sleep 0.1; done
fi
echo "$*" >> "$FAKE_DIR/calls"
case "$*" in
  *nightly*) echo "harness: skipped scenarios/nightly/x.yaml: fault server_restart is" \\
    "unavailable against an external cluster (127.0.0.1:23784): not owned"
    echo "PASS: 1 scenario(s)"; exit 0;;
  *drills*) [ -n "$FAKE_CRASH" ] && { echo "Traceback (most recent call last):"; exit 3; };;
esac
case "$1" in certify) echo "PASS: certificate written to x";; *) echo "PASS: 1 scenario(s)";; esac
"""


def fake_checkout(tmp_path: Path) -> Path:
    """A checkout with the script and fakes of the harness and temporal CLIs."""
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    (root / "scripts" / "cluster-rounds.sh").write_text(SCRIPT.read_text())
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "harness").write_text(FAKE_HARNESS)
    (bin_dir / "temporal").write_text('#!/usr/bin/env bash\necho "ns $*" >> "$FAKE_DIR/calls"\n')
    (bin_dir / "python").symlink_to(Path(__file__).resolve().parents[2] / ".venv/bin/python")
    for tool in ("harness", "temporal"):
        (bin_dir / tool).chmod(0o755)
    return root


def run_rounds(root: Path, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(root / "scripts" / "cluster-rounds.sh"), "2"],
                          capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "FAKE_DIR": str(tmp_path),
                               "OUT": "reports/r", **env})


def test_rounds_on_fresh_namespaces_with_a_row_each_and_the_stack_stopped(
        tmp_path: Path) -> None:
    root = fake_checkout(tmp_path)
    done = run_rounds(root, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    namespaces = [c.split("--namespace ")[1].split()[0] for c in calls if c.startswith("ns ")]
    assert len(set(namespaces)) == 2  # a fresh one per round
    assert "run scenarios/nightly --seed 7 --temporal-address 127.0.0.1:23784 --namespace " \
           f"{namespaces[0]} --out reports/r/round-1" in calls
    assert sum(c.startswith("certify ") for c in calls) == 2
    rows = [r for r in (root / "reports/r/rounds.md").read_text().splitlines()
            if r.startswith("| 1 ") or r.startswith("| 2 ")]
    assert len(rows) == 2 and all(r.endswith("| yes |") for r in rows)
    assert "| 1 |" in rows[0].split(namespaces[0])[1]  # one skipped scenario, explained
    assert (tmp_path / "stack.stopped").exists()  # stopped by pid on the way out


def test_a_traceback_is_a_crash_exit_3_and_the_stack_still_stopped(tmp_path: Path) -> None:
    root = fake_checkout(tmp_path)
    done = run_rounds(root, tmp_path, FAKE_CRASH="1")
    assert done.returncode == 3
    table = (root / "reports/r/rounds.md").read_text()
    assert "3 none" in table and "CRASH" in table and "| no |" in table
    assert (tmp_path / "stack.stopped").exists()
