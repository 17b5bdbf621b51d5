"""Users' apps named by import path: the scenario model, inputs and expectations, probes,
`harness init` and replay of such workloads (no stack)."""

from __future__ import annotations

import asyncio
import random
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from harness.checks.facts import expected_statuses, meets
from harness.checks.registry import run_check
from harness.checks.verdict import Status
from harness.errors import ScenarioError, UsageError
from harness.probes import ProbeContext, named_probes, probe_file, run_probes, stored_rows
from harness.runfolder import RunFolder
from harness.scenario import parse_scenario
from harness.starter import slug, write_starter
from harness.versions.replay_gate import load_workflow_classes
from harness.workloads.app import call_with, expected, workflow_args
from harness.workloads.app_spec import AppSpec
from harness.workloads.registry import WORKLOADS
from tests.unit.runbuilder import RunBuilder

APP = """
name: trips
workloads:
  - app:
      workflow: examples.trip_booking.app:BookTrip
      activities: examples.trip_booking.app:activities
      input: examples.trip_booking.chaos:trip
      expect: {expect}
      versions:
        late-count: {{workflow: examples.trip_booking.bugs:LateCount}}
    version: {version}
    count: 2
    params: {{db: x.sqlite}}
"""


def scenario(expect: str = "examples.trip_booking.chaos:expected_status",
             version: str = "v1") -> Any:
    return parse_scenario(APP.format(expect=expect, version=version), "t.yaml")


def test_an_app_becomes_a_workload_named_after_its_workflow_type() -> None:
    spec = scenario(version="late-count").workloads[0]
    assert (spec.name, spec.version, spec.params) == ("BookTrip", "late-count",
                                                       {"db": "x.sqlite"})
    workload = WORKLOADS["BookTrip"]
    assert [c.__name__ for c in workload.versions["late-count"]] == ["LateCount"]
    assert workload.workflow_type == "BookTrip"
    again = parse_scenario(scenario().dump_yaml(), "dumped.yaml")  # the run folder's copy
    assert again.workloads[0].app == spec.app and again.workloads[0].name == "BookTrip"


@pytest.mark.parametrize(("field", "value", "line", "words"), [
    ("workflow", "examples.trip_booking.app:Nope", 5, "cannot import"),
    ("workflow", "examples.trip_booking.app:Trip", 5, "not a @workflow.defn class"),
    ("expect", "DONE", 8, "unknown status 'DONE'"),
    ("input", "no_such_module:f", 7, "cannot import"),
])
def test_a_bad_app_path_is_one_line_with_file_line_and_field(field: str, value: str,
                                                             line: int, words: str) -> None:
    text = APP.format(expect="COMPLETED", version="v1")
    text = text.replace(f"{field}: " + text.split(f"{field}: ")[1].split("\n")[0],
                        f"{field}: {value}", 1)
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "t.yaml")
    message = str(caught.value)
    assert message.startswith(f"t.yaml:{line}: workloads[0].app.{field}: "), message
    assert words in message and "\n" not in message


def test_an_unknown_version_of_an_app_is_reported() -> None:
    with pytest.raises(ScenarioError, match=r"t.yaml:11: workloads\[0\].version: unknown "
                                            r"version 'v9'"):
        scenario(version="v9")


def test_inputs_become_the_workflows_arguments() -> None:
    assert workflow_args("x", 0) == [] and workflow_args("x", 1) == ["x"]
    assert workflow_args(("a", 2), 2) == ["a", 2]
    with pytest.raises(ValueError, match="tuple of 2 values"):
        workflow_args("a", 2)
    assert call_with(lambda index: index * 2, 3, random.Random(1), {}) == 6
    assert call_with(lambda: "none", 3, "rng", {}) == "none"


def test_expectations_may_be_inexact_or_a_function_of_the_input() -> None:
    assert expected_statuses(["COMPLETED", "FAILED"]) == {"COMPLETED", "FAILED"}
    assert expected_statuses("COMPLETED|FAILED") == {"COMPLETED", "FAILED"}
    assert expected_statuses(None) == {"COMPLETED"} and meets("FAILED", ["FAILED"])
    spec = AppSpec(workflow="examples.trip_booking.app:BookTrip",
                   expect="examples.trip_booking.chaos:expected_status")
    from examples.trip_booking.app import Trip

    assert expected(spec, Trip("t", "Atlantis", 1, 1), {}) == "FAILED"
    assert expected(spec, Trip("t", "Oslo", 1, 1), {}) == "COMPLETED"
    assert scenario(expect="[COMPLETED, FAILED]").workloads[0].app.expect == [
        "COMPLETED", "FAILED"]


def test_liveness_accepts_any_of_the_expected_statuses(tmp_path: Path) -> None:
    b = RunBuilder(tmp_path).start("a", expect=["COMPLETED", "FAILED"]).workflow("a", "FAILED")
    b.start("b", expect=["COMPLETED", "FAILED"]).workflow("b", "TERMINATED")
    verdict = run_check("liveness", b.build())
    assert verdict.status == Status.FAIL
    assert [row["workflow_id"] for row in verdict.evidence] == ["r1/b"]


def probe_rows(ctx: ProbeContext) -> list[dict[str, Any]]:
    return [{"key": f"{ctx.workflow_prefix()}a/charge", "workflow_id": "r1/a"}]


def broken_probe() -> list[dict[str, Any]]:
    raise RuntimeError("database is down")


def test_probes_are_called_once_and_their_rows_stored(tmp_path: Path) -> None:
    checks = [("idempotency", {"effects": f"{__name__}:probe_rows"}), ("liveness", {}),
              ("x", {"effects": f"{__name__}:probe_rows"}), ("y", {"effects":
                                                                   f"{__name__}:broken_probe"})]
    paths = named_probes(checks)
    assert paths == [f"{__name__}:probe_rows", f"{__name__}:broken_probe"]
    run = RunFolder(tmp_path)
    asyncio.run(run_probes(run, paths, ProbeContext("r1")))
    rows, why = stored_rows(run, paths[0])
    assert rows == [{"key": "r1/a/charge", "workflow_id": "r1/a"}] and why is None
    rows, why = stored_rows(run, paths[1])
    assert rows is None and "database is down" in str(why)
    assert (tmp_path / probe_file(paths[0])).exists()


@pytest.fixture
def user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "greet.py").write_text(textwrap.dedent('''
        from datetime import timedelta
        from temporalio import activity, workflow

        @activity.defn
        async def say(name: str) -> str:
            return "hi " + name

        @workflow.defn(name="GreetTwice")
        class GreetTwice:
            @workflow.run
            async def run(self, first: str, second: str) -> str:
                return await workflow.execute_activity(
                    say, first, start_to_close_timeout=timedelta(seconds=5))
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HARNESS_STATE_DIR", str(tmp_path / "state"))
    yield "shop.greet:GreetTwice"
    for name in [m for m in sys.modules if m == "shop" or m.startswith("shop.")]:
        del sys.modules[name]


def test_init_writes_a_starter_scenario_that_loads(user_module: str, tmp_path: Path) -> None:
    starter = write_starter(user_module)
    assert starter.scenario == Path("scenarios/greet-twice.yaml") and starter.module is None
    assert starter.command == ".venv/bin/harness run scenarios/greet-twice.yaml"
    assert any("takes 2 argument(s)" in note for note in starter.notes)
    loaded = parse_scenario(starter.scenario.read_text(), "starter.yaml")
    assert loaded.workloads[0].app.activities == ["shop.greet:say"]
    with pytest.raises(UsageError, match="exists; not overwriting"):
        write_starter(user_module)


def test_init_with_a_module_names_its_input_expectation_and_probe(user_module: str,
                                                                  tmp_path: Path) -> None:
    starter = write_starter(user_module, Path("s/greet.yaml"), with_module=True)
    assert starter.module == Path("shop/greet_chaos.py")
    loaded = parse_scenario(starter.scenario.read_text(), "starter.yaml")
    app = loaded.workloads[0].app
    assert (app.input, app.expect) == ("shop.greet_chaos:workflow_input",
                                       "shop.greet_chaos:expected_status")
    from shop.greet_chaos import workflow_input  # type: ignore[import-not-found]

    assert workflow_args(workflow_input(3, random.Random(1), {}), 2) == ["item-3", "item-3"]


def test_init_rejects_what_is_not_a_workflow(user_module: str) -> None:
    for bad in ("shop.greet", "shop.greet:say", "shop.nope:X"):
        with pytest.raises(UsageError):
            write_starter(bad)
    assert slug("BookTrip") == "book-trip" and slug("MoneyTransferV1") == "money-transfer-v1"


def test_replay_knows_workloads_by_import_path_and_apps_by_scenario() -> None:
    transfer = load_workflow_classes("examples.money_transfer.workload:TRANSFER@mutant-no-key")
    assert [c.__name__ for c in transfer] == ["MoneyTransferV1"]
    trip = load_workflow_classes(
        "examples/trip_booking/scenarios/trip-chaos.yaml@late-compensation")
    assert [c.__name__ for c in trip] == ["LateCompensation"]
    with pytest.raises(UsageError, match="unknown version 'v9'"):
        load_workflow_classes("examples.money_transfer.workload:TRANSFER@v9")


def test_run_version_overrides_a_workload_of_the_scenario() -> None:
    from harness.scenario import override_versions

    loaded = scenario()
    override_versions(loaded, ["BookTrip=late-count"])
    assert loaded.workloads[0].version == "late-count"
    for bad, words in (("BookTrip=v9", "unknown version 'v9'"), ("Nope=v1", "its workloads: "
                                                                 "BookTrip"),
                       ("BookTrip", "expected WORKLOAD=VERSION")):
        with pytest.raises(UsageError, match=words):
            override_versions(loaded, [bad])


def test_init_and_list_on_the_command_line(user_module: str, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    from harness.cli.app import build_parser, dispatch

    def harness(*argv: str) -> int:  # the CLI's parsing and dispatch, no process handlers
        return dispatch(build_parser().parse_args(list(argv)))

    assert harness("init", user_module, "--module") == 0
    out = capsys.readouterr().out
    assert "wrote scenarios/greet-twice.yaml" in out
    assert "run it: .venv/bin/harness run scenarios/greet-twice.yaml" in out
    with pytest.raises(UsageError, match="not overwriting"):
        harness("init", user_module)
    with pytest.raises(UsageError, match="not a @workflow.defn class"):
        harness("init", "shop.greet:say")
    assert harness("list", "scenarios/greet-twice.yaml") == 0
    assert "GreetTwice" in capsys.readouterr().out
    with pytest.raises(UsageError, match="is not a workload"):
        harness("list", "shop.greet:nothing")


def test_activities_read_the_scenarios_params() -> None:
    from harness.workloads.app import AppParams
    from harness.workloads.base import make_activities

    workload = WORKLOADS[scenario().workloads[0].name]
    params = AppParams(db="/tmp/trips.sqlite")
    acts = make_activities(workload, None, "v1", params)  # type: ignore[arg-type]
    assert {a.__self__.db_path for a in acts} == {"/tmp/trips.sqlite"}  # type: ignore[attr-defined]
    two_args = WORKLOADS["order_saga"]  # a factory of (services, version) still works
    assert make_activities(two_args, None, "v1", None)  # type: ignore[arg-type]
