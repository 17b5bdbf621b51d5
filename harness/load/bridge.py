"""One asyncio loop in one OS thread per Locust process, and greenlets that wait on it.

Why: the Temporal client is asyncio (gRPC in Rust underneath). Running `asyncio.run` per task
inside greenlets breaks as soon as two run at once, so each Locust process keeps ONE loop in
ONE real thread holding ONE shared Client. A user greenlet submits its coroutine with
`run_coroutine_threadsafe` and parks on a gevent async watcher that the loop thread fires when
the future is done: gevent Events and AsyncResults are not thread-safe, async watchers are.

Imports gevent, never locust, so it can be tested without the monkey-patch.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import gevent
from gevent.hub import Waiter

T = TypeVar("T")


class AsyncBridge:
    """Run coroutines on a private loop thread; wait for them cooperatively from greenlets."""

    def __init__(self) -> None:
        # The hub must exist in the main thread before the loop thread starts: created the
        # other way round, the two can deadlock on an import lock (docs/temporal-facts.md).
        self._hub = gevent.get_hub()
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="harness-asyncio", daemon=True)
        self._lock = threading.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()

    def start(self) -> AsyncBridge:
        self._thread.start()
        self._ready.wait(10)
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._ready.set)
        self.loop.run_forever()

    @property
    def pending(self) -> int:
        """Coroutines submitted and not finished yet."""
        with self._lock:
            return len(self._tasks)

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule `coro` on the loop; it runs to completion even if the waiter is killed."""
        return asyncio.run_coroutine_threadsafe(self._tracked(coro), self.loop)

    async def _tracked(self, coro: Coroutine[Any, Any, T]) -> T:
        task = asyncio.current_task()
        assert task is not None
        with self._lock:
            self._tasks.add(task)
        try:
            return await coro
        finally:
            with self._lock:
                self._tasks.discard(task)

    def wait(self, future: concurrent.futures.Future[T]) -> T:
        """Block this greenlet (not the process) until `future` is done; return its result.

        The watcher is started before the done-callback is added: a send to a watcher that is
        not started yet is lost, and a future that finishes in between would hang us forever.
        A GreenletExit (the user killed at stop time) propagates; the coroutine goes on.
        """
        if not future.done():
            watcher = self._hub.loop.async_()
            waiter = Waiter(self._hub)
            watcher.start(waiter.switch, None)
            try:
                future.add_done_callback(lambda _f: watcher.send())
                waiter.get()
            finally:
                watcher.stop()
                watcher.close()
        return future.result()

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.wait(self.submit(coro))

    def cancel_pending(self, timeout: float = 10.0) -> int:
        """Cancel every coroutine still running and wait until each has handled it.

        Cancelling through the loop (not the concurrent futures) lets the coroutines run
        their `except CancelledError` / `finally` (journal an `info`) before we return.
        """

        async def cancel_all() -> int:
            with self._lock:
                tasks = [t for t in self._tasks if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks, timeout=timeout)
            return len(tasks)

        return self.call(cancel_all())

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout)
