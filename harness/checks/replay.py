"""Replay one stored history against workflow code, bounded in time whatever happens.

A replay can hang (a Replayer given NondeterminismError among its failure types never
returns: docs/temporal-facts.md), and checks are called from inside the runner's event
loop, so each replay runs in its own daemon thread with its own event loop:
`asyncio.wait_for` cancels an async hang, and the join timeout abandons a thread stuck
anywhere else. Either way the caller gets "timeout" after `timeout` seconds and moves on.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

OK, NONDETERMINISM, FAILURE, TIMEOUT, ERROR = "ok", "nondeterminism", "failure", "timeout", "error"


@dataclass(frozen=True)
class ReplayOutcome:
    status: str  # ok | nondeterminism | failure | timeout | error
    message: str = ""


async def replay(history: WorkflowHistory, workflows: Sequence[type]) -> Exception | None:
    """The replay failure (None when the code reproduced the history). A seam for tests."""
    result = await Replayer(workflows=list(workflows)).replay_workflow(
        history, raise_on_replay_failure=False)
    return result.replay_failure


def replay_bounded(history: WorkflowHistory, workflows: Sequence[type],
                   timeout: float) -> ReplayOutcome:
    box: list[ReplayOutcome] = []

    def target() -> None:
        try:
            failure = asyncio.run(asyncio.wait_for(replay(history, workflows), timeout))
        except TimeoutError:
            box.append(ReplayOutcome(TIMEOUT, f"replay timed out after {timeout:g}s"))
        except Exception as err:  # noqa: BLE001 - any crash of the replay is reported
            box.append(ReplayOutcome(ERROR, f"replay could not run: {err!r}"))
        else:
            box.append(classify(failure))

    thread = threading.Thread(target=target, name="harness-replay", daemon=True)
    thread.start()
    thread.join(timeout + 1.0)
    if not box:
        return ReplayOutcome(TIMEOUT, f"replay timed out after {timeout:g}s (thread abandoned)")
    return box[0]


# Core wraps the useful sentence in a debug dump: `Failure { message: "[TMPRL1100] ..." ...`.
_CORE_MESSAGE = re.compile(r'message: "((?:[^"\\]|\\.)*)"')


def classify(failure: Exception | None) -> ReplayOutcome:
    if failure is None:
        return ReplayOutcome(OK)
    message = str(failure) or repr(failure)
    found = _CORE_MESSAGE.search(message)
    message = found.group(1) if found else message[:1000]
    if isinstance(failure, NondeterminismError) or "nondeterminism" in message.lower():
        return ReplayOutcome(NONDETERMINISM, message)
    return ReplayOutcome(FAILURE, message)
