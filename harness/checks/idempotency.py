"""idempotency: every step took effect exactly once, however often it was delivered.

Effects are grouped by `ref` (`<workflow id>/<step>`), never by `key`: an activity that
forgot its idempotency key sends `key: null`, and grouping by key would hide exactly the
duplicates this check exists to find. The evidence of a duplicate delivery is twofold: an
attempt the service absorbed (outcome `duplicate`), and an activity the workers ran more
than once (workers/*.activities.jsonl), which is what a non-idempotent step leaves behind.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from pydantic import BaseModel

from harness.checks.facts import latest, ledger_table
from harness.checks.generic import effects_idempotency
from harness.checks.verdict import Verdict, failed, passed, unknown
from harness.evidence.attempts import attempt_events, re_executions
from harness.runfolder import RunFolder

NAME = "idempotency"


class IdempotencyOptions(BaseModel):
    model_config = {"extra": "forbid"}

    # The scenario injects duplicate deliveries: if none happened, the run proved nothing.
    # None (the default) infers it: true when the scenario has a duplicate_delivery fault.
    expect_duplicates: bool | None = None
    # An effect probe, `package.module:function`, reading the app's own records: judge them
    # (harness/checks/generic/effects_idempotency.py) instead of the reference ledger.
    effects: str | None = None


def check(run: RunFolder, options: IdempotencyOptions | None = None) -> Verdict:
    options = options or IdempotencyOptions()
    if options.effects:
        return effects_idempotency.check(run, NAME, options.effects)
    attempts, effects = ledger_table(run, "attempts"), ledger_table(run, "effects")
    if attempts is None or effects is None:
        return unknown(NAME, "no ledger.json: the services' ledger was not collected")
    if not attempts:
        return unknown(NAME, "the ledger holds no attempt: no step called a service")
    attempts_by_ref: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for attempt in attempts:
        attempts_by_ref[attempt.get("ref") or ""].append(attempt)
    effects_by_ref: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for effect in effects:
        effects_by_ref[effect.get("ref") or ""].append(effect)
    last = latest(run)
    evidence = [row for ref, group in sorted(effects_by_ref.items())
                if (row := _judge_ref(last, ref, group, attempts_by_ref.get(ref, [])))]
    absorbed = sum(1 for a in attempts if a.get("outcome") == "duplicate")
    re_executed = re_executions(attempt_events(run))
    stats = {"refs": len(effects_by_ref), "effects": len(effects), "attempts": len(attempts),
             "duplicate_attempts": absorbed, "activity_re_executions": sum(re_executed.values()),
             "duplicate_deliveries": absorbed + sum(re_executed.values()),
             "violations": len(evidence)}
    if evidence:
        return failed(NAME, f"{len(evidence)} of {len(effects_by_ref)} steps took effect more "
                      f"than once (or without an attempt)", evidence, **stats)
    observed = (f"{stats['duplicate_deliveries']} duplicate deliveries observed "
                f"({absorbed} absorbed by the services, {stats['activity_re_executions']} "
                f"activity re-executions)")
    if _expects_duplicates(run, options) and not stats["duplicate_deliveries"]:
        return unknown(NAME, "the scenario was meant to deliver duplicates but none happened: "
                       "exactly-once was never put to the test", **stats)
    return passed(NAME, f"each of {len(effects_by_ref)} steps took effect exactly once; "
                  f"{observed}", **stats)


def _judge_ref(last: dict[str, dict[str, Any]], ref: str, effects: list[dict[str, Any]],
               attempts: list[dict[str, Any]]) -> dict[str, Any] | None:
    if len(effects) <= 1 and len(attempts) >= len(effects):
        return None
    first = effects[0]
    keys = list(dict.fromkeys(e.get("key") for e in effects))  # null stays null
    wid = first.get("workflow_id")
    if len(effects) > 1:
        why = ("sent without an idempotency key, so every delivery applied again"
               if any(e.get("key") is None for e in effects)
               else "applied again despite an idempotency key")
    else:
        why = "the ledger holds an effect without the attempt that applied it"
    return {
        "workflow_id": wid, "ref": ref, "service": first.get("service"), "op": first.get("op"),
        "key": first.get("key"), "keys": keys, "expected": "1 effect",
        "observed": f"{len(effects)} effects from {len(attempts)} attempts",
        "effect_seqs": [e.get("seq") for e in effects],
        "attempt_outcomes": dict(Counter(a.get("outcome") for a in attempts)),
        "why": why, "history": (last.get(wid) or {}).get("history_file"),
    }


def _expects_duplicates(run: RunFolder, options: IdempotencyOptions) -> bool:
    if options.expect_duplicates is not None:
        return options.expect_duplicates
    import yaml

    path = run.path / "scenario.yaml"
    scenario = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    faults = (scenario or {}).get("faults") or []
    return any(isinstance(f, dict) and f.get("type") == "duplicate_delivery" for f in faults)
