"""The deterministic coin every seeded fault decision uses.

A hit is a pure function of (seed, key, step, attempt), never a global random, so the
harness process, each worker and each Locust process agree on it and a seed replays the
same hits whatever the interleaving.
"""

from __future__ import annotations

import hashlib


def chosen(seed: int, key: str, step: str, attempt: int, rate: float) -> bool:
    """True for a fraction `rate` of inputs; same inputs, same answer, in any process."""
    digest = hashlib.sha256(f"{seed}:{key}:{step}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate
