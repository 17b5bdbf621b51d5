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
from collections.abc import Sequence
from pathlib import Path

from harness.errors import EXIT_INFRA, EXIT_USAGE, HarnessError, Interrupted


def add_stack_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("stack (default: everything embedded on loopback)")
    g.add_argument("--temporal-address", metavar="HOST:PORT",
                   help="use an external Temporal cluster instead of the embedded dev server")
    g.add_argument("--namespace", default="default", help="Temporal namespace (default: default)")
    g.add_argument("--tls-cert", metavar="FILE", help="client certificate for mTLS")
    g.add_argument("--tls-key", metavar="FILE", help="client private key for mTLS")
    g.add_argument("--tls-ca", metavar="FILE", help="server root CA certificate")
    g.add_argument("--api-key", default=os.environ.get("TEMPORAL_API_KEY") or None,
                   help="API key (implies TLS); default: $TEMPORAL_API_KEY, which keeps the "
                        "key out of the process table")
    g.add_argument("--temporal-port", type=int, metavar="PORT",
                   help="port for the embedded server (default: a free one)")
    g.add_argument("--toxiproxy-url", metavar="URL",
                   help="use an existing toxiproxy server instead of starting one")
    g.add_argument("--toxiproxy-port", type=int, metavar="PORT")
    g.add_argument("--services-port", type=int, metavar="PORT")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harness", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run scenarios and judge them")
    run.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                     help="a scenario file, or a folder of them")
    run.add_argument("--seed", type=int, help="seed for every random choice (overrides the file)")
    run.add_argument("--out", type=Path, default=Path("reports"),
                     help="where run folders go (default: reports/)")
    run.add_argument("--version", action="append", metavar="WORKLOAD=VERSION",
                     help="run this version of a workload instead of the scenario's "
                          "(repeatable), e.g. BookTrip=no-key")
    add_stack_options(run)

    check = sub.add_parser("check", help="re-judge a stored run folder (no stack needed)")
    check.add_argument("run_dir", type=Path, metavar="RUN_DIR")

    stack = sub.add_parser("stack", help="manage the embedded stack")
    stack_sub = stack.add_subparsers(dest="stack_command", required=True, metavar="ACTION")
    up = stack_sub.add_parser("up", help="start the stack, print addresses, Ctrl-C tears down")
    up.add_argument("--state-dir", type=Path, default=Path("reports/.stack"))
    add_stack_options(up)

    replay = sub.add_parser("replay", help="replay histories against candidate workflow code")
    source = replay.add_mutually_exclusive_group(required=True)
    source.add_argument("--histories", type=Path, metavar="DIR",
                        help="a folder of history JSON files (e.g. a run folder's histories/)")
    source.add_argument("--query", metavar="QUERY",
                        help="a visibility query selecting live executions to replay")
    replay.add_argument("--workflows", required=True, metavar="SPEC",
                        help="module:Class[,module:Class...] or workload@version "
                             "(e.g. order_saga@v2-patched)")
    replay.add_argument("--timeout", type=float, default=10.0,
                        help="seconds per replay before it counts as hung (default 10)")
    add_stack_options(replay)

    selftest = sub.add_parser("selftest", help="prove each check fails on its mutant")
    selftest.add_argument("--check", action="append", metavar="NAME",
                          help="only the cases of this check (repeatable)")
    selftest.add_argument("--seed", type=int, default=1)
    # Internal runs (mutants are meant to fail) stay out of the user's reports and trend.
    selftest.add_argument("--out", type=Path, default=Path("reports/.internal"),
                          help="where the selftest folder goes (default reports/.internal)")
    add_stack_options(selftest)

    certify = sub.add_parser("certify", help="run a certification suite and issue a certificate")
    certify.add_argument("--suite", type=Path, default=Path("scenarios/certification"),
                         help="a folder of scenarios with an optional _suite.yaml manifest")
    certify.add_argument("--candidate", metavar="SPEC",
                         help="code to replay over every history: workload@version,... or "
                              "module:Class,... (overrides the manifest)")
    certify.add_argument("--no-selftest", action="store_true", help="skip the selftest part")
    certify.add_argument("--seed", type=int)
    certify.add_argument("--out", type=Path, default=Path("reports"))
    add_stack_options(certify)

    from harness.load.command import add_load_parsers

    add_load_parsers(sub)

    from harness.report.command import add_report_parser

    add_report_parser(sub)

    from harness.explore.command import add_explore_parser

    add_stack_options(add_explore_parser(sub))

    listing = sub.add_parser("list", help="list workloads, faults, checks and scenarios")
    listing.add_argument("paths", nargs="*", metavar="PATH|IMPORT",
                         help="scenario files or folders (their apps are listed too) or "
                              "package.module:NAME workloads")

    from harness.starter import add_init_parser

    add_init_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point. Exits through os._exit: the SDK can crash at interpreter exit (notes)."""
    code = run_cli(argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run_cli(argv: Sequence[str] | None = None) -> int:
    from harness.stack.processes import install_signal_handlers, kill_all_owned, reap_leftovers

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else 0
    try:
        reaped = reap_leftovers()
        if reaped:
            print(f"harness: ended {len(reaped)} processes left by a killed harness",
                  file=sys.stderr)
        install_signal_handlers()
        quiet_sdk_core()
        from harness.commands import dispatch

        return dispatch(args)
    except HarnessError as err:
        # Plain print: one line, never wrapped, so CI logs and grep see it whole.
        print(f"harness: error: {err}", file=sys.stderr)
        return err.exit_code
    except Exception:  # noqa: BLE001 - an unexpected crash is an infrastructure error
        import traceback

        traceback.print_exc()
        print("harness: internal error (above); every process was stopped", file=sys.stderr)
        return EXIT_INFRA
    except KeyboardInterrupt:
        print("harness: interrupted; stopped every process and healed every fault",
              file=sys.stderr)
        return Interrupted.exit_code
    finally:
        kill_all_owned()


def quiet_sdk_core() -> None:
    """The harness's own client retries through the outages it injects; the SDK core would
    log every retry as a warning on the terminal. Errors only (workers keep their logs)."""
    from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter

    logging = LoggingConfig(filter=TelemetryFilter(core_level="ERROR", other_level="ERROR"))
    Runtime.set_default(Runtime(telemetry=TelemetryConfig(logging=logging)),
                        error_if_already_set=False)


if __name__ == "__main__":
    main()
