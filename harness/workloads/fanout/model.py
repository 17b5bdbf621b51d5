"""Fan-out inputs, results and params.

Bounded per workflow by Temporal's guidance (at most about 1K children per parent and
1K activities per child): larger scales are more parents, not bigger ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field


@dataclass
class FanOutJob:
    children: int
    activities: int
    use_ledger: bool = True
    fast_recovery: bool = True


@dataclass
class ChildJob:
    parent_id: str
    child: int
    activities: int
    use_ledger: bool = True
    fast_recovery: bool = True


@dataclass
class ChildResult:
    child: int
    items: int
    total: int


@dataclass
class FanOutResult:
    children: int
    items: int
    total: int


class FanOutParams(BaseModel):
    model_config = {"extra": "forbid"}

    children: int = Field(default=4, ge=1, le=1000)
    activities: int = Field(default=5, ge=1, le=1000)
    # Off for pure scale runs: then items are computed in the worker, not written to the ledger.
    use_ledger: bool = True
    # Off for pure scale runs (nothing is injected there): the items get no heartbeat timeout,
    # as with the SDK's defaults. The 2 s one exists to notice a crashed worker quickly; under
    # a backlog it turns a server pause of over 2 s into retries of every item in flight (63
    # in one 20K run), and throughput then depends on how many pauses a run happened to see.
    fast_recovery: bool = True


def item_value(child: int, item: int) -> int:
    """Deterministic value of one work item, so the expected aggregate is known up front."""
    return child * 1000 + item


def expected_total(children: int, activities: int) -> int:
    return sum(item_value(c, i) for c in range(children) for i in range(activities))
