"""Scenario model and loader: defaults, loading rules, and one-line errors with file and line.

The catalog here is fake on purpose: the real registries belong to other packages, and these
tests are about the loader's rules, not about which workloads exist.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field

from harness.catalog import Catalog, WorkloadInfo
from harness.errors import EXIT_USAGE, ScenarioError
from harness.scenario import (
    CheckSpec,
    Duration,
    Scenario,
    WorkerOptions,
    load_scenario,
    load_scenarios,
    parse_scenario,
)

FIXTURES = Path(__file__).parent / "fixtures"
BAD = FIXTURES / "bad_scenarios"
GOOD = FIXTURES / "good_scenarios"


class _Forbid(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SagaParams(_Forbid):
    fail_at: Literal["none", "reserve", "charge", "ship"] = "none"


class EntityParams(_Forbid):
    deposits: int = Field(10, ge=0)


class FanoutParams(_Forbid):
    children: int = Field(1, ge=1)
    activities: int = Field(1, ge=1)


class ApprovalParams(BaseModel):
    # Deliberately without extra="forbid": the loader must still reject unknown params.
    escalate_after: Duration = 60.0


class WorkerKill(_Forbid):
    type: Literal["worker_kill"]
    at: Duration
    signal: Literal["SIGKILL", "SIGTERM"] = "SIGKILL"


class NetworkLatency(_Forbid):
    type: Literal["network_latency"]
    at: Duration
    latency: Duration = 0.1


class NoOptions(_Forbid):
    pass


class IdempotencyOptions(_Forbid):
    max_duplicates: int = Field(0, ge=0)


CATALOG = Catalog(
    workloads={
        "order_saga": WorkloadInfo(versions=("v1", "v2"), params_model=SagaParams),
        "entity": WorkloadInfo(versions=("v1",), params_model=EntityParams),
        "fanout": WorkloadInfo(versions=("v1",), params_model=FanoutParams),
        "approval": WorkloadInfo(versions=("v1",), params_model=ApprovalParams),
    },
    faults={"worker_kill": WorkerKill, "network_latency": NetworkLatency},
    checks={"liveness": NoOptions, "idempotency": IdempotencyOptions},
)


def parse(text: str) -> Scenario:
    return parse_scenario(text, "mem.yaml", catalog=CATALOG)


def error_of(text: str) -> str:
    with pytest.raises(ScenarioError) as caught:
        parse(text)
    return str(caught.value)


# ---------------------------------------------------------------------------------------------
# Good scenarios


def test_minimal_scenario_gets_defaults() -> None:
    scenario = load_scenario(GOOD / "minimal.yaml", catalog=CATALOG)

    assert scenario.name == "minimal"
    assert scenario.source == GOOD / "minimal.yaml"
    assert scenario.description is None
    assert scenario.seed is None
    assert scenario.deadline == 300.0
    (workload,) = scenario.workloads
    assert (workload.name, workload.version, workload.count) == ("order_saga", "v1", 3)
    assert workload.concurrency == 3, "concurrency defaults to count"
    assert workload.params == {"fail_at": "none"}, "params defaults are filled in"
    assert workload.typed_params(CATALOG) == SagaParams()
    assert scenario.workers.count == 1
    assert scenario.workers.version is None
    assert scenario.workers.options == WorkerOptions()
    assert scenario.workers.options.sticky_queue_timeout == 1.0
    assert scenario.workers.options.graceful_shutdown == 2.0
    assert scenario.faults == []
    assert [(check.name, check.options) for check in scenario.checks] == [("liveness", {})]


def test_full_scenario_keeps_every_field() -> None:
    scenario = load_scenario(GOOD / "full.yaml", catalog=CATALOG)

    assert scenario.name == "full-kill.v2"
    assert scenario.seed == 7
    assert scenario.deadline == 90.0
    saga, fanout = scenario.workloads
    assert (saga.version, saga.count, saga.concurrency) == ("v2", 10, 4)
    assert saga.typed_params(CATALOG) == SagaParams(fail_at="charge")
    assert fanout.params == {"children": 5, "activities": 1}
    assert scenario.workers.count == 3
    assert scenario.workers.version == {"order_saga": "v1"}
    assert scenario.workers.options.sticky_queue_timeout == 0.25
    assert scenario.workers.options.graceful_shutdown == 0.0
    assert scenario.workers.options.max_cached_workflows == 0
    assert scenario.faults == [
        WorkerKill(type="worker_kill", at=10.0),
        NetworkLatency(type="network_latency", at=5.0, latency=0.2),
    ]
    assert [check.name for check in scenario.checks] == ["liveness", "idempotency"]
    assert scenario.checks[1].typed_options(CATALOG) == IdempotencyOptions(max_duplicates=1)


def test_to_dict_is_plain_data_with_seconds() -> None:
    data = load_scenario(GOOD / "full.yaml", catalog=CATALOG).to_dict()

    assert "source" not in data
    assert data["deadline"] == 90.0
    assert data["workers"]["options"]["sticky_queue_timeout"] == 0.25
    assert data["faults"][1] == {"type": "network_latency", "at": 5.0, "latency": 0.2}
    assert data["checks"] == ["liveness", {"name": "idempotency", "max_duplicates": 1}]


@pytest.mark.parametrize("name", ["minimal.yaml", "full.yaml"])
def test_dump_yaml_round_trips(name: str) -> None:
    scenario = load_scenario(GOOD / name, catalog=CATALOG)

    again = parse(scenario.dump_yaml())

    assert again == scenario
    assert again.to_dict() == scenario.to_dict()
    assert again.source is None


def test_equality_ignores_source_but_not_content() -> None:
    scenario = load_scenario(GOOD / "minimal.yaml", catalog=CATALOG)

    assert scenario == parse((GOOD / "minimal.yaml").read_text())
    assert scenario != scenario.model_copy(update={"seed": 3})


def test_check_spec_accepts_yaml_and_model_forms() -> None:
    context = {"catalog": CATALOG}

    flat = CheckSpec.model_validate({"name": "idempotency", "max_duplicates": 2}, context=context)
    model_form = {"name": "idempotency", "options": {"max_duplicates": 2}}
    nested = CheckSpec.model_validate(model_form, context=context)
    bare = CheckSpec.model_validate("liveness", context=context)

    assert flat == nested
    assert flat.options == {"max_duplicates": 2}
    assert (bare.name, bare.options) == ("liveness", {})
    assert flat.model_dump() == {"name": "idempotency", "max_duplicates": 2}
    assert bare.model_dump() == "liveness"


def test_direct_validation_with_catalog_context() -> None:
    data = {"name": "direct", "workloads": [{"name": "entity", "count": 2}], "checks": []}

    scenario = Scenario.model_validate(data, context={"catalog": CATALOG})

    assert scenario.workloads[0].params == {"deposits": 10}
    assert scenario.checks == []


def test_durations_accept_plain_numbers_and_units() -> None:
    scenario = parse(
        "name: d\ndeadline: 2.5\nworkloads: [{name: approval, count: 1,"
        " params: {escalate_after: 1m30s}}]\n"
    )

    assert scenario.deadline == 2.5
    assert scenario.workloads[0].params == {"escalate_after": 90.0}


def test_yaml_merge_keys_are_not_duplicates() -> None:
    text = """\
name: merged
workloads:
  - &base {name: order_saga, count: 2}
  - <<: *base
    count: 4
"""
    scenario = parse(text)

    assert [w.count for w in scenario.workloads] == [2, 4]


# ---------------------------------------------------------------------------------------------
# Loading files and folders


def _write(folder: Path, name: str, scenario_name: str) -> Path:
    path = folder / name
    path.write_text(f"name: {scenario_name}\nworkloads: [{{name: entity, count: 1}}]\n")
    return path


def test_directory_loads_yaml_files_sorted_not_recursive(tmp_path: Path) -> None:
    _write(tmp_path, "b.yml", "bee")
    _write(tmp_path, "a.yaml", "ay")
    (tmp_path / "notes.txt").write_text("not a scenario")
    (tmp_path / "drafts").mkdir()
    _write(tmp_path / "drafts", "c.yaml", "draft")

    scenarios = load_scenarios([tmp_path], catalog=CATALOG)

    assert [s.name for s in scenarios] == ["ay", "bee"]
    assert [s.source for s in scenarios] == [tmp_path / "a.yaml", tmp_path / "b.yml"]


def test_good_fixture_folder_loads() -> None:
    scenarios = load_scenarios([str(GOOD)], catalog=CATALOG)

    assert [s.name for s in scenarios] == ["full-kill.v2", "minimal"]


def test_files_and_folders_mix_and_a_file_named_twice_loads_once(tmp_path: Path) -> None:
    first = _write(tmp_path, "a.yaml", "ay")
    other = tmp_path / "other"
    other.mkdir()
    second = _write(other, "z.yaml", "zed")

    scenarios = load_scenarios([second, tmp_path, first], catalog=CATALOG)

    assert [s.name for s in scenarios] == ["zed", "ay"]


def test_duplicate_names_name_both_files(tmp_path: Path) -> None:
    first = _write(tmp_path, "a.yaml", "same")
    second = _write(tmp_path, "b.yaml", "same")

    with pytest.raises(ScenarioError) as caught:
        load_scenarios([tmp_path], catalog=CATALOG)

    message = str(caught.value)
    assert str(first) in message and str(second) in message
    assert message.startswith(f"{second}:1: name: ")
    assert "'same'" in message


def test_empty_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no scenario files") as caught:
        load_scenarios([tmp_path], catalog=CATALOG)
    assert str(tmp_path) in str(caught.value)


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError, match="no such file") as caught:
        load_scenarios([missing], catalog=CATALOG)
    assert str(missing) in str(caught.value)
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(missing, catalog=CATALOG)


def test_non_yaml_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scenario.json"
    path.write_text("{}")
    with pytest.raises(ScenarioError, match=r"\.yaml or \.yml"):
        load_scenarios([path], catalog=CATALOG)


def test_non_utf8_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"name: x\ndescription: caf\xe9\n")
    with pytest.raises(ScenarioError, match=r"latin\.yaml:2: not UTF-8"):
        load_scenario(path, catalog=CATALOG)


def test_scenario_error_is_a_usage_error() -> None:
    with pytest.raises(ScenarioError) as caught:
        parse("")
    assert caught.value.exit_code == EXIT_USAGE


# ---------------------------------------------------------------------------------------------
# Bad scenarios: one line naming file, line and field

# file -> (line, field path or None, words the message must contain)
BAD_CASES: dict[str, tuple[str, str | None, str]] = {
    "yaml_syntax.yaml": ("4:10:", None, "YAML syntax error:"),
    "unknown_workload.yaml": (
        "4",
        "workloads[0].name",
        "unknown workload 'ordr_saga' (known: approval, entity, fanout, order_saga);"
        " did you mean 'order_saga'?",
    ),
    "unknown_field_top.yaml": (
        "5",
        "deadlin",
        "unknown field (allowed: name, description, seed, deadline, workloads, workers,"
        " faults, checks, stack); did you mean 'deadline'?",
    ),
    "unknown_field_nested.yaml": (
        "9",
        "workloads[0].colour",
        "unknown field (allowed: app, name, version, count, concurrency, params)",
    ),
    "unknown_worker_option.yaml": (
        "8",
        "workers.options.max_concurent_activities",
        "did you mean 'max_concurrent_activities'?",
    ),
    "negative_count.yaml": ("7", "workloads[0].count", "must be >= 1 (got -3)"),
    "zero_concurrency.yaml": ("5", "workloads[0].concurrency", "must be >= 1 (got 0)"),
    "bad_duration.yaml": (
        "2",
        "deadline",
        "expected a duration like '500ms', '2s', '1m30s', got 'soon'",
    ),
    "bad_fault_duration.yaml": ("9", "faults[1].at", "expected a duration like"),
    "unknown_check.yaml": (
        "7",
        "checks[1].name",
        "unknown check 'idempotence' (known: idempotency, liveness); did you mean 'idempotency'?",
    ),
    "bad_check_option.yaml": ("8", "checks[1].max_duplicates", "must be >= 0 (got -1)"),
    "duplicate_check.yaml": ("6", "checks[2].name", "'liveness' already listed at checks[0]"),
    "unknown_fault_type.yaml": (
        "8",
        "faults[1].type",
        "unknown fault type 'network_partition' (known: network_latency, worker_kill)",
    ),
    "fault_missing_type.yaml": ("6", "faults[0].type", "field required"),
    "bad_param.yaml": ("6", "workloads[0].params.children", "must be >= 1 (got 0)"),
    "unknown_param.yaml": (
        "7",
        "workloads[0].params.fial_at",
        "unknown field (allowed: fail_at); did you mean 'fail_at'?",
    ),
    "bad_version.yaml": (
        "4",
        "workloads[0].version",
        "unknown version 'v9' of workload 'order_saga' (known: v1, v2)",
    ),
    "bad_worker_version.yaml": (
        "8",
        "workers.version.entity",
        "unknown version 'v3' of workload 'entity' (known: v1)",
    ),
    "missing_name.yaml": ("1", "name", "field required"),
    "missing_workload_name.yaml": ("5", "workloads[1].name", "field required"),
    "missing_workloads.yaml": ("2", "workloads", "field required"),
    "empty_workloads.yaml": ("2", "workloads", "must have at least 1 item"),
    "bad_name.yaml": ("1", "name", "(got 'Smoke Test')"),
    "string_count.yaml": ("4", "workloads[0].count", "expected a whole number, got '10'"),
    "duplicate_key.yaml": ("6", "deadline", "duplicate key (first given on line 2)"),
    "first_error_by_line.yaml": ("4", "workloads[0].count", "must be >= 1 (got -3)"),
    "top_level_list.yaml": ("1", None, "expected a mapping of scenario fields"),
    "empty.yaml": ("1", None, "the file has no content"),
    "comments_only.yaml": ("1", None, "the file has no content"),
}


def test_every_bad_fixture_has_a_case() -> None:
    assert sorted(p.name for p in BAD.iterdir()) == sorted(BAD_CASES)


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_scenario_is_one_line_with_file_line_and_field(name: str) -> None:
    line, path, words = BAD_CASES[name]
    source = BAD / name

    with pytest.raises(ScenarioError) as caught:
        load_scenario(source, catalog=CATALOG)

    message = str(caught.value)
    assert "\n" not in message
    prefix = f"{source}:{line}" if line.endswith(":") else f"{source}:{line}: "
    assert message.startswith(prefix), message
    if path is not None:
        assert message.startswith(f"{source}:{line}: {path}: "), message
    assert words in message, message
    assert "pydantic" not in message and "Input should" not in message, message


def test_yaml_syntax_error_has_line_and_column() -> None:
    message = error_of("name: x\nworkloads: [\n  {name: a\n")

    assert message.startswith("mem.yaml:")
    line, column = message.split(":")[1:3]
    assert line.isdigit() and column.isdigit()
    assert "YAML syntax error" in message


def test_top_level_scalar_is_refused() -> None:
    assert error_of("just a string\n").startswith("mem.yaml:1: expected a mapping")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: x\nseed: -1\nworkloads: [{name: entity, count: 1}]\n", "2: seed: must be >= 0"),
        ("name: x\ndeadline: 0\nworkloads: [{name: entity, count: 1}]\n", "2: deadline: must be >"),
        ("name: x\ndeadline: null\nworkloads: [{name: entity, count: 1}]\n", "got null"),
        ("name: x\ndeadline: [1]\nworkloads: [{name: entity, count: 1}]\n", "got a list"),
        ("name: x\ndeadline: inf\nworkloads: [{name: entity, count: 1}]\n", "finite"),
        ("name: x\nworkloads: [{name: entity, count: true}]\n", "got true"),
        ("name: x\nworkloads: {name: entity}\n", "2: workloads: expected a list, got a mapping"),
        ("name: x\nworkloads: [{name: entity, count: 1}]\nfaults: [3]\n", "3: faults[0]:"),
        ("name: x\nworkloads: [{name: entity, count: 1}]\nchecks: [7]\n", "check name"),
        ("name: 5\nworkloads: [{name: entity, count: 1}]\n", "quote it"),
        ("name: x\nworkloads: [{name: entity, count: 1}]\n1: a\n", "3: 1: keys must be strings"),
        ("name: x\nwhen: 2024-13-45\n", "mem.yaml:2:7: YAML syntax error: cannot read value"),
        ("name: x\n---\nname: y\n", "2:1: YAML syntax error: expected a single document"),
        ("name: x\nworkloads: [{name: approval, count: 1, params: {esc: 1}}]\n", "allowed"),
    ],
)
def test_more_bad_values(text: str, expected: str) -> None:
    message = error_of(text)

    assert expected in message, message
    assert "\n" not in message


def test_a_bad_name_hides_its_version_and_params_errors() -> None:
    message = error_of("name: x\nworkloads:\n  - {name: nope, version: v7, count: 1}\n")

    assert message.startswith("mem.yaml:3: workloads[0].name: unknown workload 'nope'")


def test_empty_catalog_lists_none() -> None:
    with pytest.raises(ScenarioError, match=r"\(known: none\)"):
        parse_scenario("name: x\nworkloads: [{name: a, count: 1}]\n", "m.yaml", Catalog())
