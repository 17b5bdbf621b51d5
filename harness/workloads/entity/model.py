"""Entity inputs, state carried across continue-as-new, and scenario params."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, Field


@dataclass
class Operation:
    request_id: str
    amount: int


@dataclass
class AccountState:
    """What continue-as-new carries: the balance and recent request ids for dedupe."""

    account_id: str
    balance: int = 0
    applied_total: int = 0
    continue_as_new_after: int = 50
    results: dict[str, int | None] = field(default_factory=dict)  # request id -> balance | None
    runs: int = 1


@dataclass
class AccountResult:
    account_id: str
    balance: int
    applied: int
    runs: int


class EntityParams(BaseModel):
    model_config = {"extra": "forbid"}

    operations: int = Field(default=20, ge=0, le=100_000)
    update_ratio: float = Field(default=0.4, ge=0, le=1)
    continue_as_new_after: int = Field(default=8, ge=1)
    max_deposit: int = Field(default=100, ge=1)
