"""Which link new worker processes use to reach Temporal.

The stack routes workers through the toxiproxy `temporal` proxy so network faults can be
injected on that link. With no network fault scheduled (a pure scale sweep, a benchmark)
that hop only costs: measured on 2 cores, a minimal 100x30 fan-out ran at 258 activities/s
direct and 222 through the idle proxy (3 alternating runs each; single runs vary by 20%).
`workers_direct` points the workers started inside it straight at the frontend (the
address the harness's own client uses) and restores the link.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from harness.stack.stack import Stack


@contextmanager
def workers_direct(stack: Stack, enabled: bool = True) -> Iterator[None]:
    saved = stack.worker_connection
    if enabled and stack.direct is not None:
        stack.worker_connection = stack.direct
    try:
        yield
    finally:
        stack.worker_connection = saved
