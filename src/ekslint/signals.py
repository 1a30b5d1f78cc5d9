"""SIGTERM and SIGHUP as exceptions, for the time a run has work to finish or to stop.

By default either signal ends the process at once: worker processes are left to run on alone,
and a file being written by ``--fix`` may leave its temporary file behind. While a
``TerminatingSignals`` is in place they raise ``SystemExit(128 + signal)`` instead, as Ctrl-C
raises KeyboardInterrupt, so that ``finally`` blocks run (workers are terminated and waited
for, temporary files removed, pending writes finished) and the shell still sees 143 or 129.
A handler that someone else installed (a program embedding ekslint) is left alone, and only
the main thread can set handlers, so elsewhere nothing changes.

``Held`` blocks these signals and Ctrl-C for a while (a fork, ending the workers), and
``set_for_worker`` gives a forked worker its own handlers, whatever its parent's were.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


_TERMINATING = ("SIGTERM", "SIGHUP")
_HELD = ("SIGINT", *_TERMINATING)  # what Held blocks and a worker lets through


def _numbers(names: tuple[str, ...]) -> set[int]:
    """The signals of ``names`` that this platform has."""
    import signal

    return {getattr(signal, name) for name in names if hasattr(signal, name)}


class TerminatingSignals:
    def __init__(self) -> None:
        import signal

        self.previous: dict[int, Any] = {}
        for number in _numbers(_TERMINATING):
            if signal.getsignal(number) != signal.SIG_DFL:
                continue
            try:
                self.previous[number] = signal.signal(number, exit_on_signal)
            except ValueError:  # not the main thread
                return

    def restore(self) -> None:
        import signal

        for number, handler in self.previous.items():
            signal.signal(number, handler)
        self.previous.clear()

    def __enter__(self) -> TerminatingSignals:
        return self

    def __exit__(self, *exc: object) -> None:
        self.restore()


def exit_on_signal(number: int, frame: object) -> None:
    raise SystemExit(128 + number)


class Held:
    """Block Ctrl-C, SIGTERM and SIGHUP for a while; one that came meanwhile is delivered (and
    raises) when the block ends. Where signals cannot be blocked, nothing is held."""

    def __enter__(self) -> None:
        import signal

        self.blocked: set[int] = set()
        if hasattr(signal, "pthread_sigmask"):
            held = _numbers(_HELD)
            self.blocked = held - signal.pthread_sigmask(signal.SIG_BLOCK, held)

    def __exit__(self, *exc: object) -> None:
        import signal

        if self.blocked:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, self.blocked)


def set_for_worker() -> None:
    """A forked worker's handlers, whatever the parent's were (an embedding program's SIGTERM
    handler must not run in it): SIGTERM and SIGHUP raise SystemExit, so that a fix being
    written removes its temporary file, Ctrl-C raises KeyboardInterrupt; then the signals the
    parent held while forking (``Held``) are let through."""
    import signal

    for number in _numbers(_TERMINATING):
        signal.signal(number, exit_on_signal)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _numbers(_HELD))
