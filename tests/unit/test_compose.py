"""docker-compose.yml brings up the harness's cluster stack with Docker: the same server
version, the same configuration files, the same ports and schema steps.

There is no Docker engine on the build machine: this validates the file, it does not run it.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from harness.stack import defaults
from harness.stack.cluster.build import CONFIG_TEMPLATE, DYNAMIC_CONFIG, SERVER_VERSION
from harness.stack.cluster.cluster import DEFAULT_HISTORY_HOSTS, DEFAULT_SHARDS
from harness.stack.cluster.layout import HIGH

ROOT = Path(__file__).parents[2]
COMPOSE = ROOT / "docker-compose.yml"
TEMPORAL = ["temporal-frontend", "temporal-history-1", "temporal-history-2",
            "temporal-matching", "temporal-worker"]


def load() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(COMPOSE.read_text())


def template_default(name: str) -> str:
    """The default the shared config template gives an environment variable."""
    match = re.search(r'default "([^"]*)" \(env "' + name + r'"\)', CONFIG_TEMPLATE.read_text())
    assert match, name
    return match.group(1)


def test_services_present_and_images_pinned() -> None:
    services = load()["services"]
    assert {"postgresql", "temporal-schema", "temporal-namespace", "temporal-ui",
            "toxiproxy", *TEMPORAL} <= set(services)
    for name, service in services.items():
        assert "image" in service, name
        assert ":" in service["image"] and not service["image"].endswith(":latest"), name


def test_same_server_version_and_history_hosts_as_the_cluster_stack() -> None:
    services = load()["services"]
    for name in TEMPORAL:
        assert services[name]["image"] == f"temporalio/server:{SERVER_VERSION}", name
    for name in ("temporal-schema", "temporal-namespace"):
        assert services[name]["image"] == f"temporalio/admin-tools:{SERVER_VERSION}", name
    histories = [n for n in services if n.startswith("temporal-history-")]
    assert len(histories) == DEFAULT_HISTORY_HOSTS


def test_same_configuration_files_and_shards_as_the_cluster_stack() -> None:
    services = load()["services"]
    assert template_default("NUM_HISTORY_SHARDS") == str(DEFAULT_SHARDS)
    for name in TEMPORAL:
        service = services[name]
        (mount,) = service["volumes"]
        source, target, _ = mount.split(":")
        assert (ROOT / source).resolve() == CONFIG_TEMPLATE.parent
        command = service["command"]
        assert command[:5] == ["temporal-server", "--config-file",
                               f"{target}/{CONFIG_TEMPLATE.name}", "--allow-no-auth", "start"]
        assert command[-1] == name.removeprefix("temporal-").rstrip("-12")
        env = service["environment"]
        assert env["NUM_HISTORY_SHARDS"] == str(DEFAULT_SHARDS)
        assert env["DYNAMIC_CONFIG_FILE"] == f"{target}/{DYNAMIC_CONFIG.name}"
        assert env["BIND_IP"] == "127.0.0.1" and service["network_mode"] == "host"
        assert service["depends_on"]["temporal-schema"]["condition"] == \
            "service_completed_successfully"


def test_ports_match_the_harness_defaults_and_fit_the_schema() -> None:
    services = load()["services"]
    assert template_default("FRONTEND_GRPC_PORT") == str(defaults.TEMPORAL_PORT)
    assert services["temporal-ui"]["environment"]["TEMPORAL_UI_PORT"] == \
        str(defaults.TEMPORAL_UI_PORT)
    assert services["temporal-ui"]["environment"]["TEMPORAL_ADDRESS"] == \
        f"127.0.0.1:{defaults.TEMPORAL_PORT}"
    toxiproxy = services["toxiproxy"]
    assert toxiproxy["network_mode"] == "host"
    assert f"-port={defaults.TOXIPROXY_PORT}" in toxiproxy["command"]
    assert "-host=127.0.0.1" in toxiproxy["command"]
    membership = {int(template_default(f"{s}_MEMBERSHIP_PORT"))
                  for s in ("FRONTEND", "HISTORY", "MATCHING", "WORKER")}
    second = services["temporal-history-2"]["environment"]
    membership.add(int(second["HISTORY_MEMBERSHIP_PORT"]))
    assert len(membership) == 5 and max(membership) <= HIGH  # SMALLINT column
    assert second["HISTORY_GRPC_PORT"] != template_default("HISTORY_GRPC_PORT")
    for service in services.values():
        assert "ports" not in service or all(str(p).startswith("127.0.0.1:")
                                             for p in service["ports"])
    assert "listen_addresses=127.0.0.1" in services["postgresql"]["command"]


def test_schema_steps_are_the_cluster_stacks() -> None:
    services = load()["services"]
    script = " ".join(services["temporal-schema"]["command"])
    for step in ("create-database", "setup-schema -v 0.0", "update-schema",
                 "postgresql/v12/$$dir/versioned", "temporal:temporal",
                 "temporal_visibility:visibility"):
        assert step in script, step
    assert services["temporal-schema"]["depends_on"]["postgresql"]["condition"] == \
        "service_healthy"
    assert "healthcheck" in services["postgresql"]


def test_optional_metrics_profile_and_its_config_exists() -> None:
    services = load()["services"]
    for name in ("prometheus", "grafana"):
        assert services[name]["profiles"] == ["metrics"]
    mounted = services["prometheus"]["volumes"][0].split(":")[0]
    assert (COMPOSE.parent / mounted).exists()
    assert set(load()["volumes"]) == {"postgresql-data"}
