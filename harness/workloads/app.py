"""A user's app named by import path in the scenario: no workload module, no starter.

    workloads:
      - app:
          workflow: shop.trips:BookTrip            # the @workflow.defn class (version v1)
          activities: shop.trips:activities        # a list of activities, or fn(params) -> list
          input: shop.trips:trip_input             # fn(index, rng, params) -> the input
          expect: [COMPLETED, FAILED]              # a status, statuses, or fn(input, params)
          versions:                                # optional: other code for deploy drills
            v2: {workflow: shop.trips:BookTripV2}
        count: 10
        params: {db: reports/trips.sqlite}         # what input/activities/expect receive

The app becomes an ordinary `Workload` registered under its name (by default the workflow's
Temporal type name), so workers, deploy drills, replay and every check treat it like the
reference workloads. Workers rebuild it from the same spec (it travels in their config).
Apps that need signals, updates or queries keep writing a `Workload` module.
"""

from __future__ import annotations

import inspect
import random
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict
from temporalio import workflow

from harness.plugins import import_object, is_import_path
from harness.services.client import ServicesClient
from harness.workloads.app_spec import BASE_VERSION, AppSpec
from harness.workloads.base import DriveContext, Workload, await_result, start_workflow


class AppParams(BaseModel):
    """An app's params are the user's own: passed through as given."""

    model_config = ConfigDict(extra="allow")


def call_with(fn: Callable[..., Any], *values: Any) -> Any:
    """Call a user's function with as many of the leading values as it takes."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return fn(*values)
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return fn(*values)
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return fn(*values[:len(positional)])


def activities_from(paths: str | list[str] | None, params: dict[str, Any]
                    ) -> list[Callable[..., Any]]:
    """The activities named: each path is an activity, a list of them, or a factory
    returning them given the params."""
    found: list[Callable[..., Any]] = []
    for path in [] if paths is None else [paths] if isinstance(paths, str) else paths:
        obj = import_object(path)
        if isinstance(obj, list | tuple):
            found += list(obj)
        elif callable(obj) and not hasattr(obj, "__temporal_activity_definition"):
            found += list(call_with(obj, params))
        else:
            found.append(obj)
    return found


def run_arity(cls: type) -> int:
    """How many arguments the workflow's run method takes (its `self` aside)."""
    defn = workflow._Definition.must_from_class(cls)
    params = list(inspect.signature(defn.run_fn).parameters.values())[1:]
    return sum(1 for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def workflow_args(value: Any, arity: int) -> list[Any]:
    """The input as the run method's arguments: none, one, or a tuple spread over several."""
    if arity == 0:
        return []
    if arity == 1:
        return [value]
    if not isinstance(value, tuple | list) or len(value) != arity:
        raise ValueError(f"the workflow takes {arity} arguments: the input function must "
                         f"return a tuple of {arity} values, got {value!r}")
    return list(value)


def expected(spec: AppSpec, value: Any, params: dict[str, Any]) -> str | list[str]:
    if isinstance(spec.expect, str) and is_import_path(spec.expect):
        found = call_with(import_object(spec.expect), value, params)
        return found if isinstance(found, str) else list(found)
    return spec.expect


def build(name: str, spec: AppSpec) -> Workload:
    """The Workload an app spec stands for."""
    versions: dict[str, Sequence[type]] = {BASE_VERSION: spec.classes(BASE_VERSION)}
    versions.update({v: spec.classes(v) for v in spec.versions})
    arity = run_arity(versions[BASE_VERSION][0])
    type_name = spec.type_name()

    def activities(_services: ServicesClient, version: str,
                   params: BaseModel | None = None) -> list[Callable[..., Any]]:
        return activities_from(spec.activities_path(version), _plain(params))

    async def drive(ctx: DriveContext, index: int) -> None:
        params = _plain(ctx.params)
        rng: random.Random = ctx.rng(index)
        value = call_with(import_object(spec.input), index, rng, params) if spec.input else None
        handle = await start_workflow(
            ctx, type_name, None, ctx.workflow_id(index), args=workflow_args(value, arity),
            expect=expected(spec, value, params), input=_jsonable(value))
        if handle is not None:
            await await_result(ctx, handle)

    return Workload(name=name, description=f"{spec.workflow} (an app named by import path)",
                    workflow_type=type_name, versions=versions, activities=activities,
                    params_model=AppParams, drive=drive,
                    extra={"app": spec.model_dump(mode="json", exclude_defaults=True)})


def _plain(params: BaseModel | dict[str, Any] | None) -> dict[str, Any]:
    if params is None:
        return {}
    if isinstance(params, BaseModel):
        return params.model_dump(mode="json")
    return dict(params)


def _jsonable(value: Any) -> Any:
    from dataclasses import asdict, is_dataclass

    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value
