"""summary.md: the verdicts at a glance, sized for a CI job summary page.

CI summaries render GitHub-flavoured Markdown, are read in a hurry and are capped in
size, so this shows the table, the figures, only the first evidence rows of failures,
and relative links to the full report and histories for everything else.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from harness.report.figures import fmt_rate, fmt_seconds, key_figures
from harness.report.model import RunReport, compact

EVIDENCE_ROWS = 5
EVIDENCE_COLUMNS = 6


def cell(value: Any, limit: int = 160) -> str:
    """Table-safe text: pipes escaped, no line breaks, nothing that starts a tag."""
    text = compact(value, limit).replace("\\", "\\\\").replace("|", "\\|")
    return text.replace("<", "&lt;").replace(">", "&gt;")


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(cell(c) for c in columns) + " |",
             "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def evidence_lines(rows: list[Any], link_prefix: str) -> list[str]:
    dicts = [r if isinstance(r, dict) else {"value": r} for r in rows[:EVIDENCE_ROWS]]
    columns: list[str] = []
    for row in dicts:
        columns.extend(k for k in row if k not in columns)
    columns = columns[:EVIDENCE_COLUMNS]
    body = []
    for row in dicts:
        values = []
        for c in columns:
            value = row.get(c)
            if c == "history" and isinstance(value, str) and "://" not in value:
                name = cell(value.rsplit("/", 1)[-1], 80)
                values.append(f"[{name}]({link_prefix}{quote(value)})")
            else:
                values.append(cell(value, 100))
        body.append(values)
    lines = table(columns, []) + ["| " + " | ".join(v) + " |" for v in body]
    if len(rows) > EVIDENCE_ROWS:
        lines.append(f"\n{len(rows) - EVIDENCE_ROWS} more rows in the full report.")
    return lines


def summary_markdown(report: RunReport, link_prefix: str = "") -> str:
    """Markdown for one run; `link_prefix` is the run folder as seen from where it is shown."""
    counts, fig = report.counts(), key_figures(report)
    lines = [f"## {report.scenario}: {report.status.upper()}", "",
             f"Run `{report.run_id}` · seed `{report.seed}` · "
             f"{counts['pass']} passed, {counts['fail']} failed, {counts['unknown']} unknown", ""]
    if report.verdicts:
        lines += table(["check", "verdict", "summary"],
                       [(v.get("check"), str(v.get("status", "unknown")).upper(),
                         v.get("summary")) for v in report.verdicts])
    else:
        lines.append("No verdicts: this run was not judged.")
    lines += ["", "**Key figures**", ""]
    lines += table(["workflows", "completed", "failed", "throughput", "latency p50",
                    "latency p95", "faults", "recovery p95"],
                   [(fig.workflows, fig.completed, fig.failed, fmt_rate(fig.throughput_wps),
                     fmt_seconds(fig.latency_p50_s), fmt_seconds(fig.latency_p95_s),
                     fig.faults, fmt_seconds(fig.recovery_p95_s))])
    for v in report.verdicts:
        if v.get("status") == "fail" and v.get("evidence"):
            lines += ["", f"### {cell(v.get('check'))}: {cell(v.get('summary'), 300)}", ""]
            lines += evidence_lines(list(v["evidence"]), link_prefix)
    if report.notes:
        lines += ["", "**Notes**", ""] + [f"- {cell(n, 400)}" for n in report.notes]
    links = [f"[full report]({link_prefix}report.html)"]
    if (report.path / "histories").is_dir():
        links.append(f"[stored histories]({link_prefix}histories/)")
    links.append(f"[results.json]({link_prefix}results.json)")
    lines += ["", " · ".join(links), ""]
    return "\n".join(lines)


def write_markdown(report: RunReport, path: Path | None = None) -> Path:
    path = path or report.path / "summary.md"
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(summary_markdown(report), encoding="utf-8")
    tmp.replace(path)
    return path
