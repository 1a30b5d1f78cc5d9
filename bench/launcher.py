"""Start the timed commands from a process that stays small, and report each one's usage.

Why: Linux folds the memory a child had *before* exec into its ru_maxrss, and a child forked
from run.py starts as a copy of run.py, which holds the corpora it built (~100 MB). Forked from
this process instead (started with -I -S, about 10 MB, less than any Python tool measured), a
command's ru_maxrss is its own peak and that of its descendants.

Protocol, one JSON object a line: run.py writes {"argv", "cwd", "env", "stdout", "stderr"} and
optionally "sample": true; this answers {"pid"} as soon as the command started (so run.py can
kill its process group on a timeout), then {"seconds", "cpu", "status", "maxrss", "tree"} when it
ended: cpu is the user plus system time of the command and its waited-for descendants (ru_utime
+ ru_stime from wait4), maxrss as the OS reports it (the largest process), tree the peak of the
resident sets of the command and all its descendants summed, in bytes, sampled every 50 ms from
/proc while it ran (null unless "sample" was asked, or without /proc). Sampling is a thread, so
the wall time is still that of a blocking wait4.
"""

import json
import os
import sys
import threading
import time

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def tree_rss(root: int) -> int:
    """The resident sets of ``root`` and its descendants, summed (from /proc/PID/stat)."""
    parents, rss = {}, {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as handle:
                    stat = handle.read()
            except OSError:
                continue
            fields = stat[stat.rfind(b")") + 2 :].split()
            parents[int(name)], rss[int(name)] = int(fields[1]), int(fields[21]) * PAGE
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


class Sampler(threading.Thread):
    """The peak of ``tree_rss(pid)``, every 50 ms until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.05):
            self.peak = max(self.peak, tree_rss(self.pid))


def start(job: dict) -> int:
    """Fork and exec the command in its own session, output to the given files."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    stdout, stderr = os.open(job["stdout"], flags, 0o644), os.open(job["stderr"], flags, 0o644)
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            os.chdir(job["cwd"])
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            os.dup2(stdout, 1)
            os.dup2(stderr, 2)
            os.execvpe(job["argv"][0], job["argv"], job["env"])
        except BaseException as error:  # the child must never return into the loop
            os.write(2, f"launcher: cannot run {job['argv'][0]}: {error}\n".encode())
        os._exit(127)
    os.close(stdout)
    os.close(stderr)
    return pid


def main() -> None:
    for line in sys.stdin:
        job = json.loads(line)
        started = time.perf_counter()
        pid = start(job)
        print(json.dumps({"pid": pid}), flush=True)
        sampler = Sampler(pid) if job.get("sample") and os.path.isdir("/proc") else None
        if sampler is not None:
            sampler.start()
        _, status, usage = os.wait4(pid, 0)
        seconds = time.perf_counter() - started
        if sampler is not None:
            sampler.done.set()
            sampler.join()
        print(
            json.dumps(
                {
                    "seconds": seconds,
                    "cpu": usage.ru_utime + usage.ru_stime,
                    "status": status,
                    "maxrss": usage.ru_maxrss,
                    "tree": sampler.peak if sampler is not None else None,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
