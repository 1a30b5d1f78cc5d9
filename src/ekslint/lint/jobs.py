"""How many worker processes a run lints with (what they do: ``parallel.py``).

Every run asks, so this module imports nothing of ekslint: a one-file run learns here that it
needs no workers without importing the machinery that would start them (``parallel`` and
``forks``, a hundredth of its instructions).
"""

from __future__ import annotations

import os
import stat  # (os imports it: no cost)

# Below this much input, starting workers costs more than it saves. Measured on 2 cores with
# forked workers (2026-12-02), files of bench/.work/dir, `--jobs 1` against `--jobs 2`: even at
# 300 KB (0.14 s both), 12 % faster at 580 KB, 20 % at 1 MB.
MIN_PARALLEL_BYTES = 500_000
# A file this large is cut into runs of documents, shared between workers.
SHARD_FILE_BYTES = 4_000_000
# About this much input is linted per batch: what a worker holds and hands back at a time.
RUN_BYTES = 1_000_000


def can_fork() -> bool:
    """Workers are forked: where a platform cannot fork, one process lints."""
    return hasattr(os, "fork")


def file_size(path: str) -> int:
    """A regular file's size; 0 for anything else (one stat: inputs are a thousand files)."""
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return 0
    return status.st_size if stat.S_ISREG(status.st_mode) else 0


def worth_it(paths: list[str], jobs: int, sizes: list[int] | None = None) -> int:
    """How many workers to use: 1 means linting in this process. ``sizes``: the paths'
    ``file_size``, worked out here when not given."""
    if jobs == 1 or "-" in paths or not can_fork():
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    workers = jobs or min(cores or 1, 8)
    if sizes is None:
        sizes = [file_size(path) for path in paths]
    if workers < 2 or (not jobs and sum(sizes) < MIN_PARALLEL_BYTES):
        return 1
    # No more workers than batches to give them (a large -j on a few files): a small file is
    # at most one batch, a large one a run per RUN_BYTES.
    most = sum(1 if size < SHARD_FILE_BYTES else size // RUN_BYTES + 1 for size in sizes)
    return max(1, min(workers, most))
