"""The workers' attempt log: read plain or compressed, compressed once workers stopped."""

from __future__ import annotations

from pathlib import Path

from harness.attempt_log import compress_logs, log_files, log_lines


def test_compress_keeps_every_line_and_readers_take_both_forms(tmp_path: Path) -> None:
    (tmp_path / "worker-1.1.activities.jsonl").write_text('{"t": 1}\n{"t": 2}\n{"torn')
    (tmp_path / "worker-2.1.activities.jsonl").write_text('{"t": 3}\n')
    (tmp_path / "worker-1.1.log").write_text("not an attempt log\n")
    before = list(log_lines(tmp_path))
    assert compress_logs(tmp_path) == 2
    assert [p.name for p in log_files(tmp_path)] == [
        "worker-1.1.activities.jsonl.gz", "worker-2.1.activities.jsonl.gz"]
    assert list(log_lines(tmp_path)) == before == ['{"t": 1}\n', '{"t": 2}\n', '{"torn',
                                                   '{"t": 3}\n']
    assert compress_logs(tmp_path) == 0  # nothing plain is left
    assert (tmp_path / "worker-1.1.log").exists()


def test_no_workers_folder_means_no_lines(tmp_path: Path) -> None:
    assert list(log_lines(tmp_path / "missing")) == [] and compress_logs(tmp_path / "x") == 0
