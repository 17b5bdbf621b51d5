"""idempotency with `effects`: each effect the user's own system recorded happened once.

The effect probe (harness/probes.py) returned rows read from the user's database or
service after the run, each with the `key` of what must take effect at most once (one
charge per trip...). A key with more than one row fails, named with its workflow and step
and the duplicate deliveries the attempt log shows before it. When no delivery was
duplicated (no activity ran twice, no crash after an effect) the run proved nothing:
`unknown`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from harness.checks.facts import history_of
from harness.checks.verdict import Verdict, failed, passed, unknown
from harness.evidence.attempts import Attempt, attempt_events, attempts, by_activity
from harness.probes import stored_rows
from harness.runfolder import RunFolder


def check(run: RunFolder, name: str, probe: str) -> Verdict:
    rows, why = stored_rows(run, probe)
    if rows is None:
        return unknown(name, why or f"no rows from {probe}")
    keyed = [r for r in rows if r.get("key") is not None]
    if not keyed:
        return unknown(name, f"the probe {probe} returned no effect rows with a key "
                       f"({len(rows)} rows): nothing to judge")
    by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in keyed:
        by_key[str(row["key"])].append(row)
    log = attempts(attempt_events(run))
    duplicated = {k: a for k, a in by_activity(log).items() if len(a) > 1}
    evidence = [_row(run, key, group, log) for key, group in sorted(by_key.items())
                if len(group) > 1]
    stats = {"probe": probe, "effects": len(keyed), "keys": len(by_key),
             "duplicate_deliveries": len(duplicated), "violations": len(evidence)}
    if evidence:
        return failed(name, f"{len(evidence)} of {len(by_key)} effects in the app's own "
                      f"records happened more than once", evidence, **stats)
    if not duplicated:
        return unknown(name, f"each of {len(by_key)} effects happened once, but no activity "
                       "was delivered twice: exactly-once was never put to the test", **stats)
    return passed(name, f"each of {len(by_key)} effects happened once although "
                  f"{len(duplicated)} activities were delivered more than once", **stats)


def _row(run: RunFolder, key: str, group: list[dict[str, Any]], log: list[Attempt]
         ) -> dict[str, Any]:
    wid = next((str(r["workflow_id"]) for r in group if r.get("workflow_id")), None)
    step = next((str(r["step"]) for r in group if r.get("step")), None)
    mine = [a for a in log if a.workflow_id == wid and (step is None or a.activity_type == step)]
    return {"workflow_id": wid, "step": step, "key": key, "expected": "1 effect",
            "observed": f"{len(group)} effects", "effects": group[:10],
            "deliveries": [a.describe() for a in mine][:10],
            "why": (f"{len(mine)} deliveries of {step} each took effect" if len(mine) > 1
                    else "more effects than deliveries the attempt log shows"),
            "history": history_of(run, wid) if wid else None}
