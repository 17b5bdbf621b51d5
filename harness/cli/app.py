"""`harness`: run scenarios against a real Temporal, inject faults, judge the evidence.

    harness run SCENARIO...        run scenario files or folders; exit code from the verdicts
    harness check RUN_DIR          re-judge a stored run from its files alone
    harness stack up               bring the embedded stack up and print its addresses
    harness explore [SPACE...]     search a fault space for failures; shrink each one
    harness list [PATH|IMPORT...]  workloads (with users' apps), faults, checks and scenarios
    harness init MODULE:WORKFLOW   write a starter scenario for your own workflow

Exit codes: 0 all verdicts pass, 1 a check failed, 2 bad input, 3 infrastructure
error or a verdict that could not be decided (unknown), 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from harness.cli import certify, check, explore, init, listing, replay, run, selftest, stack
from harness.errors import EXIT_INFRA, EXIT_USAGE, HarnessError, Interrupted
from harness.load.command import add_load_parsers
from harness.report.command import add_report_parser
from harness.stack.ownership import kill_all_owned, reap_leftovers
from harness.stack.signals import install_signal_handlers, restore_signal_handlers


def build_parser() -> argparse.ArgumentParser:
    """Every subcommand registers its own parser and sets `handler` to what runs it."""
    doc = __doc__ or ""
    parser = argparse.ArgumentParser(
        prog="harness", description=doc.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=doc.split("\n\n", 1)[1])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in (run, check, stack, replay, selftest, certify, explore):
        command.register(sub)
    add_load_parsers(sub)
    add_report_parser(sub)
    listing.register(sub)
    init.register(sub)
    return parser


def dispatch(args: argparse.Namespace) -> int:
    """Run the parsed subcommand; errors propagate (run_cli turns them into exit codes)."""
    return int(args.handler(args))


def main(argv: Sequence[str] | None = None) -> None:
    """Exits through os._exit: the Temporal SDK's core can crash while the interpreter
    shuts down, which would turn a clean exit code into a core dump."""
    code = run_cli(argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run_cli(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else 0
    previous_handlers: dict[int, Any] = {}
    try:
        reaped = reap_leftovers()
        if reaped:
            print(f"harness: ended {len(reaped)} processes left by a killed harness",
                  file=sys.stderr)
        previous_handlers = install_signal_handlers()
        quiet_sdk_core()
        return dispatch(args)
    except HarnessError as err:
        # Plain print: one line, never wrapped, so CI logs and grep see it whole.
        print(f"harness: error: {err}", file=sys.stderr)
        return err.exit_code
    except Exception:  # noqa: BLE001 - an unexpected crash is an infrastructure error
        traceback.print_exc()
        print("harness: internal error (above); every process was stopped", file=sys.stderr)
        return EXIT_INFRA
    except KeyboardInterrupt:
        print("harness: interrupted; stopped every process and healed every fault",
              file=sys.stderr)
        return Interrupted.exit_code
    finally:
        kill_all_owned()
        # An in-process caller (a test, a wrapper) gets its own handlers back.
        restore_signal_handlers(previous_handlers)


def quiet_sdk_core() -> None:
    """The harness's own client retries through the outages it injects; the SDK core would
    log every retry as a warning on the terminal. Errors only (workers keep their logs)."""
    from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter

    logging = LoggingConfig(filter=TelemetryFilter(core_level="ERROR", other_level="ERROR"))
    Runtime.set_default(Runtime(telemetry=TelemetryConfig(logging=logging)),
                        error_if_already_set=False)
