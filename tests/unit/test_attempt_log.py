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


def test_attempts_streamed_per_worker_pair_as_merged_by_time(tmp_path: Path) -> None:
    """Streaming each worker's log in its own order pairs every attempt as merging all logs
    by time does: an attempt's lines are in one worker's log, in order."""
    import json

    from harness.evidence.attempts import attempts, logged_events, paired, read_events

    def line(t: float, event: str, identity: str, aid: str, attempt: int = 1,
             **extra: object) -> str:
        return json.dumps({"t": t, "event": event, "identity": identity, "workflow_id": "w",
                           "workflow_run_id": "r", "activity_id": aid,
                           "activity_type": "charge", "attempt": attempt, **extra}) + "\n"

    (tmp_path / "worker-1.1.activities.jsonl").write_text(
        line(1.0, "started", "worker-1.1", "1") + line(2.5, "heartbeat", "worker-1.1", "1",
                                                       details=[3])
        + line(3.0, "failed", "worker-1.1", "1", error="boom", non_retryable=True)
        + line(4.0, "started", "worker-1.1", "2") + '{"t": 4.5, "event": "comp')  # torn
    (tmp_path / "worker-2.1.activities.jsonl").write_text(
        line(2.0, "started", "worker-2.1", "1", attempt=2)
        + line(5.0, "completed", "worker-2.1", "1", attempt=2))
    merged = attempts(read_events(tmp_path))
    streamed = list(paired(logged_events(tmp_path)))
    assert sorted(streamed, key=lambda a: a.start) == merged
    assert [(a.activity_id, a.attempt, a.outcome) for a in merged] == [
        ("1", 1, "failed"), ("1", 2, "completed"), ("2", 1, "lost")]
    assert merged[0].non_retryable and merged[0].heartbeats == [(2.5, [3])]
    assert list(logged_events(tmp_path / "missing")) == []


def test_lines_containing_a_marker_are_the_lines_a_full_read_finds(tmp_path: Path) -> None:
    """Found in bulk across read blocks (a log over a block long), plain and compressed,
    a torn last line included: the same lines, in the same order, as reading every line."""
    import gzip
    import json

    lines = [json.dumps({"t": i, "event": "failed" if i % 7 == 0 else "completed",
                         "note": "é" * (i % 5)}, ensure_ascii=False) + "\n"
             for i in range(40000)]
    text = "".join(lines) + '{"t": 1, "event": "failed", "torn'
    (tmp_path / "worker-1.1.activities.jsonl").write_text(text, encoding="utf-8")
    with gzip.open(tmp_path / "worker-2.1.activities.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write("".join(lines[:1000]))
    assert len(text.encode()) > 1 << 20  # more than one block
    for marker in ('"failed"', '"completed"', '"injected"'):
        wanted = [line for line in log_lines(tmp_path) if marker in line]
        assert list(log_lines(tmp_path, containing=marker)) == wanted
    assert len(list(log_lines(tmp_path, containing='"failed"'))) == 5715 + 143 + 1
