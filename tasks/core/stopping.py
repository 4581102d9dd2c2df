"""Stopping long numerical work when the run is asked to stop.

A signal (SIGTERM, SIGINT) reaches only the main thread, and Python runs its handler between bytecodes of that
thread. The fit stage runs on worker threads: the main thread waits for them, takes the signal, and leaves; but
the flow's task runner then joins its workers before the process can exit, and a worker thread cannot be
interrupted from outside. Without a way to stop them, the first SIGTERM took effect only when every fit had
finished (minutes, with many resamples).

So the loops that can run long (the resampling loops of ``tasks/core``, the trends of a fit batch) call ``check()``
between blocks of work: each block is one bounded vectorised step (``tasks.core.uncertainty.BLOCK_ELEMENTS`` cells),
so a stop takes effect within a fraction of a second. ``stoppable()`` is the scope in which work is handed to
worker threads (``tasks.platform.tracking.StageTracker.map``): the threads inherit its stop event through their
context, and any exception that leaves the scope in the waiting thread (the signal's, or an error) sets it.
``request_stop()`` sets every active scope's event (the command line's signal handler calls it). Outside a scope
``check()`` does nothing.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading

_current: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar("inference_trends_stop",
                                                                                  default=None)
_active: list[threading.Event] = []


class StopRequested(BaseException):
    """Raised by ``check()`` in work whose run was asked to stop. A BaseException, so that no ``except Exception``
    in a method turns a stop into a result (which would then be cached)."""


def check() -> None:
    """Raise ``StopRequested`` if the current stoppable scope was asked to stop."""
    event = _current.get()
    if event is not None and event.is_set():
        raise StopRequested("the run was asked to stop")


@contextlib.contextmanager
def stoppable():
    """A scope whose stop event the work started inside it (threads inherit the context) checks."""
    event = threading.Event()
    token = _current.set(event)
    _active.append(event)
    try:
        yield event
    except BaseException:
        event.set()  # the waiting thread leaves: the work it waited for stops too
        raise
    finally:
        _current.reset(token)
        with contextlib.suppress(ValueError):
            _active.remove(event)


def request_stop() -> None:
    """Ask every active scope of this process to stop (safe in a signal handler: no locks)."""
    for event in list(_active):
        event.set()
