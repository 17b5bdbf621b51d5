"""The scenario's description of a user's app by import path (see harness/workloads/app.py).

Only the model and its checks that each path imports and is what it should be: the loader
reports a wrong path with its file and line before anything starts.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator
from temporalio import workflow

from harness.plugins import import_object, is_import_path

STATUSES = ("COMPLETED", "FAILED", "TIMED_OUT", "TERMINATED", "CANCELED", "CONTINUED_AS_NEW")
BASE_VERSION = "v1"


def _importable(value: str, what: str) -> str:
    if not is_import_path(value):
        raise ValueError(f"expected an import path 'package.module:NAME' for {what}, "
                         f"got {value!r}")
    try:
        import_object(value)
    except (ImportError, AttributeError) as err:
        raise ValueError(f"cannot import {value!r}: {err}") from None
    return value


def _workflow_class(value: str) -> str:
    _importable(value, "a workflow class")
    cls = import_object(value)
    if not isinstance(cls, type) or workflow._Definition.from_class(cls) is None:
        raise ValueError(f"{value!r} is not a @workflow.defn class")
    return value


def _activity_paths(value: str | list[str] | None) -> str | list[str] | None:
    for path in [] if value is None else [value] if isinstance(value, str) else value:
        _importable(path, "activities")
    return value


class AppVersion(BaseModel):
    """What one version changes: the workflow class, the activities, or both."""

    model_config = ConfigDict(extra="forbid", strict=True)

    workflow: str | None = None
    activities: str | list[str] | None = None

    @field_validator("workflow")
    @classmethod
    def _workflow(cls, value: str | None) -> str | None:
        return None if value is None else _workflow_class(value)

    @field_validator("activities")
    @classmethod
    def _activities(cls, value: str | list[str] | None) -> str | list[str] | None:
        return _activity_paths(value)


class AppSpec(BaseModel):
    """A user's workflow, activities, input and expectation, each by import path."""

    model_config = ConfigDict(extra="forbid", strict=True)

    workflow: str
    # One path (a list of activities, or a factory fn(params) -> list) or several paths
    # (each an activity function or one of the above).
    activities: str | list[str] | None = None
    input: str | None = None
    expect: str | list[str] = "COMPLETED"
    versions: dict[str, AppVersion] = Field(default_factory=dict)

    @field_validator("workflow")
    @classmethod
    def _workflow(cls, value: str) -> str:
        return _workflow_class(value)

    @field_validator("activities")
    @classmethod
    def _activities(cls, value: str | list[str] | None) -> str | list[str] | None:
        return _activity_paths(value)

    @field_validator("input")
    @classmethod
    def _input(cls, value: str | None) -> str | None:
        return None if value is None else _importable(value, "an input function")

    @field_validator("expect")
    @classmethod
    def _expect(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, str) and is_import_path(value):
            return _importable(value, "an expected-status function")
        for status in [value] if isinstance(value, str) else value:
            if status not in STATUSES:
                raise ValueError(f"unknown status {status!r} (known: {', '.join(STATUSES)}; "
                                 "or name a function 'package.module:NAME')")
        return value

    def type_name(self) -> str:
        cls = import_object(self.workflow)
        return workflow._Definition.must_from_class(cls).name or cls.__name__

    def classes(self, version: str) -> list[type]:
        override = self.versions.get(version)
        path = (override.workflow if override else None) or self.workflow
        return [import_object(path)]

    def activities_path(self, version: str) -> str | list[str] | None:
        override = self.versions.get(version)
        return (override.activities if override else None) or self.activities
