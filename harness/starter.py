"""`harness init package.module:WorkflowClass`: a starter scenario for a user's workflow.

It looks at the workflow class (its Temporal name, how many arguments its run method takes)
and at the module it lives in (the activities defined there), and writes a scenario that
names them by import path, with a gentle fault schedule and checks that need no app
knowledge. Asked with `--module`, it also writes a small Python module beside the
workflow's: an input function, an expected-status function and an effect probe stub, which
the scenario then names. Nothing is overwritten.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from temporalio import workflow

from harness.errors import UsageError
from harness.plugins import import_object, is_import_path
from harness.workloads.app import run_arity


@dataclass
class Starter:
    scenario: Path
    module: Path | None
    command: str
    notes: list[str]


def slug(text: str) -> str:
    """A scenario name from a workflow name: `BookTrip` -> `book-trip`."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", text).lower()
    return re.sub(r"[^a-z0-9_.-]+", "-", words).strip("-") or "my-workflow"


def activity_paths(module: ModuleType) -> tuple[list[str], list[str]]:
    """Module-level activity functions by import path, and classes holding activity methods
    (those need an instance, so a factory the user writes)."""
    functions, classes = [], []
    for name, obj in sorted(vars(module).items()):
        if getattr(obj, "__module__", None) != module.__name__:
            continue
        if callable(obj) and hasattr(obj, "__temporal_activity_definition"):
            functions.append(f"{module.__name__}:{name}")
        elif inspect.isclass(obj) and any(hasattr(m, "__temporal_activity_definition")
                                          for m in vars(obj).values()):
            classes.append(f"{module.__name__}:{name}")
    return functions, classes


def write_starter(target: str, out: Path | None = None, with_module: bool = False) -> Starter:
    """Write the starter files for `package.module:WorkflowClass`; UsageError on bad input."""
    if not is_import_path(target):
        raise UsageError(f"harness init: expected package.module:WorkflowClass, got {target!r}")
    try:
        cls = import_object(target)
    except (ImportError, AttributeError) as err:
        raise UsageError(f"harness init: cannot import {target!r}: {err}") from None
    defn = workflow._Definition.from_class(cls) if isinstance(cls, type) else None
    if defn is None:
        raise UsageError(f"harness init: {target!r} is not a @workflow.defn class")
    type_name = defn.name or cls.__name__
    module = inspect.getmodule(cls)
    assert module is not None
    functions, classes = activity_paths(module)
    arity = run_arity(cls)
    name = slug(type_name)
    scenario = out or Path("scenarios") / f"{name}.yaml"
    helper = None
    notes: list[str] = []
    hooks: dict[str, str] = {}
    if with_module:
        helper = _relative(Path(str(module.__file__)).with_name(
            f"{module.__name__.rsplit('.', 1)[-1]}_chaos.py"))
        helper_module = f"{module.__name__}_chaos"
        hooks = {"input": f"{helper_module}:workflow_input",
                 "expect": f"{helper_module}:expected_status"}
        _write_new(helper, _module_text(type_name, cls))
    elif arity:
        notes.append(f"{type_name}.run takes {arity} argument(s): name an input function in "
                     "the scenario's `input:` (or run harness init with --module for a stub)")
    if classes:
        notes.append(f"activities defined as methods of {', '.join(classes)} need an "
                     "instance: name a function returning them in `activities:`")
    if not functions and not classes:
        notes.append(f"no activity found in {module.__name__}: name yours in `activities:`")
    _write_new(scenario, _scenario_text(name, target, functions, hooks, arity, with_module))
    return Starter(scenario, helper, f".venv/bin/harness run {scenario}", notes)


def _relative(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _write_new(path: Path, text: str) -> None:
    if path.exists():
        raise UsageError(f"harness init: {path} exists; not overwriting it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _scenario_text(name: str, target: str, functions: list[str], hooks: dict[str, str],
                   arity: int, with_module: bool) -> str:
    lines = [f"name: {name}-chaos",
             f"description: {target} under a worker crash and duplicate deliveries",
             "seed: 1", "deadline: 2m", "workloads:", "  - app:", f"      workflow: {target}"]
    if functions:
        lines.append("      activities: [" + ", ".join(functions) + "]")
    else:
        lines.append("      # activities: package.module:NAME  # a list, or fn(params) -> list")
    if "input" in hooks:
        lines += [f"      input: {hooks['input']}", f"      expect: {hooks['expect']}"]
    elif arity:
        lines.append("      # input: package.module:NAME  # fn(index, rng, params) -> input")
        lines.append("      # expect: [COMPLETED, FAILED]  # or fn(input, params) -> status")
    lines += ["    count: 10", "    params: {}  # what input, activities and expect receive",
              "faults:",
              "  # Each activity's completion is lost once in three: it runs twice.",
              "  - {type: duplicate_delivery, mode: lost_completion, rate: 0.3}",
              "  # A worker is killed one second in and comes back.",
              "  - {type: worker_kill, at: 1s, restart_after: 300ms}",
              "checks:", "  - liveness", "  - determinism", "  - practices",
              "  # Once you know your app (see the README, \"your own workflows\"):",
              "  # - {name: resume_from_last_step, evidence: history}",
              "  # - {name: compensation, pairs: {book: cancel}}"]
    probe = hooks["input"].split(":")[0] + ":effects" if with_module else "package.module:NAME"
    lines.append(f"  # - {{name: idempotency, effects: {probe}}}")
    return "\n".join(lines) + "\n"


def _stub_value(annotation: Any) -> str:
    """A placeholder input of the annotated type: something that runs, to edit later."""
    name = getattr(annotation, "__name__", str(annotation))
    return {"str": 'f"item-{index}"', "int": "index", "float": "float(index)",
            "bool": "True"}.get(name, '{"id": index}')


def _module_text(type_name: str, cls: type) -> str:
    defn = workflow._Definition.must_from_class(cls)
    hints = [p.annotation for p in list(inspect.signature(defn.run_fn).parameters.values())[1:]]
    values = [_stub_value(h) for h in hints]
    value = "None" if not values else values[0] if len(values) == 1 else (
        "(" + ", ".join(values) + ")")
    return f'''"""What the harness needs to drive and judge {type_name}: edit to taste."""

from __future__ import annotations

import random
from typing import Any


def workflow_input(index: int, rng: random.Random, params: dict[str, Any]) -> Any:
    """The input of workflow number `index` (a tuple when the workflow takes several
    arguments); draw from `rng` so a seed replays the same inputs."""
    return {value}


def expected_status(value: Any, params: dict[str, Any]) -> str | list[str]:
    """How this input should end: COMPLETED, FAILED, or a list of acceptable ones."""
    return "COMPLETED"


def effects(ctx: Any) -> list[dict[str, Any]]:
    """Read what took effect in your own database or service after the run: one row per
    effect, with the `key` that must happen at most once, and `workflow_id` and `step`
    where known. Only this run's workflows: their ids start with ctx.workflow_prefix()."""
    return []
'''


def describe(starter: Starter) -> list[str]:
    """What `harness init` prints."""
    lines = [f"wrote {starter.scenario}"]
    if starter.module is not None:
        lines.append(f"wrote {starter.module}")
    lines += [f"note: {note}" for note in starter.notes]
    lines.append(f"run it: {starter.command}")
    return lines


