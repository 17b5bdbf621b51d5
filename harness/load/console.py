"""What `harness load`, `scale` and `bench` print: Locust's summary, sweep rows, bench figures."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from harness.cli.console import console


def _ms(value: Any) -> str:
    return "-" if value is None else f"{float(value):.0f}"


def print_load_summary(summary: dict[str, Any], run_path: Any) -> None:
    table = Table(title=f"Locust: workflows (request = one workflow, start to end)  ·  "
                        f"{run_path}/load", title_justify="left")
    for col in ("name", "requests", "failures", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"):
        table.add_column(col, justify="left" if col == "name" else "right")
    for row in summary.get("stats", []):
        style = "bold" if row["name"] == "Aggregated" else ""
        fails = f"[red]{row['failures']}[/]" if row["failures"] else "0"
        table.add_row(f"[{style}]{row['name']}[/]" if style else row["name"],
                      str(row["requests"]), fails, f"{row.get('rps') or 0:.2f}",
                      _ms(row.get("p50_ms")), _ms(row.get("p95_ms")), _ms(row.get("p99_ms")),
                      _ms(row.get("max_ms")))
    console.print(table)
    for failure in summary.get("failures", []):
        console.print(f"  [red]{failure['occurrences']}x[/] {failure['name']}: "
                      f"{failure['error']}", markup=True)
    arrival = summary.get("arrival_rate")
    if arrival:
        console.print(f"open loop: requested {arrival['requested_per_s']:g} workflows/s, "
                      f"achieved {arrival['achieved_per_s']} ({arrival['starts']} starts in "
                      f"{arrival['load_seconds']:g} s; first to last start "
                      f"{arrival['in_window_per_s']}/s)")
    running = summary.get("still_running_after_drain")
    console.print(f"workflows started {summary.get('workflows_started')}, "
                  f"still running after the drain {running}, "
                  f"Locust exit codes {summary.get('exit_codes')}")


# column -> short header (the table must fit 80 columns in CI logs)
_SCALE_COLUMNS = {
    "shape": "shape", "workers": "w", "makespan_s": "secs",
    "workflows_per_s": "wf/s", "activities_per_s": "act/s", "latency_p95_s": "p95 s",
    "sched_to_start_p95_ms": "s2s p95 ms", "cpu_server_s": "srv cpu s",
    "cpu_workers_s": "w cpu s", "cpu_harness_s": "h cpu s", "worker_rss_peak_mb": "w MB",
    "status": "verdict", "efficiency": "eff",
}


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def print_scale_row(row: dict[str, Any]) -> None:
    console.print("  ".join(f"{h}={_cell(row.get(k))}" for k, h in _SCALE_COLUMNS.items()
                            if k in row))


def print_scale_summary(result: dict[str, Any]) -> None:
    """The largest shape that passed, and the points the budget skipped."""
    largest = result.get("largest_passed")
    if largest:
        console.print(f"largest shape that passed: {largest['parents']} x {largest['shape']} "
                      f"({largest['activities_total']} activities, {largest['workers']} "
                      f"worker(s)) in {largest['point_seconds']} s; most CPU: "
                      f"{largest['busiest']}")
    for skip in result.get("skipped", []):
        console.print(f"skipped {skip['shape']} w{skip['workers']}: predicted "
                      f"{skip['predicted_s']} s, {skip['left_s']} s left of the budget")


def print_scale_table(rows: list[dict[str, Any]]) -> None:
    """Plain aligned text: never truncated or wrapped, whatever the terminal's width."""
    cells = [list(_SCALE_COLUMNS.values())]
    cells += [[_cell(row.get(k, "")) for k in _SCALE_COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(_SCALE_COLUMNS))]
    print("scale sweep (s2s: activity schedule-to-start)")
    for line in cells:
        print("  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)))


def print_bench(result: dict[str, Any]) -> None:
    from harness.bench.run import RATIOS, TARGETS, figure, meets

    for key, error in result.get("errors", {}).items():
        console.print(f"[red]{key} failed:[/] {error}")
    syn = result["raw"].get("synthetic") or {}
    if syn:
        console.print(f"synthetic {syn['children']} x {syn['activities']}: written in "
                      f"{syn['write_seconds']} s; {len(syn['checks'])} checks (excluded: "
                      f"{', '.join(syn['excluded']) or '-'}); verdicts {syn['verdicts']}")
    table = Table(title=f"bench ({'quick' if result['quick'] else 'full'}, "
                        f"{result['seconds']} s)", title_justify="left")
    for col in ("figure", "median", "min", "max", "spread", "target", "met"):
        table.add_column(col)
    for key, target in TARGETS.items():
        value = result.get(key)
        met = meets(key, figure(result, key))
        mark = {True: "[green]yes[/]", False: "[yellow]no[/]", None: "-"}[met]
        bound = "<=" if key.startswith("synthetic_") else ">="
        if key in RATIOS and isinstance(value, dict):
            spread = "-" if value["spread"] is None else f"{value['spread']:.1%}"
            if value.get("unstable"):
                spread = f"[yellow]{spread} > 10%[/]"
            table.add_row(key, str(value["median"]), str(value["min"]), str(value["max"]),
                          spread, f"{bound} {target}", mark)
        else:
            table.add_row(key, str(value), "", "", "", f"{bound} {target}", mark)
    table.add_row("synthetic_1m_checks_cpu_seconds",
                  str(result.get("synthetic_1m_checks_cpu_seconds")), "", "", "", "(info)", "-")
    proxy = result.get("proxy_vs_direct") or {}
    table.add_row("proxy_vs_direct", str(proxy.get("median")), "", "", "", "(info)", "-")
    console.print(table)
