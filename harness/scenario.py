"""The scenario model and its YAML loader.

A scenario is the one input a user writes: which workloads to run, which faults to inject,
which checks judge the result. It is validated completely, against the catalog of known
workloads, faults and checks, before anything is started (DESIGN.md principle 7), and a bad
file is reported as ONE line naming file, line and field:

    scenarios/bad.yaml:7: workloads[0].count: must be >= 1 (got -3)

How the line numbers are found: the text is composed into PyYAML nodes (which keep their
source marks), constructed into plain data, validated with pydantic, and each pydantic error
location (``("workloads", 0, "count")``) is walked back down the node tree to the deepest node
that exists. A missing field therefore points at its parent mapping.

Catalog-dependent parts (workload params, fault specs, check options) are validated against
models that only exist at run time, so pydantic cannot see their inner structure. Their
validators report inner errors as one "nested" pydantic error whose context carries the
already-explained problems with their sub-locations; `_explain` unfolds them again, so a bad
param is still reported at ``workloads[0].params.children`` on its own line.

Storage decisions:
- durations are stored as float seconds (``Duration`` accepts "250ms", "2s", "1m30s", 5);
- ``WorkloadSpec.params`` and ``CheckSpec.options`` are stored as the JSON-able dict of the
  validated model (defaults filled in, so the dumped scenario shows what actually ran);
  ``typed_params()`` / ``typed_options()`` re-validate them into the model instance;
- ``Scenario.faults`` holds validated fault model instances (the catalog's classes);
- ``Scenario.source`` is where the scenario was loaded from; it is not part of the model's
  data, so it is never dumped and two scenarios with the same content compare equal.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SerializeAsAny,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from harness.catalog import Catalog, WorkloadInfo, default_catalog
from harness.durations import Duration, to_seconds  # noqa: F401 - re-exported
from harness.errors import ScenarioError

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_CHECKS",
    "NAME_PATTERN",
    "CheckSpec",
    "Duration",
    "Scenario",
    "WorkerOptions",
    "WorkersSpec",
    "WorkloadSpec",
    "load_scenario",
    "load_scenarios",
    "parse_scenario",
    "to_seconds",
]

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
DEFAULT_DEADLINE = 300.0
DEFAULT_CHECKS: tuple[str, ...] = ("liveness",)
SCENARIO_SUFFIXES = (".yaml", ".yml")

# A location inside the scenario data, as pydantic reports it: ("workloads", 0, "count").
Loc = tuple[str | int, ...]
# An explained problem: where (relative to some root) and what, in plain words.
Problem = tuple[Loc, str]

_DURATION_HINT = "expected a duration like '500ms', '2s', '1m30s'"
_CUSTOM = "scenario"
_NESTED = "scenario_nested"
_MERGE_TAG = "tag:yaml.org,2002:merge"


# ---------------------------------------------------------------------------------------------
# Durations


# to_seconds and Duration live in harness.durations so catalog models can share them.


# ---------------------------------------------------------------------------------------------
# Helpers shared by the validators


def _show(value: Any) -> str:
    """Render a bad input the way the user wrote it in YAML, short enough for one line."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(value, "g")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return repr(text)
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def _known(names: Iterable[str]) -> str:
    listed = ", ".join(sorted(names))
    return listed or "none"


def _suggest(value: Any, names: Iterable[str]) -> str:
    """A "did you mean" suffix, because most unknown names are typos of a known one."""
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, list(names), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _unknown(kind: str, value: Any, names: Iterable[str]) -> str:
    names = list(names)
    return f"unknown {kind} {_show(value)} (known: {_known(names)}){_suggest(value, names)}"


def _error(message: str) -> PydanticCustomError:
    """A pydantic error with our own wording (passed through a placeholder, so braces in user
    input cannot break pydantic's template formatting)."""
    return PydanticCustomError(_CUSTOM, "{message}", {"message": message})


def _nested(problems: list[Problem], up: int = 0) -> PydanticCustomError:
    """Carry already-explained problems (with sub-locations) out of a validator.

    Validators cannot raise errors at deeper locations than their own field, so the problems
    travel in the error context and `_explain` re-attaches them under the field's location,
    first dropping `up` trailing parts (check options live beside `name`, not under
    `options`, in the YAML).
    """
    loc, message = problems[0]
    summary = f"{_format_path(loc)}: {message}" if loc else message
    return PydanticCustomError(
        _NESTED, "{summary}", {"summary": summary, "problems": problems, "up": up}
    )


def _catalog_of(info: ValidationInfo) -> Catalog:
    """The catalog passed in the validation context; the real one when validating directly."""
    context = info.context if isinstance(info.context, Mapping) else {}
    catalog = context.get("catalog")
    return catalog if isinstance(catalog, Catalog) else default_catalog()


def _validate_against(model: type[BaseModel], data: Any) -> tuple[BaseModel | None, list[Problem]]:
    """Validate catalog-provided data and explain the errors relative to that data.

    Catalog models are written by other modules; if one forgets ``extra="forbid"``, a typo in
    a param would be silently ignored and the run would test something else than intended, so
    unknown keys are rejected here regardless.
    """
    problems: list[Problem] = []
    if isinstance(data, Mapping) and model.model_config.get("extra") not in ("forbid", "allow"):
        allowed = _field_names(model)
        for key in data:
            if key not in allowed:
                problems.append(((key,), _unknown_field(key, allowed)))
    try:
        instance = model.model_validate(data)
    except ValidationError as exc:
        return None, problems + _explain(exc.errors(include_url=False), model)
    return (None, problems) if problems else (instance, [])


# ---------------------------------------------------------------------------------------------
# The model


class _Spec(BaseModel):
    """Base for every scenario model.

    extra="forbid" turns typos into errors instead of silently ignored keys; strict=True keeps
    YAML's types honest (``count: "10"`` or ``count: true`` is a mistake, not a number).
    """

    model_config = ConfigDict(extra="forbid", strict=True)


class WorkerOptions(_Spec):
    """Tuning of each worker process (mirrors the SDK worker options the harness sets)."""

    max_concurrent_activities: int = Field(200, ge=1)
    max_concurrent_workflow_tasks: int = Field(200, ge=1)
    max_cached_workflows: int = Field(1000, ge=0)
    sticky_queue_timeout: Duration = Field(1.0, gt=0)
    graceful_shutdown: Duration = Field(2.0, ge=0)


class WorkersSpec(_Spec):
    """How many worker processes to run and which workload code versions they register.

    ``version`` maps a workload name to the version the workers run, which may differ from
    the version the client starts (deploy/versioning scenarios); None means "the same".
    """

    count: int = Field(1, ge=1)
    version: dict[str, str] | None = None
    options: WorkerOptions = Field(default_factory=WorkerOptions)

    @field_validator("version")
    @classmethod
    def _known_versions(
        cls, value: dict[str, str] | None, info: ValidationInfo
    ) -> dict[str, str] | None:
        if value is None:
            return None
        catalog = _catalog_of(info)
        problems: list[Problem] = []
        for name, version in value.items():
            workload = catalog.workloads.get(name)
            if workload is None:
                problems.append(((name,), _unknown("workload", name, catalog.workloads)))
            elif version not in workload.versions:
                problems.append(((name,), _unknown_version(name, version, workload)))
        if problems:
            raise _nested(problems)
        return value


def _unknown_version(name: str, version: Any, workload: WorkloadInfo) -> str:
    versions = list(workload.versions)
    return (
        f"unknown version {_show(version)} of workload {name!r} "
        f"(known: {_known(versions)}){_suggest(version, versions)}"
    )


class WorkloadSpec(_Spec):
    """One batch of workflows the driver starts.

    ``concurrency`` (how many are in flight at once) defaults to ``count``: all at once.
    ``params`` holds the validated params as a JSON-able dict with defaults filled in; use
    `typed_params` to get the workload's params model instance.
    """

    name: str
    version: str = Field("v1", validate_default=True)
    count: int = Field(ge=1)
    concurrency: int = Field(ge=1)
    params: dict[str, Any] = Field(default_factory=dict, validate_default=True)

    @model_validator(mode="before")
    @classmethod
    def _concurrency_defaults_to_count(cls, data: Any) -> Any:
        # Done before validation so the field is a plain int. When count itself is bad the
        # placeholder keeps the report about count, not about a derived concurrency.
        if isinstance(data, Mapping) and "concurrency" not in data:
            count = data.get("count")
            valid = isinstance(count, int) and not isinstance(count, bool) and count >= 1
            data = {**data, "concurrency": count if valid else 1}
        return data

    @field_validator("name")
    @classmethod
    def _known_workload(cls, value: str, info: ValidationInfo) -> str:
        catalog = _catalog_of(info)
        if value not in catalog.workloads:
            raise _error(_unknown("workload", value, catalog.workloads))
        return value

    @field_validator("version")
    @classmethod
    def _known_version(cls, value: str, info: ValidationInfo) -> str:
        name = info.data.get("name")
        if name is None:  # the name was already rejected; one report is enough
            return value
        workload = _catalog_of(info).workloads[name]
        if value not in workload.versions:
            raise _error(_unknown_version(name, value, workload))
        return value

    @field_validator("params")
    @classmethod
    def _params_fit_the_workload(cls, value: dict[str, Any], info: ValidationInfo) -> dict:
        name = info.data.get("name")
        if name is None:
            return value
        model = _catalog_of(info).workloads[name].params_model
        instance, problems = _validate_against(model, value)
        if instance is None:
            raise _nested(problems)
        return instance.model_dump(mode="json", by_alias=True)

    def typed_params(self, catalog: Catalog | None = None) -> BaseModel:
        """The params as the workload's own model (validated again; cheap and always fresh)."""
        catalog = default_catalog() if catalog is None else catalog
        return catalog.workloads[self.name].params_model.model_validate(self.params)


class CheckSpec(_Spec):
    """A check to run and its options.

    In YAML a check is either its name (``liveness``) or a mapping of the name and its options
    side by side (``{name: idempotency, max_duplicates: 0}``); both normalise to this. The
    model's own form ``{name: ..., options: {...}}`` is accepted too, so a check option may not
    be called ``options``. It serialises back to the YAML form so a dumped scenario loads
    again unchanged.
    """

    name: str
    options: dict[str, Any] = Field(default_factory=dict, validate_default=True)

    @model_validator(mode="before")
    @classmethod
    def _from_yaml_form(cls, data: Any) -> Any:
        if isinstance(data, CheckSpec):
            return data
        if isinstance(data, str):
            return {"name": data, "options": {}}
        if isinstance(data, Mapping):
            if set(data) <= {"name", "options"} and isinstance(data.get("options"), Mapping):
                return data  # already the model's own form, e.g. CheckSpec(name=..., options=...)
            options = {key: value for key, value in data.items() if key != "name"}
            return (
                {"name": data["name"], "options": options}
                if "name" in data
                else {"options": options}
            )
        raise _error(f"expected a check name or a mapping with 'name', got {_show(data)}")

    @field_validator("name")
    @classmethod
    def _known_check(cls, value: str, info: ValidationInfo) -> str:
        catalog = _catalog_of(info)
        if value not in catalog.checks:
            raise _error(_unknown("check", value, catalog.checks))
        return value

    @field_validator("options")
    @classmethod
    def _options_fit_the_check(cls, value: dict[str, Any], info: ValidationInfo) -> dict:
        name = info.data.get("name")
        if name is None:
            return value
        instance, problems = _validate_against(_catalog_of(info).checks[name], value)
        if instance is None:
            raise _nested(problems, up=1)
        return instance.model_dump(mode="json", by_alias=True)

    @model_serializer(mode="plain")
    def _to_yaml_form(self) -> str | dict[str, Any]:
        return self.name if not self.options else {"name": self.name, **self.options}

    def typed_options(self, catalog: Catalog | None = None) -> BaseModel:
        """The options as the check's own model."""
        catalog = default_catalog() if catalog is None else catalog
        return catalog.checks[self.name].model_validate(self.options)


def _default_checks() -> list[Any]:
    # Validated like user input (validate_default) so the options get the check's defaults.
    return list(DEFAULT_CHECKS)


class Scenario(_Spec):
    """A validated scenario: workloads, workers, faults and the checks that judge the run.

    Validate with ``Scenario.model_validate(data, context={"catalog": catalog})``; without a
    catalog in the context the default one is used. Prefer the loaders below, which also turn
    errors into one ``file:line: field: problem`` line.
    """

    name: str
    description: str | None = None
    seed: int | None = Field(None, ge=0)
    deadline: Duration = Field(DEFAULT_DEADLINE, gt=0)
    workloads: list[WorkloadSpec] = Field(min_length=1)
    workers: WorkersSpec = Field(default_factory=WorkersSpec)
    faults: list[SerializeAsAny[BaseModel]] = Field(default_factory=list)
    checks: list[CheckSpec] = Field(default_factory=_default_checks, validate_default=True)

    _source: Path | None = PrivateAttr(default=None)

    @property
    def source(self) -> Path | None:
        """The file this scenario was loaded from (None when parsed from memory)."""
        return self._source

    @field_validator("name")
    @classmethod
    def _name_is_a_slug(cls, value: str) -> str:
        # The name becomes part of run folder names, JUnit test ids and pytest node ids.
        if not NAME_PATTERN.match(value):
            raise _error(
                "must start with a lowercase letter or digit and contain only a-z, 0-9, "
                f"'_', '.', '-' (got {_show(value)})"
            )
        return value

    @field_validator("faults", mode="plain")
    @classmethod
    def _faults_from_catalog(cls, value: Any, info: ValidationInfo) -> list[BaseModel]:
        if not isinstance(value, list):
            raise _error(f"expected a list of faults, got {_show(value)}")
        catalog = _catalog_of(info)
        problems: list[Problem] = []
        faults: list[BaseModel] = []
        for index, item in enumerate(value):
            if isinstance(item, BaseModel) and type(item) in catalog.faults.values():
                faults.append(item)
                continue
            if not isinstance(item, Mapping):
                message = f"expected a mapping with a 'type' field, got {_show(item)}"
                problems.append(((index,), message))
                continue
            if "type" not in item:
                problems.append(((index, "type"), "field required"))
                continue
            kind = item["type"]
            if not isinstance(kind, str) or kind not in catalog.faults:
                problems.append(((index, "type"), _unknown("fault type", kind, catalog.faults)))
                continue
            fault, found = _validate_against(catalog.faults[kind], item)
            problems.extend(((index, *loc), message) for loc, message in found)
            if fault is not None:
                faults.append(fault)
        if problems:
            raise _nested(problems)
        return faults

    @field_validator("checks")
    @classmethod
    def _checks_listed_once(cls, value: list[CheckSpec]) -> list[CheckSpec]:
        # Running the same check twice would produce two verdicts with one id in the reports.
        first: dict[str, int] = {}
        problems: list[Problem] = []
        for index, check in enumerate(value):
            if check.name in first:
                where = f"checks[{first[check.name]}]"
                problems.append(
                    ((index, "name"), f"check {check.name!r} already listed at {where}")
                )
            first.setdefault(check.name, index)
        if problems:
            raise _nested(problems)
        return value

    def __eq__(self, other: object) -> bool:
        """Equal when the content is equal; where it was loaded from does not matter."""
        if not isinstance(other, Scenario):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def to_dict(self) -> dict[str, Any]:
        """The scenario as plain JSON-able data (durations in seconds), loadable again."""
        return self.model_dump(mode="json", by_alias=True)

    def dump_yaml(self) -> str:
        """The scenario as YAML, for writing "the scenario as run" into a run folder."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)


# ---------------------------------------------------------------------------------------------
# Turning pydantic errors into plain words


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated[...] and Optional[...] so the model inside can be inspected."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _field_names(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _model_at(root: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """Which model sits at `loc` below `root` (to list its fields for "unknown field")."""
    current: Any = root
    for part in loc:
        current = _unwrap(current)
        if _is_model(current):
            fields = {info.alias or name: info for name, info in current.model_fields.items()}
            if part not in fields:
                return None
            current = fields[part].annotation
        elif get_origin(current) is list and isinstance(part, int):
            current = get_args(current)[0]
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        else:
            return None
    current = _unwrap(current)
    return current if _is_model(current) else None


def _unknown_field(key: Any, allowed: Sequence[str]) -> str:
    return f"unknown field (allowed: {', '.join(allowed) or 'none'}){_suggest(key, allowed)}"


_BOUNDS = {
    "greater_than_equal": ("ge", ">="),
    "greater_than": ("gt", ">"),
    "less_than_equal": ("le", "<="),
    "less_than": ("lt", "<"),
}
_EXPECTED = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "a string",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "dict_type": "a mapping",
    "list_type": "a list",
}


def _items(count: Any) -> str:
    return f"{count} item" if count == 1 else f"{count} items"


def _explain(errors: Iterable[ErrorDetails], root: type[BaseModel]) -> list[Problem]:
    """Plain-words problems for pydantic errors, with locations relative to `root`."""
    problems: list[Problem] = []
    for error in errors:
        loc: Loc = tuple(error["loc"])
        kind = error["type"]
        ctx: dict[str, Any] = dict(error.get("ctx") or {})
        got = _show(error.get("input"))
        if kind == _NESTED:
            base = loc[: len(loc) - ctx["up"]] if ctx["up"] else loc
            problems.extend((base + sub, message) for sub, message in ctx["problems"])
            continue
        if kind == "missing":
            message = "field required"
        elif kind == "extra_forbidden":
            model = _model_at(root, loc[:-1])
            allowed = _field_names(model) if model is not None else []
            message = _unknown_field(loc[-1], allowed)
        elif kind in _BOUNDS:
            key, symbol = _BOUNDS[kind]
            message = f"must be {symbol} {_show(ctx.get(key))} (got {got})"
        elif kind in _EXPECTED:
            message = f"expected {_EXPECTED[kind]}, got {got}"
            if kind == "string_type" and isinstance(error.get("input"), int | float):
                message += " (quote it to use it as text)"
        elif kind in ("literal_error", "enum"):
            message = f"expected {ctx.get('expected')}, got {got}"
        elif kind == "too_short":
            message = f"must have at least {_items(ctx.get('min_length'))}"
        elif kind == "too_long":
            message = f"must have at most {_items(ctx.get('max_length'))}"
        elif kind == "string_too_short":
            message = "must not be empty"
        elif kind == "string_pattern_mismatch":
            message = f"must match {ctx.get('pattern')} (got {got})"
        elif kind == "finite_number":
            message = f"must be a finite number (got {got})"
        elif kind == "invalid_key":
            message = f"keys must be strings, got {got}"
        elif kind in ("value_error", "assertion_error"):
            message = str(ctx.get("error", error["msg"]))
        elif kind == _CUSTOM:
            message = error["msg"]
        else:
            message = f"{error['msg']} (got {got})"
        problems.append((loc, message))
    return problems


def _format_path(loc: Loc) -> str:
    """``("workloads", 0, "count")`` -> ``workloads[0].count``."""
    return _join_path("", loc)


def _join_path(path: str, loc: Loc) -> str:
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "[key]":  # pydantic's marker for "the key itself" in dict errors
            continue
        else:
            path += f".{part}" if path else str(part)
    return path


# ---------------------------------------------------------------------------------------------
# YAML nodes: where each value was written


def _locate(root: yaml.Node, loc: Loc) -> tuple[int, str]:
    """The 1-based line and the display path of `loc` in the document.

    The line is that of the deepest node on `loc` that exists: a value found under a mapping
    key reports the key's line (where the user looks, even when the value is a block starting
    below), and a missing field reports its parent. Walking the nodes also tells mapping keys
    from list indexes, which pydantic's loc cannot (a key ``1:`` and item ``[1]`` are both 1).
    """
    node: yaml.Node = root
    marker: yaml.Node = root
    path = ""
    for depth, part in enumerate(loc):
        if isinstance(node, yaml.MappingNode):
            found = None
            for key, value in node.value:  # the last duplicate wins, as in construction
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    found = (key, value)
            if found is None:
                return marker.start_mark.line + 1, _join_path(path, loc[depth:])
            marker, node = found
            path = f"{path}.{found[0].value}" if path else str(found[0].value)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                return marker.start_mark.line + 1, _join_path(path, loc[depth:])
            node = marker = node.value[part]
            path += f"[{part}]"
        else:
            return marker.start_mark.line + 1, _join_path(path, loc[depth:])
    return marker.start_mark.line + 1, path


def _duplicate_keys(root: yaml.Node) -> list[tuple[int, Loc, str]]:
    """Keys given twice in one mapping.

    PyYAML silently keeps the last one, so a scenario with two ``deadline:`` lines would run
    with whichever came last; that is never what the author meant. Checked on the composed
    tree, before merge keys (``<<``) are expanded, so merges do not count as duplicates.
    """
    found: list[tuple[int, Loc, str]] = []
    seen: set[int] = set()

    def walk(node: yaml.Node, loc: Loc) -> None:
        if id(node) in seen:  # aliases may share (or even recursively contain) nodes
            return
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != _MERGE_TAG:
                    line = key.start_mark.line + 1
                    if key.value in first:
                        message = f"duplicate key (first given on line {first[key.value]})"
                        found.append((line, (*loc, key.value), message))
                    else:
                        first[key.value] = line
                    walk(value, (*loc, key.value))
                else:
                    walk(value, loc)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*loc, index))

    walk(root, ())
    return found


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class _Loader(yaml.SafeLoader):
    """SafeLoader that gives a position to values PyYAML fails to build.

    A timestamp-looking value that is not a real date (``2024-13-45``) makes PyYAML raise a
    bare ValueError with no line; re-raising it as a marked error lets it be reported like any
    other YAML problem, with line and column.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read value {_show(node.value)}: {exc}", node.start_mark
            ) from exc


def _compose(text: str, label: str) -> tuple[yaml.Node, Any, list[tuple[int, Loc, str]]]:
    """Parse YAML into (node tree, plain data, duplicate keys), or raise ScenarioError."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise ScenarioError(
                f"{label}:1: the file has no content; expected a scenario mapping with at "
                "least 'name' and 'workloads'"
            )
        duplicates = _duplicate_keys(root)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{mark.line + 1}:{mark.column + 1}" if mark is not None else "1"
        problem = _one_line(exc.problem or "")
        context = _one_line(exc.context or "")
        if context and problem.startswith("but "):  # "expected X, but found Y"
            problem = f"{context}, {problem}"
        elif context:
            problem = f"{problem} ({context})" if problem else context
        raise ScenarioError(f"{label}:{where}: YAML syntax error: {problem}") from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise ScenarioError(f"{label}:{line}: YAML syntax error: {_one_line(str(exc))}") from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise ScenarioError(f"{label}:1: YAML error: {_one_line(str(exc))}") from None
    finally:
        loader.dispose()
    return root, data, duplicates


def _parse(text: str, label: str, catalog: Catalog) -> tuple[Scenario, yaml.Node]:
    root, data, duplicates = _compose(text, label)
    if not isinstance(root, yaml.MappingNode) or not isinstance(data, Mapping):
        fields = ", ".join(_field_names(Scenario))
        raise ScenarioError(
            f"{label}:{root.start_mark.line + 1}: expected a mapping of scenario fields "
            f"({fields}) at the top level, got {_show(data)}"
        )
    located = [(line, _format_path(loc), message) for line, loc, message in duplicates]
    try:
        scenario = Scenario.model_validate(data, context={"catalog": catalog})
    except ValidationError as exc:
        for loc, message in _explain(exc.errors(include_url=False), Scenario):
            located.append((*_locate(root, loc), message))
    if located:
        # One line only: the first problem in reading order (stable for same-line problems).
        line, path, message = min(located, key=lambda problem: problem[0])
        prefix = f"{path}: " if path else ""
        raise ScenarioError(f"{label}:{line}: {prefix}{_one_line(message)}")
    return scenario, root


# ---------------------------------------------------------------------------------------------
# Public loaders


def parse_scenario(text: str, source: str, catalog: Catalog | None = None) -> Scenario:
    """Validate scenario YAML held in memory; `source` only labels the error messages.

    The returned scenario's ``source`` is None: nothing was read from disk.
    """
    catalog = default_catalog() if catalog is None else catalog
    scenario, _ = _parse(text, source, catalog)
    return scenario


def _read_text(path: Path) -> str:
    """The file's text, with unreadable files reported like any other scenario error."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: is a directory (load_scenarios reads folders)") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ScenarioError(
            f"{path}:{line}: not UTF-8 text (bad byte at offset {exc.start})"
        ) from None


def _load(path: Path, catalog: Catalog) -> tuple[Scenario, yaml.Node]:
    scenario, root = _parse(_read_text(path), str(path), catalog)
    scenario._source = path
    return scenario, root


def load_scenario(path: str | Path, catalog: Catalog | None = None) -> Scenario:
    """Load and validate one scenario file; errors are one ``file:line: field: problem``."""
    catalog = default_catalog() if catalog is None else catalog
    scenario, _ = _load(Path(path), catalog)
    return scenario


def _scenario_files(path: Path) -> list[Path]:
    """The files a command-line path stands for: itself, or a folder's YAML files (sorted,
    not recursive, so sub-folders can hold fixtures or drafts that are not run; a file
    whose name starts with `_`, like a suite's `_suite.yaml` manifest, is not a scenario)."""
    if path.is_dir():
        files = sorted(
            child
            for child in path.iterdir()
            if child.is_file() and child.suffix.lower() in SCENARIO_SUFFIXES
            and not child.name.startswith("_")
        )
        if not files:
            raise ScenarioError(f"{path}: no scenario files (*.yaml, *.yml) in this directory")
        return files
    if not path.exists():
        raise ScenarioError(f"{path}: no such file or directory")
    if path.suffix.lower() not in SCENARIO_SUFFIXES:
        raise ScenarioError(f"{path}: not a scenario file (expected a .yaml or .yml file)")
    return [path]


def load_scenarios(paths: Sequence[str | Path], catalog: Catalog | None = None) -> list[Scenario]:
    """Load every scenario named by files and folders, in the order given.

    A file named twice (e.g. a folder and one of its files) is loaded once. Two different
    files with the same scenario name are an error, because the name identifies the run in
    reports and JUnit output.
    """
    catalog = default_catalog() if catalog is None else catalog
    scenarios: list[Scenario] = []
    loaded: set[Path] = set()
    names: dict[str, Path] = {}
    for given in paths:
        for path in _scenario_files(Path(given)):
            resolved = path.resolve()
            if resolved in loaded:
                continue
            loaded.add(resolved)
            scenario, root = _load(path, catalog)
            if scenario.name in names:
                line, _ = _locate(root, ("name",))
                raise ScenarioError(
                    f"{path}:{line}: name: scenario name {scenario.name!r} is already used "
                    f"by {names[scenario.name]}"
                )
            names[scenario.name] = path
            scenarios.append(scenario)
    return scenarios
