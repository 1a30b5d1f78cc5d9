"""The project around the inputs: its git work tree and the files in it that are not ignored.

A folder inside a git work tree is listed by ``git ls-files --cached --others
--exclude-standard``, so ``.gitignore``, ``.git/info/exclude`` and the user's global excludes
apply exactly as git applies them; elsewhere the folder is walked. Either way common tool
folders (virtualenvs, ``node_modules``, ``.terraform``, ...) are skipped.
"""

from __future__ import annotations

import os
from collections.abc import Callable

SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".jj",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "node_modules",
        ".terraform",
        ".terragrunt-cache",
        ".direnv",
        ".idea",
        ".vscode",
        ".eggs",
        "site-packages",
    }
)
GIT_TIMEOUT = 30  # seconds; listing even a very large work tree takes well under one


def git_root(path: str) -> str | None:
    """The top of the git work tree holding ``path`` (a file or folder), or None."""
    folder = os.path.abspath(path)
    if not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    while True:
        if os.path.exists(os.path.join(folder, ".git")):  # a folder, or a worktree's file
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def is_within(path: str, folder: str) -> bool:
    path, folder = os.path.abspath(path), os.path.abspath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


class Listing:
    """The files under a folder that git would not ignore, listed in the background: git runs
    while the inputs are linted (start-up cost matters to a pre-commit hook)."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.process = _start_git(folder) if git_root(folder) is not None else None

    def files(
        self, check: bool = True, onerror: Callable[[OSError], None] | None = None
    ) -> list[str]:
        """In walk order (a folder's files before its subfolders, each sorted), joined onto
        the folder; with ``check``, only paths that are files (not deleted, not submodules)."""
        listed = _finish_git(self.process) if self.process is not None else None
        if not listed:
            # Not in a work tree, git failed, or the folder itself is ignored (a build output
            # folder named on the command line): what was asked for is walked.
            return _walk(self.folder, onerror)
        listed.sort(key=_walk_key)
        found: list[str] = []
        for relative in listed:
            parts = relative.split("/")
            if any(part in SKIPPED_DIRS for part in parts[:-1]):
                continue
            full = os.path.join(self.folder, *parts)
            if not check or os.path.isfile(full):
                found.append(full)
        return found


def list_files(folder: str, onerror: Callable[[OSError], None] | None = None) -> list[str]:
    """``onerror`` hears of each folder a walk cannot list (git leaves such folders out)."""
    return Listing(folder).files(onerror=onerror)


def _walk_key(relative: str) -> list[tuple[int, str]]:
    parts = relative.split("/")
    return [(1, part) for part in parts[:-1]] + [(0, parts[-1])]


def _walk(folder: str, onerror: Callable[[OSError], None] | None = None) -> list[str]:
    found: list[str] = []
    for root, dirs, files in os.walk(folder, onerror=onerror):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        found.extend(os.path.join(root, name) for name in sorted(files))
    return found


_GIT_LIST = ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."]


class _Git:
    """``git ls-files`` started with posix_spawn (importing subprocess and forking through it
    would cost a pre-commit run more than the whole listing)."""

    def __init__(self, pid: int, output: int) -> None:
        self.pid = pid
        self.output = output


def _start_git(folder: str) -> _Git | None:
    # Inside a git hook GIT_DIR may be set, which would make git take the current folder for
    # the top of the work tree; the index the hook sees (GIT_INDEX_FILE) is the one to list.
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE")}
    if not hasattr(os, "posix_spawnp"):
        return None
    read_end, write_end = os.pipe()
    actions = [
        (os.POSIX_SPAWN_DUP2, write_end, 1),
        (os.POSIX_SPAWN_CLOSE, read_end),
        (os.POSIX_SPAWN_CLOSE, write_end),
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
    ]
    try:
        pid = os.posix_spawnp("git", ["git", "-C", folder, *_GIT_LIST], env, file_actions=actions)
    except OSError:
        os.close(read_end)
        return None
    finally:
        os.close(write_end)
    return _Git(pid, read_end)


def _finish_git(process: _Git) -> list[str] | None:
    """Paths relative to the folder, or None when git could not list them in time."""
    import select
    import time

    chunks = []
    deadline = time.monotonic() + GIT_TIMEOUT
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([process.output], [], [], remaining)[0]:
                os.kill(process.pid, 9)
                os.waitpid(process.pid, 0)
                return None
            chunk = os.read(process.output, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(process.output)
    _, status = os.waitpid(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return None
    names = b"".join(chunks).decode("utf-8", "surrogateescape").split("\0")
    return list(dict.fromkeys(name for name in names if name))  # merge conflicts list a file thrice
