"""Approval inputs, the callback payload, results and params."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from harness.durations import Duration

Decision = Literal["approve", "reject", "never"]
SIGNAL = "approval_decision"


@dataclass
class ApprovalRequest:
    request_id: str
    decision: str  # what the reference approver will answer: approve | reject | never
    callback_delay: float  # seconds before the approver calls back
    timeout: float  # seconds the workflow waits before escalating


@dataclass
class ApprovalCallback:
    approved: bool
    approver: str = ""
    request_key: str = ""
    sent_at: float = 0.0


@dataclass
class ApprovalResult:
    request_id: str
    outcome: str  # approved | rejected | escalated
    waited: float  # seconds between the request and the decision (workflow time)
    callbacks: int  # callbacks received; more than one is a bug in the approver or the wiring


class ApprovalParams(BaseModel):
    model_config = {"extra": "forbid"}

    # Share of instances whose approver approves, rejects, or never answers (then escalated).
    approve: float = Field(default=0.5, ge=0, le=1)
    reject: float = Field(default=0.25, ge=0, le=1)
    never: float = Field(default=0.25, ge=0, le=1)
    callback_delay: Duration = Field(default=0.5, ge=0, le=3600)
    timeout: Duration = Field(default=3.0, gt=0, le=86400)
