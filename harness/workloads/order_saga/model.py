"""Inputs and outputs of the order saga, shared by workflows, activities and the driver."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

from harness.durations import Duration

Step = Literal["reserve", "charge", "pack", "ship"]


@dataclass
class Order:
    order_id: str
    sku: str
    qty: int
    amount: float
    card: str
    address: str
    pack_items: int = 0
    pack_item_seconds: float = 0.05


@dataclass
class OrderResult:
    order_id: str
    status: str  # "completed"; failures raise instead
    steps: list[str] = field(default_factory=list)


@dataclass
class PackProgress:
    """heartbeat_details of the long pack activity: items already packed."""

    packed: int = 0


class OrderSagaParams(BaseModel):
    """Scenario params: where business failures happen and how long packing takes."""

    model_config = {"extra": "forbid"}

    fail_at: Literal["reserve", "charge", "ship"] | None = None
    failure_rates: dict[Literal["reserve", "charge", "ship"], float] = Field(default_factory=dict)
    qty: int = Field(default=2, ge=1)
    amount: float = Field(default=25.0, gt=0)
    pack_items: int = Field(default=0, ge=0, le=1000)
    pack_item_seconds: Duration = Field(default=0.05, ge=0, le=10)
