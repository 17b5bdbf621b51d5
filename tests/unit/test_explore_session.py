"""The explore loop over a fake runner: budget, reproducible and flaky failures, report."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.explore import report
from harness.explore.session import Explorer, Settings
from harness.explore.space import load_spaces
from harness.explore.trials import TrialResult
from harness.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[2]
SPACE = ROOT / "scenarios" / "explore" / "mutants" / "saga-no-idempotency-key.yaml"
DRAW_SECONDS = 10.0


class FakeStack:
    """A fake runner: `bug` decides whether a scenario fails idempotency on its nth run.
    Each run advances a fake clock by DRAW_SECONDS."""

    def __init__(self, bug: Callable[[Scenario, int], bool]) -> None:
        self.bug = bug
        self.now = 0.0
        self.runs: Counter[str] = Counter()
        self.folders: list[str] = []

    def clock(self) -> float:
        return self.now

    async def trial(self, scenario: Scenario, folder: str) -> TrialResult:
        self.now += DRAW_SECONDS
        key = scenario.dump_yaml()
        self.runs[key] += 1
        self.folders.append(folder)
        failed = self.bug(scenario, self.runs[key])
        return TrialResult(frozenset({"idempotency"} if failed else ()),
                           frozenset({"resume_from_last_step"}), DRAW_SECONDS, None,
                           {"idempotency": "fail" if failed else "pass",
                            "resume_from_last_step": "unknown"})


def duplicates_charges(scenario: Scenario) -> bool:
    return any(f.type == "duplicate_delivery" for f in scenario.faults)  # type: ignore[attr-defined]


def explore(stack: FakeStack, tmp_path: Path, budget: float = 60.0) -> dict:  # type: ignore[type-arg]
    spaces = load_spaces([SPACE])
    settings = Settings(budget=budget, seed=11, reruns=3, shrink_budget=3600)
    explorer = Explorer(spaces, stack.trial, settings, tmp_path, clock=stack.clock)
    result = asyncio.run(explorer.run())
    return report.write(result, tmp_path)


def test_a_failure_every_time_is_shrunk_and_reported_reproducible(tmp_path: Path) -> None:
    stack = FakeStack(lambda s, _n: duplicates_charges(s))
    data = explore(stack, tmp_path)
    findings = [f for f in data["findings"] if f["duplicate_of"] is None]
    assert findings, "the fake bug was never drawn"
    finding = findings[0]
    assert finding["verdict"] == "reproducible"
    assert finding["reproduced"]["failed"] == finding["reproduced"]["runs"] == 3
    assert finding["minimal_reproduced"]["failed"] == 3
    assert finding["faults"]["after"] == 1
    assert finding["workflows"]["after"] == 1
    assert finding["shrink"]["one_minimal"]
    minimal = load_scenario(tmp_path / finding["minimal_scenario"])
    assert [f.type for f in minimal.faults] == ["duplicate_delivery"]  # type: ignore[attr-defined]
    assert minimal.seed is not None
    assert [c.name for c in minimal.checks] == ["idempotency"]  # only what failed judges it
    text = (tmp_path / "explore.md").read_text()
    assert "reproducible" in text and "```yaml" in text
    # the search stopped at the budget: draw time only, not the shrinking
    assert 60.0 <= data["search_seconds"] < 60.0 + DRAW_SECONDS
    assert len(data["draws"]) == 6


def test_a_candidate_must_fail_every_rerun_to_be_kept(tmp_path: Path) -> None:
    """With one order the fake bug fails only 2 runs of 3 (a timing at its edge). A draw
    that failed every time must not shrink into that region: the minimal scenario keeps
    2 orders and reproduces 3 of 3."""
    def bug(s: Scenario, n: int) -> bool:
        return duplicates_charges(s) and (s.workloads[0].count >= 2 or n % 3 != 0)

    stack = FakeStack(bug)
    data = explore(stack, tmp_path, budget=200.0)
    findings = [f for f in data["findings"] if f["duplicate_of"] is None
                and f["reproduced"]["failed"] == f["reproduced"]["runs"] == 3]
    assert findings, "no draw failed every time"
    for finding in findings:
        assert finding["verdict"] == "reproducible"
        assert finding["minimal_reproduced"]["failed"] == 3
        assert finding["workflows"]["after"] == 2
        minimal = load_scenario(tmp_path / finding["minimal_scenario"])
        assert minimal.workloads[0].count == 2


def test_a_failure_that_does_not_come_back_is_reported_flaky(tmp_path: Path) -> None:
    stack = FakeStack(lambda s, n: duplicates_charges(s) and n == 1)
    data = explore(stack, tmp_path)
    finding = next(f for f in data["findings"] if f["duplicate_of"] is None)
    assert finding["verdict"] == "flaky"
    assert (finding["reproduced"]["failed"], finding["reproduced"]["runs"]) == (1, 3)
    assert finding["minimal_yaml"] is None  # nothing to shrink against
    assert "flaky" in (tmp_path / "explore.md").read_text()


def test_a_sometimes_failure_is_shrunk_and_reported_flaky_with_its_rate(
        tmp_path: Path) -> None:
    # fails on the 1st, 2nd, 4th, 5th... run of each scenario: 2 of 3
    stack = FakeStack(lambda s, n: duplicates_charges(s) and n % 3 != 0)
    data = explore(stack, tmp_path)
    finding = next(f for f in data["findings"] if f["duplicate_of"] is None)
    assert (finding["reproduced"]["failed"], finding["reproduced"]["runs"]) == (2, 3)
    assert finding["verdict"] == "flaky"
    assert finding["minimal_reproduced"] == {"failed": 2, "runs": 3, "run_dirs": []}
    assert finding["faults"]["after"] == 1


def test_the_same_failure_again_is_recorded_not_shrunk_again(tmp_path: Path) -> None:
    stack = FakeStack(lambda s, _n: duplicates_charges(s))
    data = explore(stack, tmp_path, budget=200.0)
    repeats = [f for f in data["findings"] if f["duplicate_of"] is not None]
    assert repeats
    assert all(f["verdict"] == f"the same as draw {f['duplicate_of']}" for f in repeats)
    assert sum(f["minimal_yaml"] is not None for f in data["findings"]) == 1
    assert sum(folder.endswith("/shrink") for folder in stack.folders) > 0


def test_no_failure_reports_coverage(tmp_path: Path) -> None:
    stack = FakeStack(lambda _s, _n: False)
    data = explore(stack, tmp_path)
    assert data["findings"] == []
    cov = data["coverage"]
    assert sum(row["drawn"] for row in cov["families"].values()) > 0
    assert cov["checks"]["resume_from_last_step"] == {"unknown": len(data["draws"])}
    assert set(stack.folders) == {"draws"}
    assert "None found." in (tmp_path / "explore.md").read_text()


def test_a_flaky_failure_left_unshrunk_is_investigated_again(tmp_path: Path) -> None:
    stack = FakeStack(lambda s, n: duplicates_charges(s) and n == 1)
    data = explore(stack, tmp_path, budget=200.0)
    assert len(data["findings"]) >= 2
    assert all(f["duplicate_of"] is None and f["verdict"] == "flaky"
               for f in data["findings"])


def test_an_interrupted_investigation_still_reports(tmp_path: Path) -> None:
    """Interrupted while confirming the minimal scenario: the report is still written."""
    calls = 0

    def bug(s: Scenario, _n: int) -> bool:
        nonlocal calls
        calls += 1
        if s.name.startswith("minimal-"):
            raise KeyboardInterrupt
        return duplicates_charges(s)

    stack = FakeStack(bug)
    spaces = load_spaces([SPACE])
    explorer = Explorer(spaces, stack.trial, Settings(budget=60.0, seed=11), tmp_path,
                        clock=stack.clock)
    with pytest.raises(KeyboardInterrupt):
        asyncio.run(explorer.run())
    data = report.write(explorer.result, tmp_path)
    assert data["stopped"].startswith("interrupted")
    assert data["findings"][0]["minimal_reproduced"] is None
    assert "not confirmed" in (tmp_path / "explore.md").read_text()
