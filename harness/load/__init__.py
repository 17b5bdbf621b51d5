"""Load and scale: Locust-driven load (`harness load`), fan-out sweeps (`harness scale`).

Locust monkey-patches its process with gevent, which breaks asyncio and gRPC (see
docs/temporal-facts.md), so nothing in this package imports locust
except `locustfile.py`, which only ever runs inside Locust's own subprocesses.
"""
