"""How a run folder stores histories: gzip JSON-lines parts, one member per history."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from harness.history_store import HistoryWriter, iter_histories, read_history
from harness.runfolder import RunFolder


def history(n: int) -> str:
    events = [{"eventId": str(i), "eventType": "EVENT_TYPE_X", "note": "a\nb"}
              for i in range(1, n + 1)]
    return json.dumps({"events": events}, indent=2)  # layout newlines must not break lines


def test_parts_roll_over_and_each_record_reads_its_own_history(tmp_path: Path) -> None:
    with HistoryWriter(tmp_path, per_part=2) as writer:
        stored = [writer.add(f"w{i}", f"r{i}", history(i + 1)) for i in range(5)]
    parts = [s["history_file"].split("#")[0] for s in stored]
    assert parts == ["histories/part-00000.jsonl.gz"] * 2 + [
        "histories/part-00001.jsonl.gz"] * 2 + ["histories/part-00002.jsonl.gz"]
    assert stored[0]["history_file"] == "histories/part-00000.jsonl.gz#0"
    records = [{"workflow_id": f"w{i}", "run_id": f"r{i}", **s} for i, s in enumerate(stored)]
    for i, record in enumerate(records):
        events = read_history(tmp_path, record["history_file"])["events"]  # type: ignore[index]
        assert len(events) == i + 1 and events[0]["note"] == "a\nb"
    # A part is an ordinary gzip JSON-lines file (zcat, gzip.open).
    with gzip.open(tmp_path / "histories/part-00001.jsonl.gz", "rt") as f:
        assert [json.loads(line)["workflow_id"] for line in f] == ["w2", "w3"]
    streamed = [(r["workflow_id"], len(h["events"])) for r, h in
                iter_histories(tmp_path, reversed(records))]
    assert streamed == [(f"w{i}", i + 1) for i in range(5)]  # storage order


def test_a_run_folder_of_single_json_histories_still_reads(tmp_path: Path) -> None:
    (tmp_path / "histories").mkdir()
    (tmp_path / "histories" / "w__r.json").write_text(history(3))
    record = {"workflow_id": "w", "run_id": "r", "history_file": "histories/w__r.json"}
    (tmp_path / "workflows.json").write_text(json.dumps([record, {"workflow_id": "x"}]))
    run = RunFolder(tmp_path)
    assert len(run.history(record)["events"]) == 3  # type: ignore[index]
    assert [r["workflow_id"] for r, _ in run.histories()] == ["w"]
    assert run.history({"workflow_id": "gone", "history_file": "histories/no.json"}) is None
    assert run.has_history(record) and not run.has_history("histories/part-00009.jsonl.gz#0")


def test_run_folder_paths_are_absolute(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    assert RunFolder(Path("reports/x")).path == tmp_path / "reports" / "x"


def test_the_cycle_collector_is_paused_for_a_parse_and_restored_after(tmp_path: Path) -> None:
    import gc

    from harness.history_store import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested: the outer pause owns the collector
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()  # whoever turned it off keeps it off
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
    try:
        with collector_paused():
            raise ValueError("a torn history")
    except ValueError:
        pass
    assert gc.isenabled()  # restored on error too
