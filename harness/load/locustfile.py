"""Locust's entry point for `harness load`. Runs ONLY inside Locust processes the harness starts.

    python -m locust -f harness/load/locustfile.py --headless ...   (HARNESS_LOAD_CONFIG=plan)

Each non-master process opens one LoadSession (one asyncio loop thread, one Temporal client).
A request is one workflow driven start to end by its workload's driver; it is reported with
`events.request` by us, not by Locust's `measure()`, because a GreenletExit (a user killed at
stop time) is not an Exception and Locust would count it as a success: here it is a failure,
and the journal gets `info` for what was left open.

Closed loop (default): each user runs one workflow after another. Open loop (--arrival-rate):
each user fires at its share of the rate on a fixed schedule, whatever the latency, and the
workflows run in their own greenlets.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

import gevent
from gevent.pool import Group
from greenlet import GreenletExit
from locust import LoadTestShape, User, constant, events, task
from locust.runners import MasterRunner, WorkerRunner
from locust.user.task import LOCUST_STATE_STOPPING

from harness.load.locust_stats import write_final_stats
from harness.load.plan import CONFIG_ENV, PROCESS_ENV, LoadPlan
from harness.load.session import LoadSession
from harness.load.shapes import build_shape

log = logging.getLogger("harness.load")

PLAN = LoadPlan.read(Path(os.environ[CONFIG_ENV]))
PROCESS = int(os.environ.get(PROCESS_ENV, "0"))
SHAPE = build_shape(PLAN.shape, PLAN.shape_args, PLAN.users, PLAN.duration) if PLAN.shape \
    else None
SESSION: LoadSession | None = None
ENVIRONMENT: list[Any] = []
EXIT_CODE = [0]


class WorkflowFailure(Exception):
    """What Locust records as the failure; the text groups failures in its report."""


@events.init.add_listener
def _open_session(environment: Any, **_kwargs: Any) -> None:
    global SESSION
    ENVIRONMENT.append(environment)
    if isinstance(environment.runner, MasterRunner):
        _stop_before_quit(environment.runner)
        return  # the master only aggregates; it never talks to Temporal
    SESSION = LoadSession(PLAN, PROCESS)
    atexit.register(_hard_exit)
    log.info("harness load process %s: journal %s", PROCESS, PLAN.journal_path(PROCESS))


def _stop_before_quit(runner: MasterRunner) -> None:
    """A headless master ends with quit(), which tells the workers to quit and waits 0.5 s
    for their last stats: requests still finishing under --stop-timeout would be lost.
    Stopping first waits (up to stop-timeout + 60 s) until every worker's users are done."""
    quit_now = runner.quit

    def stop_then_quit() -> None:
        runner.stop()
        quit_now()

    runner.quit = stop_then_quit  # type: ignore[method-assign]


@events.test_stop.add_listener
def _report_final_stats(environment: Any, **_kwargs: Any) -> None:
    """A worker whose users have all stopped reports at once (not at its next 3 s tick),
    so the master has every request before it writes the final stats."""
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        data: dict[str, Any] = {}
        environment.events.report_to_master.fire(client_id=runner.client_id, data=data)
        runner.send_message("stats", data)


@events.quitting.add_listener
def _close_session(environment: Any, **_kwargs: Any) -> None:
    if SESSION is not None:
        log.info("harness load process %s closed: %s", PROCESS, SESSION.close(gevent.sleep))


@events.quit.add_listener
def _final_stats(exit_code: int, **_kwargs: Any) -> None:
    """Runs after the runner quit: the stats are final (the periodic CSVs may lag by up to
    a second, so give their writer one more turn, and write final_stats.json ourselves)."""
    EXIT_CODE[0] = exit_code
    environment = ENVIRONMENT[0] if ENVIRONMENT else None
    if environment is None or isinstance(environment.runner, WorkerRunner):
        return
    write_final_stats(environment.runner.stats, Path(PLAN.journal_dir))
    gevent.sleep(1.2)


def _hard_exit() -> None:
    """The SDK can abort at interpreter exit after all work succeeded: skip that (see
    docs/temporal-facts.md)."""
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(EXIT_CODE[0])


def _reporter(environment: Any):  # type: ignore[no-untyped-def]
    def report(name: str, seconds: float, error: str | None) -> None:
        environment.events.request.fire(
            request_type="workflow", name=name, response_time=seconds * 1000.0,
            response_length=0, response=None, context={},
            exception=WorkflowFailure(error) if error else None)

    return report


class WorkflowUser(User):
    """Closed loop: one workflow after another, no think time.

    The loop is inside the task so the user is never in Locust's WAITING state: a user
    stopped while waiting is killed asynchronously and the kill could land in the next
    request, ignoring --stop-timeout.
    """

    abstract = PLAN.arrival_rate is not None
    wait_time = constant(0)

    @task
    def workflows(self) -> None:
        assert SESSION is not None
        report = _reporter(self.environment)
        while self._state != LOCUST_STATE_STOPPING:
            SESSION.request(report)


class ArrivalUser(User):
    """Open loop: fire at users/rate intervals on a fixed schedule, never waiting for results."""

    abstract = PLAN.arrival_rate is None
    wait_time = constant(0)
    _ordinals = itertools.count()

    @task
    def arrivals(self) -> None:
        assert SESSION is not None and PLAN.arrival_rate
        interval = PLAN.users / PLAN.arrival_rate
        # Stagger the users over one interval so their arrivals interleave instead of bursting.
        next_at = time.monotonic() + interval * (next(self._ordinals) % PLAN.users) / PLAN.users
        report = _reporter(self.environment)
        requests = Group()
        try:
            while self._state != LOCUST_STATE_STOPPING:
                delay = next_at - time.monotonic()
                if delay > 0:
                    gevent.sleep(delay)
                    continue
                requests.spawn(SESSION.request, report)
                next_at += interval
            requests.join()  # a graceful stop: Locust bounds this wait by --stop-timeout
        except GreenletExit:
            requests.kill(block=True)  # each killed request reports itself as a failure
            raise


class HarnessShape(LoadTestShape):
    """The --shape the harness chose (ramp, step, spike); absent without one."""

    abstract = SHAPE is None

    def tick(self) -> tuple[int, float] | None:
        return SHAPE.tick(self.get_run_time()) if SHAPE is not None else None

