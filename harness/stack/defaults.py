"""Well-known ports of the external stack (docker-compose.yml) that the docs point at."""

TEMPORAL_PORT = 7233
TEMPORAL_UI_PORT = 8080
TOXIPROXY_PORT = 8474
