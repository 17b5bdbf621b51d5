"""`harness list`: the workloads, faults, checks and scenarios a user can name."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.markup import escape

from harness.checks.registry import CHECKS
from harness.cli.console import console
from harness.cli.render import table
from harness.errors import EXIT_PASS, UsageError
from harness.explore.space import is_space, load_space
from harness.faults.registry import FAULTS
from harness.plugins import is_import_path
from harness.scenario import load_scenario, load_scenarios
from harness.workloads.registry import WORKLOADS


def register(sub: Any) -> None:
    parser = sub.add_parser("list", help="list workloads, faults, checks and scenarios")
    parser.add_argument("paths", nargs="*", metavar="PATH|IMPORT",
                        help="scenario files or folders (their apps are listed too) or "
                             "package.module:NAME workloads")
    parser.set_defaults(handler=execute)


def execute(args: argparse.Namespace) -> int:
    root = Path("scenarios")
    described = {}  # loading a scenario registers the apps it names: load before listing
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*.yaml") if not p.name.startswith("_")):
            described[path] = describe(path)
    for given in args.paths or []:
        if is_import_path(given) and not Path(given).exists():
            if given not in WORKLOADS:
                raise UsageError(f"harness list: {given!r} is not a workload "
                                 "(package.module:NAME of a harness.workloads.base.Workload)")
            continue
        load_scenarios([given])
    shown = table("workloads", "name", "versions", "params", "description")
    for w in WORKLOADS.values():
        shown.add_row(w.name, ", ".join(w.versions), ", ".join(w.params_model.model_fields),
                      w.description)
    console.print(shown)
    shown = table("checks", "name", "description")
    for c in CHECKS.values():
        shown.add_row(c.name, c.description)
    console.print(shown)
    shown = table("faults", "type", "description")
    for name, model in FAULTS.items():
        shown.add_row(name, (model.__doc__ or "").strip().split("\n")[0])
    console.print(shown)
    if described:
        shown = table("scenarios", "file", "description")
        for path, info in described.items():
            shown.add_row(str(path), info)
        console.print(shown)
    return EXIT_PASS


def describe(path: Path) -> str:
    try:
        if is_space(path):  # scenarios/explore/: what `harness explore` draws from
            return escape(f"explore space: {load_space(path).description or ''}".strip())
        return escape(load_scenario(path).description or "")
    except UsageError as err:
        return f"[red]invalid: {escape(str(err))}[/]"
