"""One trial: run a scenario, read which checks failed. And how often a failure reproduces.

A trial is the only thing explore needs from a stack, so the search, the shrinker and the
flakiness rules can be exercised with a fake (a predicate over scenarios) in unit tests.
A failure is "the same failure" when a re-run fails at least one of the checks the
original failed; a re-run failing only other checks has found something else.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness.checks.verdict import Status
from harness.scenario import Scenario


@dataclass(frozen=True)
class TrialResult:
    """What one run of a scenario showed; `run_dir` links to its evidence."""

    failed_checks: frozenset[str]
    unknown_checks: frozenset[str] = frozenset()
    seconds: float = 0.0
    run_dir: str | None = None
    verdicts: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return bool(self.failed_checks)

    def same_failure(self, signature: frozenset[str]) -> bool:
        return bool(self.failed_checks & signature)


# (scenario, folder under the explore output where its run folder goes) -> result
Trial = Callable[[Scenario, str], Awaitable[TrialResult]]


def stack_trial(stack: object, out: Path) -> Trial:
    """Trials on a live stack (shared by every run of the explore session)."""
    from harness.runner import run_scenario
    from harness.stack.stack import Stack

    assert isinstance(stack, Stack)

    async def trial(scenario: Scenario, folder: str) -> TrialResult:
        started = time.monotonic()
        outcome = await run_scenario(scenario, stack, out / folder)
        statuses = {v.check: v.status for v in outcome.verdicts}
        return TrialResult(
            failed_checks=frozenset(c for c, s in statuses.items() if s == Status.FAIL),
            unknown_checks=frozenset(c for c, s in statuses.items() if s == Status.UNKNOWN),
            seconds=round(time.monotonic() - started, 1),
            run_dir=str(outcome.run.path),
            verdicts={c: str(s) for c, s in statuses.items()})

    return trial


@dataclass
class Reproduction:
    """How often a scenario failed the same way: `failed` of `runs`."""

    failed: int = 0
    runs: int = 0
    run_dirs: list[str] = field(default_factory=list)

    @property
    def every_time(self) -> bool:
        return self.runs > 0 and self.failed == self.runs

    @property
    def flaky(self) -> bool:
        return 0 < self.failed < self.runs

    def add(self, result: TrialResult, signature: frozenset[str]) -> None:
        self.runs += 1
        self.failed += result.same_failure(signature)
        if result.run_dir:
            self.run_dirs.append(result.run_dir)

    def __str__(self) -> str:
        return f"{self.failed} of {self.runs}"


async def reproduce(trial: Trial, scenario: Scenario, signature: frozenset[str], runs: int,
                    folder: str, seen: Reproduction | None = None) -> Reproduction:
    """Run `scenario` until `runs` runs are counted (`seen` holds runs already made)."""
    tally = seen or Reproduction()
    while tally.runs < runs:
        tally.add(await trial(scenario, folder), signature)
    return tally


def failing_predicate(trial: Trial, signature: frozenset[str], runs: int, every: bool,
                      folder: str, on_run: Callable[[TrialResult], None] = lambda _r: None
                      ) -> Callable[[Scenario], Awaitable[bool]]:
    """"Does this candidate still fail?" for the shrinker.

    every=True (the failure reproduced every time): it must fail all `runs` runs, stopping
    at the first pass, so a smaller scenario that fails only by luck is not kept.
    every=False (a flaky failure): one failing run of `runs` is enough, so a candidate is
    not dropped on one unlucky pass.
    """

    async def fails(candidate: Scenario) -> bool:
        for _ in range(runs):
            result = await trial(candidate, folder)
            on_run(result)
            if result.same_failure(signature) != every:
                return not every
        return every

    return fails
