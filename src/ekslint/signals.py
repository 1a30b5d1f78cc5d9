"""SIGTERM and SIGHUP as exceptions, for the time a run has work to finish or to stop.

By default either signal ends the process at once: worker processes are left to run on alone,
and a file being written by ``--fix`` may leave its temporary file behind. While a
``TerminatingSignals`` is in place they raise ``SystemExit(128 + signal)`` instead, as Ctrl-C
raises KeyboardInterrupt, so that ``finally`` blocks run (workers are terminated and waited
for, temporary files removed, pending writes finished) and the shell still sees 143 or 129.
A handler that someone else installed (a program embedding ekslint) is left alone, and only
the main thread can set handlers, so elsewhere nothing changes. Forked workers inherit it.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class TerminatingSignals:
    def __init__(self) -> None:
        import signal

        self.previous: dict[int, Any] = {}
        for name in ("SIGTERM", "SIGHUP"):
            number = getattr(signal, name, None)
            if number is None or signal.getsignal(number) != signal.SIG_DFL:
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
