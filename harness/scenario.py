"""The scenario model and its YAML loader.

A scenario is the one input a user writes: which workloads to run, which faults to inject,
which checks judge the result. It is validated completely, against the catalog of known
workloads, faults and checks, before anything is started, and a bad
file is reported as ONE line naming file, line and field:

    scenarios/bad.yaml:7: workloads[0].count: must be >= 1 (got -3)

How the line numbers are found, and how pydantic's errors become plain words, is in
harness/scenario_errors.py.

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

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

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

from harness.catalog import Catalog, WorkloadInfo, default_catalog, register_app
from harness.durations import Duration, to_seconds  # noqa: F401 - re-exported
from harness.errors import ScenarioError
from harness.plugins import why_unresolved
from harness.scenario_errors import (
    Problem,
    catalog_of,
    compose,
    custom_error,
    explain,
    field_names,
    format_path,
    known_names,
    locate,
    nested_error,
    one_line,
    show,
    suggest,
    unknown_name,
    validate_against,
)
from harness.workloads.app_spec import AppSpec

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
        catalog = catalog_of(info)
        problems: list[Problem] = []
        for name, version in value.items():
            workload = catalog.workloads.get(name)
            if workload is None:
                problems.append(((name,), unknown_name("workload", name, catalog.workloads)))
            elif version not in workload.versions:
                problems.append(((name,), _unknown_version(name, version, workload)))
        if problems:
            raise nested_error(problems)
        return value


def _unknown_version(name: str, version: Any, workload: WorkloadInfo) -> str:
    versions = list(workload.versions)
    return (
        f"unknown version {show(version)} of workload {name!r} "
        f"(known: {known_names(versions)}){suggest(version, versions)}"
    )


MAX_COUNT = 1_000_000


class WorkloadSpec(_Spec):
    """One batch of workflows the driver starts.

    ``concurrency`` (how many are in flight at once) defaults to ``count``: all at once.
    ``params`` holds the validated params as a JSON-able dict with defaults filled in; use
    `typed_params` to get the workload's params model instance.
    ``app`` names a user's workflow, activities, input and expectation by import path
    (harness/workloads/app.py): the workload is built from it and registered under ``name``,
    which then defaults to the workflow's type name.
    """

    app: AppSpec | None = None
    name: str
    version: str = Field("v1", validate_default=True)
    # Workflows are started from a bounded queue, so memory does not grow with `count`; the
    # maximum keeps a typo (10^9) from running for days.
    count: int = Field(ge=1, le=MAX_COUNT)
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
        if isinstance(data, Mapping) and "app" in data and "name" not in data:
            data = {**data, "name": ""}  # derived from the app below
        return data

    @field_validator("name")
    @classmethod
    def _known_workload(cls, value: str, info: ValidationInfo) -> str:
        catalog = catalog_of(info)
        app = info.data.get("app")
        if app is not None:
            return register_app(catalog, value or None, app)
        if value == "":
            return value  # the app itself was rejected: that error is the one to report
        if value not in catalog.workloads:
            why = why_unresolved(catalog.workloads, value)
            raise custom_error(f"{value}: {why}" if why else
                               unknown_name("workload", value, catalog.workloads))
        return value

    @field_validator("version")
    @classmethod
    def _known_version(cls, value: str, info: ValidationInfo) -> str:
        name = info.data.get("name")
        if not name:  # the name (or the app) was already rejected; one report is enough
            return value
        workload = catalog_of(info).workloads[name]
        if value not in workload.versions:
            raise custom_error(_unknown_version(name, value, workload))
        return value

    @field_validator("params")
    @classmethod
    def _params_fit_the_workload(cls, value: dict[str, Any], info: ValidationInfo) -> dict:
        name = info.data.get("name")
        if not name:
            return value
        model = catalog_of(info).workloads[name].params_model
        instance, problems = validate_against(model, value)
        if instance is None:
            raise nested_error(problems)
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
        raise custom_error(f"expected a check name or a mapping with 'name', got {show(data)}")

    @field_validator("name")
    @classmethod
    def _known_check(cls, value: str, info: ValidationInfo) -> str:
        catalog = catalog_of(info)
        if value not in catalog.checks:
            why = why_unresolved(catalog.checks, value)
            raise custom_error(f"{value}: {why}" if why else
                               unknown_name("check", value, catalog.checks))
        return value

    @field_validator("options")
    @classmethod
    def _options_fit_the_check(cls, value: dict[str, Any], info: ValidationInfo) -> dict:
        name = info.data.get("name")
        if name is None:
            return value
        instance, problems = validate_against(catalog_of(info).checks[name], value)
        if instance is None:
            raise nested_error(problems, up=1)
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
    # `cluster`: run on the harness's own cluster stack unless an external cluster is given.
    stack: Literal["dev", "cluster"] | None = None

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
            raise custom_error(
                "must start with a lowercase letter or digit and contain only a-z, 0-9, "
                f"'_', '.', '-' (got {show(value)})"
            )
        return value

    @field_validator("faults", mode="plain")
    @classmethod
    def _faults_from_catalog(cls, value: Any, info: ValidationInfo) -> list[BaseModel]:
        if not isinstance(value, list):
            raise custom_error(f"expected a list of faults, got {show(value)}")
        catalog = catalog_of(info)
        problems: list[Problem] = []
        faults: list[BaseModel] = []
        for index, item in enumerate(value):
            if isinstance(item, BaseModel) and type(item) in catalog.faults.values():
                faults.append(item)
                continue
            if not isinstance(item, Mapping):
                message = f"expected a mapping with a 'type' field, got {show(item)}"
                problems.append(((index,), message))
                continue
            if "type" not in item:
                problems.append(((index, "type"), "field required"))
                continue
            kind = item["type"]
            if not isinstance(kind, str) or kind not in catalog.faults:
                problems.append(((index, "type"), unknown_name("fault type", kind, catalog.faults)))
                continue
            fault, found = validate_against(catalog.faults[kind], item)
            problems.extend(((index, *loc), message) for loc, message in found)
            if fault is not None:
                faults.append(fault)
        if problems:
            raise nested_error(problems)
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
            raise nested_error(problems)
        return value

    @model_validator(mode="after")
    def _faults_can_mean_what_they_say(self, info: ValidationInfo) -> Scenario:
        """Cross-checks nothing else can make: a fault after the deadline, aimed at a
        workload, activity or worker slot the scenario does not have, is bad input."""
        problems = fault_problems(self, catalog_of(info))
        if problems:
            raise nested_error(problems)
        return self

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


def fault_problems(scenario: Scenario, catalog: Catalog) -> list[Problem]:
    """What the scenario's faults name that the scenario does not run."""
    problems: list[Problem] = []
    names = {w.name for w in scenario.workloads}
    types: set[str] = set()
    known = True
    for name in names:
        info = catalog.workloads.get(name)
        found = getattr(info, "activity_types", frozenset())
        known = known and bool(found)
        types |= set(found)
    slots = scenario.workers.count
    for index, fault in enumerate(scenario.faults):
        at = getattr(fault, "at", None)
        if isinstance(at, int | float) and at > scenario.deadline:
            problems.append(((index, "at"), f"fires at {at:g}s, after the deadline "
                             f"({scenario.deadline:g}s): it could never fire"))
        deployed = dict(getattr(fault, "versions", None) or {})
        for workload in deployed:
            if getattr(fault, "type", None) == "deploy" and workload not in names:
                field = "workload" if getattr(fault, "workload", None) == workload \
                    else "versions"
                problems.append(((index, field), f"deploys {workload!r}, which this scenario "
                                 f"does not run (it runs: {known_names(names)})"))
        aimed = [("activity_type", getattr(fault, "activity_type", None))]
        aimed += [("activity_types", t) for t in getattr(fault, "activity_types", None) or []]
        after = getattr(fault, "after", None)
        if after is not None:
            aimed.append((("after", "activity_type"), getattr(after, "activity_type", None)))
        for where, activity in aimed:
            if activity is not None and known and activity not in types:
                loc = (index, *where) if isinstance(where, tuple) else (index, where)
                problems.append((loc, f"no workload of this scenario runs an activity "
                                 f"{activity!r} (known: {known_names(types)})"
                                 f"{suggest(activity, types)}"))
        slot = getattr(fault, "slot", None)
        if isinstance(slot, int) and slot > slots:
            problems.append(((index, "slot"), f"worker slot {slot} does not exist "
                             f"(workers.count is {slots})"))
        workers = getattr(fault, "workers", None)
        if isinstance(workers, int) and not isinstance(workers, bool) and workers > slots:
            problems.append(((index, "workers"), f"worker slot {workers} does not exist "
                             f"(workers.count is {slots})"))
    return [(("faults", *loc), message) for loc, message in problems]


def _parse(text: str, label: str, catalog: Catalog) -> tuple[Scenario, yaml.Node]:
    root, data, duplicates = compose(text, label)
    if not isinstance(root, yaml.MappingNode) or not isinstance(data, Mapping):
        fields = ", ".join(field_names(Scenario))
        raise ScenarioError(
            f"{label}:{root.start_mark.line + 1}: expected a mapping of scenario fields "
            f"({fields}) at the top level, got {show(data)}"
        )
    located = [(line, format_path(loc), message) for line, loc, message in duplicates]
    try:
        scenario = Scenario.model_validate(data, context={"catalog": catalog})
    except ValidationError as exc:
        for loc, message in explain(exc.errors(include_url=False), Scenario):
            located.append((*locate(root, loc), message))
    if located:
        # One line only: the first problem in reading order (stable for same-line problems).
        line, path, message = min(located, key=lambda problem: problem[0])
        prefix = f"{path}: " if path else ""
        raise ScenarioError(f"{label}:{line}: {prefix}{one_line(message)}")
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
                line, _ = locate(root, ("name",))
                raise ScenarioError(
                    f"{path}:{line}: name: scenario name {scenario.name!r} is already used "
                    f"by {names[scenario.name]}"
                )
            names[scenario.name] = path
            scenarios.append(scenario)
    return scenarios


def override_versions(scenario: Scenario, pairs: Sequence[str]) -> None:
    """Apply `--version WORKLOAD=VERSION` to a loaded scenario (run a planted bug or a
    candidate with the same faults and checks); bad input is a usage error."""
    from harness.errors import UsageError
    from harness.workloads.registry import register_apps

    register_apps({w.name: w.app.model_dump(mode="json") for w in scenario.workloads if w.app})
    catalog = default_catalog()
    for pair in pairs:
        name, sep, version = pair.partition("=")
        specs = [w for w in scenario.workloads if w.name == name]
        if not sep or not specs:
            known = ", ".join(w.name for w in scenario.workloads)
            raise UsageError(f"--version {pair}: expected WORKLOAD=VERSION with a workload of "
                             f"{scenario.name} (its workloads: {known})")
        versions = catalog.workloads[name].versions
        if version not in versions:
            raise UsageError(f"--version {pair}: unknown version {version!r} of {name!r} "
                             f"(known: {', '.join(versions)})")
        for spec in specs:
            spec.version = version
