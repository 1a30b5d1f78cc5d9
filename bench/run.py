"""Benchmark ekslint against the parse floor and its peers, and check the speed targets.

Usage: python bench/run.py [options]

Builds its corpora under bench/.work/ (see corpora.py), then times, in one run and round-robin,
every tool on every corpus as a fresh process: wall-clock medians, the CPU time (user + system
of the process tree, so a busy or one-core machine shows as CPU close to or above wall) and the
peak resident set of the process tree (ru_maxrss from os.wait4, so interpreter start-up and
imports count). Prints a table and the targets, each a ratio of two commands measured in this
same run (wall time unless the target says otherwise):

  small file (config present)  ekslint <= yamllint, and <= 1.35 x parse floor
  staged file                  ekslint <= yamllint, one file staged in a 1,000-file git repository
  directory, big file          ekslint --jobs 1 <= 1.0 x parse floor (one core), and ekslint
                               <= 0.6 x parse floor (every core: meaningful on an idle machine)
  big file                     peak RSS <= 150 MB
  100 MB stream (--stream)     largest process <= 100 MiB with workers; the total of all
                               processes is shown beside it
  --fix over the directory     <= 1.5 x plain lint of the same directory (10 % of files to fix)

Tools: ekslint (`ekslint TARGET`, exit 0 or 1; 2 or a traceback is a failure), the same with
`--jobs 1` on the directories and the big file, `ekslint --fix`
on a fresh copy of the directory (the copy is not timed), the parse floor (bench/parse_floor.py,
PyYAML CSafeLoader compose_all, same interpreter), and the peers yamllint -d relaxed,
kubernetes-validate and checkov --framework kubernetes, which the script installs into
bench/.work/peers-venv (a peer that will not install is skipped with the reason). Each command
runs from its corpus's directory, where the corpus's .ekslint.yaml is.

Options:
  --runs N              timed runs per command, median reported (default 5; 3 with --quick)
  --quick               3 runs, and no checkov on the big file (it takes minutes)
  --stream              also the 100 MB stream of 72,542 Deployments (ekslint with workers and
                        with --jobs 1 only; about a minute a round)
  --no-peers            skip yamllint, kubernetes-validate and checkov
  --ekslint CMD         how to run ekslint, e.g. "ekslint" or ".venv/bin/python -m ekslint"
                        (default: the ekslint script beside this Python, else
                        `python -m ekslint` with src/ on PYTHONPATH)
  --corpus PATH         the real manifests to draw from (default <repo>/../shared/corpus/real)
  --slow-peer-limit S   a peer whose first run takes over S seconds is not run again
                        (default 30; its ratios are far from any target)
  --timeout S           kill a run after S seconds (default 1800)
  --json FILE           also write the results as JSON

Exit status: 0 when the benchmark ran, whether or not the targets were met; 2 when the harness
itself could not work (no corpus, the parse floor failed). The last run's output of every command
is kept in bench/.work/logs/.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from corpora import build_corpora, default_source
from parse_floor import yaml_files

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work"
PEERS_VENV = WORK / "peers-venv"
PEERS = ("yamllint", "kubernetes-validate", "checkov")  # package name = command name
EKSLINT_OK = (0, 1)  # 0 clean, 1 findings; 2 (or anything else) means it could not do its job
TRACEBACK = b"Traceback (most recent call last)"
ONE_CORE = "ekslint --jobs 1"


@dataclass
class Case:
    """One command on one corpus, and what was measured of it."""

    tool: str
    corpus: str
    argv: list[str]
    cwd: Path
    env: dict[str, str] | None = None
    peer: bool = False
    fresh_copy: tuple[Path, Path] | None = None  # (source, destination) copied before each run
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    tree_mb: list[float] = field(default_factory=list)  # all processes together, sampled
    exit_codes: list[int] = field(default_factory=list)
    error: str | None = None
    once: bool = False  # a slow peer: its first run is its only one

    @property
    def label(self) -> str:
        return f"{self.tool} on {self.corpus}"

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds and not self.error else None

    @property
    def cpu_median(self) -> float | None:
        return statistics.median(self.cpu_seconds) if self.cpu_seconds and not self.error else None

    @property
    def peak_rss_mb(self) -> float | None:
        return max(self.rss_mb) if self.rss_mb and not self.error else None

    @property
    def peak_tree_mb(self) -> float | None:
        return max(self.tree_mb) if self.tree_mb and not self.error else None

    @property
    def sampled(self) -> bool:
        """Is the total of its processes sampled? Where workers may run (and where a sampling
        thread beside a 50 ms command would be noise)."""
        return self.tool.startswith("ekslint") and self.corpus in ("dir", "big", "stream")


@dataclass
class Run:
    seconds: float
    cpu_seconds: float
    rss_mb: float
    tree_mb: float | None
    exit_code: int
    timed_out: bool
    stderr_tail: str
    traceback: bool


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("Options:")[0].split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="More in bench/README.md.",
    )
    parser.add_argument("--runs", type=int, help="timed runs per command (default 5, quick 3)")
    parser.add_argument("--quick", action="store_true", help="3 runs, no checkov on the big file")
    parser.add_argument("--stream", action="store_true", help="also the 100 MB stream's memory")
    parser.add_argument("--no-peers", action="store_true", help="skip the peer linters")
    parser.add_argument("--ekslint", metavar="CMD", help="command that runs ekslint")
    parser.add_argument(
        "--corpus",
        metavar="PATH",
        type=Path,
        default=default_source(),
        help="real manifests to draw from (default: %(default)s)",
    )
    parser.add_argument(
        "--slow-peer-limit",
        metavar="S",
        type=float,
        default=30.0,
        help="run a peer once if its first run exceeds S seconds (default 30)",
    )
    parser.add_argument(
        "--timeout",
        metavar="S",
        type=float,
        default=1800.0,
        help="kill a run after S seconds (default 1800)",
    )
    parser.add_argument("--json", metavar="FILE", type=Path, help="write the results as JSON")
    args = parser.parse_args(argv)
    if args.runs is None:
        args.runs = 3 if args.quick else 5
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def ekslint_command(option: str | None) -> tuple[list[str], dict[str, str] | None]:
    """The command (and environment) that runs ekslint: --ekslint, the script, or -m."""
    if option:
        return shlex.split(option), None
    # Beside this interpreter, not on PATH: a pyenv shim would add ~40 ms of bash to every run.
    script = Path(sys.executable).parent / "ekslint"
    if script.is_file():
        return [str(script)], None
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), env.get("PYTHONPATH")]))
    return [sys.executable, "-m", "ekslint"], env


def compile_ekslint(env: dict[str, str] | None) -> None:
    """Write ekslint's bytecode, as `pip install` does. An editable install run under
    PYTHONDONTWRITEBYTECODE (set on these machines) would otherwise compile every module on every
    run: about 40 ms that no installed copy pays, which would decide the small-file target."""
    done = subprocess.run(
        [sys.executable, "-c", "import ekslint, os; print(os.path.dirname(ekslint.__file__))"],
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode == 0:
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", done.stdout.strip()],
            capture_output=True,
            env=env,
        )


def check_ekslint(command: list[str], env: dict[str, str] | None) -> str | None:
    """Why ekslint cannot be benchmarked (`--help` fails), or None when it runs."""
    try:
        done = subprocess.run([*command, "--help"], env=env, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return str(error)
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines() or ["no output"]
        return f"`{shlex.join(command)} --help` exited {done.returncode}: {lines[-1]}"
    return None


def install_peers(venv: Path) -> dict[str, Path | str]:
    """Each peer's executable in its own venv, or the reason it is skipped."""
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    if not (bin_dir / "python").exists():
        print(f"creating {venv} ...", file=sys.stderr)
        made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True)
        if made.returncode != 0:
            reason = f"could not create {venv}: {made.stderr.decode(errors='replace').strip()}"
            return dict.fromkeys(PEERS, reason)
    peers: dict[str, Path | str] = {}
    for name in PEERS:
        executable = bin_dir / name
        if not executable.exists():
            print(f"installing {name} into {venv} ...", file=sys.stderr)
            pip = [str(bin_dir / "python"), "-m", "pip", "install", "-q", name]
            done = subprocess.run(pip, capture_output=True)
            if done.returncode != 0 or not executable.exists():
                lines = done.stderr.decode(errors="replace").strip().splitlines() or ["?"]
                peers[name] = f"pip install {name} failed: {lines[-1]}"
                continue
        peers[name] = executable
    return peers


def tool_version(command: list[str]) -> str:
    try:
        done = subprocess.run([*command, "--version"], capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    lines = (done.stdout or done.stderr).decode(errors="replace").strip().splitlines()
    return lines[-1].strip() if lines else "?"


def peer_arguments(name: str, cwd: Path, target: str) -> list[str]:
    """How each peer is asked to check `target` (relative to `cwd`)."""
    if name == "yamllint":
        return ["-d", "relaxed", target]
    if name == "kubernetes-validate":  # takes files, not directories
        return sorted(os.path.relpath(path, cwd) for path in yaml_files(str(cwd / target)))
    return ["--framework", "kubernetes", "--skip-download", "-d" if target == "." else "-f", target]


def plan_cases(
    corpora: dict,
    ekslint: tuple[list[str], dict[str, str] | None] | None,
    peers: dict[str, Path | str],
    quick: bool,
) -> list[Case]:
    """Every (tool, corpus) command to time, in table order (the stream, when built: ekslint
    only, for its memory)."""
    floor = [sys.executable, str(BENCH / "parse_floor.py")]
    fix_copy = WORK / "fix-copy"
    cases = []
    for corpus in ("small", "staged", "dir", "dir_clean", "big"):
        cwd, target = Path(corpora[corpus]["path"]), corpora[corpus]["target"]
        if ekslint:
            command, env = ekslint
            cases.append(Case("ekslint", corpus, [*command, target], cwd, env))
            if corpus in ("dir", "dir_clean", "big"):  # one or a few files never start workers
                one_core = [*command, "--jobs", "1", target]
                cases.append(Case(ONE_CORE, corpus, one_core, cwd, env))
            if corpus == "dir":
                fix = [*command, "--fix", target]
                cases.append(
                    Case("ekslint --fix", corpus, fix, fix_copy, env, fresh_copy=(cwd, fix_copy))
                )
        cases.append(Case("parse floor", corpus, [*floor, target], cwd))
        if corpus == "dir_clean":
            continue  # there only to show what ekslint reports on clean real manifests
        for name, executable in peers.items():
            if corpus == "staged" and name != "yamllint":
                continue  # the pre-commit case: the target is yamllint's time on one file
            if isinstance(executable, Path) and not (
                quick and (name, corpus) == ("checkov", "big")
            ):
                argv = [str(executable), *peer_arguments(name, cwd, target)]
                cases.append(Case(name, corpus, argv, cwd, peer=True))
    if ekslint and "stream" in corpora:
        command, env = ekslint
        cwd, target = Path(corpora["stream"]["path"]), corpora["stream"]["target"]
        cases.append(Case("ekslint", "stream", [*command, target], cwd, env))
        cases.append(Case(ONE_CORE, "stream", [*command, "--jobs", "1", target], cwd, env))
    return cases


class Launcher:
    """bench/launcher.py: forks the timed commands from a small process (see its docstring)."""

    def __init__(self) -> None:
        command = [sys.executable, "-I", "-S", str(BENCH / "launcher.py")]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )

    def request(self, job: dict) -> dict:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(job) + "\n")
        return self.reply()

    def reply(self) -> dict:
        assert self.process.stdout
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("bench/launcher.py died; its error is above")
        return json.loads(line)

    def __enter__(self) -> Launcher:
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self.process.stdin
        self.process.stdin.close()  # ends its loop
        self.process.wait()


def time_command(launcher: Launcher, case: Case, timeout: float) -> Run:
    """One fresh process: wall time, and ru_maxrss of it and its descendants (os.wait4)."""
    logs = WORK / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    stem = f"{case.corpus}-{case.tool}".replace(" ", "")
    job = {
        "argv": case.argv,
        "cwd": str(case.cwd),
        "env": case.env or dict(os.environ),
        "stdout": str(logs / f"{stem}.out"),
        "stderr": str(logs / f"{stem}.err"),
        "sample": case.sampled,
    }
    pid = launcher.request(job)["pid"]
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        with contextlib.suppress(ProcessLookupError):  # it may have ended meanwhile
            os.killpg(pid, signal.SIGKILL)

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        ended = launcher.reply()
    finally:
        timer.cancel()
    # ru_maxrss is in kilobytes on Linux, bytes on macOS.
    rss_mb = ended["maxrss"] / (1024 * 1024 if sys.platform == "darwin" else 1024)
    tree_mb = ended["tree"] / (1024 * 1024) if ended.get("tree") else None
    stderr = Path(job["stderr"]).read_bytes()
    tail = stderr.decode(errors="replace").strip().splitlines()[-3:]
    return Run(
        ended["seconds"],
        ended["cpu"],
        rss_mb,
        tree_mb,
        os.waitstatus_to_exitcode(ended["status"]),
        timed_out.is_set(),
        " | ".join(tail),
        TRACEBACK in stderr,
    )


def failure(case: Case, run: Run) -> str | None:
    """Why this run does not count, or None."""
    if run.timed_out:
        return "timed out"
    if run.exit_code < 0:
        return f"killed by signal {-run.exit_code}"
    if case.peer:
        return None  # peers exit non-zero on findings; their output is in bench/.work/logs/
    allowed = EKSLINT_OK if case.tool.startswith("ekslint") else (0,)
    if run.exit_code not in allowed or run.traceback:
        return f"exit {run.exit_code}: {run.stderr_tail or 'no stderr'}"
    return None


# Corpora whose commands take milliseconds: each is run once, untimed, before the rounds, so
# that no timed run compiles bytecode or fills ekslint's cache (the rule pack, the project's
# context index), which a user's first run after an install or a change pays once.
WARMED = ("small", "staged")


def measure(cases: list[Case], runs: int, slow_peer_limit: float, timeout: float) -> None:
    """Round-robin, so a slow drift of the machine shifts every command alike."""
    with Launcher() as launcher:
        for case in cases:
            if case.corpus in WARMED:
                time_command(launcher, case, timeout)
        for round_number in range(1, runs + 1):
            for case in cases:
                if not (case.error or case.once):
                    time_case(launcher, case, round_number, runs, slow_peer_limit, timeout)


def time_case(
    launcher: Launcher,
    case: Case,
    round_number: int,
    runs: int,
    slow_peer_limit: float,
    timeout: float,
) -> None:
    """One timed run of `case`, recorded on it and shown on stderr."""
    if case.fresh_copy:
        source, copy = case.fresh_copy
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(source, copy, symlinks=True)
        # The copy's own write-back is not the command's: the fixed files' fsyncs would wait
        # for it (the journal commits every dirty file of the copy with the first of them).
        if hasattr(os, "sync"):
            os.sync()
    run = time_command(launcher, case, timeout)
    case.error = failure(case, run)
    case.seconds.append(run.seconds)
    case.cpu_seconds.append(run.cpu_seconds)
    case.rss_mb.append(run.rss_mb)
    if run.tree_mb is not None:
        case.tree_mb.append(run.tree_mb)
    case.exit_codes.append(run.exit_code)
    case.once = case.peer and run.seconds > slow_peer_limit
    note = f" (over {slow_peer_limit:g} s: not run again)" if case.once else ""
    total = f" (all {run.tree_mb:.0f})" if run.tree_mb is not None else ""
    print(
        f"[{round_number}/{runs}] {case.label:<38} {run.seconds:8.3f} s "
        f"(cpu {run.cpu_seconds:7.3f} s) {run.rss_mb:7.1f} MB{total}  "
        f"{case.error or f'exit {run.exit_code}'}{note}",
        file=sys.stderr,
    )


def find(cases: list[Case], tool: str, corpus: str) -> Case | None:
    return next((c for c in cases if c.tool == tool and c.corpus == corpus), None)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    return numerator / denominator if numerator and denominator else None


# (target, (tool, corpus) measured, (tool, corpus) it is divided by or None for peak RSS, limit)
TARGETS = (
    ("small file: ekslint <= yamllint", ("ekslint", "small"), ("yamllint", "small"), 1.0),
    ("small file: ekslint <= 1.35 x floor", ("ekslint", "small"), ("parse floor", "small"), 1.35),
    (
        "staged file in a 1,000-file repo: ekslint <= yamllint",
        ("ekslint", "staged"),
        ("yamllint", "staged"),
        1.0,
    ),
    ("dir, one core: <= 1.0 x floor", (ONE_CORE, "dir"), ("parse floor", "dir"), 1.0),
    ("dir, all cores: <= 0.6 x floor (idle)", ("ekslint", "dir"), ("parse floor", "dir"), 0.6),
    ("big file, one core: <= 1.0 x floor", (ONE_CORE, "big"), ("parse floor", "big"), 1.0),
    ("big, all cores: <= 0.6 x floor (idle)", ("ekslint", "big"), ("parse floor", "big"), 0.6),
    ("big file: ekslint peak RSS <= 150 MB", ("ekslint", "big"), None, 150.0),
    ("100 MB stream: largest process <= 100 MiB", ("ekslint", "stream"), None, 100.0),
    ("dir: --fix <= 1.5 x plain lint", ("ekslint --fix", "dir"), ("ekslint", "dir"), 1.5),
)


def figure(cases: list[Case], tool: str, corpus: str, rss: bool = False) -> float | None:
    """The median seconds (or peak RSS) of `tool` on `corpus`, if it ran and did not fail."""
    case = find(cases, tool, corpus)
    if case is None:
        return None
    return case.peak_rss_mb if rss else case.median


def check_targets(cases: list[Case]) -> list[dict]:
    """Each target as measured in this run: PASS, FAIL, or SKIP naming the missing figure."""
    results = []
    for name, key, base_key, limit in TARGETS:
        value = figure(cases, *key, rss=base_key is None)
        base = figure(cases, *base_key) if base_key else 1.0
        missing = [f"{k[0]} on {k[1]}" for k, v in ((key, value), (base_key, base)) if v is None]
        measured = None if missing else ratio(value, base)
        status = "SKIP" if measured is None else "PASS" if measured <= limit else "FAIL"
        unit = f"x {base_key[0]}" if base_key else "MB"
        results.append(
            {
                "target": name,
                "measured": measured,
                "unit": unit,
                "limit": limit,
                "status": status,
                "missing": missing,
            }
        )
    return results


def cell(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def load_average() -> str:
    try:
        return " ".join(f"{load:.1f}" for load in os.getloadavg())
    except (AttributeError, OSError):
        return "?"


def print_report(cases: list[Case], corpora: dict, targets: list[dict], notes: dict) -> None:
    print()
    print(
        f"machine: {usable_cores()} usable cores; load average {notes['load before']} before, "
        f"{notes['load after']} after (cpu s above wall s: the command used several cores)"
    )
    print(
        "corpora: "
        + "; ".join(
            f"{name} {c['files']} files, {c['documents']} docs, {c['bytes'] / 1e6:.1f} MB"
            for name, c in corpora.items()
        )
    )
    print()
    header = (
        f"{'corpus':<10} {'tool':<20} {'runs':>4} {'median s':>9} {'cpu s':>8} {'x ekslint':>9} "
        f"{'x floor':>8} {'peak MB':>8} {'all MB':>7}  exit"
    )
    print(header)
    print("-" * len(header))
    for case in cases:
        floor = find(cases, "parse floor", case.corpus)
        ekslint = find(cases, "ekslint", case.corpus)
        exits = ",".join(str(code) for code in sorted(set(case.exit_codes)))
        print(
            f"{case.corpus:<10} {case.tool:<20} {len(case.seconds):>4} {cell(case.median, 3):>9} "
            f"{cell(case.cpu_median, 3):>8} "
            f"{cell(ratio(case.median, ekslint and ekslint.median), 2):>9} "
            f"{cell(ratio(case.median, floor and floor.median), 2):>8} "
            f"{cell(case.peak_rss_mb, 1):>8} {cell(case.peak_tree_mb, 0):>7}  {exits}"
        )
        if case.error:
            print(f"{'':<10} FAILED: {case.error}")
    ekslint = find(cases, "ekslint", "dir")
    if ekslint and ekslint.median:
        print(f"\nekslint on dir: {corpora['dir']['documents'] / ekslint.median:,.0f} documents/s")
    print("\ntargets (ratios measured in this run):")
    for target in targets:
        missing = f"  (no figure for {', '.join(target['missing'])})" if target["missing"] else ""
        print(
            f"  {target['status']:<4}  {target['target']:<38} "
            f"{cell(target['measured'], 2)} {target['unit']} (limit {target['limit']:g}){missing}"
        )


def write_json(
    path: Path, corpora: dict, cases: list[Case], targets: list[dict], notes: dict
) -> None:
    results = []
    for case in cases:
        record = asdict(case)
        record.update(
            argv=shlex.join(case.argv),
            cwd=str(case.cwd),
            median=case.median,
            cpu_median=case.cpu_median,
            peak_rss_mb=case.peak_rss_mb,
            peak_tree_mb=case.peak_tree_mb,
        )
        for key in ("env", "fresh_copy", "rss_mb", "tree_mb", "once"):
            record.pop(key)
        results.append(record)
    document = {
        "machine": {
            "platform": platform.platform(),
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
            "usable cores": usable_cores(),
        },
        "started": notes.pop("started"),
        "notes": notes,
        "corpora": {
            name: {k: v for k, v in c.items() if k != "injected_files"}
            for name, c in corpora.items()
        },
        "results": results,
        "targets": targets,
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    notes: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "load before": load_average()}
    try:
        corpora = build_corpora(WORK, args.corpus, stream=args.stream)
    except FileNotFoundError as error:
        print(f"run.py: cannot build the corpora: {error} (see --corpus)", file=sys.stderr)
        return 2

    ekslint = ekslint_command(args.ekslint)
    if not args.ekslint:
        compile_ekslint(ekslint[1])
    reason = check_ekslint(*ekslint)
    if reason:
        print(f"ekslint skipped: {reason}", file=sys.stderr)
        notes["ekslint"] = f"skipped: {reason}"
    else:
        notes["ekslint"] = shlex.join(ekslint[0])
    peers = {} if args.no_peers else install_peers(PEERS_VENV)
    for name, executable in peers.items():
        notes[name] = (
            tool_version([str(executable)])
            if isinstance(executable, Path)
            else f"skipped: {executable}"
        )
    for name, note in notes.items():
        if name not in ("started", "load before"):
            print(f"{name}: {note}", file=sys.stderr)

    cases = plan_cases(corpora, None if reason else ekslint, peers, args.quick)
    measure(cases, args.runs, args.slow_peer_limit, args.timeout)
    targets = check_targets(cases)
    notes["load after"] = load_average()
    print_report(cases, corpora, targets, notes)
    if args.json:
        write_json(args.json, corpora, cases, targets, notes)
    broken = [case for case in cases if case.tool == "parse floor" and case.error]
    if broken:
        print(
            f"\nrun.py: the parse floor failed ({broken[0].error}); is PyYAML installed?",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
