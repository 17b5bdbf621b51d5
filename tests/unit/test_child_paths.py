"""Every path a child process gets is absolute, whatever the harness's working directory.

Locust runs in its load folder: a path relative to the harness's directory is wrong there
(`harness load` from the repository root with the default relative --out once failed so).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.load.locust_run import common_args, locust_processes
from harness.load.options import LoadOptions
from harness.load.plan import LoadPlan
from harness.stack.connection import TemporalConnection
from harness.stack.processes import OwnedProcess
from harness.stack.stack import StackOptions


def test_relative_inputs_become_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    monkeypatch.chdir(tmp_path)
    options = StackOptions(state_dir=Path("reports/.stack/x"), tls_cert="certs/c.pem")
    assert options.state_dir == tmp_path / "reports/.stack/x"
    assert options.tls_cert == str(tmp_path / "certs/c.pem")
    conn = TemporalConnection("127.0.0.1:7233", tls_ca="ca.pem")
    assert conn.tls_ca == str(tmp_path / "ca.pem")
    assert TemporalConnection.from_json(conn.to_json()) == conn
    plan = LoadPlan(run_id="r", seed=1, task_queue="q", temporal=conn.to_json(),
                    journal_dir="reports/r/load", targets=[])
    assert plan.journal_path(0) == tmp_path / "reports/r/load/journal-0.jsonl"
    proc = OwnedProcess("x", ["true"], log_path=Path("logs/x.log"), cwd=Path("sub"))
    assert proc.log_path == tmp_path / "logs/x.log" and proc.cwd == tmp_path / "sub"


def test_locust_gets_absolute_plan_csv_and_html(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    load_dir = Path("reports/run/load")
    options = LoadOptions(users=2, duration=3, processes=1).validate()
    procs, _ = locust_processes(load_dir / "config.json", options, load_dir)
    for proc in procs:
        assert proc.cwd == tmp_path / load_dir
        assert Path(proc.env["HARNESS_LOAD_CONFIG"]).is_absolute()  # type: ignore[index]
    args = common_args(options, load_dir)
    assert Path(args[args.index("--csv") + 1]).is_absolute()
    assert Path(args[args.index("--html") + 1]).is_absolute()
