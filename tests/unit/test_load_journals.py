"""Locust processes' journals: tailed while they grow, merged into the run journal after."""

from __future__ import annotations

import json
from pathlib import Path

from harness.journal import Journal, read_journal
from harness.load.journals import LoadJournals


def write(path: Path, entries: list[dict], torn: str = "") -> None:
    with path.open("a") as f:
        for e in entries:
            f.write(json.dumps(e) + "\n")
        f.write(torn)


def client(seq: int, t: float, op: str, phase: str, wid: str, **extra: object) -> dict:
    return {"seq": seq, "t": t, "kind": "client", "op": op, "type": phase,
            "workflow_id": wid, **extra}


def test_poll_reads_whole_lines_only_and_counts(tmp_path: Path) -> None:
    write(tmp_path / "journal-1.jsonl", [client(1, 10.0, "start", "invoke", "a"),
                                         client(2, 10.1, "start", "ok", "a")],
          torn='{"seq": 3, "t": 10.2, "ki')
    journals = LoadJournals(tmp_path)
    assert journals.poll().started == 1
    with (tmp_path / "journal-1.jsonl").open("a") as f:
        f.write('nd": "client", "op": "result", "type": "ok", "workflow_id": "a"}\n')
    counts = journals.poll()
    assert (counts.started, counts.completed, len(journals.entries)) == (1, 1, 3)


def test_retried_starts_count_once_and_refused_ones_are_not_started(tmp_path: Path) -> None:
    write(tmp_path / "journal-0.jsonl", [
        client(1, 1.0, "start", "invoke", "a"), client(2, 1.1, "start", "info", "a"),
        client(3, 1.2, "start", "invoke", "a", retry=True), client(4, 1.3, "start", "ok", "a"),
        client(5, 1.4, "start", "invoke", "b"), client(6, 1.5, "start", "fail", "b"),
    ])
    journals = LoadJournals(tmp_path)
    assert journals.poll().started == 1
    assert journals.started_ids() == ["a"]


def test_merge_keeps_original_times_in_time_order(tmp_path: Path) -> None:
    load = tmp_path / "load"
    load.mkdir()
    write(load / "journal-1.jsonl", [client(1, 5.0, "start", "invoke", "a"),
                                     client(2, 7.0, "start", "ok", "a")])
    write(load / "journal-2.jsonl", [client(1, 6.0, "start", "invoke", "b")])
    run_journal = Journal(tmp_path / "journal.jsonl")
    run_journal.record("fault", type="inject", fault="worker_kill")
    assert LoadJournals(load).merge_into(run_journal) == 3
    run_journal.close()
    entries = list(read_journal(tmp_path / "journal.jsonl"))
    assert [e["seq"] for e in entries] == [1, 2, 3, 4]
    merged = entries[1:]
    assert [(e["t"], e["workflow_id"], e["load_process"]) for e in merged] == [
        (5.0, "a", 1), (6.0, "b", 2), (7.0, "a", 1)]
    assert merged[0]["load_seq"] == 1 and merged[0]["kind"] == "client"


def test_arrival_figures_compare_achieved_with_requested() -> None:
    from harness.load.driver import arrival_figures

    figures = arrival_figures([10.0, 10.5, 11.0, 11.5], requested=2.0, seconds=2.0)
    assert figures["achieved_per_s"] == 2.0 and figures["achieved_ratio"] == 1.0
    assert figures["in_window_per_s"] == 2.0 and figures["starts"] == 4
    behind = arrival_figures([10.0, 11.0], requested=4.0, seconds=2.0)
    assert behind["achieved_ratio"] == 0.25
    assert arrival_figures([], 4.0, 2.0)["achieved_per_s"] == 0.0
