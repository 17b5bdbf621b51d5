"""Client-side fault state published by the harness and followed by the Locust processes."""

from __future__ import annotations

import os
from pathlib import Path

from harness.load.client_faults import ClientFaultsPublisher, SyncedClientFaults
from harness.workloads.client_faults import ClientFaults


def test_state_follows_the_harness(tmp_path: Path) -> None:
    path = tmp_path / "client_faults.json"
    harness_side = ClientFaults()
    publisher = ClientFaultsPublisher(path)
    locust_side = SyncedClientFaults(path)
    locust_side.refresh()  # no file yet: nothing happens
    assert not locust_side.faults.active
    publisher.publish(harness_side)
    locust_side.refresh()
    assert not locust_side.faults.active
    harness_side.seed, harness_side.rates, harness_side.active = 9, {"start": 0.5}, True
    publisher.publish(harness_side)
    os.utime(path, ns=(1, 10**18))  # a new mtime even on a coarse clock
    locust_side.refresh()
    assert (locust_side.faults.seed, locust_side.faults.rates, locust_side.faults.active) == (
        9, {"start": 0.5}, True)
    same = [harness_side.lose("start", f"w{i}") for i in range(50)]
    assert same == [locust_side.faults.lose("start", f"w{i}") for i in range(50)]
    assert any(same) and not all(same)


def test_a_seed_loses_the_same_calls_in_every_run() -> None:
    """The coin names workflows within their run: the next run of the scenario (a new run
    id) loses the same calls, so a reproduction does not depend on a new coin toss."""
    faults = ClientFaults(seed=7, rates={"start": 0.5}, active=True)
    keys = [f"order_saga-{i}" for i in range(40)]
    first = [faults.lose("start", f"run-a-20261130T1/{k}") for k in keys]
    again = [faults.lose("start", f"run-b-20261130T2/{k}") for k in keys]
    assert first == again
    assert 0 < sum(first) < len(keys)
