"""Scenarios the stack cannot run, skipped rather than sinking the suite.

A folder run against an external cluster may hold a scenario whose fault needs a part the
harness does not own there (killing the dev server, a network fault on a link that does not
go through toxiproxy). Alone, such a scenario is bad input (exit 2, nothing started). In a
suite it is skipped: one line names the file and the reason, and it gets a run folder whose
results.json says `unknown` with `skipped` set, so no report mistakes it for a pass. The
suite's exit code comes from the scenarios that ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from harness.checks.verdict import Status, Verdict
from harness.errors import UnavailableOnStack
from harness.faults.nemesis import Nemesis
from harness.scenario import Scenario

if TYPE_CHECKING:
    from harness.runfolder import RunFolder
    from harness.stack.stack import Stack


@dataclass(frozen=True)
class Skipped:
    scenario: Scenario
    reason: str

    @property
    def label(self) -> str:
        return str(self.scenario.source or self.scenario.name)

    def line(self) -> str:
        return f"skipped {self.label}: {self.reason}"


def split_runnable(scenarios: list[Scenario], stack: Stack
                   ) -> tuple[list[Scenario], list[Skipped]]:
    """The scenarios this stack can run, and the others with why; any other bad input in a
    fault (a missing duration, say) still raises: that is the file's fault, not the stack's."""
    runnable: list[Scenario] = []
    skipped: list[Skipped] = []
    for scenario in scenarios:
        try:
            Nemesis(scenario, 0).preflight(stack)
        except UnavailableOnStack as err:
            skipped.append(Skipped(scenario, str(err)))
            continue
        runnable.append(scenario)
    return runnable, skipped


def refuse_if_nothing_runs(runnable: list[Scenario], skipped: list[Skipped]) -> None:
    """Every scenario skipped is the same bad input as one scenario alone: exit 2."""
    if skipped and not runnable:
        first = skipped[0]
        raise UnavailableOnStack(f"{first.label}: {first.reason}" + (
            f" (and {len(skipped) - 1} more scenarios this stack cannot run)"
            if len(skipped) > 1 else ""))


def write_skipped(out: Path, skipped: Skipped) -> RunFolder:
    """A run folder for the skipped scenario: scenario.yaml, meta.json and results.json."""
    from harness.judge import write_results
    from harness.runner import new_run_folder

    run_id, run = new_run_folder(out, skipped.scenario.name)
    (run.path / "scenario.yaml").write_text(skipped.scenario.dump_yaml(), encoding="utf-8")
    now = datetime.now(UTC).isoformat()
    run.write_json("meta.json", {"run_id": run_id, "scenario": skipped.scenario.name,
                                 "seed": skipped.scenario.seed, "started_at": now,
                                 "finished_at": now, "skipped": skipped.reason})
    verdict = Verdict("stack", Status.UNKNOWN, f"skipped: {skipped.reason}")
    write_results(run, [verdict], {"skipped": skipped.reason})
    return run
