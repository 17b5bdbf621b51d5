"""Task-queue backlog, sampled from the server while the run drives, and its drain times.

Why sample: the backlog a fault builds exists only while it lasts; no history records it.
The sampler asks the server (DescribeTaskQueue with stats) for the approximate backlog of
the run's workflow and activity task queues every `interval` seconds and appends one line
per queue to `backlog.jsonl`. A sample that fails is kept with its gRPC code: a server that
cannot answer is itself something to watch.

The embedded server is started with a short stats cache (`STATS_TTL`); a cluster keeps its
own (5 s by default), so its samples can lag by that much.

Drain time of a fault: from when its damage ended (its heal, or the fault itself when it
has no window) until the backlog of both queues is back to what it was just before the
fault. A fault that built no backlog drains in 0 s; one whose backlog never came back by
the end of sampling has no drain time (`drained: false`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from harness.runfolder import RunFolder

BACKLOG_FILE = "backlog.jsonl"
QUEUE_TYPES = ("workflow", "activity")
# The embedded server's DescribeTaskQueue cache, short enough for 0.5 s samples.
STATS_TTL = {"matching.TaskQueueInfoByBuildIdTTL": '"200ms"'}
# Samples just before a fault that set its baseline.
BASELINE_WINDOW = 2.0


class BacklogSampler:
    """Appends `{t, queue, backlog, age_s, add_rate, dispatch_rate}` lines until cancelled."""

    def __init__(self, client: Any, namespace: str, task_queue: str, path: Path,
                 interval: float = 0.5) -> None:
        self.client = client
        self.namespace = namespace
        self.task_queue = task_queue
        self.path = path
        self.interval = interval

    async def run(self) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            try:
                while True:
                    started = time.monotonic()
                    for line in await self.sample():
                        out.write(json.dumps(line) + "\n")
                    out.flush()
                    await asyncio.sleep(max(0.0, self.interval - (time.monotonic() - started)))
            finally:
                with contextlib.suppress(Exception):
                    out.flush()

    async def sample(self) -> list[dict[str, Any]]:
        from temporalio.api.enums.v1 import TaskQueueType
        from temporalio.api.taskqueue.v1 import TaskQueue
        from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
        from temporalio.service import RPCError

        kinds = {"workflow": TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
                 "activity": TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY}
        lines = []
        for queue, kind in kinds.items():
            t = time.time()
            request = DescribeTaskQueueRequest(
                namespace=self.namespace, task_queue=TaskQueue(name=self.task_queue),
                task_queue_type=kind, report_stats=True)
            try:
                resp = await self.client.workflow_service.describe_task_queue(
                    request, retry=False, timeout=timedelta(seconds=1))
            except RPCError as err:
                lines.append({"t": t, "queue": queue, "error": err.status.name})
                continue
            except Exception as err:  # noqa: BLE001 - a sample is lost, not the run
                lines.append({"t": t, "queue": queue, "error": type(err).__name__})
                continue
            if not resp.HasField("stats"):
                lines.append({"t": t, "queue": queue, "error": "NO_STATS"})
                continue
            stats = resp.stats
            lines.append({
                "t": t, "queue": queue, "backlog": int(stats.approximate_backlog_count),
                "age_s": round(stats.approximate_backlog_age.ToTimedelta().total_seconds(), 3),
                "add_rate": round(stats.tasks_add_rate, 3),
                "dispatch_rate": round(stats.tasks_dispatch_rate, 3),
            })
        return lines


@dataclass(frozen=True)
class Sample:
    t: float
    workflow: int
    activity: int

    @property
    def total(self) -> int:
        return self.workflow + self.activity


def read_samples(run: RunFolder) -> tuple[list[Sample], dict[str, int]]:
    """Paired samples (both queues answered in the same round) by time, and error counts."""
    path = run.path / BACKLOG_FILE
    errors: dict[str, int] = {}
    rounds: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    if not path.exists():
        return [], errors
    pending: dict[str, Any] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue  # torn by an abrupt stop
        if not isinstance(row, dict) or row.get("queue") not in QUEUE_TYPES:
            continue
        if "error" in row:
            errors[str(row["error"])] = errors.get(str(row["error"]), 0) + 1
            pending = {}
            continue
        pending[row["queue"]] = row
        if len(pending) == len(QUEUE_TYPES):
            key = str(len(order))
            rounds[key] = pending
            order.append(key)
            pending = {}
    samples = [Sample(float(rounds[k]["workflow"]["t"]), int(rounds[k]["workflow"]["backlog"]),
                      int(rounds[k]["activity"]["backlog"])) for k in order]
    return samples, errors


def drain(samples: list[Sample], began: float, ended: float) -> dict[str, Any]:
    """Backlog built by a fault active over [began, ended] and the seconds it took to drain."""
    before = [s.total for s in samples if began - BASELINE_WINDOW <= s.t <= began]
    baseline = min(before) if before else 0
    hit = [s for s in samples if began <= s.t]
    during = [s.total for s in hit if s.t <= ended]
    after = [s for s in hit if s.t >= ended]
    peak = max([*during, *(s.total for s in after[:1])], default=None)
    if peak is None:
        return {"baseline": baseline, "peak": None, "drain_s": None, "drained": None}
    if peak <= baseline:
        return {"baseline": baseline, "peak": peak, "drain_s": 0.0, "drained": True}
    if not after:
        # Sampling stopped before the heal (the drivers finished first): drained already if
        # the last sample was back at the baseline, else unknown.
        last = during[-1] if during else None
        done = last is not None and last <= baseline
        return {"baseline": baseline, "peak": peak, "drain_s": 0.0 if done else None,
                "drained": True if done else None}
    back = next((s for s in after if s.total <= baseline), None)
    if back is None:
        return {"baseline": baseline, "peak": peak, "drain_s": None, "drained": False}
    return {"baseline": baseline, "peak": peak, "drain_s": round(back.t - ended, 3),
            "drained": True}
