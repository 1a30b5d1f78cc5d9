"""Start the timed commands from a process that stays small, and report each one's usage.

Why: Linux folds the memory a child had *before* exec into its ru_maxrss, and a child forked
from run.py starts as a copy of run.py, which holds the corpora it built (~100 MB). Forked from
this process instead (started with -I -S, about 10 MB, less than any Python tool measured), a
command's ru_maxrss is its own peak and that of its descendants.

Protocol, one JSON object a line: run.py writes {"argv", "cwd", "env", "stdout", "stderr"}; this
answers {"pid"} as soon as the command started (so run.py can kill its process group on a
timeout), then {"seconds", "cpu", "status", "maxrss"} when it ended: cpu is the user plus system
time of the command and its waited-for descendants (ru_utime + ru_stime from wait4), maxrss as
the OS reports it.
"""

import json
import os
import sys
import time


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
        _, status, usage = os.wait4(pid, 0)
        seconds = time.perf_counter() - started
        print(
            json.dumps(
                {
                    "seconds": seconds,
                    "cpu": usage.ru_utime + usage.ru_stime,
                    "status": status,
                    "maxrss": usage.ru_maxrss,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
