"""The workers' SDK Prometheus metrics, scraped from a real worker into the run folder."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from harness.journal import Journal
from harness.load.sdk_metrics import metric_targets, scrape_metrics
from harness.runner import worker_config
from harness.scenario import parse_scenario
from harness.stack.ports import free_port
from harness.stack.stack import Stack
from harness.stack.supervisor import WorkerSupervisor

pytestmark = pytest.mark.integration


def test_scrape_a_worker_that_exports_metrics(stack: Stack, tmp_path: Path) -> None:
    scenario = parse_scenario("name: m\nworkloads: [{name: order_saga, count: 1}]\n", "<t>")
    config = replace(worker_config(scenario, stack, "metrics-test", 1), metrics_port=free_port())
    journal = Journal(tmp_path / "journal.jsonl")
    supervisor = WorkerSupervisor(tmp_path, journal, config, 1)

    async def run() -> dict[str, str]:
        await supervisor.start_all()
        try:
            targets = metric_targets(tmp_path)
            assert targets == [("worker-1.1", config.metrics_port)]
            for _ in range(50):  # the exporter may bind a moment after "ready"
                result = await scrape_metrics(targets, tmp_path / "metrics", timeout=2)
                if not result["worker-1.1"].startswith("error"):
                    return result
                await asyncio.sleep(0.1)
            return result
        finally:
            supervisor.stop_all()
            journal.close()

    result = asyncio.run(run())
    text = (tmp_path / "metrics" / "worker-1.1.prom").read_text()
    assert result["worker-1.1"].endswith("worker-1.1.prom")
    assert "temporal_" in text
