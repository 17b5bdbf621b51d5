"""Scrape the workers' SDK metrics (Prometheus text) into `<run>/metrics/<identity>.prom`.

A worker exports metrics when its WorkerConfig has `metrics_port` (worker_main starts a
PrometheusConfig runtime then). Ports are read back from the run folder's worker configs
(`workers/<identity>.json`, written by the supervisor for every incarnation), so this works
for whatever assigns the ports.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import aiohttp


def metric_targets(run_dir: Path) -> list[tuple[str, int]]:
    """(identity, port) of every worker incarnation that was given a metrics port."""
    targets = []
    for path in sorted((run_dir / "workers").glob("*.json")):
        try:
            config = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        port = config.get("metrics_port") if isinstance(config, dict) else None
        if port:
            targets.append((str(config.get("identity", path.stem)), int(port)))
    return targets


async def scrape_metrics(targets: Iterable[tuple[str, int]], out_dir: Path,
                         timeout: float = 5.0) -> dict[str, str]:
    """Fetch http://127.0.0.1:<port>/metrics for each target; identity -> file or error."""
    targets = list(targets)
    if not targets:
        return {}
    out_dir.mkdir(parents=True, exist_ok=True)

    async def one(session: aiohttp.ClientSession, identity: str, port: int) -> tuple[str, str]:
        url = f"http://127.0.0.1:{port}/metrics"
        try:
            async with session.get(url, timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
                resp.raise_for_status()
                text = await resp.text()
        except (TimeoutError, aiohttp.ClientError) as err:
            return identity, f"error: {url}: {err!r}"
        path = out_dir / f"{identity}.prom"
        path.write_text(text, encoding="utf-8")
        return identity, str(path)

    async with aiohttp.ClientSession() as session:
        results = await asyncio.gather(*(one(session, i, p) for i, p in targets))
    return dict(results)


async def scrape_live_workers(run_dir: Path, supervisor: Any) -> dict[str, str]:
    """Scrape the workers (of a WorkerSupervisor) still alive into `<run>/metrics/`."""
    alive = {s.identity for s in supervisor.slots if s.process is not None and s.process.alive()}
    targets = [t for t in metric_targets(run_dir) if t[0] in alive]
    return await scrape_metrics(targets, run_dir / "metrics")
