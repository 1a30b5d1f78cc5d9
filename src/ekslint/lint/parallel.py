"""Linting large inputs on every core.

Worker processes, forked (``forks.ordered_map``) once the parent has built the linter they share,
lint batches of about ``jobs.RUN_BYTES`` of input (how many workers: ``jobs.worth_it``):
a few whole files, or one run of whole documents of a large file. A large file is cut into runs
by ``read.document_runs`` as the batches are handed out (the parent reads it once, decoding
nothing), and a worker reads only its run's bytes, from its offset, knowing the line and the
chunk index the run starts at: no worker reads, let alone parses, another run's documents.

What a worker hands back for a batch is plain data: findings, errors, notes, suppressions, the
pending findings and the inventory it saw. The parent merges the batches in input order as they
come, so cross-document checks (ServiceAccounts, Secrets, eks-config) see every input, and the
result is that of a single-process run: the same findings, notes and errors in the same order,
the same counts, suppressions and pending findings. A worker holds one batch at a time, and the
parent what a single process keeps to the end (the pending findings, settled once every input is
read), not a worker's whole share of the input at once.
"""

from __future__ import annotations

import io
import os

from ekslint.config.settings import Settings
from ekslint.input import read
from ekslint.kube.inventory import Inventory
from ekslint.lint import jobs
from ekslint.lint.deferred import Packed
from ekslint.lint.engine import FileResult, Linter
from ekslint.lint.findings import InputError, Note
from ekslint.lint.suppress import Suppressions

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any, TypeVar

    T = TypeVar("T")
    Task = TypeVar("Task")

    # (offset, size or -1 for the rest, first line, chunk index, the file's identity when it
    # was cut: device, inode, size, modification time) of a run of a large file
    Span = tuple[int, int, int, int, tuple[int, int, int, int]]
    # One file, or one run of a file: (its position among the inputs, path, display name,
    # span or None for the whole file); a file named twice is linted twice, as in one process
    Item = tuple[int, str, str, Span | None]

_worker: _WorkerLinter | None = None


class _WorkerLinter(Linter):
    """A worker's linter; it also tells which notes it added as once-per-file notes
    (``add_notes``), so that the parent keeps them once across the batches of a file."""

    once: list[int]

    def add_notes(self, result: FileResult, notes: list[Note]) -> None:
        for note in notes:
            if note not in result.notes:
                self.once.append(len(result.notes))
                result.notes.append(note)


# Fixing: a whole file with something to fix comes back with its text, which the fixer needs
# (read again otherwise, after the workers are done).
_keep_fixable = False


def _start(settings: Settings, keep_fixable: bool = False) -> None:
    global _worker, _keep_fixable
    _worker = _WorkerLinter(settings)
    _keep_fixable = keep_fixable


def _start_over() -> None:
    """Drop the workers' linter once they are done (an in-process caller may lint again)."""
    global _worker, _keep_fixable
    _worker, _keep_fixable = None, False


def _lint(batch: list[Item]) -> list[dict[str, Any]]:
    return [_lint_item(*item) for item in batch]


def _lint_item(position: int, path: str, display: str, span: Span | None) -> dict[str, Any]:
    linter = _worker
    assert linter is not None
    linter.inventory = Inventory()
    linter.deferred = []
    linter.once = []
    unread = False
    if span is None:
        result = linter.lint_file(path, display, keep_text=_keep_fixable)
        fixable = linter.deferred or any(f.fix is not None for f in result.findings)
        if result.skipped or result.errors or not fixable:
            result.chunks, result.chunks_had_bom, result.stat = {}, False, None
    else:
        result, unread = _lint_run(linter, path, display, span)
    return {
        "input": position,
        "text": (result.chunks, result.chunks_had_bom, result.stat) if result.chunks else None,
        "findings": result.findings,
        "errors": result.errors,
        "notes": result.notes,
        "once": linter.once,
        "skipped": result.skipped,
        # Nothing after this batch of the file is read: a raw template, or an input error
        # after which a single process reads no further.
        "last": unread or result.skipped or any(read.ends_reading(e) for e in result.errors),
        "mappings": result.mappings,
        "objects": result.objects,
        "suppressions": result.suppressions.items if result.suppressions else [],
        # Pickled apart, to be kept so until settled (deferred.Packed).
        "deferred": _pickled([d for _, d in linter.deferred]) if linter.deferred else None,
        "inventory": linter.inventory,
    }


def _pickled(value: object) -> bytes:
    import pickle  # in workers only

    return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


def _lint_run(linter: Linter, path: str, display: str, span: Span) -> tuple[FileResult, bool]:
    """Lint one run of documents of a large file, reading only its bytes, as they are needed
    (like a single process: a run may hold a document larger than any limit); True when the
    file could not be read (as in a single process, the run says why and nothing more is
    read)."""
    offset, size, first_line, index, identity = span
    result = FileResult(display)
    try:
        with open(path, "rb", buffering=0) as raw:
            if _identity(os.fstat(raw.fileno())) != identity:
                # Replaced or rewritten since it was cut into runs: the offsets no longer
                # fall between its documents, and what was read of it is an older version.
                result.errors.append(InputError(display, 0, 0, CHANGED_WHILE_READ))
                return result, True
            raw.seek(offset)
            stream = io.BufferedReader(_Bounded(raw, size), 1 << 16)
            linter.lint_stream(stream, result, False, (first_line, index))
    except OSError as exc:
        result.errors.append(InputError(display, 0, 0, f"cannot read: {exc.strerror or exc}"))
        return result, True
    return result, False


class _Bounded(io.RawIOBase):
    """The next ``size`` bytes of a file (all the rest when -1)."""

    def __init__(self, raw: io.RawIOBase, size: int) -> None:
        self.raw, self.left = raw, size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.left == 0:
            return 0
        view = memoryview(buffer)
        if self.left > 0:
            view = view[: self.left]
        count = self.raw.readinto(view) or 0
        if self.left > 0:
            self.left -= count
        return count


def _batches(inputs: list[tuple[str, str]], sizes: list[int], workers: int) -> Iterator[list[Item]]:
    """The batches to lint, in input order: small files together (up to ``RUN_BYTES``, and few
    enough that every worker gets several batches), each run of a large file alone."""
    small = sum(1 for size in sizes if size < jobs.SHARD_FILE_BYTES)
    most = max(1, small // (workers * 8))
    batch: list[Item] = []
    held = 0
    for position, ((path, display), size) in enumerate(zip(inputs, sizes, strict=True)):
        if size < jobs.SHARD_FILE_BYTES:
            if batch and (len(batch) >= most or held + size > jobs.RUN_BYTES):
                yield batch
                batch, held = [], 0
            batch.append((position, path, display, None))
            held += size
            continue
        if batch:
            yield batch
            batch, held = [], 0
        yield from ([run] for run in _runs(position, path, display))
    if batch:
        yield batch


def _runs(position: int, path: str, display: str) -> Iterator[Item]:
    """A large file's runs of documents (``read.document_runs``), each once the next is found."""
    previous: tuple[int, int, int] | None = None
    identity = (0, 0, 0, 0)  # (a file that cannot be opened: its one run says why)
    try:
        with open(path, "rb") as stream:
            identity = _identity(os.fstat(stream.fileno()))
            for cut in read.document_runs(stream, jobs.RUN_BYTES):
                if previous is not None:
                    offset, line, index = previous
                    yield position, path, display, (offset, cut[0] - offset, line, index, identity)
                previous = cut
    except OSError:
        pass  # the last run read reads to the end, and reports why it cannot
    offset, line, index = previous or (0, 0, 0)
    yield position, path, display, (offset, -1, line, index, identity)


CHANGED_WHILE_READ = (
    "the file changed on disk while it was read in parts (by worker processes); "
    + read.REST_NOT_READ
)


def _identity(stat: os.stat_result) -> tuple[int, int, int, int]:
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


def lint_in_workers(
    linter: Linter,
    inputs: list[tuple[str, str]],
    workers: int,
    keep_fixable: bool = False,
    sizes: list[int] | None = None,
) -> list[FileResult]:
    """Lint ``inputs`` ((path, display name) pairs) in ``workers`` forked processes; with
    ``keep_fixable``, a whole file with a fix to offer keeps its text (``FileResult.chunks``).
    ``sizes``: the inputs' ``jobs.file_size``, when the caller has them."""
    from ekslint.lint.forks import ordered_map

    results: dict[int, FileResult] = {}
    ended: set[int] = set()  # inputs of which a single process would read nothing more
    # The workers' linter is made here, before they are forked, so that each inherits it
    # as built (and what building it imported and compiled) rather than making its own.
    _start(linter.settings, keep_fixable)
    # Batches are merged in input order as they come; they are cut from the inputs as the
    # workers ask for more. (A generator: nothing runs before the loop asks.)
    if sizes is None:
        sizes = [jobs.file_size(path) for path, _ in inputs]
    batches = ordered_map(_lint, _batches(inputs, sizes, workers), workers)
    try:
        for payloads in batches:
            for payload in payloads:
                position = payload["input"]
                if position in ended:
                    continue
                result = results.get(position)
                if result is None:
                    result = results[position] = FileResult(inputs[position][1])
                    result.suppressions = Suppressions(result.path, linter.platform)
                _merge(linter, result, payload)
                if payload["last"]:
                    ended.add(position)
    finally:
        # Closed here, not by the collector, so that what its cleanup raises (a second
        # signal) is raised, not printed as "Exception ignored".
        batches.close()
        _start_over()
    return [results[position] for position in range(len(inputs))]


def _merge(linter: Linter, result: FileResult, payload: dict[str, Any]) -> None:
    """Add one batch's part of a file to its result, as a single process would have."""
    result.findings.extend(payload["findings"])
    result.errors.extend(payload["errors"])
    if payload["text"] is not None:  # a whole file: its one payload
        result.chunks, result.chunks_had_bom, result.stat = payload["text"]
    once = payload["once"]
    for number, note in enumerate(payload["notes"]):
        if not (once and number in once and note in result.notes):
            result.notes.append(note)
    result.mappings += payload["mappings"]
    result.objects += payload["objects"]
    assert result.suppressions is not None
    result.suppressions.items.extend(payload["suppressions"])
    if payload["skipped"]:  # a raw template: nothing of the file is linted
        result.skipped = True
        result.findings.clear()
        linter.deferred = [(r, d) for r, d in linter.deferred if r is not result]
    elif payload["deferred"] is not None:
        linter.deferred.append((result, Packed(payload["deferred"])))
    seen: Inventory = payload["inventory"]
    linter.inventory.service_accounts.update(seen.service_accounts)
    linter.inventory.secrets.update(seen.secrets)
    linter.inventory.global_sites.extend(seen.global_sites)
    linter.inventory.merge_pods(seen)


def map_in_forks(task: Callable[[Task], T], items: list[Task], workers: int) -> list[T] | None:
    """``[task(i) for i in items]`` in ``workers`` forked processes, in order; None where
    processes cannot be forked (then the caller runs the task itself).

    A forked worker starts as a copy of this process, so ``task`` may read everything built
    so far (the linters, the inventory of every input and of the project) with nothing sent
    but the item; what it returns is sent back. What it changes in its copy is lost.
    """
    from ekslint.lint.forks import ordered_map

    if not jobs.can_fork():
        return None
    return list(ordered_map(task, items, min(workers, len(items))))
