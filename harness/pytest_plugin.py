"""pytest plugin: YAML scenarios as test items, one shared stack per session, fixtures.

    pytest scenarios/smoke.yaml                 # a scenario file is a test
    pytest scenarios/nightly --junitxml=j.xml   # a folder of them
    pytest tests/ --harness-seed 7              # your own Python tests with the fixtures

A YAML file is collected when it sits under a folder named `scenarios` or is named on the
command line, so fixture YAML elsewhere in a test tree is left alone. Fixtures:
`harness_stack` (session: the embedded stack, or an external cluster) and `run_scenario`
(run a Scenario, a path or YAML text on it and get the RunOutcome).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.cli.options import add_stack_options_to_pytest, stack_options_from_pytest

SESSION_STACK = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness", "Temporal chaos harness")
    group.addoption("--harness-seed", type=int, default=None,
                    help="seed for every scenario (overrides the files)")
    group.addoption("--harness-out", default="reports", help="where run folders go")
    add_stack_options_to_pytest(group)  # the CLI's stack options, as --harness-<option>


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix not in (".yaml", ".yml") or file_path.name.startswith("_"):
        return None
    explicit = any(Path(arg.split("::")[0]).resolve() == file_path.resolve()
                   for arg in parent.config.args)
    if not explicit and "scenarios" not in file_path.parent.parts:
        return None
    from harness.explore.space import is_space

    if is_space(file_path):  # an explore space (scenarios/explore/) is run by `harness explore`
        return None
    return ScenarioFile.from_parent(parent, path=file_path)


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        from harness.scenario import load_scenario

        scenario = load_scenario(self.path)  # a bad file is a collection error, with its line
        yield ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario)


class ScenarioFailed(Exception):
    pass


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario

    def runtest(self) -> None:
        from harness.errors import UnavailableOnStack
        from harness.faults.nemesis import Nemesis
        from harness.runner import run_scenario

        config = self.config
        stack = session_stack(config)
        try:
            Nemesis(self.scenario, 0).preflight(stack)
        except UnavailableOnStack as err:  # e.g. a server restart against an external cluster
            pytest.skip(f"this stack cannot run it: {err}")
        outcome = asyncio.run(run_scenario(
            self.scenario, stack, Path(config.getoption("harness_out")),
            seed=config.getoption("harness_seed")))
        self.user_properties.append(("run_folder", str(outcome.run.path)))
        self.user_properties.append(("seed", str(outcome.results.get("seed"))))
        if outcome.exit_code != 0:
            raise ScenarioFailed(outcome)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if not isinstance(excinfo.value, ScenarioFailed):
            return str(super().repr_failure(excinfo))
        outcome = excinfo.value.args[0]
        lines = [f"scenario {self.scenario.name} (seed {outcome.results.get('seed')}): "
                 f"{outcome.results['status']}; run folder {outcome.run.path}"]
        for verdict in outcome.verdicts:
            lines.append(f"  {verdict.check}: {verdict.status}: {verdict.summary}")
            lines += [f"      {row}" for row in verdict.evidence[:10]]
        return "\n".join(lines)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario: {self.scenario.name}"


def session_stack(config: pytest.Config) -> Any:
    """One stack for the whole session, brought up on first use, down at session end."""
    stack = config.stash.get(SESSION_STACK, None)
    if stack is None:
        from harness.stack.stack import Stack

        state = Path(config.getoption("harness_out")) / ".stack" / time.strftime(
            "%Y%m%dT%H%M%S")
        stack = Stack(stack_options_from_pytest(config, state))
        asyncio.run(stack.up())
        config.stash[SESSION_STACK] = stack
    return stack


def pytest_sessionfinish(session: pytest.Session) -> None:
    stack = session.config.stash.get(SESSION_STACK, None)
    if stack is not None:
        asyncio.run(stack.down())
        session.config.stash[SESSION_STACK] = None


@pytest.fixture(scope="session")
def harness_stack(request: pytest.FixtureRequest) -> Any:
    """The session's stack (embedded by default); shared with YAML scenario items."""
    return session_stack(request.config)


@pytest.fixture
def run_scenario(harness_stack: Any, request: pytest.FixtureRequest) -> Callable[..., Any]:
    """Run a scenario (a Scenario, a file path, or YAML text) and return its RunOutcome."""
    from harness.runner import run_scenario as run
    from harness.scenario import Scenario, load_scenario, parse_scenario

    def runner(scenario: Scenario | Path | str, *, seed: int | None = None) -> Any:
        if isinstance(scenario, Path):
            scenario = load_scenario(scenario)
        elif isinstance(scenario, str):
            scenario = parse_scenario(scenario, f"<{request.node.name}>")
        chosen = seed if seed is not None else request.config.getoption("harness_seed")
        return asyncio.run(run(scenario, harness_stack,
                               Path(request.config.getoption("harness_out")), seed=chosen))

    return runner
