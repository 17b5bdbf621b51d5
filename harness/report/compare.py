"""Compare two runs: verdict changes and performance deltas judged against thresholds.

Used to gate a release candidate against last night's baseline: a check that got worse
or a performance figure beyond its threshold is a regression and fails the comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from harness.report.figures import KeyFigures, key_figures, recovery_seconds
from harness.report.markdown import table as md_table
from harness.report.model import RunReport, load_report
from harness.report.watch import figures_of

RANK = {"pass": 0, "unknown": 1, "fail": 2}


@dataclass(frozen=True)
class Thresholds:
    """Relative limits (0.1 = 10%); None switches a limit off."""

    max_throughput_drop: float | None = 0.10
    max_latency_p95_rise: float | None = 0.20
    max_recovery_p95_rise: float | None = 0.20
    verdict_worsening: bool = True


@dataclass
class VerdictChange:
    check: str
    before: str | None
    after: str | None

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        worse = RANK.get(self.after, 1) - RANK.get(self.before, 1)
        return "regression" if worse > 0 else "improvement" if worse < 0 else "same"


@dataclass
class MetricDelta:
    name: str
    a: float | None
    b: float | None
    higher_is_better: bool
    limit: float | None = None
    unit: str = "s"

    @property
    def change(self) -> float | None:
        """Relative change from A to B, or None when either side is missing or A is 0."""
        if self.a is None or self.b is None or self.a == 0:
            return None
        return (self.b - self.a) / abs(self.a)

    @property
    def regressed(self) -> bool:
        if self.limit is None or self.change is None:
            return False
        worse = -self.change if self.higher_is_better else self.change
        return worse > self.limit

    def describe(self) -> str:
        change = "n/a" if self.change is None else f"{self.change:+.1%}"
        return f"{self.name}: {_fmt(self.a, self.unit)} -> {_fmt(self.b, self.unit)} ({change})"


def _fmt(value: float | None, unit: str) -> str:
    return "n/a" if value is None else f"{value:.3f} {unit}"


@dataclass
class Comparison:
    run_a: str
    run_b: str
    verdict_changes: list[VerdictChange]
    metrics: list[MetricDelta]
    regressions: list[str] = field(default_factory=list)
    improvements: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.regressions

    def rich_table(self) -> Table:
        t = Table(title=f"{self.run_a}  ->  {self.run_b}", title_justify="left")
        for col in ("what", "A", "B", "change", "result"):
            t.add_column(col)
        for row in self.rows():
            style = {"REGRESSION": "bold red", "improvement": "green"}.get(row[-1], "")
            cells = [escape(c) for c in row]
            t.add_row(*cells[:-1], f"[{style}]{cells[-1]}[/]" if style else cells[-1])
        return t

    def to_markdown(self) -> str:
        verdict = "REGRESSION" if self.regressions else "OK"
        lines = [f"## Comparison: {verdict}", "", f"`{self.run_a}` -> `{self.run_b}`", ""]
        lines += md_table(["what", "A", "B", "change", "result"], self.rows())
        for title, items in (("Regressions", self.regressions),
                             ("Improvements", self.improvements), ("Notes", self.notes)):
            if items:
                lines += ["", f"**{title}**", ""] + [f"- {item}" for item in items]
        return "\n".join(lines) + "\n"

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        rows = []
        for c in self.verdict_changes:
            result = {"regression": "REGRESSION", "improvement": "improvement"}.get(c.kind, "")
            if c.kind in ("added", "removed"):
                result = c.kind
            rows.append((f"check {c.check}", c.before or "-", c.after or "-", "", result))
        for m in self.metrics:
            change = "n/a" if m.change is None else f"{m.change:+.1%}"
            rows.append((m.name, _fmt(m.a, m.unit), _fmt(m.b, m.unit), change,
                         "REGRESSION" if m.regressed else ""))
        return rows


def _verdicts(report: RunReport) -> dict[str, str]:
    return {str(v.get("check")): str(v.get("status", "unknown")) for v in report.verdicts}


def metrics(a: KeyFigures, b: KeyFigures, th: Thresholds) -> list[MetricDelta]:
    return [
        MetricDelta("throughput", a.throughput_wps, b.throughput_wps, True,
                    th.max_throughput_drop, "wf/s"),
        MetricDelta("latency p50", a.latency_p50_s, b.latency_p50_s, False),
        MetricDelta("latency p95", a.latency_p95_s, b.latency_p95_s, False,
                    th.max_latency_p95_rise),
        MetricDelta("recovery p50", a.recovery_p50_s, b.recovery_p50_s, False),
        MetricDelta("recovery p95", a.recovery_p95_s, b.recovery_p95_s, False,
                    th.max_recovery_p95_rise),
    ]


def _watch(report: RunReport) -> dict[str, float | None]:
    """The things to watch that compare as one number each (informational: no limit)."""
    figures = figures_of(report)
    backlog = figures.get("backlog") if isinstance(figures.get("backlog"), dict) else {}
    phases = figures.get("schedule_to_start") or {}
    worst = [d.get("p95_s") for kinds in phases.values() for d in kinds.values()
             if isinstance(d, dict) and d.get("p95_s") is not None]
    retries = figures.get("retries") if isinstance(figures.get("retries"), dict) else {}
    history = figures.get("history") if isinstance(figures.get("history"), dict) else {}
    peaks = [backlog.get("max_workflow"), backlog.get("max_activity")]
    return {"backlog peak": max((v for v in peaks if v is not None), default=None),
            "backlog drain max": backlog.get("drain_max_s"),
            "never drained": backlog.get("never_drained"),
            "schedule-to-start p95 (worst phase)": max(worst, default=None),
            "requests per effect max": retries.get("per_effect_max"),
            "history size max": history.get("size_max_bytes")}


def watch_metrics(a: RunReport, b: RunReport) -> list[MetricDelta]:
    wa, wb = _watch(a), _watch(b)
    units = {"backlog peak": "tasks", "never drained": "faults",
             "requests per effect max": "requests", "history size max": "bytes"}
    return [MetricDelta(name, wa[name], wb[name], False, None, units.get(name, "s"))
            for name in wa if name != "never drained"]


def compare(run_a: Path, run_b: Path, thresholds: Thresholds | None = None) -> Comparison:
    """Compare run B (candidate) against run A (baseline); raises UsageError on bad paths."""
    th = thresholds or Thresholds()
    a, b = load_report(run_a), load_report(run_b)
    before, after = _verdicts(a), _verdicts(b)
    changes = [VerdictChange(c, before.get(c), after.get(c))
               for c in list(before) + [c for c in after if c not in before]
               if before.get(c) != after.get(c)]
    result = Comparison(a.run_id, b.run_id, changes,
                        metrics(key_figures(a), key_figures(b), th) + watch_metrics(a, b))
    for c in changes:
        if c.kind == "regression" and th.verdict_worsening:
            result.regressions.append(f"check {c.check}: {c.before} -> {c.after}")
        elif c.kind == "added" and c.after == "fail" and th.verdict_worsening:
            result.regressions.append(f"check {c.check}: new check fails")
        elif c.kind == "improvement":
            result.improvements.append(f"check {c.check}: {c.before} -> {c.after}")
        elif c.kind == "removed":
            result.notes.append(f"check {c.check} ran in A ({c.before}) but not in B")
    for m in result.metrics:
        if m.regressed:
            result.regressions.append(f"{m.describe()} beyond the {m.limit:.0%} limit")
    never_a = sum(s is None for s in recovery_seconds(a))
    never_b = sum(s is None for s in recovery_seconds(b))
    if never_b > never_a:
        result.regressions.append(f"faults never recovered from: {never_a} -> {never_b}")
    undrained_a, undrained_b = _watch(a)["never drained"] or 0, _watch(b)["never drained"] or 0
    if undrained_b > undrained_a:
        result.regressions.append(f"faults whose backlog never drained: {undrained_a:.0f} -> "
                                  f"{undrained_b:.0f}")
    if a.scenario != b.scenario:
        result.notes.append(f"different scenarios: {a.scenario} vs {b.scenario}")
    result.notes += [f"A: {n}" for n in a.notes] + [f"B: {n}" for n in b.notes]
    return result
