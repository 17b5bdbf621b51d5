"""results.json schema: what judge.write_results writes validates; broken files do not."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from harness.checks.verdict import failed, passed, unknown
from harness.judge import write_results
from harness.report.schema import results_schema, validate_results
from harness.runfolder import RunFolder
from tests.unit.test_report_fixtures import make_run


def judged(tmp_path: Path, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    run = RunFolder(tmp_path)
    (tmp_path / "meta.json").write_text(json.dumps({"run_id": "r-1", "scenario": "s", "seed": 3}))
    verdicts = [passed("liveness", "ok", workflows=3),
                failed("idempotency", "2 charges", [{"workflow_id": "w", "history": "h.json"}]),
                unknown("resume", "no crash landed")]
    return write_results(run, verdicts, extra)


def test_schema_is_draft_2020_12_with_its_id() -> None:
    schema = results_schema()
    assert schema["$id"] == "harness.results/1"
    assert "2020-12" in schema["$schema"]


def test_every_property_is_documented() -> None:
    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for name, prop in node.get("properties", {}).items():
                assert prop.get("description"), f"{where}/{name} has no description"
                walk(prop, f"{where}/{name}")
            for key in ("items", "$defs"):
                if isinstance(node.get(key), dict):
                    walk(node[key], f"{where}/{key}")
            if where.endswith("$defs"):
                for name, sub in node.items():
                    walk(sub, f"{where}/{name}")

    walk(results_schema(), "")


def test_what_write_results_writes_is_valid(tmp_path: Path) -> None:
    assert validate_results(judged(tmp_path)) == []


def test_optional_additions_are_valid(tmp_path: Path) -> None:
    data = judged(tmp_path, {"rejudged": True, "load": {"users": 10},
                             "stats": {"workflows": 3, "throughput_wps": 1.5}})
    assert validate_results(data) == []
    fixture = json.loads((make_run(tmp_path / "fx") / "results.json").read_text())
    assert validate_results(fixture) == []  # with recovery, including a null seconds


@pytest.mark.parametrize("mutate, where", [
    (lambda d: d.pop("verdicts"), "verdicts"),
    (lambda d: d.update(schema="harness.results/2"), "schema"),
    (lambda d: d.update(status="green"), "status"),
    (lambda d: d["verdicts"][0].update(status="skipped"), "verdicts/0/status"),
    (lambda d: d["verdicts"][1].update(evidence="two charges"), "verdicts/1/evidence"),
    (lambda d: d.update(rejudged="yes"), "rejudged"),
    (lambda d: d.update(recovery={"per_fault": [{"fault_id": "f1"}]}), "recovery/per_fault/0"),
    (lambda d: d.update(surprise=1), "surprise"),
])
def test_invalid_results_are_reported(tmp_path: Path, mutate: Any, where: str) -> None:
    data = copy.deepcopy(judged(tmp_path))
    mutate(data)
    problems = validate_results(data)
    assert problems, f"mutation at {where} was accepted"
    assert any(where.split("/")[0] in p for p in problems), problems


def test_not_an_object_is_invalid() -> None:
    assert validate_results([]) != []
