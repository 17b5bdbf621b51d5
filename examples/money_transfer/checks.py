"""A custom check: money is neither created nor destroyed by transfers."""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel

from harness.checks.verdict import Verdict, failed, passed, unknown
from harness.runfolder import RunFolder


class Options(BaseModel):
    model_config = {"extra": "forbid"}


def money_conserved(run: RunFolder, options: Options | None = None) -> Verdict:
    """Per transfer, the ledger entries must sum to zero: every withdrawal was deposited
    or reversed, exactly once."""
    name = "money_conserved"
    if run.ledger is None:
        return unknown(name, "no ledger snapshot in the run folder")
    by_transfer: dict[str, list[dict]] = defaultdict(list)
    for effect in run.ledger["effects"]:
        if effect["service"] == "accounts":
            by_transfer[effect["workflow_id"]].append(effect)
    if not by_transfer:
        return unknown(name, "no transfer moved money")
    records = {w["workflow_id"]: w for w in run.workflows}
    evidence = []
    for wid, effects in sorted(by_transfer.items()):
        total = sum(e["data"]["amount"] for e in effects)
        if total != 0:
            evidence.append({"workflow_id": wid, "expected": 0, "observed": total,
                             "entries": [e["ref"] for e in effects],
                             "history": records.get(wid, {}).get("history_file")})
    if evidence:
        return failed(name, f"{len(evidence)} transfers created or destroyed money", evidence)
    return passed(name, f"all {len(by_transfer)} transfers conserved money")
