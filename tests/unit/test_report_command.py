"""`harness report`: regenerate, compare (exit 1 on regression), trend; bad input names paths."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from harness.errors import UsageError
from harness.report import write_reports
from harness.report.command import add_report_parser, cmd_report
from tests.unit.test_report_fixtures import make_run


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="harness")
    add_report_parser(parser.add_subparsers(dest="command"))
    return cmd_report(parser.parse_args(["report", *argv]))


def test_regenerate_writes_all_three(tmp_path: Path) -> None:
    a = make_run(tmp_path, "a-1")
    b = make_run(tmp_path, "b-1", faults=False, activities=False, ledger=False)
    assert run_cli(str(a), str(b)) == 0
    for run in (a, b):
        for name in ("report.html", "junit.xml", "summary.md"):
            assert (run / name).stat().st_size > 0


def test_write_reports_returns_paths(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    written = write_reports(run)
    assert written == {"html": run / "report.html", "junit": run / "junit.xml",
                       "markdown": run / "summary.md"}
    assert not list(run.glob("*.tmp"))


def test_compare_exit_codes(tmp_path: Path) -> None:
    a = make_run(tmp_path, "a-1", verdicts={"liveness": "pass"})
    same = make_run(tmp_path, "same-1", verdicts={"liveness": "pass"})
    worse = make_run(tmp_path, "worse-1", verdicts={"liveness": "fail"})
    assert run_cli("--compare", str(a), str(same)) == 0
    out = tmp_path / "cmp.md"
    assert run_cli("--compare", str(a), str(worse), "--out", str(out)) == 1
    assert "REGRESSION" in out.read_text()
    slower = make_run(tmp_path, "slow-1", verdicts={"liveness": "pass"}, spacing=0.9)
    assert run_cli("--compare", str(a), str(slower)) == 1
    assert run_cli("--compare", str(a), str(slower), "--max-throughput-drop", "0.9") == 0


def test_trend_command(tmp_path: Path) -> None:
    make_run(tmp_path / "nightly", "a-1")
    assert run_cli("--trend", str(tmp_path / "nightly")) == 0
    assert (tmp_path / "nightly" / "trend.html").exists()
    out = tmp_path / "t.html"
    assert run_cli("--trend", str(tmp_path / "nightly"), "--out", str(out)) == 0
    assert out.exists()


@pytest.mark.parametrize("argv, message", [
    (["{tmp}/missing"], "missing: no such run folder"),
    (["{tmp}/plain"], "plain: not a run folder"),
    (["{tmp}/file.txt"], "file.txt: not a run folder"),
    (["--compare", "{tmp}/missing", "{tmp}/plain"], "missing"),
    (["--trend", "{tmp}/missing"], "missing"),
    ([], "needs RUN_DIR"),
])
def test_bad_input_is_a_usage_error(tmp_path: Path, argv: list[str], message: str) -> None:
    (tmp_path / "plain").mkdir()
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(UsageError, match=message) as err:
        run_cli(*[a.format(tmp=tmp_path) for a in argv])
    assert "\n" not in str(err.value)


def test_nothing_is_written_when_one_folder_is_bad(tmp_path: Path) -> None:
    good = make_run(tmp_path)
    with pytest.raises(UsageError):
        run_cli(str(good), str(tmp_path / "missing"))
    assert not (good / "report.html").exists()


def test_bad_threshold_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        run_cli("--compare", "a", "b", "--max-throughput-drop", "lots")
