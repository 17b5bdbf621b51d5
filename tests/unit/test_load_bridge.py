"""The asyncio bridge: greenlets wait cooperatively on coroutines run by one loop thread.

gevent is imported (never locust, never monkey-patched): greenlets here are explicit.
"""

from __future__ import annotations

import asyncio
import threading

import gevent
import pytest

from harness.load.bridge import AsyncBridge


@pytest.fixture
def bridge():
    b = AsyncBridge().start()
    yield b
    b.stop()


def test_many_greenlets_wait_at_once(bridge: AsyncBridge) -> None:
    loop_threads: set[str] = set()

    async def work(i: int) -> int:
        loop_threads.add(threading.current_thread().name)
        await asyncio.sleep(0.05)
        return i * 2

    greenlets = [gevent.spawn(bridge.call, work(i)) for i in range(20)]
    gevent.joinall(greenlets, timeout=10)
    assert [g.value for g in greenlets] == [i * 2 for i in range(20)]
    assert loop_threads == {"harness-asyncio"}
    assert bridge.pending == 0


def test_an_already_finished_future_does_not_hang(bridge: AsyncBridge) -> None:
    async def now() -> str:
        return "done"

    future = bridge.submit(now())
    future.result(timeout=5)
    assert bridge.wait(future) == "done"


def test_a_killed_waiter_leaves_the_coroutine_running(bridge: AsyncBridge) -> None:
    finished = threading.Event()

    async def slow() -> None:
        await asyncio.sleep(0.2)
        finished.set()

    waiter = gevent.spawn(bridge.call, slow())
    gevent.sleep(0.05)
    waiter.kill(block=True)
    assert finished.wait(5)


def test_cancel_pending_lets_coroutines_clean_up(bridge: AsyncBridge) -> None:
    cleaned = []

    async def forever(i: int) -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cleaned.append(i)
            raise

    futures = [bridge.submit(forever(i)) for i in range(3)]
    gevent.sleep(0.1)
    assert bridge.pending == 3
    assert bridge.cancel_pending() == 3
    assert sorted(cleaned) == [0, 1, 2] and all(f.cancelled() for f in futures)
