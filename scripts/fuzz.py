"""Long fuzz run of the linter and fixer, outside CI (too slow for every push; the test suite runs
a short version of the same properties).

    python scripts/fuzz.py --inputs 100000 --seed 1            # hypothesis-driven (default)
    python scripts/fuzz.py --engine atheris --inputs 100000    # coverage-guided, if installed
    python scripts/fuzz.py --cli --inputs 2000                 # through ekslint.cli.main + files

Inputs are the strategies of tests/test_robustness.py: generated manifests (random objects in
random YAML styles) and real-looking manifests with random byte damage. Each input is linted
in-process on one ``Linter`` (``lint_stream`` over ``io.BytesIO``, as run.py drives it), then
reported as JSON and text, then fixed (``Fixer`` in diff mode: nothing is written), and checked:

- no exception escapes;
- the JSON report parses, positions are in the file (tests/test_robustness.check_report);
- a file with input errors gets no fix; a fixed text still reads without errors;
- no input takes longer than ``--slow`` seconds.

A failure does not stop the run: each new one (by exception type and place) is printed and its
input saved under scripts/fuzz-crashes/ (``<hash>.yaml``, and ``<hash>.txt`` with the traceback
and a command that replays it). Exit status: 0 when nothing failed, 1 otherwise.
``--replay FILE...`` runs saved inputs again.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import random
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CRASHES = ROOT / "scripts" / "fuzz-crashes"
sys.path.insert(0, str(ROOT / "tests"))
NAME = "fuzz.yaml"


class SlowInput(Exception):
    pass


class Hang(Exception):
    """Raised from a timer signal inside an input that runs past ``--timeout``."""


def guard(timeout: float, memory_mb: int) -> None:
    """Turn a hang into ``Hang`` and runaway memory into ``MemoryError``, so both are saved."""
    import resource
    import signal

    def expire(signum: int, frame: object) -> None:
        raise Hang(f"still running after {timeout} s")

    signal.signal(signal.SIGALRM, expire)
    if memory_mb:
        limit = memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


class Target:
    """Lint, report and fix one input in-process; raise on any broken promise."""

    def __init__(self, options: list[str], unsafe: bool, slow: float) -> None:
        from ekslint.cli import build_settings, lint_parser
        from ekslint.lint.engine import Linter

        args = lint_parser().parse_args(["--isolated", *options, NAME])
        self.linter = Linter(build_settings(args))
        self.unsafe = unsafe
        self.slow = slow

    def fresh(self) -> None:
        """Forget what earlier inputs declared (ServiceAccounts, Secrets, global defaults)."""
        from ekslint.kube.inventory import Inventory

        self.linter.inventory = Inventory()
        self.linter.deferred.clear()

    def lint(self, data: bytes, keep_text: bool) -> Any:
        from ekslint.lint.engine import FileResult

        self.fresh()
        result = FileResult(NAME)
        self.linter.lint_stream(io.BytesIO(data), result, keep_text)
        self.linter.resolve_deferred()
        self.linter.finish(result)
        return result

    def __call__(self, data: bytes) -> None:
        from ekslint.fix.fixer import Fixer
        from ekslint.report import RunReport, writer
        from test_robustness import check_report

        started = time.perf_counter()
        linter = self.linter
        result = self.lint(data, keep_text=True)
        report = RunReport(
            linter.platform,
            {rule: linter.severity(rule) for rule in linter.platform.rules},
            files=1,
        )
        report.findings.extend(result.findings)
        report.errors.extend(result.errors)
        report.notes.extend(result.notes)
        out = io.StringIO()
        writer("json")(report, out, io.StringIO(), "never")
        code = 2 if report.errors else 1 if report.findings else 0
        check_report(code, out.getvalue(), "", data)
        writer("text")(report, io.StringIO(), io.StringIO(), "never")

        had_errors = bool(result.errors)
        outcome = Fixer(linter, unsafe=self.unsafe, write=False).fix(NAME, result)
        if had_errors:
            assert not outcome.diff and not outcome.fixed, "a file with input errors was fixed"
        elif outcome.diff:
            assert outcome.text is not None
            fixed = outcome.text.encode("utf-8")
            again = self.lint(fixed, keep_text=False)
            assert not again.errors, ("the fix broke the file", again.errors[:3], fixed[:3000])
        elapsed = time.perf_counter() - started
        if elapsed > self.slow:
            raise SlowInput(f"{elapsed:.2f} s for {len(data):,} bytes")


class CliTarget:
    """The whole command line on a file, with --fix: slower, nothing left out."""

    def __init__(self, options: int, unsafe: bool, slow: float) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="ekslint-fuzz-"))
        self.options = options
        self.unsafe = unsafe
        self.slow = slow

    def __call__(self, data: bytes) -> None:
        from test_robustness import check_input

        started = time.perf_counter()
        check_input(self.folder, data, self.unsafe, self.options)
        elapsed = time.perf_counter() - started
        if elapsed > self.slow:
            raise SlowInput(f"{elapsed:.2f} s for {len(data):,} bytes")


class Campaign:
    """Counts inputs, keeps going past failures, saves each new one once."""

    def __init__(
        self, target: Callable[[bytes], None], total: int, replay: str, timeout: float
    ) -> None:
        self.target = target
        self.timeout = timeout
        self.total = total
        self.replay = replay
        self.count = 0
        self.failures = 0
        self.signatures: set[str] = set()
        self.started = time.perf_counter()
        self.slowest = (0.0, b"")
        self.bytes = 0

    def __call__(self, data: bytes) -> None:
        self.count += 1
        self.bytes += len(data)
        began = time.perf_counter()
        try:
            signal.setitimer(signal.ITIMER_REAL, self.timeout)
            try:
                self.target(data)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except Exception as exc:
            self.failed(data, exc)
        elapsed = time.perf_counter() - began
        if elapsed > self.slowest[0]:
            self.slowest = (elapsed, data)
        if self.count % 5000 == 0 or self.count == self.total:
            self.progress()

    def failed(self, data: bytes, exc: Exception) -> None:
        self.failures += 1
        frames = traceback.extract_tb(exc.__traceback__)
        inside = [f for f in frames if "ekslint" in f.filename and "/tests/" not in f.filename]
        where = inside[-1] if inside else frames[-1] if frames else None
        place = f"{Path(where.filename).name}:{where.lineno}" if where else "?"
        if isinstance(exc, AssertionError):  # a broken promise: group by the check that failed
            place = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
        signature = f"{type(exc).__name__} at {place}"
        if signature in self.signatures:
            return
        self.signatures.add(signature)
        digest = hashlib.sha1(data).hexdigest()[:12]
        CRASHES.mkdir(parents=True, exist_ok=True)
        sample = CRASHES / f"{digest}.yaml"
        sample.write_bytes(data)
        text = "".join(traceback.format_exception(exc))
        (CRASHES / f"{digest}.txt").write_text(
            f"{signature}\n\nreplay: {self.replay} {sample.relative_to(ROOT)}\n"
            f"or: ekslint {sample.relative_to(ROOT)} --isolated --format json [--fix]\n\n{text}",
            encoding="utf-8",
        )
        print(f"\nFAILURE #{len(self.signatures)}: {signature} -> {sample}", flush=True)
        print(text[-3000:], flush=True)

    def progress(self) -> None:
        seconds = time.perf_counter() - self.started
        print(
            f"{self.count:,} inputs in {seconds:.1f} s ({self.count / seconds:,.0f}/s, "
            f"{self.bytes / max(self.count, 1):,.0f} bytes on average); "
            f"{self.failures} failures, {len(self.signatures)} distinct; "
            f"slowest input {self.slowest[0] * 1000:.0f} ms",
            flush=True,
        )


def random_mutations(rnd: random.Random) -> list[tuple[str, int, int, bytes]]:
    """What ``test_robustness.mutations`` draws, from a plain Random (hypothesis is slower)."""
    from test_robustness import OPS

    return [
        (
            rnd.choice(OPS),
            rnd.randrange(1 << 20),
            rnd.randrange(1 << 10),
            rnd.randbytes(rnd.randrange(9)),
        )
        for _ in range(rnd.randint(1, 6))
    ]


def run_hypothesis(campaign: Campaign, total: int, seed_value: int, mode: str, extra: int) -> None:
    """Hypothesis generates; each example is also damaged ``extra`` times with a seeded Random
    (generation costs ~5 ms an example, a mutation almost nothing)."""
    from hypothesis import HealthCheck, Phase, given, seed, settings
    from hypothesis import strategies as st

    from test_robustness import SEEDS, manifests, mutate, mutated_manifests

    strategy = {
        "generated": manifests(),
        "mutated": mutated_manifests(),
        "mixed": st.one_of(manifests(), mutated_manifests()),
    }[mode]
    per_example = 1 + (0 if mode == "generated" else extra)
    rnd = random.Random(seed_value)

    @seed(seed_value)
    @settings(
        max_examples=-(-total // per_example),
        database=None,
        deadline=None,
        phases=[Phase.generate],  # failures are caught and saved, not shrunk
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def fuzz(data: bytes) -> None:
        campaign(data)
        for _ in range(per_example - 1):
            if campaign.count >= total:
                return
            base = data if rnd.random() < 0.7 else rnd.choice(SEEDS)
            campaign(mutate(base, random_mutations(rnd)))

    fuzz()


def run_atheris(campaign: Campaign, total: int, seed_value: int, mode: str) -> None:
    """libFuzzer mutates bytes (seeded with manifests); a leading 0 byte asks hypothesis to
    build a generated manifest from the rest, so structure and coverage guidance meet."""
    import atheris  # type: ignore[import-untyped, import-not-found, unused-ignore]
    from hypothesis import HealthCheck, given, settings

    from test_robustness import SEEDS, iter_hostile, manifests

    @settings(database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(manifests())
    def generated(data: bytes) -> None:
        campaign(data)

    def one_input(data: bytes) -> None:
        if mode != "mutated" and data[:1] == b"\x00":
            generated.hypothesis.fuzz_one_input(data[1:])  # type: ignore[attr-defined]
        else:
            campaign(data)
        if campaign.count >= total:
            campaign.progress()
            os._exit(1 if campaign.failures else 0)

    atheris.instrument_all()  # coverage of every loaded Python function guides libFuzzer
    corpus = Path(tempfile.mkdtemp(prefix="ekslint-corpus-"))
    for index, data in enumerate(SEEDS):
        (corpus / f"seed-{index}.yaml").write_bytes(data)
    for name, data in iter_hostile():
        (corpus / f"{name}.yaml").write_bytes(data)
    atheris.Setup(
        [
            sys.argv[0],
            f"-seed={seed_value}",
            f"-runs={total * 4}",  # generated inputs that hypothesis rejects are not counted
            "-max_len=65536",
            "-rss_limit_mb=4096",
            "-print_final_stats=1",
            str(corpus),
        ],
        one_input,
    )
    atheris.Fuzz()


def main() -> int:
    if os.environ.get("PYTHONHASHSEED") is None:
        # String hashing is randomised per process, and set order with it: pin it, so that one
        # --seed always runs the same inputs.
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, *sys.argv])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=100_000, help="how many inputs to run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--engine", choices=("hypothesis", "atheris"), default="hypothesis")
    parser.add_argument("--mode", choices=("mixed", "generated", "mutated"), default="mixed")
    parser.add_argument("--cli", action="store_true", help="through cli.main and real files")
    parser.add_argument("--unsafe", action="store_true", help="apply unsafe fixes too")
    parser.add_argument(
        "--options",
        type=int,
        default=0,
        help="index into test_robustness.OPTIONS (declared registries, platform, selection)",
    )
    parser.add_argument(
        "--mutations",
        type=int,
        default=3,
        help="hypothesis engine: random byte-damaged variants run per generated example",
    )
    parser.add_argument("--slow", type=float, default=2.0, help="seconds that count as a hang")
    parser.add_argument(
        "--timeout", type=float, default=20.0, help="seconds before an input counts as a hang"
    )
    parser.add_argument(
        "--memory-mb",
        type=int,
        default=4096,
        help="address-space limit of this process (0: none); beyond it an input fails",
    )
    parser.add_argument("--replay", nargs="+", metavar="FILE", help="run saved inputs again")
    args = parser.parse_args()

    from test_robustness import OPTIONS

    guard(args.timeout, args.memory_mb)
    target: Callable[[bytes], None]
    if args.cli:
        target = CliTarget(args.options, args.unsafe, args.slow)
    else:
        target = Target(OPTIONS[args.options % len(OPTIONS)], args.unsafe, args.slow)
    replay = f"python scripts/fuzz.py --options {args.options}"
    replay += (" --cli" if args.cli else "") + (" --unsafe" if args.unsafe else "") + " --replay"

    if args.replay:
        failed = 0
        for name in args.replay:
            try:
                signal.setitimer(signal.ITIMER_REAL, args.timeout)
                target(Path(name).read_bytes())
                signal.setitimer(signal.ITIMER_REAL, 0)
                print(f"{name}: ok")
            except Exception:
                failed += 1
                print(f"{name}: FAILED\n{traceback.format_exc()}")
        return 1 if failed else 0

    campaign = Campaign(target, args.inputs, replay, args.timeout)
    print(
        f"fuzzing: {args.inputs:,} inputs, engine {args.engine}, mode {args.mode}, "
        f"seed {args.seed}, {'cli' if args.cli else 'in-process'}",
        flush=True,
    )
    if args.engine == "atheris":
        run_atheris(campaign, args.inputs, args.seed, args.mode)
    else:
        run_hypothesis(campaign, args.inputs, args.seed, args.mode, args.mutations)
    campaign.progress()
    if campaign.failures:
        print(f"{campaign.failures} failing inputs; distinct ones saved under {CRASHES}")
    return 1 if campaign.failures else 0


if __name__ == "__main__":
    sys.exit(main())
