"""retries_bounded: a degraded dependency met bounded retries, not a retry storm.

When a dependency degrades (5xx, read-only, 429), well-behaved callers back off: a few
requests per step, spaced by the retry policy. A storm (tight loops, no backoff) turns a
dependency's bad minute into an outage. Judged from the services' ledger, which records
every request, refused ones included, against the `dependency` faults of the journal:

- every step (`ref`) of a degraded service got at most `max_attempts_per_effect` requests
  over the whole run;
- while degraded, the service received at most `max_request_rate` requests per second.

Without a dependency fault, a ledger, or a request reaching the degraded service while it
was degraded, there is nothing to judge: unknown.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from harness.checks.facts import ledger_table
from harness.checks.verdict import Verdict, failed, passed, unknown
from harness.evidence.measurements import fault_hits, timed_entries
from harness.runfolder import RunFolder
from harness.watch.retries import attempts_per_effect, requests_between

NAME = "retries_bounded"


class RetriesBoundedOptions(BaseModel):
    model_config = {"extra": "forbid"}

    max_attempts_per_effect: int = Field(default=10, ge=1)
    max_request_rate: float = Field(default=20.0, gt=0)


def check(run: RunFolder, options: RetriesBoundedOptions | None = None) -> Verdict:
    options = options or RetriesBoundedOptions()
    hits = [h for h in fault_hits(run) if h.fault == "dependency"]
    if not hits:
        return unknown(NAME, "no dependency fault struck: no degraded service to judge")
    attempts = ledger_table(run, "attempts")
    if attempts is None:
        return unknown(NAME, "no ledger.json: the requests the services received are unknown")
    run_end = max((e["t"] for e in timed_entries(run)), default=None)
    evidence: list[dict[str, Any]] = []
    windows = []
    for hit in hits:
        service = str(hit.target)
        end = hit.healed_at or run_end or hit.injected_at
        seconds = max(end - hit.injected_at, 1e-3)
        received = requests_between(attempts, service, hit.injected_at, end)
        rate = round(received / seconds, 2)
        windows.append({"fault_id": hit.fault_id, "service": service, "requests": received,
                        "seconds": round(seconds, 3), "rate": rate})
        if rate > options.max_request_rate:
            evidence.append({"fault_id": hit.fault_id, "service": service,
                             "requests_while_degraded": received, "seconds": round(seconds, 3),
                             "requests_per_s_while_degraded": rate,
                             "limit_per_s": options.max_request_rate})
    if not any(w["requests"] for w in windows):
        return unknown(NAME, "no request reached a degraded service while it was degraded: "
                       "the degradation was never exercised", windows)
    worst = 0
    for service in sorted({w["service"] for w in windows}):
        counts = attempts_per_effect(attempts, service)
        worst = max(worst, max(counts.values(), default=0))
        for ref, count in sorted(counts.items(), key=lambda item: -item[1]):
            if count <= options.max_attempts_per_effect:
                break
            evidence.append({"service": service, "ref": ref, "requests_for_step": count,
                             "limit": options.max_attempts_per_effect})
    stats = {"degraded_windows": len(windows), "max_requests_per_effect": worst,
             "peak_rate_per_s": max(w["rate"] for w in windows)}
    if evidence:
        storms = sum(1 for row in evidence if "ref" in row)
        return failed(NAME, f"retry storm against a degraded dependency: {storms} step(s) over "
                      f"{options.max_attempts_per_effect} requests, peak "
                      f"{stats['peak_rate_per_s']} requests/s (limit "
                      f"{options.max_request_rate})", evidence[:50], **stats)
    return passed(NAME, f"retries stayed bounded: at most {worst} requests per step, "
                  f"{stats['peak_rate_per_s']} requests/s while degraded", **stats)
