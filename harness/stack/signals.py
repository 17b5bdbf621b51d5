"""SIGTERM and SIGHUP delivered as KeyboardInterrupt, so the teardown written for Ctrl-C
(every ``finally``, every heal, the atexit safety net) runs for them too. Without the handlers
a SIGTERM kills Python without running either, and only the on-disk ownership record is
left to clean up.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any


class TerminatedBySignal(KeyboardInterrupt):
    """SIGTERM or SIGHUP, delivered as a KeyboardInterrupt so the same cleanup paths run.

    It is a KeyboardInterrupt subclass so every ``except KeyboardInterrupt`` and ``finally``
    written for Ctrl-C covers it, while the CLI can still tell which signal it was.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(f"received {signal.Signals(signum).name}")
        self.signum = signum


_HANDLED_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
_original_handlers: dict[int, Any] = {}
_interrupted = False


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    """Raise once; later signals must not interrupt the teardown the first one started."""
    global _interrupted
    if _interrupted:
        print(
            f"harness: {signal.Signals(signum).name} again while shutting down; "
            "still cleaning up (SIGKILL skips cleanup; the next start reaps leftovers)",
            file=sys.stderr,
        )
        return
    _interrupted = True
    raise TerminatedBySignal(signum)


SignalHandler = Callable[[int, FrameType | None], Any] | int | None


def install_signal_handlers() -> dict[int, SignalHandler]:
    """Make SIGTERM and SIGHUP raise KeyboardInterrupt (TerminatedBySignal) in the main thread,
    and SIGINT raise KeyboardInterrupt even when the harness inherited it ignored.

    Returns the handlers that were in place before the first call, for
    ``restore_signal_handlers``. Calling it again is harmless and returns the same originals.
    Must be called from the main thread (Python only runs signal handlers there).
    """
    global _interrupted
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("install_signal_handlers must be called from the main thread")
    for sig in _HANDLED_SIGNALS:
        current = signal.getsignal(sig)
        if current is not _raise_interrupt:
            _original_handlers[sig] = current
            signal.signal(sig, _raise_interrupt)
    # Python leaves a SIGINT that was ignored when it started ignored (a background job of a
    # non-interactive shell, some CI runners): Ctrl-C would then never reach the cleanup.
    current = signal.getsignal(signal.SIGINT)
    if current is not signal.default_int_handler and not callable(current):
        _original_handlers[signal.SIGINT] = current
        signal.signal(signal.SIGINT, signal.default_int_handler)
    _interrupted = False
    return dict(_original_handlers)


def restore_signal_handlers(previous: Mapping[int, SignalHandler]) -> None:
    """Put back handlers returned by ``install_signal_handlers``."""
    global _interrupted
    for sig, handler in previous.items():
        signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        _original_handlers.pop(sig, None)
    _interrupted = False
