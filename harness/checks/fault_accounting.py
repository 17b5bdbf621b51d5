"""fault accounting: every planned firing fired, injected, and landed on something.

A fault scenario that stays green with no fault applied proves nothing. Each planned firing
(planned_schedule.json) is matched with what the nemesis executed (its journaled inject)
and with its observed effect in the evidence:
- worker_kill, rolling_restart: a killed worker held an activity attempt in flight, or a
  running workflow in its cache (its last workflow task ran there);
- worker_crash: the worker crashed in a matching activity (the interceptor's `injected`);
- duplicate_delivery: an activity was delivered again after the injected loss;
- network: traffic crossed the link during the window (a running workflow or an attempt
  in flight on the temporal link, a service request on the services link);
- server_restart, and the cluster faults (history_kill, service_restart, db_restart):
  workflows were running when the server (or its part) went down;
- deploy: workflows of the redeployed workload were running when the code changed;
- client_retry: a client response was lost and the call retried;
- dependency: the degraded service refused a request during its window (ledger `degraded`);
- rate_limit: workflows were running when the lowered limits came into force.
A firing that never fired, failed to inject or landed on nothing makes the verdict unknown,
with one line naming the fault and why, unless its spec says `optional: true`. So does one
whose heal failed, optional or not: what followed ran under a fault nobody planned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from harness.checks.crashes import deaths
from harness.checks.facts import ledger_table
from harness.checks.verdict import Verdict, passed, unknown
from harness.evidence.attempts import Attempt, attempt_events, attempts, in_flight
from harness.evidence.history import execution, open_at
from harness.runfolder import RunFolder

NAME = "faults"


@dataclass
class Firing:
    fault_id: str
    type: str
    spec_index: int
    optional: bool
    inject: dict[str, Any] | None = None  # the journaled inject entry
    heal: dict[str, Any] | None = None

    @property
    def window(self) -> tuple[float, float]:
        assert self.inject is not None
        start = float(self.inject.get("started") or self.inject["t"])
        return start, float(self.heal["t"]) if self.heal else start


def check(run: RunFolder) -> Verdict | None:
    """The accounting verdict, or None for a scenario without faults."""
    specs = _fault_specs(run)
    if not specs:
        return None
    planned = run.read_json("planned_schedule.json")
    if not isinstance(planned, list):
        return unknown(NAME, "planned_schedule.json is missing: whether the faults fired "
                       "cannot be seen")
    firings = {str(p["fault_id"]): Firing(str(p["fault_id"]), str(p["type"]),
                                          int(p["spec_index"]),
                                          bool(specs[int(p["spec_index"])].get("optional")))
               for p in planned if int(p.get("spec_index", -1)) < len(specs)}
    for entry in run.journal:
        firing = firings.get(str(entry.get("fault_id")))
        if entry.get("kind") != "fault" or firing is None:
            continue
        if entry.get("type") == "inject" and firing.inject is None:
            firing.inject = entry
        elif entry.get("type") == "heal":
            firing.heal = entry
    unplanned = [i for i in range(len(specs))
                 if not any(f.spec_index == i for f in firings.values())]
    context = _Context(run)
    rows: list[dict[str, Any]] = []
    for index in unplanned:
        rows.append({"fault": specs[index].get("type"), "spec_index": index,
                     "optional": bool(specs[index].get("optional")),
                     "why": "never planned: its time is past the deadline"})
    fired = {f.spec_index for f in firings.values() if f.inject and not f.inject.get("error")}
    for firing in firings.values():
        why = _problem(firing, context)
        if why:
            # A repeating fault (`every`) plans firings up to the deadline; those the end of
            # the run cut off are expected once one of them has fired.
            repeating = specs[firing.spec_index].get("every") is not None
            cut = repeating and firing.inject is None and firing.spec_index in fired
            healed_badly = why.startswith("failed to heal")
            rows.append({"fault_id": firing.fault_id, "fault": firing.type,
                         "spec_index": firing.spec_index,
                         "optional": (firing.optional or cut) and not healed_badly,
                         "why": why})
    required = [r for r in rows if not r["optional"]]
    stats = {"planned": len(firings), "landed": len(firings) - len(
        [r for r in rows if "fault_id" in r]), "problems": len(rows)}
    if required:
        first = required[0]
        name = f"{first.get('fault_id') or 'fault'} ({first['fault']})"
        more = f" (+{len(required) - 1} more)" if len(required) > 1 else ""
        return unknown(NAME, f"{name} {first['why']}{more}", rows, **stats)
    verdict = passed(NAME, f"all {len(firings)} planned faults fired and landed on work"
                     + (f" ({len(rows)} optional ones did not)" if rows else ""), **stats)
    verdict.evidence = rows
    return verdict


def _fault_specs(run: RunFolder) -> list[dict[str, Any]]:
    path = run.path / "scenario.yaml"
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    faults = data.get("faults") if isinstance(data, dict) else None
    return [f for f in faults or [] if isinstance(f, dict)]


class _Context:
    """The evidence the effects are read from, loaded once."""

    def __init__(self, run: RunFolder) -> None:
        self.run = run
        self.events = attempt_events(run)
        self.tried: list[Attempt] = attempts(self.events)
        self.died = deaths(run)
        self.ledger = ledger_table(run, "attempts") or []


def _problem(firing: Firing, ctx: _Context) -> str | None:
    if firing.inject is None:
        return "never fired: its trigger did not come before the run ended"
    if firing.inject.get("error"):
        return f"failed to inject: {firing.inject['error']}"
    if firing.heal is not None and firing.heal.get("error"):
        return f"failed to heal: {firing.heal['error']} (the rest of the run went on under it)"
    effect = _EFFECTS.get(firing.type)
    if effect is None:
        return None  # a user's fault family: firing is all that can be seen
    return effect(firing, ctx)


def _kill(firing: Firing, ctx: _Context) -> str | None:
    identities = {i for i in str(firing.inject.get("target") or "").split(",") if i} \
        if firing.inject else set()
    start, end = firing.window
    if firing.type == "rolling_restart":
        identities |= {i for t, i in ctx.died if start - 0.5 <= t <= end}
    for identity in identities:
        times = [t for t, i in ctx.died if i == identity and start - 5 <= t <= end + 5]
        at = min(times) if times else start
        if in_flight(ctx.events, at, {identity}) or _cached_on(ctx, identity, at):
            return None
    return f"landed on nothing: no killed worker ({', '.join(sorted(identities)) or 'none'}) " \
           "had an activity in flight or a running workflow in its cache"


def _cached_on(ctx: _Context, identity: str, at: float) -> bool:
    """Whether a workflow running at `at` had its last workflow task before it on this
    worker: the worker held it in its cache, so the kill forces a replay elsewhere."""
    running = open_at(ctx.run, at)
    for record in ctx.run.workflows:
        if record["workflow_id"] not in running or not record.get("history_file"):
            continue
        facts = execution(ctx.run, record["history_file"])
        tasks = [w for w in (facts.workflow_tasks if facts else [])
                 if w.started_t is not None and w.started_t <= at]
        if tasks and tasks[-1].identity == identity:
            return True
    return False


def _injected(firing: Firing, ctx: _Context) -> list[dict[str, Any]]:
    return [e for e in ctx.events if e["event"] == "injected"
            and e.get("fault_id") == firing.fault_id]


def _crash(firing: Firing, ctx: _Context) -> str | None:
    return None if _injected(firing, ctx) else \
        "landed on nothing: no worker reached the aimed activity, so it never crashed"


def _duplicate(firing: Firing, ctx: _Context) -> str | None:
    hits = _injected(firing, ctx)
    if not hits:
        return "landed on nothing: no matching activity ran, so nothing was delivered twice"
    for hit in hits:
        again = [a for a in ctx.tried if a.workflow_id == hit.get("workflow_id")
                 and a.activity_id == str(hit.get("activity_id")) and a.start > hit["t"]]
        if again:
            return None
    return f"landed on nothing: {len(hits)} deliveries were broken but none was delivered again"


def _network(firing: Firing, ctx: _Context) -> str | None:
    start, end = firing.window
    link = str(firing.inject.get("target") or (firing.inject.get("params") or {}).get("link")) \
        if firing.inject else ""
    if link == "services":
        if any(start <= float(a.get("t") or 0) <= end for a in ctx.ledger):
            return None
        return "landed on nothing: no service request was made during its window"
    if any(a.start <= end and (a.end is None or a.end >= start) for a in ctx.tried) \
            or open_at(ctx.run, start):
        return None
    return "landed on nothing: no workflow was running and no activity in flight during its " \
           "window"


def _running(firing: Firing, ctx: _Context) -> str | None:
    if open_at(ctx.run, firing.window[0]):
        return None
    return "landed on nothing: no workflow was running when it struck"


def _deploy(firing: Firing, ctx: _Context) -> str | None:
    params = firing.inject.get("params") or {} if firing.inject else {}
    workloads = set(params.get("versions") or {}) | ({params["workload"]}
                                                       if params.get("workload") else set())
    types = _workflow_types(ctx.run, workloads)
    at = firing.window[0]
    reached = [r for r in ctx.run.workflows if r.get("workflow_type") in types
               and r["workflow_id"] in open_at(ctx.run, at)]
    if reached:
        return None
    return f"landed on nothing: no {'/'.join(sorted(workloads))} workflow was running when " \
           "the code changed"


def _client(firing: Firing, ctx: _Context) -> str | None:
    lost = [e for e in ctx.run.journal if e.get("kind") == "client" and e.get("injected")]
    return None if lost else "landed on nothing: no client response was lost"


def _dependency(firing: Firing, ctx: _Context) -> str | None:
    service = str(firing.inject.get("target") or "") if firing.inject else ""
    start, end = firing.window
    if any(a.get("service") == service and a.get("outcome") == "degraded"
           and start <= float(a.get("t") or 0) <= end + 1.0 for a in ctx.ledger):
        return None
    return f"landed on nothing: {service or 'the service'} refused no request while degraded"


def _workflow_types(run: RunFolder, workloads: set[str]) -> set[str]:
    """The workflow types the driver started for these workloads (and their children)."""
    types = {str(e.get("workflow_type")) for e in run.journal if e.get("kind") == "client"
             and e.get("op") == "start" and e.get("workload") in workloads}
    parents = {e.get("workflow_id") for e in run.journal if e.get("workload") in workloads}
    types |= {str(r.get("workflow_type")) for r in run.workflows if r.get("parent_id") in parents}
    return types


_EFFECTS: dict[str, Callable[[Firing, _Context], str | None]] = {
    "worker_kill": _kill, "rolling_restart": _kill, "worker_crash": _crash,
    "duplicate_delivery": _duplicate, "network": _network, "server_restart": _running,
    "deploy": _deploy, "client_retry": _client, "dependency": _dependency,
    "rate_limit": _running,
    # The cluster stack's faults strike the server side: every open workflow may stall.
    "history_kill": _running, "service_restart": _running, "db_restart": _running,
}

