"""Errors the CLI turns into one clear line and a distinct exit code.

Exit codes (docs/architecture.md): 0 every verdict passed, 1 a check failed, 2 bad input or
usage (malformed scenario, unknown name, port in use, missing binary), 3 the stack
could not start or an infrastructure error prevented judging.
"""

from __future__ import annotations

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_USAGE = 2
EXIT_INFRA = 3


class HarnessError(Exception):
    """Base class: carries the exit code the CLI should use."""

    exit_code = EXIT_INFRA


class UsageError(HarnessError):
    """Bad input from the user: nothing has been started."""

    exit_code = EXIT_USAGE


class ScenarioError(UsageError):
    """A scenario file is malformed; the message names file, line and field."""


class MissingBinaryError(UsageError):
    """A binary the harness needs (temporal, toxiproxy-server) cannot be found."""


class PortInUseError(UsageError):
    """A port the user asked for is already taken."""


class UnavailableOnStack(UsageError):
    """A fault the stack cannot inject (e.g. killing a server the harness does not own).

    Alone it is bad input; in a suite, the scenario that needs it is skipped and said so."""


class StackError(HarnessError):
    """A stack component failed to start or died; verdicts cannot be trusted."""

    exit_code = EXIT_INFRA


class Interrupted(HarnessError):
    """The harness got SIGINT or SIGTERM; everything was torn down and healed."""

    exit_code = 130
