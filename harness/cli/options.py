"""The stack options (which Temporal, which toxiproxy, which ports), defined once.

The same table gives `harness run/stack/replay/selftest/certify/load/scale/bench` their
`--temporal-address ...` flags and the pytest plugin its `--harness-temporal-address ...`
options, and turns either into a `StackOptions`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

    from harness.scenario import Scenario
    from harness.stack.stack import StackOptions


@dataclass(frozen=True)
class StackFlag:
    name: str  # the flag without dashes; its dest is the name with underscores
    help: str
    metavar: str | None = None
    type: Callable[[str], Any] | None = None
    default: Any = None
    action: str | None = None  # "store_true" for a switch

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")

    def kwargs(self) -> dict[str, Any]:
        out: dict[str, Any] = {"help": self.help, "default": self.default}
        if self.action:
            out["action"] = self.action
        if self.metavar:
            out["metavar"] = self.metavar
        if self.type is not None:
            out["type"] = self.type
        return out


STACK_FLAGS: tuple[StackFlag, ...] = (
    StackFlag("temporal-address", "use an external Temporal cluster instead of the embedded "
              "dev server", "HOST:PORT"),
    StackFlag("namespace", "Temporal namespace (default: default)", default="default"),
    StackFlag("tls-cert", "client certificate for mTLS", "FILE"),
    StackFlag("tls-key", "client private key for mTLS", "FILE"),
    StackFlag("tls-ca", "server root CA certificate", "FILE"),
    StackFlag("api-key", "API key (implies TLS); default: $TEMPORAL_API_KEY, which keeps the "
              "key out of the process table", default=os.environ.get("TEMPORAL_API_KEY") or None),
    StackFlag("temporal-port", "port for the embedded server (default: a free one)", "PORT",
              int),
    StackFlag("toxiproxy-url", "use an existing toxiproxy server instead of starting one",
              "URL"),
    StackFlag("toxiproxy-port", "port for the embedded toxiproxy API (default: a free one)",
              "PORT", int),
    StackFlag("services-port", "port for the reference services (default: a free one)",
              "PORT", int),
    StackFlag("cluster", "start the harness's own Temporal cluster (the real server on "
              "PostgreSQL, one process per service) instead of the dev server; build it "
              "first with scripts/build-temporal-cluster.sh", default=False,
              action="store_true"),
    StackFlag("history-hosts", "history hosts of the cluster stack (default 2)", "N", int,
              default=2),
    StackFlag("history-shards", "history shards of the cluster stack (default 16)", "N", int,
              default=16),
)

PYTEST_PREFIX = "harness-"


def add_stack_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("stack (default: everything embedded on loopback)")
    for flag in STACK_FLAGS:
        group.add_argument(f"--{flag.name}", **flag.kwargs())


def add_stack_options_to_pytest(group: pytest.OptionGroup) -> None:
    for flag in STACK_FLAGS:
        group.addoption(f"--{PYTEST_PREFIX}{flag.name}",
                        dest=(PYTEST_PREFIX + flag.name).replace("-", "_"), **flag.kwargs())


def stack_options_from(value: Callable[[str], Any], state_dir: Path) -> StackOptions:
    """`value(dest)` reads one option (from argparse's namespace or pytest's config)."""
    from harness.stack.stack import StackOptions

    return StackOptions(state_dir=state_dir, **{f.dest: value(f.dest) for f in STACK_FLAGS})


def stack_options(args: argparse.Namespace, state_dir: Path) -> StackOptions:
    return stack_options_from(lambda dest: getattr(args, dest), state_dir)


def stack_options_from_pytest(config: pytest.Config, state_dir: Path) -> StackOptions:
    return stack_options_from(
        lambda dest: config.getoption((PYTEST_PREFIX + dest).replace("-", "_")), state_dir)


def with_scenario_stack(options: StackOptions, scenarios: list[Scenario]) -> StackOptions:
    """A scenario with `stack: cluster` gets the harness's cluster stack, unless the user
    pointed the harness at an external cluster (which then runs what it can)."""
    if options.temporal_address is None and any(s.stack == "cluster" for s in scenarios):
        options.cluster = True
    return options
