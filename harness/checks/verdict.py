"""The outcome of one check: pass, fail or unknown, with the evidence behind it.

`unknown` is first-class (DESIGN.md principle 2): a check whose scenario never
produced the situation it judges, or whose evidence is missing, says unknown.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"


@dataclass
class Verdict:
    check: str
    status: Status
    summary: str
    evidence: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = str(self.status)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Verdict:
        return cls(
            check=data["check"],
            status=Status(data["status"]),
            summary=data["summary"],
            evidence=list(data.get("evidence", [])),
            stats=dict(data.get("stats", {})),
        )


def passed(check: str, summary: str, **stats: Any) -> Verdict:
    return Verdict(check, Status.PASS, summary, [], stats)


def failed(check: str, summary: str, evidence: list[dict[str, Any]], **stats: Any) -> Verdict:
    return Verdict(check, Status.FAIL, summary, evidence, stats)


def unknown(check: str, summary: str, evidence: list[dict[str, Any]] | None = None,
            **stats: Any) -> Verdict:
    return Verdict(check, Status.UNKNOWN, summary, evidence or [], stats)
