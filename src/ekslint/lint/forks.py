"""An ordered map over worker processes forked from this one.

A forked worker starts as a copy of this process, so it already holds everything built so far
(settings, linters, the project's inventory): it is sent only which item to work on, through a
pipe, and sends back what the task returns, through another. multiprocessing's Pool would cost a
lint of a few MB (a repository) more than the workers save: importing it takes about 25 ms (it
brings threading, queue, socket, tempfile and traceback), and its three helper threads contend
with the parent for the GIL while it merges results.

A message is an 8-byte length and a pickle. A worker answers ``(index, True, value)`` or, when
the task raises, ``(index, False, the traceback's text)``, which the parent raises as a
``WorkerError``; a worker that dies (killed, out of memory) is a ``WorkerError`` too, not a
hang. When the parent stops early (an exception, Ctrl-C, SIGTERM or SIGHUP), the workers still
running are terminated, and every worker is waited for.
"""

from __future__ import annotations

import os

from ekslint import signals

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterable
    from typing import Any, TypeVar

    T = TypeVar("T")
    R = TypeVar("R")

_HEADER = 8  # bytes of a message's length


class WorkerError(RuntimeError):
    """A task failed in a worker process, or a worker process died."""


def ordered_map(
    task: Callable[[T], R], items: Iterable[T], workers: int
) -> Generator[R, None, None]:
    """``map(task, items)`` in ``workers`` forked processes, in the order of ``items``, which are
    taken from the iterable as workers become free. Only where ``jobs.can_fork()``. The workers are
    forked when the first result is asked for."""
    import gc
    import select
    import sys

    pending = iter(items)
    started: list[_Worker] = []
    given = 0  # items handed out
    wanted = 0  # the index of the next result to yield
    done: dict[int, Any] = {}
    busy: dict[int, _Worker] = {}  # result pipe -> its worker, while it works on an item
    poller = select.poll()

    def hand_out(worker: _Worker) -> None:
        nonlocal given
        for item in pending:
            worker.send((given, item))
            busy[worker.results] = worker
            given += 1
            return
        poller.unregister(worker.results)
        worker.send(None)  # nothing left: the worker exits

    terminating = signals.TerminatingSignals()
    try:
        for stream in (sys.stdout, sys.stderr):  # nothing buffered left for a child to repeat
            if stream is not None:
                stream.flush()
        # Objects made so far are left out of the collector's passes in the workers, which
        # would otherwise touch (and so copy) every page they inherit; a caller's own frozen
        # objects are left as the caller froze them.
        freeze = gc.get_freeze_count() == 0
        if freeze:
            gc.freeze()
        try:
            for _ in range(workers):
                # A signal between the fork and the list would leave a worker no one waits for.
                with signals.Held():
                    try:
                        started.append(_Worker.fork(task, started))
                    except OSError as exc:  # a process limit (EAGAIN), no memory
                        raise WorkerError(
                            f"cannot start a worker process ({exc.strerror or exc}); "
                            "--jobs 1 lints in this process"
                        ) from None
                poller.register(started[-1].results, select.POLLIN)
        finally:
            if freeze:
                gc.unfreeze()
        for worker in started:
            hand_out(worker)
        while busy:
            for descriptor, _ in poller.poll():
                worker = busy.pop(descriptor)
                index, ok, value = worker.receive()
                if not ok:
                    raise WorkerError(f"a worker process failed:\n{value}")
                done[index] = value
                hand_out(worker)
            while wanted in done:
                yield done.pop(wanted)
                wanted += 1
    finally:
        # A second Ctrl-C or SIGTERM waits until every worker is ended and waited for.
        with signals.Held():
            for worker in started:
                worker.end(busy.get(worker.results) is worker)
            terminating.restore()


class _Worker:
    def __init__(self, pid: int, tasks: int, results: int) -> None:
        self.pid, self.tasks, self.results = pid, tasks, results

    @staticmethod
    def fork(task: Callable[[Any], Any], siblings: list[_Worker]) -> _Worker:
        task_read, task_write = os.pipe()
        result_read, result_write = os.pipe()
        try:
            pid = os.fork()
        except BaseException:
            for descriptor in (task_read, task_write, result_read, result_write):
                os.close(descriptor)
            raise
        if pid == 0:  # the worker: it never returns
            code = 1
            try:
                signals.set_for_worker()
                for descriptor in (task_write, result_read):
                    os.close(descriptor)
                for sibling in siblings:  # the parent's ends of the other workers' pipes
                    os.close(sibling.tasks)
                    os.close(sibling.results)
                _serve(task, task_read, result_write)
                code = 0
            finally:
                os._exit(code)  # no atexit handlers, no flushing the parent's buffers
        os.close(task_read)
        os.close(result_write)
        return _Worker(pid, task_write, result_read)

    def send(self, message: object) -> None:
        try:
            _send(self.tasks, message)
        except BrokenPipeError:
            raise WorkerError(f"a worker process (pid {self.pid}) ended unexpectedly") from None

    def receive(self) -> tuple[int, bool, Any]:
        message = _receive(self.results)
        if message is None:
            raise WorkerError(f"a worker process (pid {self.pid}) ended unexpectedly")
        return message  # type: ignore[no-any-return]

    def end(self, working: bool) -> None:
        """Close the pipes and wait for the process. One still working is terminated first,
        then killed if it has not ended within a few seconds."""
        import contextlib
        import signal
        import time

        for descriptor in (self.tasks, self.results):
            with contextlib.suppress(OSError):
                os.close(descriptor)
        try:
            if working:
                with contextlib.suppress(OSError):
                    os.kill(self.pid, signal.SIGTERM)
                deadline = time.monotonic() + _GRACE_SECONDS
                while os.waitpid(self.pid, os.WNOHANG) == (0, 0):
                    if time.monotonic() > deadline:
                        os.kill(self.pid, signal.SIGKILL)
                        break
                    time.sleep(0.005)
                else:
                    return
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


# How long a terminated worker has to remove its temporary file before it is killed.
_GRACE_SECONDS = 5


def _serve(task: Callable[[Any], Any], tasks: int, results: int) -> None:
    """A worker's loop: run the task on each item it is sent until it is sent None."""
    while True:
        message = _receive(tasks)
        if message is None:
            return
        index, item = message
        try:
            answer: tuple[int, bool, Any] = (index, True, task(item))
        except Exception:
            import traceback

            answer = (index, False, traceback.format_exc())
        _send(results, answer)


def _send(descriptor: int, message: object) -> None:
    import pickle

    data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    view = memoryview(len(data).to_bytes(_HEADER, "little") + data)
    while view:
        view = view[os.write(descriptor, view) :]


def _receive(descriptor: int) -> Any:
    """The next message, or None at the end of the pipe."""
    header = _read(descriptor, _HEADER)
    if header is None:
        return None
    data = _read(descriptor, int.from_bytes(header, "little"))
    if data is None:
        return None
    import pickle

    return pickle.loads(data)


def _read(descriptor: int, size: int) -> bytes | None:
    parts: list[bytes] = []
    while size:
        part = os.read(descriptor, min(size, 1 << 20))
        if not part:
            return None
        parts.append(part)
        size -= len(part)
    return b"".join(parts)
