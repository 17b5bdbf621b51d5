"""SDK metrics: targets from the run folder's worker configs, scraped over loopback HTTP."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from aiohttp import web

from harness.load.sdk_metrics import metric_targets, scrape_metrics
from harness.stack.ports import free_port


def test_targets_come_from_worker_configs(tmp_path: Path) -> None:
    workers = tmp_path / "workers"
    workers.mkdir()
    (workers / "worker-1.1.json").write_text(json.dumps({"identity": "worker-1.1",
                                                          "metrics_port": 9001}))
    (workers / "worker-2.1.json").write_text(json.dumps({"identity": "worker-2.1",
                                                          "metrics_port": None}))
    (workers / "broken.json").write_text("{")
    assert metric_targets(tmp_path) == [("worker-1.1", 9001)]


def test_scrape_writes_prom_files_and_reports_errors(tmp_path: Path) -> None:
    async def scenario() -> dict[str, str]:
        async def metrics(_request: web.Request) -> web.Response:
            return web.Response(text="temporal_x 1\n")

        app = web.Application()
        app.router.add_get("/metrics", metrics)
        runner = web.AppRunner(app)
        await runner.setup()
        port, dead = free_port(), free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            return await scrape_metrics([("w1", port), ("w2", dead)], tmp_path / "metrics",
                                        timeout=2)
        finally:
            await runner.cleanup()

    result = asyncio.run(scenario())
    assert (tmp_path / "metrics" / "w1.prom").read_text() == "temporal_x 1\n"
    assert result["w2"].startswith("error:")
    assert asyncio.run(scrape_metrics([], tmp_path / "none")) == {}
    assert not (tmp_path / "none").exists()
