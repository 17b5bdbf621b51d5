"""The explore loop: draw, run, judge until the budget is spent; investigate each failure.

    for i = 0, 1, 2...  (until --budget of search time is spent)
        scenario = draw(space i mod n, seed, i) ─► trial ─► any check failed?
            re-run it (--reruns in all) ─► k of n: every time, flaky, or not again
            shrink it (up to --shrink-budget) ─► confirm the minimal one (--reruns runs)

The budget counts search time only; each new failure then gets its own shrink budget, so
a failure found in the last minute is still shrunk. A failure that does not reproduce on
its re-runs is reported as flaky with how often it failed, never dropped; one failing the
same checks with the same workload versions as an earlier one is recorded, not shrunk
again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from harness.catalog import default_catalog
from harness.explore.draw import draw
from harness.explore.shrink import Shrinker, ShrinkStep
from harness.explore.space import ExploreSpace
from harness.explore.trials import Reproduction, Trial, TrialResult, failing_predicate, reproduce
from harness.scenario import Scenario, WorkloadSpec

# Runs per shrink candidate of a flaky draw, one failure of which is enough (see
# trials.failing_predicate). A draw that failed every time holds its candidates to what
# a reproduction promises: all --reruns runs must fail, so the shrinker does not walk a
# timing down to the edge where the failure comes and goes.
FLAKY_CANDIDATE_RUNS = 2


@dataclass(frozen=True)
class Settings:
    budget: float  # seconds of search
    seed: int
    reruns: int = 3  # runs that tell a failure that reproduces every time from a flaky one
    shrink_budget: float | None = None  # seconds per failure; None: the same as budget


@dataclass
class DrawRecord:
    index: int
    space: str
    scenario: Scenario
    result: TrialResult

    @property
    def status(self) -> str:
        if self.result.failed:
            return "fail"
        return "unknown" if self.result.unknown_checks else "pass"


@dataclass
class Finding:
    """A failure found by a draw, how often it reproduced, and its minimal scenario."""

    draw: int
    scenario: Scenario
    signature: frozenset[str]
    original: Reproduction
    minimal: Scenario | None = None
    minimal_reproduction: Reproduction | None = None
    one_minimal: bool = False
    steps: list[ShrinkStep] = field(default_factory=list)
    shrink_seconds: float = 0.0
    minimal_path: str | None = None
    duplicate_of: int | None = None  # the draw whose finding this one repeats

    @property
    def verdict(self) -> str:
        """reproducible: the minimal scenario failed on every confirming run; flaky: it
        (or, unshrunk, the draw) failed on some runs only."""
        if self.duplicate_of is not None:
            return f"the same as draw {self.duplicate_of}"
        tally = self.minimal_reproduction or self.original
        return "reproducible" if tally.every_time else "flaky"


@dataclass
class ExploreResult:
    settings: Settings
    spaces: list[str]
    draws: list[DrawRecord] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    search_seconds: float = 0.0
    stopped: str = "budget spent"


def compact(scenario: Scenario) -> dict[str, Any]:
    """The scenario without the fields left at their defaults: what a person would write.
    Falls back to the full form if the short one would load as anything else."""
    data = scenario.to_dict()
    catalog = default_catalog()
    for fault in data["faults"]:
        defaults = catalog.faults[fault["type"]].model_fields
        for key in [k for k in fault if k != "type" and k in defaults]:
            default = defaults[key].get_default(call_default_factory=True)
            if fault[key] == default or (fault[key] is None and default is None):
                del fault[key]
    for workload in data["workloads"]:
        model = catalog.workloads[workload["name"]].params_model
        reference = model().model_dump(mode="json", by_alias=True)
        workload["params"] = {k: v for k, v in workload["params"].items()
                              if reference.get(k, object()) != v}
        if not workload["params"]:
            del workload["params"]
        if workload.get("concurrency") == workload["count"]:
            del workload["concurrency"]
        for key, spec in WorkloadSpec.model_fields.items():
            if key in workload and key != "name" and not spec.is_required() and \
                    workload[key] == spec.get_default(call_default_factory=True):
                del workload[key]
    workers = data["workers"]
    default_workers = type(scenario.workers)().model_dump(mode="json")
    for key in [k for k in workers if k != "count" and workers[k] == default_workers.get(k)]:
        del workers[key]
    if not data["faults"]:
        del data["faults"]
    for index, check in enumerate(data["checks"]):
        options = {k: v for k, v in check.items() if k != "name"} \
            if isinstance(check, dict) else None
        if options is not None and check_defaults(check["name"]) == options:
            data["checks"][index] = check["name"]
    try:
        same = Scenario.model_validate(data) == scenario
    except ValueError:
        same = False
    return data if same else scenario.to_dict()


def check_defaults(name: str) -> dict[str, Any] | None:
    """A check's options when none are given (None if it has required options)."""
    try:
        return dict(default_catalog().checks[name]().model_dump(mode="json", by_alias=True))
    except ValueError:
        return None


def scenario_yaml(scenario: Scenario) -> str:
    return yaml.safe_dump(compact(scenario), sort_keys=False, allow_unicode=True)


class Explorer:
    """One explore session over `spaces` with `trial` (a live stack, or a fake in tests)."""

    def __init__(self, spaces: list[ExploreSpace], trial: Trial, settings: Settings,
                 out: Path, clock: Callable[[], float] = time.monotonic,
                 on_event: Callable[[str, Any], None] = lambda _kind, _data: None) -> None:
        if not spaces:
            raise ValueError("explore needs at least one space")
        self.spaces = spaces
        self.trial = trial
        self.settings = settings
        self.out = out
        self.clock = clock
        self.on_event = on_event
        self.result = ExploreResult(settings, [s.space for s in spaces])

    async def run(self) -> ExploreResult:
        started = self.clock()
        searched = 0.0
        index = 0
        try:
            while searched < self.settings.budget:
                space = self.spaces[index % len(self.spaces)]
                scenario = draw(space, self.settings.seed, index)
                t0 = self.clock()
                result = await self.trial(scenario, "draws")
                searched += self.clock() - t0
                record = DrawRecord(index, space.space, scenario, result)
                self.result.draws.append(record)
                self.on_event("draw", record)
                if result.failed:
                    await self.investigate(record)
                index += 1
        except BaseException as err:
            self.result.stopped = f"interrupted: {type(err).__name__}: {err}"
            raise
        finally:
            self.result.search_seconds = round(searched, 1)
            self.result.seconds = round(self.clock() - started, 1)
        return self.result

    def _key(self, record: DrawRecord) -> tuple[Any, ...]:
        versions = sorted(f"{w.name}@{w.version}" for w in record.scenario.workloads)
        return tuple(sorted(record.result.failed_checks)), tuple(versions)

    async def investigate(self, record: DrawRecord) -> Finding:
        settings = self.settings
        signature = record.result.failed_checks
        seen = Reproduction()
        seen.add(record.result, signature)
        finding = Finding(record.index, record.scenario, signature, seen)
        self.result.findings.append(finding)
        # Shrunk already: this draw has nothing to add. A flaky one left unshrunk is tried
        # again, as this draw may reproduce it better.
        earlier = next((f for f in self.result.findings[:-1] if f.minimal is not None
                        and self._key(self.result.draws[f.draw]) == self._key(record)), None)
        if earlier is not None:
            finding.duplicate_of = earlier.draw
            self.on_event("duplicate", finding)
            return finding
        folder = f"finding-{record.index}"
        await reproduce(self.trial, record.scenario, signature, settings.reruns,
                        f"{folder}/reruns", seen)
        self.on_event("reproduced", finding)
        if seen.failed < 2 and settings.reruns > 1:
            return finding  # failed once, never again: flaky, nothing to shrink against
        budget = settings.budget if settings.shrink_budget is None else settings.shrink_budget
        t0 = self.clock()
        runs = settings.reruns if seen.every_time else min(FLAKY_CANDIDATE_RUNS,
                                                           settings.reruns)
        fails = failing_predicate(self.trial, signature, runs, seen.every_time,
                                  f"{folder}/shrink",
                                  lambda r: self.on_event("shrink_run", r))
        shrinker = Shrinker(fails, lambda: self.clock() - t0 < budget)
        # Only the checks that failed judge the candidates: the others change nothing in
        # what runs, and a reproduction should say what it reproduces.
        judged = record.scenario.model_copy(update={"checks": [
            c for c in record.scenario.checks if c.name in signature]})
        shrunk = await shrinker.shrink(judged)
        finding.shrink_seconds = round(self.clock() - t0, 1)
        finding.steps = shrunk.steps
        finding.one_minimal = shrunk.minimal
        minimal = Scenario.model_validate({
            **shrunk.scenario.to_dict(), "name": f"minimal-{record.scenario.name}",
            "description": (f"The smallest scenario found that fails "
                            f"{', '.join(sorted(signature))}: shrunk from draw {record.index} "
                            f"of space {record.space} (explore seed {settings.seed})")})
        finding.minimal = minimal
        finding.minimal_reproduction = await reproduce(
            self.trial, minimal, signature, settings.reruns, f"{folder}/confirm")
        path = self.out / f"minimal-{record.index}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(scenario_yaml(minimal), encoding="utf-8")
        finding.minimal_path = str(path)
        self.on_event("minimal", finding)
        return finding


