"""docker-compose.yml is valid in structure and matches the harness's documented defaults.

There is no Docker engine on the build machine: this validates the file, it does not run it.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from harness.stack import defaults

COMPOSE = Path(__file__).parents[2] / "docker-compose.yml"


def load() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(COMPOSE.read_text())


def test_services_present() -> None:
    services = load()["services"]
    assert {"postgresql", "temporal", "temporal-ui", "toxiproxy"} <= set(services)
    for name, service in services.items():
        assert "image" in service, name
        assert ":" in service["image"] and not service["image"].endswith(":latest"), name


def test_ports_match_harness_defaults_and_bind_loopback() -> None:
    services = load()["services"]
    assert f"127.0.0.1:{defaults.TEMPORAL_PORT}:7233" in services["temporal"]["ports"]
    assert f"127.0.0.1:{defaults.TEMPORAL_UI_PORT}:8080" in services["temporal-ui"]["ports"]
    toxiproxy = services["toxiproxy"]
    assert toxiproxy["network_mode"] == "host"
    assert f"-port={defaults.TOXIPROXY_PORT}" in toxiproxy["command"]
    assert "-host=127.0.0.1" in toxiproxy["command"]
    for service in services.values():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), port


def test_temporal_uses_postgresql_and_waits_for_it() -> None:
    services = load()["services"]
    temporal = services["temporal"]
    assert temporal["environment"]["DB"].startswith("postgres")
    assert temporal["environment"]["POSTGRES_SEEDS"] == "postgresql"
    assert temporal["depends_on"]["postgresql"]["condition"] == "service_healthy"
    assert "healthcheck" in services["postgresql"]


def test_optional_metrics_profile_and_its_config_exists() -> None:
    services = load()["services"]
    for name in ("prometheus", "grafana"):
        assert services[name]["profiles"] == ["metrics"]
    mounted = services["prometheus"]["volumes"][0].split(":")[0]
    assert (COMPOSE.parent / mounted).exists()
    assert set(load()["volumes"]) == {"postgresql-data"}
