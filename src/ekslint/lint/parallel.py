"""Linting large inputs on every core.

Worker processes each build their own Linter and lint whole files (many small inputs) or
interleaved runs of documents of one large file. What they hand back is plain data: findings,
errors, notes, suppressions, the pending findings and the inventory they saw. The parent
merges it, so cross-document checks (ServiceAccounts, Secrets, eks-config) see every input, and
the result is the same as a single-process run.
"""

from __future__ import annotations

import os

from ekslint.config.settings import Settings
from ekslint.kube.inventory import Inventory
from ekslint.lint.engine import FileResult, Linter
from ekslint.lint.suppress import Suppressions

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    T = TypeVar("T")

# Below this much input, starting workers costs more than it saves (measured with bench/).
MIN_PARALLEL_BYTES = 2_000_000
# A file this large is shared between workers document by document.
SHARD_FILE_BYTES = 4_000_000

_worker: Linter | None = None


def input_size(paths: list[str]) -> int:
    total = 0
    for path in paths:
        if os.path.isfile(path):
            total += os.path.getsize(path)
    return total


def worth_it(paths: list[str], jobs: int) -> int:
    """How many workers to use: 1 means linting in this process."""
    if jobs == 1 or "-" in paths:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    workers = jobs or min(cores or 1, 8)
    if workers < 2 or (not jobs and input_size(paths) < MIN_PARALLEL_BYTES):
        return 1
    return workers


def _start(settings: Settings) -> None:
    global _worker
    _worker = Linter(settings)


def _lint(unit: tuple[str, str, tuple[int, int] | None]) -> dict[str, Any]:
    path, display, shard = unit
    linter = _worker
    assert linter is not None
    linter.inventory = Inventory()
    linter.deferred = []
    result = linter.lint_file(path, display, shard=shard)
    return {
        "findings": result.findings,
        "errors": result.errors,
        "notes": result.notes,
        "skipped": result.skipped,
        "mappings": result.mappings,
        "objects": result.objects,
        "suppressions": result.suppressions.items if result.suppressions else [],
        "deferred": [d for _, d in linter.deferred],
        "inventory": linter.inventory,
    }


def lint_in_workers(
    linter: Linter, inputs: list[tuple[str, str]], workers: int
) -> list[FileResult]:
    """Lint ``inputs`` ((path, display name) pairs) in ``workers`` processes."""
    import multiprocessing

    units: list[tuple[str, str, tuple[int, int] | None]] = []
    for path, display in inputs:
        size = os.path.getsize(path) if os.path.isfile(path) else 0
        if size >= SHARD_FILE_BYTES:
            units.extend((path, display, (k, workers)) for k in range(workers))
        else:
            units.append((path, display, None))
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    results: dict[str, FileResult] = {}
    with context.Pool(workers, initializer=_start, initargs=(linter.settings,)) as pool:
        for (path, display, _), payload in zip(
            units,
            pool.imap(_lint, units, chunksize=max(1, len(units) // (workers * 8))),
            strict=True,
        ):
            result = results.get(path)
            if result is None:
                result = results[path] = FileResult(display)
                result.suppressions = Suppressions(display, linter.platform)
            _merge(linter, result, payload)
    for result in results.values():
        result.notes.sort(key=lambda note: note.line)  # shards interleave: restore file order
        if result.skipped:  # one worker met a raw template: the whole file is skipped
            result.findings.clear()
            linter.deferred = [(r, d) for r, d in linter.deferred if r is not result]
    return [results[path] for path, _ in inputs]


def _merge(linter: Linter, result: FileResult, payload: dict[str, Any]) -> None:
    result.findings.extend(payload["findings"])
    result.errors.extend(payload["errors"])
    for note in payload["notes"]:
        if not (payload["skipped"] and note in result.notes):  # one template note per file
            result.notes.append(note)
    if payload["skipped"]:
        result.skipped = True
    result.mappings += payload["mappings"]
    result.objects += payload["objects"]
    assert result.suppressions is not None
    result.suppressions.items.extend(payload["suppressions"])
    linter.deferred.extend((result, d) for d in payload["deferred"])
    seen: Inventory = payload["inventory"]
    linter.inventory.service_accounts.update(seen.service_accounts)
    linter.inventory.secrets.update(seen.secrets)
    linter.inventory.global_sites.extend(seen.global_sites)
    linter.inventory.merge_pods(seen)


_task: Callable[[int], Any] | None = None


def _run_task(item: int) -> Any:
    assert _task is not None
    return _task(item)


def map_in_forks(task: Callable[[int], T], items: list[int], workers: int) -> list[T] | None:
    """``[task(i) for i in items]`` in ``workers`` forked processes, in order; None where
    processes cannot be forked (then the caller runs the task itself).

    A forked worker starts as a copy of this process, so ``task`` may read everything built
    so far (the linters, the inventory of every input and of the project) with nothing sent
    but the item; what it returns is sent back. What it changes in its copy is lost.
    """
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    global _task
    _task = task
    try:
        with multiprocessing.get_context("fork").Pool(min(workers, len(items))) as pool:
            return pool.map(_run_task, items, chunksize=max(1, len(items) // (workers * 4)))
    finally:
        _task = None
