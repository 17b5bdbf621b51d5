"""The declared fault space explore draws from, and its YAML loader.

A space file (``scenarios/explore/*.yaml``) says which workloads and versions may run,
which fault families may be injected and with which timings, targets and intensities,
how many of each a draw takes, and which checks judge it. Any value may be a draw:

    count: {range: [2, 8]}            an int between 2 and 8 (both ends included)
    at: {range: [500ms, 6s]}          a duration (seconds, rounded to 0.1 s)
    rate: {range: [0.2, 1.0]}         a float (rounded to 0.01)
    link: {choice: [temporal, services]}   one of the listed values

Anything else is taken as written. A space is told apart from a scenario by its first
field, ``space:`` (its name) instead of ``name:``. Every option is validated when the file
is loaded, by drawing samples and validating them like a scenario, so a bad space fails
before anything starts, with one ``file:line: field: problem`` line.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.catalog import default_catalog
from harness.durations import Duration, parse_duration
from harness.errors import ScenarioError
from harness.scenario import NAME_PATTERN, SCENARIO_SUFFIXES, Scenario, load_scenario
from harness.scenario_errors import (
    Problem,
    compose,
    custom_error,
    explain,
    format_path,
    locate,
    one_line,
    show,
    unknown_name,
)

# Checks that judge a workload's own invariants, used when a space does not list them.
WORKLOAD_CHECKS: dict[str, tuple[str, ...]] = {
    "order_saga": ("idempotency", "compensation", "resume_from_last_step"),
    "entity": ("entity_consistency",),
    "fanout": ("fanout_integrity", "idempotency"),
    "approval": ("callback_resolution",),
}
# Checks that judge every run, whatever it ran.
COMMON_CHECKS: tuple[str, ...] = ("liveness", "determinism")
# Where the fault families come from when a plain scenario is explored.
DEFAULT_SPACE = Path("scenarios/explore/reference.yaml")
SAMPLES = 8  # draws per option when a space is validated at load time


def resolve(value: Any, rng: random.Random) -> Any:
    """One draw of a declared value: ranges and choices drawn, anything else as written."""
    if isinstance(value, Mapping):
        if set(value) == {"choice"}:
            return resolve(rng.choice(list(value["choice"])), rng)
        if set(value) == {"range"}:
            low, high = value["range"]
            if any(isinstance(end, str) for end in (low, high)):
                return round(rng.uniform(parse_duration(low), parse_duration(high)), 1)
            if isinstance(low, int) and isinstance(high, int):
                return rng.randint(low, high)
            return round(rng.uniform(float(low), float(high)), 2)
        return {key: resolve(item, rng) for key, item in value.items()}
    return value


def _problems_in(value: Any, loc: tuple[Any, ...] = ()) -> list[Problem]:
    """Malformed draws (an empty choice, a range that is not [low, high])."""
    if not isinstance(value, Mapping):
        return []
    if set(value) == {"choice"}:
        options = value["choice"]
        if not isinstance(options, list) or not options:
            return [((*loc, "choice"), f"expected a non-empty list, got {show(options)}")]
        return []
    if set(value) == {"range"}:
        ends = value["range"]
        if not isinstance(ends, list) or len(ends) != 2:
            return [((*loc, "range"), f"expected [low, high], got {ends!r}")]
        try:
            numbers = [parse_duration(end) if isinstance(end, str) else float(end)
                       for end in ends]
        except (TypeError, ValueError) as err:
            return [((*loc, "range"), one_line(str(err)))]
        if numbers[0] > numbers[1]:
            return [((*loc, "range"), f"low {show(ends[0])} is above high {show(ends[1])}")]
        return []
    problems: list[Problem] = []
    for key, item in value.items():
        problems += _problems_in(item, (*loc, key))
    return problems


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkloadOption(_Spec):
    """A workload a draw may run: its versions, count, concurrency, params and checks."""

    name: str
    versions: list[str] = Field(default_factory=lambda: ["v1"], min_length=1)
    count: Any = Field(default_factory=lambda: {"range": [2, 6]})
    concurrency: Any = None  # None: all at once (the count)
    params: dict[str, Any] = Field(default_factory=dict)
    checks: list[Any] | None = None  # None: the workload's own checks (WORKLOAD_CHECKS)
    weight: float = Field(1.0, gt=0)

    @field_validator("name")
    @classmethod
    def _known(cls, value: str) -> str:
        workloads = default_catalog().workloads
        if value not in workloads:
            raise custom_error(unknown_name("workload", value, workloads))
        return value

    def own_checks(self) -> list[Any]:
        return list(WORKLOAD_CHECKS.get(self.name, ())) if self.checks is None else self.checks

    def draw(self, rng: random.Random) -> dict[str, Any]:
        """One workload entry of a scenario; concurrency never above the count."""
        count = resolve(self.count, rng)
        spec: dict[str, Any] = {"name": self.name, "version": rng.choice(self.versions),
                                "count": count}
        if self.concurrency is not None:
            concurrency = resolve(self.concurrency, rng)
            both_ints = isinstance(count, int) and isinstance(concurrency, int)
            spec["concurrency"] = min(concurrency, count) if both_ints else concurrency
        spec["params"] = resolve(self.params, rng)
        return spec


class FaultOption(BaseModel):
    """A fault family a draw may inject; every other field is the fault's own (or a draw).

    ``needs`` names workloads that must be in the draw (a crash aimed at ``pack_order``
    needs the order saga); ``weight`` makes a family more or less likely.
    """

    model_config = ConfigDict(extra="allow")

    type: str
    weight: float = Field(1.0, gt=0)
    needs: list[str] = Field(default_factory=list)

    @field_validator("type")
    @classmethod
    def _known(cls, value: str) -> str:
        faults = default_catalog().faults
        if value not in faults:
            raise custom_error(unknown_name("fault type", value, faults))
        return value

    def fields(self) -> dict[str, Any]:
        return {"type": self.type, **(self.model_extra or {})}


class ExploreSpace(_Spec):
    """Everything a draw may contain; see the module docstring for the value forms."""

    space: str
    description: str | None = None
    deadline: Duration = 60.0
    workloads: list[WorkloadOption] = Field(min_length=1)
    workloads_per_draw: Any = 1
    workers: Any = 1
    faults: list[FaultOption] = Field(default_factory=list)
    faults_from: str | None = None  # another space file whose fault families join these
    faults_per_draw: Any = Field(default_factory=lambda: {"range": [1, 3]})
    checks: list[Any] = Field(default_factory=lambda: list(COMMON_CHECKS))

    @field_validator("space")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not NAME_PATTERN.match(value):
            raise custom_error("must be a lowercase name of a-z, 0-9, '_', '.', '-' "
                               f"(got {show(value)})")
        return value

    _source: Path | None = None

    @property
    def source(self) -> Path | None:
        return self._source

    def checks_for(self, options: list[WorkloadOption]) -> list[Any]:
        """The space's checks, then each drawn workload's own, each once."""
        checks: dict[str, Any] = {}
        for option in options:
            for check in [*self.checks, *option.own_checks()]:
                name = check if isinstance(check, str) else check.get("name")
                checks.setdefault(name, check)
        return list(checks.values())


def _validate_samples(space: ExploreSpace) -> list[Problem]:
    """Draw each option a few times and validate what comes out like a scenario would be."""
    catalog = default_catalog()
    problems: list[Problem] = []
    for index, option in enumerate(space.workloads):
        problems += [(("workloads", index, *loc), message)
                     for loc, message in _problems_in(option.model_dump())]
        for version in option.versions:
            if version not in catalog.workloads[option.name].versions:
                problems.append((("workloads", index, "versions"),
                                 unknown_name(f"version of {option.name}", version,
                                              catalog.workloads[option.name].versions)))
    for index, fault in enumerate(space.faults):
        problems += [(("faults", index, *loc), message)
                     for loc, message in _problems_in(fault.fields())]
        for need in fault.needs:
            if need not in {w.name for w in space.workloads}:
                problems.append((("faults", index, "needs"),
                                 f"workload {need!r} is not among the space's workloads"))
    for key in ("workloads_per_draw", "workers", "faults_per_draw"):
        problems += [((key, *loc), m) for loc, m in _problems_in(getattr(space, key))]
    if problems:
        return problems
    for sample in range(SAMPLES):
        rng = random.Random(f"validate:{sample}")
        for index, option in enumerate(space.workloads):
            data = {"name": "sample", "deadline": space.deadline,
                    "workloads": [option.draw(rng)],
                    "checks": space.checks_for([option])}
            problems += [((("workloads", index, *loc[2:]) if loc[:1] == ("workloads",)
                           else loc), message) for loc, message in _scenario_problems(data)]
        for index, fault in enumerate(space.faults):
            data = {"name": "sample", "deadline": space.deadline,
                    # the workloads the fault needs: its aim is checked against them
                    "workloads": [{"name": name, "count": 1}
                                  for name in fault.needs or [space.workloads[0].name]],
                    "faults": [resolve(fault.fields(), rng)]}
            problems += [(("faults", index, *loc[2:]), message)
                         for loc, message in _scenario_problems(data) if loc[:1] == ("faults",)]
        if problems:
            return problems[:1]
    return []


def _scenario_problems(data: dict[str, Any]) -> list[Problem]:
    try:
        Scenario.model_validate(data)
    except ValidationError as exc:
        return explain(exc.errors(include_url=False), Scenario)
    return []


def _borrow_faults(space: ExploreSpace, base: Path, depth: int) -> str | None:
    """Add the fault families of `faults_from` (those this space's workloads meet)."""
    if space.faults_from is None:
        return None
    path = base / space.faults_from
    if depth > 3 or not path.is_file():
        return f"no space file {path}" if depth <= 3 else "faults_from nests too deep"
    other = load_space(path, depth + 1)
    names = {w.name for w in space.workloads}
    space.faults += [f for f in other.faults if set(f.needs) <= names]
    return None


def parse_space(text: str, label: str, base: Path | None = None,
                depth: int = 0) -> ExploreSpace:
    """Validate a space held in memory; errors are one ``label:line: field: problem``.
    `base` is the folder `faults_from` is relative to (the space file's own)."""
    root, data, duplicates = compose(text, label)
    located = [(line, format_path(loc), message) for line, loc, message in duplicates]
    space: ExploreSpace | None = None
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{label}:1: expected a mapping with 'space' and 'workloads', "
                            f"got {show(data)}")
    try:
        space = ExploreSpace.model_validate(data)
    except ValidationError as exc:
        for loc, message in explain(exc.errors(include_url=False), ExploreSpace):
            located.append((*locate(root, loc), message))
    if space is not None and not located:
        problem = _borrow_faults(space, base or Path.cwd(), depth)
        if problem:
            located.append((*locate(root, ("faults_from",)), problem))
    if space is not None and not located:
        for loc, message in _validate_samples(space):
            located.append((*locate(root, loc), message))
    if located:
        line, path, message = min(located, key=lambda problem: problem[0])
        prefix = f"{path}: " if path else ""
        raise ScenarioError(f"{label}:{line}: {prefix}{one_line(message)}")
    assert space is not None
    return space


def is_space(path: Path) -> bool:
    """A space file starts its mapping with ``space:``; a scenario with ``name:``."""
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                stripped = line.strip()
                if stripped and not stripped.startswith("#") and stripped != "---":
                    return stripped.startswith("space:")
    except OSError:
        return False
    return False


def load_space(path: Path, depth: int = 0) -> ExploreSpace:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ScenarioError(f"{path}: cannot read: {err.strerror or err}") from None
    space = parse_space(text, str(path), path.parent, depth)
    space._source = path
    return space


def space_from_scenario(scenario: Scenario, families: ExploreSpace) -> ExploreSpace:
    """Explore around a fixed scenario: its workloads, workers and checks as written,
    with fault families drawn from `families` (those whose needs the scenario meets)."""
    names = {w.name for w in scenario.workloads}
    data = {
        "space": scenario.name, "description": f"faults drawn around {scenario.name}",
        "deadline": scenario.deadline, "workloads_per_draw": len(scenario.workloads),
        "workers": scenario.workers.count,
        "workloads": [{"name": w.name, "versions": [w.version], "count": w.count,
                       "concurrency": w.concurrency, "params": w.params, "checks": []}
                      for w in scenario.workloads],
        "faults": [option.model_dump() for option in families.faults
                   if set(option.needs) <= names],
        "faults_per_draw": families.faults_per_draw,
        "checks": [c.model_dump() for c in scenario.checks],
    }
    space = ExploreSpace.model_validate(data)
    space._source = scenario.source
    return space


def load_spaces(paths: list[Path]) -> list[ExploreSpace]:
    """Spaces named by files and folders; a plain scenario becomes a space around it."""
    spaces: list[ExploreSpace] = []
    families: ExploreSpace | None = None
    for given in paths:
        if given.is_dir():
            files = sorted(p for p in given.iterdir() if p.is_file()
                           and p.suffix.lower() in SCENARIO_SUFFIXES
                           and not p.name.startswith("_"))
            if not files:
                raise ScenarioError(f"{given}: no space or scenario files (*.yaml) here")
        elif given.exists():
            files = [given]
        else:
            raise ScenarioError(f"{given}: no such file or directory")
        for path in files:
            if is_space(path):
                spaces.append(load_space(path))
                continue
            scenario = load_scenario(path)
            if families is None:
                if not DEFAULT_SPACE.exists():
                    raise ScenarioError(f"{path}: exploring a scenario draws its faults from "
                                        f"{DEFAULT_SPACE}, which is missing")
                families = load_space(DEFAULT_SPACE)
            spaces.append(space_from_scenario(scenario, families))
    return spaces

