"""entity_consistency: each account's balance is the sum of the operations that happened.

Which operations happened is decided per request id from the journal, Jepsen style:
an acknowledged update happened; a failed one (insufficient funds, refused) did not; an
acknowledged deposit signal happened (a deposit is never refused). Everything else (an
indeterminate call, a withdrawal sent as a signal) is reconciled against the accounts
ledger: an entry effect under `<wid>/entry/<request id>` means it was applied. A request
id sent several times is one operation: applying it twice is the bug this check finds,
in the balance and in the ledger (at most one entry effect per request id).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pydantic import BaseModel

from harness.checks.facts import latest, ledger_table, workload_ids
from harness.checks.verdict import Verdict, failed, passed, unknown
from harness.journal import FAIL, OK
from harness.runfolder import RunFolder

NAME = "entity_consistency"
WORKFLOW_TYPE = "AccountEntity"


class EntityConsistencyOptions(BaseModel):
    model_config = {"extra": "forbid"}


def check(run: RunFolder, options: EntityConsistencyOptions | None = None) -> Verdict:
    accounts = workload_ids(run, "entity", WORKFLOW_TYPE)
    last = latest(run)
    if not accounts:
        return unknown(NAME, "no account entity ran")
    if not (run.path / "workflows.json").exists():
        return unknown(NAME, "workflows.json is missing: the run was not collected, so the "
                       "accounts' final state cannot be seen")
    effects = ledger_table(run, "effects")
    entries: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for effect in effects or []:
        if (effect.get("service"), effect.get("op")) == ("accounts", "entry"):
            entries[str(effect.get("ref"))].append(effect)
    ops, queries = operations(run), last_queries(run)
    rows: list[dict[str, Any]] = []
    judged, reconciled = 0, 0
    for wid in sorted(accounts):
        record = last.get(wid) or {}
        mine = ops.get(wid, {})
        found: list[dict[str, Any]] = []
        for rid, op in sorted(mine.items()):
            applied = entries.get(f"{wid}/entry/{rid}", [])
            if op["happened"] is None and effects is not None:
                op["happened"], reconciled = bool(applied), reconciled + 1
            if effects is not None:
                found += _ledger_rows(rid, op, applied, record.get("status") == "COMPLETED")
        balance, query_seq = final_balance(record, queries.get(wid))
        undecided = any(op["happened"] is None for op in mine.values())  # and no ledger
        if balance is not None and not undecided:
            judged += 1
            found += _balance_rows(mine, balance, query_seq)
        rows += [{"workflow_id": wid, **row, "history": record.get("history_file")}
                 for row in found]
    stats = {"accounts": len(accounts), "judged": judged, "reconciled": reconciled,
             "operations": sum(len(v) for v in ops.values()), "violations": len(rows)}
    if rows:
        return failed(NAME, f"{len(rows)} inconsistencies in "
                      f"{len({r['workflow_id'] for r in rows})} of {len(accounts)} accounts",
                      rows, **stats)
    if not judged:
        return unknown(NAME, f"{len(accounts)} accounts ran but none reported a final balance "
                       "(no completed result, no answered query)", **stats)
    return passed(NAME, f"{judged} accounts hold exactly the sum of their {stats['operations']} "
                  f"operations ({reconciled} indeterminate ones reconciled with the ledger)",
                  **stats)


def operations(run: RunFolder) -> dict[str, dict[str, dict[str, Any]]]:
    """Per account, per request id: amount, times sent, journal positions, and whether it
    happened (True / False / None = undecided by the journal, to reconcile with the ledger)."""
    ops: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for entry in run.journal:
        if entry.get("kind") != "client" or entry.get("op") not in ("signal", "update"):
            continue
        if "amount" not in entry or entry.get("request_id") is None:
            continue  # close, or any signal that is not a balance operation
        op = ops[entry["workflow_id"]].setdefault(entry["request_id"], {
            "amount": int(entry["amount"]), "sent": 0, "happened": None, "kind": entry["op"],
            "first_seq": entry.get("seq", 0), "done_seq": None})
        phase = entry.get("type")
        if phase == "invoke":
            op["sent"] += 1
        elif phase == OK and entry["op"] == "update":
            # The update returned the balance after applying: it happened, and is in any
            # later query.
            op["happened"] = True
            op["done_seq"] = op["done_seq"] or entry.get("seq")
        elif phase == OK and op["amount"] >= 0:
            op["happened"] = True  # a deposit is never refused; delivered means applied
        elif phase == FAIL and entry["op"] == "update" and op["happened"] is None:
            op["happened"] = False  # refused (insufficient funds) or never accepted
    return ops


def last_queries(run: RunFolder) -> dict[str, tuple[int, int]]:
    """Per account, the last answered balance query: (value, journal seq of its invoke)."""
    found: dict[str, tuple[int, int]] = {}
    invoked: dict[str, int | None] = {}
    for entry in run.journal:
        if (entry.get("kind"), entry.get("op")) != ("client", "query"):
            continue
        wid = entry.get("workflow_id")
        if entry.get("type") == "invoke":
            invoked[wid] = entry.get("seq")
        elif entry.get("type") == OK and isinstance(entry.get("value"), int | float):
            found[wid] = (int(entry["value"]), invoked.get(wid) or int(entry.get("seq") or 0))
    return found


def final_balance(record: dict[str, Any], query: tuple[int, int] | None
                  ) -> tuple[int | None, int | None]:
    """The completed result's balance (query seq None), else the last answered query's
    value with the journal seq of its invoke."""
    result = record.get("result")
    if record.get("status") == "COMPLETED" and isinstance(result, dict) and "balance" in result:
        return int(result["balance"]), None
    return query if query is not None else (None, None)


def _balance_rows(ops: dict[str, dict[str, Any]], balance: int, query_seq: int | None
                  ) -> list[dict[str, Any]]:
    """A completed balance must equal the sum; a queried one must lie between what had
    certainly been applied and what may have been, at the time of the query."""
    happened = [op for op in ops.values() if op["happened"]]
    repeated = sorted(rid for rid, op in ops.items() if op["sent"] > 1)
    if query_seq is None:
        expected = sum(op["amount"] for op in happened)
        if balance == expected:
            return []
        return [{"problem": "balance", "expected": expected, "observed": balance,
                 "observed_from": "result", "request_ids_sent_more_than_once": repeated}]
    before = [op for op in happened if op["first_seq"] < query_seq]
    certain = sum(op["amount"] for op in before
                  if op["done_seq"] is not None and op["done_seq"] < query_seq)
    maybe = [op["amount"] for op in before
             if op["done_seq"] is None or op["done_seq"] >= query_seq]
    low, high = certain + sum(a for a in maybe if a < 0), certain + sum(a for a in maybe if a > 0)
    if low <= balance <= high:
        return []
    return [{"problem": "balance", "expected": f"between {low} and {high}", "observed": balance,
             "observed_from": "query", "request_ids_sent_more_than_once": repeated}]


def _ledger_rows(rid: str, op: dict[str, Any], applied: list[dict[str, Any]],
                 completed: bool) -> list[dict[str, Any]]:
    if len(applied) > 1:
        return [{"request_id": rid, "problem": "applied twice", "expected": "1 entry",
                 "observed": f"{len(applied)} entries", "effect_seqs": [e["seq"] for e in applied]}]
    if op["happened"] and not applied and completed:
        return [{"request_id": rid, "problem": "acknowledged but never entered",
                 "expected": f"1 entry of {op['amount']}", "observed": "no entry"}]
    if op["happened"] is False and applied:
        return [{"request_id": rid, "problem": "refused but entered",
                 "expected": "no entry", "observed": f"entry seq {applied[0]['seq']}"}]
    return []
