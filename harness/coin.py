"""The deterministic coin every seeded fault decision uses.

A hit is a pure function of (seed, key, step, attempt), never a global random, so the
harness process, each worker and each Locust process agree on it and a seed replays the
same hits whatever the interleaving, and in the next run of the same scenario: keys name
workflows within their run (`within_run`), as every run has a new run id.
"""

from __future__ import annotations

import hashlib


def chosen(seed: int, key: str, step: str, attempt: int, rate: float) -> bool:
    """True for a fraction `rate` of inputs; same inputs, same answer, in any process."""
    digest = hashlib.sha256(f"{seed}:{key}:{step}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def within_run(key: str) -> str:
    """A key without its run's prefix: `<run id>/order_saga-3/...` -> `order_saga-3/...`.
    With the prefix, the same scenario and seed would hit other workflows on each run, and
    a minimal scenario from explore would fail only when its coin happened to land."""
    return key.split("/", 1)[1] if "/" in key else key
