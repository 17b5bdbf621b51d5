"""The verdict algebra: pass, fail or unknown with evidence; how verdicts combine; what
exit code they give.

`unknown` is first-class: a check whose scenario never produced the situation it judges,
or whose evidence is missing, or which crashed, says unknown, never pass. Combining is
worst-wins (fail > unknown > pass) and nothing judged at all is unknown. Every place that
combines verdicts (a run, `harness check`, certify, load, scale, the replay gate) calls
`merge`, and every command maps the result to its exit code through `exit_code`.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from harness.errors import EXIT_FAIL, EXIT_INFRA, EXIT_PASS


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


# Worst first: the first of these present in a set of statuses is the merged status.
_SEVERITY = (Status.FAIL, Status.UNKNOWN, Status.PASS)


def merge(statuses: Iterable[Status]) -> Status:
    """Worst wins: any fail is fail, else any unknown is unknown; nothing at all is unknown
    (no evidence is never a pass)."""
    present = set(statuses)
    if not present:
        return Status.UNKNOWN
    return next(s for s in _SEVERITY if s in present)


def merge_verdicts(verdicts: Iterable[Verdict]) -> Status:
    return merge(v.status for v in verdicts)


def exit_code(status: Status) -> int:
    """0 pass, 1 a check failed, 3 nothing failed but something could not be judged."""
    return {Status.PASS: EXIT_PASS, Status.FAIL: EXIT_FAIL, Status.UNKNOWN: EXIT_INFRA}[status]


def safely(check: str, judge: Callable[[], Verdict]) -> Verdict:
    """Run a check; if it crashes, the verdict is `unknown` with the traceback as evidence,
    so the crash can be debugged from results.json alone."""
    try:
        return judge()
    except Exception as err:  # noqa: BLE001 - a crashing check is unknown, never a pass
        return unknown(check, f"the check itself failed: {err!r}",
                       [{"error": repr(err), "traceback": traceback.format_exc()}])
