"""The forked workers' ordered map (ekslint.lint.forks): order, failures, dead workers, and
that no worker outlives the map."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ekslint.lint.forks import WorkerError, ordered_map
from ekslint.lint.jobs import can_fork

pytestmark = pytest.mark.skipif(not can_fork(), reason="workers are forked")


def _children() -> set[int]:
    """This process's live child processes (Linux: from /proc)."""
    me = str(os.getpid())
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == me and fields[0] != "Z":
                found.add(int(entry))
    return found


needs_proc = pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")


def _slow_square(value: int) -> int:
    time.sleep((value % 3) * 0.002)  # uneven, so that results come back out of order
    return value * value


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(0, 1000), max_size=30), st.integers(1, 4))
def test_results_come_in_the_order_of_the_items(items: list[int], workers: int) -> None:
    assert list(ordered_map(_slow_square, items, workers)) == [v * v for v in items]


def test_items_are_taken_as_workers_become_free() -> None:
    taken: list[int] = []

    def items() -> Iterator[int]:
        for value in range(10):
            taken.append(value)
            yield value

    results = ordered_map(_slow_square, items(), 2)
    assert taken == []  # nothing is taken before the first result is asked for
    assert next(results) == 0
    assert len(taken) < 10
    assert list(results) == [v * v for v in range(1, 10)]


def _fail_on_three(value: int) -> int:
    if value == 3:
        raise ValueError("three is not allowed")
    return value


@needs_proc
def test_a_task_that_raises_is_a_worker_error_with_its_traceback() -> None:
    before = _children()
    with pytest.raises(WorkerError, match="ValueError: three is not allowed"):
        list(ordered_map(_fail_on_three, range(8), 2))
    assert _children() == before  # every worker was waited for


def _die_on_two(value: int) -> int:
    if value == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return value


@needs_proc
def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    before = _children()
    with pytest.raises(WorkerError, match="ended unexpectedly"):
        list(ordered_map(_die_on_two, range(6), 2))
    assert _children() == before


def _sleep_long(value: int) -> int:
    time.sleep(30 if value else 0)
    return value


@needs_proc
def test_stopping_early_terminates_the_workers_still_working() -> None:
    before = _children()
    started = time.monotonic()
    results = ordered_map(_sleep_long, [0, 1, 1], 3)
    assert next(results) == 0
    results.close()  # what an exception in the caller's loop does
    assert _children() == before
    assert time.monotonic() - started < 20  # terminated, not waited out


def test_a_worker_sees_what_the_parent_built_before_forking() -> None:
    built = {"settings": "made in the parent"}
    assert list(ordered_map(lambda key: built[key], ["settings"], 1)) == ["made in the parent"]


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@needs_proc
def test_a_fork_that_fails_part_way_leaves_no_worker_and_no_pipe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_fork = os.fork
    forks = []

    def fork_twice() -> int:
        if len(forks) == 2:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        forks.append(1)
        return real_fork()

    before, descriptors = _children(), _open_descriptors()
    monkeypatch.setattr(os, "fork", fork_twice)
    with pytest.raises(WorkerError, match="cannot start a worker process"):
        list(ordered_map(_slow_square, range(8), 4))
    assert _children() == before
    assert _open_descriptors() == descriptors


def test_a_callers_frozen_objects_stay_frozen() -> None:
    import gc

    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert list(ordered_map(_slow_square, range(4), 2)) == [0, 1, 4, 9]
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


_TERMINATED = """
import os, sys, time
from ekslint.lint.forks import ordered_map

def slow(value):
    os.write(1, f"{os.getpid()}\\n".encode())  # one write: the two workers' lines stay whole
    time.sleep(30)
    return value

for value in ordered_map(slow, range(4), 2):
    pass
"""


@needs_proc
@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_terminating_the_parent_terminates_its_workers(name: str) -> None:
    """``kill PID`` on ekslint: it ends (128 + the signal), and its workers with it, instead of
    leaving them to finish their items (a fix may be writing) with no one to report to."""
    import subprocess
    import sys

    number = getattr(signal, name)
    parent = subprocess.Popen(
        [sys.executable, "-c", _TERMINATED], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    workers = [int(parent.stdout.readline()) for _ in range(2)]
    parent.send_signal(number)
    assert parent.wait(timeout=20) == 128 + number
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{w}") for w in workers):
        time.sleep(0.05)
    assert not any(os.path.exists(f"/proc/{w}") for w in workers)


def test_terminating_signals_raise_system_exit_while_in_place() -> None:
    from ekslint.signals import TerminatingSignals

    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    with TerminatingSignals(), pytest.raises(SystemExit) as stopped:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1)  # the handler runs at the next bytecode
    assert stopped.value.code == 128 + signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # restored


def test_terminating_signals_leave_someone_elses_handler_and_other_threads_alone() -> None:
    import threading

    from ekslint.signals import TerminatingSignals

    def own(number: int, frame: object) -> None:
        pass

    previous = signal.signal(signal.SIGHUP, own)
    try:
        with TerminatingSignals():
            assert signal.getsignal(signal.SIGHUP) is own
    finally:
        signal.signal(signal.SIGHUP, previous)
    installed: list[object] = []

    def in_a_thread() -> None:
        with TerminatingSignals():
            installed.append(signal.getsignal(signal.SIGTERM))

    thread = threading.Thread(target=in_a_thread)
    thread.start()
    thread.join()
    assert installed == [signal.SIG_DFL]


def _handler_in_worker(_: int) -> object:
    return signal.getsignal(signal.SIGTERM)


def test_a_worker_has_its_own_handlers_whatever_the_parents() -> None:
    """An embedding program's SIGTERM handler must not run in a worker (it would keep the
    worker from ending when the map terminates it)."""
    from ekslint.signals import exit_on_signal

    def embedders(number: int, frame: object) -> None:
        pass

    previous = signal.signal(signal.SIGTERM, embedders)
    try:
        assert list(ordered_map(_handler_in_worker, [0], 1)) == [exit_on_signal]
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stubborn(value: int) -> int:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(30 if value else 0)
    return value


@needs_proc
def test_a_worker_that_ignores_termination_is_killed_after_a_grace_period(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ekslint.lint.forks as forks

    monkeypatch.setattr(forks, "_GRACE_SECONDS", 0.3)
    before = _children()
    started = time.monotonic()
    results = ordered_map(_stubborn, [0, 1], 2)
    assert next(results) == 0
    results.close()
    assert _children() == before
    assert time.monotonic() - started < 10


def test_workers_forked_from_another_thread_have_the_handlers_too() -> None:
    """Where the caller's thread cannot set handlers (not the main thread), the workers can:
    each is the only thread of its process."""
    import threading

    from ekslint.signals import exit_on_signal

    answers: list[object] = []
    thread = threading.Thread(
        target=lambda: answers.extend(ordered_map(_handler_in_worker, [0, 1], 2))
    )
    thread.start()
    thread.join()
    assert answers == [exit_on_signal, exit_on_signal]
