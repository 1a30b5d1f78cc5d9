"""One lint (or fix) run over the inputs: discovery, linting, fixing, reporting, exit code.

``Run(RunOptions(settings, paths=[...], ...)).execute(out, err)`` is the whole program without its
command line, for the CLI, a Python caller or a language server alike.
"""

from __future__ import annotations

import contextlib

from ekslint import exitcodes
from ekslint.config.settings import Settings
from ekslint.input import read
from ekslint.lint.engine import FileResult, Linter
from ekslint.lint.findings import InputError, Note
from ekslint.record import Record
from ekslint.report import FORMATS, RunReport, writer
from ekslint.report.escape import display, json_text

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from collections.abc import Sequence
    from typing import TextIO

    from ekslint.baseline import Baseline


class RunOptions(Record):
    """What to run on and what to do with it; ``settings`` is the merged configuration."""

    __slots__ = (
        "add_suppressions",
        "baseline",
        "colour",
        "diff",
        "exit_zero",
        "fix",
        "fix_outside_links",
        "fix_read_only",
        "format",
        "jobs",
        "kustomize",
        "output",
        "paths",
        "settings",
        "stdin_filename",
        "unsafe_fixes",
        "write_baseline",
    )

    def __init__(
        self,
        settings: Settings,
        paths: Sequence[str] = (),
        fix: bool = False,
        unsafe_fixes: bool = False,
        diff: bool = False,
        format: str = "text",
        output: str | None = None,
        colour: str = "auto",
        stdin_filename: str | None = None,
        exit_zero: bool = False,
        jobs: int = 0,
        fix_outside_links: bool = False,
        fix_read_only: bool = False,
        kustomize: str | None = None,
        baseline: str | None = None,
        write_baseline: str | None = None,
        add_suppressions: str | None = None,
    ) -> None:
        if format not in FORMATS:
            raise ValueError(f"unknown format {format!r}; known: {', '.join(FORMATS)}")
        self.settings = settings
        self.paths = list(paths) or ["."]
        self.fix = fix
        self.unsafe_fixes = unsafe_fixes
        self.diff = diff
        self.format = format
        self.output = output
        self.colour = colour
        self.stdin_filename = stdin_filename
        self.exit_zero = exit_zero
        self.jobs = jobs
        self.fix_outside_links = fix_outside_links  # follow symlinks out of the paths given
        self.fix_read_only = fix_read_only  # replace files their owner may not write
        self.kustomize = kustomize  # a kustomization folder to render and lint instead of paths
        self.baseline = baseline  # a file of accepted findings: report only the others
        self.write_baseline = write_baseline  # write the current findings there instead
        self.add_suppressions = add_suppressions  # the reason for suppression comments


class Run:
    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self.settings = options.settings
        self.linter = Linter(options.settings)
        self.fixing = options.fix or options.diff
        # Suppression comments are written into the text as read; fingerprints read the
        # findings' lines, again from the files, but a stream can only be read once.
        fingerprinting = bool(options.baseline or options.write_baseline)
        self.keep_text = (
            self.fixing
            or options.add_suppressions is not None
            or (fingerprinting and "-" in options.paths)
        )

    def show_settings(self, out: TextIO) -> int:

        document = {
            "config": self.settings.config_path,
            "settings": self.settings.as_dict(),
            "origins": dict(sorted(self.settings.origins.items())),
            "rules": {
                rule_id: {
                    "enabled": self.linter.selection.enabled(rule_id),
                    "severity": self.linter.selection.severity(rule_id),
                }
                for rule_id in self.linter.platform.rules
            },
        }
        out.write(json_text(document) + "\n")
        return exitcodes.CLEAN

    def execute(self, out: TextIO, err: TextIO) -> int:
        args = self.options
        if args.kustomize:
            from ekslint import kustomize

            return kustomize.execute(self, out, err)
        results: list[FileResult] = []
        walk_errors: list[InputError] = []
        walk_notes: list[Note] = []
        inputs = list(read.discover(args.paths, self.settings.exclude, walk_errors, walk_notes))
        names = [(args.stdin_filename or "<stdin>") if p == "-" else p for p in inputs]
        from ekslint.lint.parallel import lint_in_workers, worth_it

        workers = 1 if self.keep_text else worth_it(inputs, args.jobs)
        if workers > 1:
            results = lint_in_workers(self.linter, list(zip(inputs, names, strict=True)), workers)
        else:
            for path, name in zip(inputs, names, strict=True):
                results.append(self.linter.lint_file(path, name, keep_text=self.keep_text))
        self.linter.resolve_deferred()
        for result in results:
            self.linter.finish(result)
        baseline = None
        if args.baseline or args.write_baseline or args.add_suppressions is not None:
            from ekslint.baseline import Baseline, BaselineError

            try:
                baseline = Baseline.load(args.baseline) if args.baseline else None
            except BaselineError as exc:
                err.write(f"ekslint: {exc}\n")
                return exitcodes.ERROR
            if args.write_baseline or args.add_suppressions is not None:
                return self.adopt(inputs, results, baseline, err)

        report = RunReport(
            self.linter.platform,
            {rule_id: self.linter.severity(rule_id) for rule_id in self.linter.platform.rules},
            files=len(results),
            fix_mode=args.fix,
            unsafe_fixes=args.unsafe_fixes,
            configured=self.linter.selection.configured,
        )
        fixed_stream: str | None = None
        diff_text = ""
        fixed_texts: dict[int, str] = {}
        if self.fixing:
            from ekslint.fix.fixer import Fixer, WriteOptions

            options = WriteOptions.for_paths(
                args.paths,
                outside_links=args.fix_outside_links,
                read_only=args.fix_read_only,
            )
            fixer = Fixer(
                self.linter, unsafe=args.unsafe_fixes, write=not args.diff, options=options
            )
            for index, (path, result) in enumerate(zip(inputs, results, strict=True)):
                outcome = fixer.fix(path, result)
                report.fixed.extend(outcome.fixed)
                if outcome.error is not None:
                    result.errors.append(outcome.error)
                if path == "-" and not args.diff:
                    fixed_stream = outcome.text
                if outcome.text is not None:
                    fixed_texts[index] = outcome.text
                diff_text += outcome.diff
        report.errors.extend(walk_errors)
        report.notes.extend(walk_notes)
        accepted = 0
        for index, result in enumerate(results):
            if baseline is not None and result.findings:
                kept = baseline.new(result.findings, fixed_texts.get(index) or _text(result))
                accepted += len(result.findings) - len(kept)
                result.findings = kept
            report.findings.extend(result.findings)
            report.errors.extend(result.errors)
            report.notes.extend(result.notes)
        from ekslint.kube.chartvalues import point_lasting_fixes_at_values

        point_lasting_fixes_at_values(report.findings, inputs)

        if accepted:
            report.notes.append(
                Note(args.baseline or "", f"{accepted} findings accepted by the baseline")
            )

        # With a stream being fixed, stdout carries the manifests and the report goes to stderr;
        # with --diff, stdout carries the diff.
        report_out = out
        if args.diff or (args.fix and "-" in inputs):
            report_out = err  # stdout is for the manifests, even when they could not be read
        target = report_out
        handle = None
        to_file = False
        try:
            if fixed_stream is not None:
                out.write(fixed_stream)
            if args.diff:
                out.write(diff_text)
            out.flush()
            if args.output:
                to_file = True
                target = handle = open(args.output, "w", encoding="utf-8")  # noqa: SIM115
            writer(args.format)(report, target, err, args.colour)
            target.flush()
        except BrokenPipeError:
            raise  # the reader went away: cli.main says so with exit 1
        except OSError as exc:
            # A full disk, a device that refuses the write: the report is incomplete.
            name = display(args.output) if to_file and args.output else "to standard output"
            err.write(f"ekslint: cannot write {name}: {exc.strerror or exc}\n")
            if not to_file:
                _discard_stdout()
            return exitcodes.ERROR
        finally:
            if handle is not None:
                with contextlib.suppress(OSError):
                    handle.close()  # the error, if any, was reported by the flush above

        if report.errors:
            return exitcodes.ERROR
        if args.diff:
            return exitcodes.FINDINGS if diff_text else exitcodes.CLEAN
        if report.findings and not args.exit_zero:
            return exitcodes.FINDINGS
        return exitcodes.CLEAN

    def adopt(
        self,
        inputs: list[str],
        results: list[FileResult],
        baseline: Baseline | None,
        err: TextIO,
    ) -> int:
        """``--write-baseline FILE``: accept every current finding in a baseline file;
        ``--add-suppressions REASON``: in suppression comments, and (for JSON files and lines
        a comment cannot go on) in the ``--baseline`` file."""
        from ekslint.baseline import Baseline

        args = self.options
        failed = False
        for result in results:
            for error in result.errors:
                err.write(f"ekslint: {error}\n")
                failed = True
        if args.write_baseline:
            written = Baseline(args.write_baseline)
            for result in results:
                written.add(result.findings, _text(result))
            problem = written.save()
            if problem is not None:
                err.write(f"ekslint: {problem}\n")
                return exitcodes.ERROR
            total = sum(written.counts.values())
            err.write(f"ekslint: wrote {total} findings to the baseline {args.write_baseline}\n")
            return exitcodes.ERROR if failed else exitcodes.CLEAN
        from ekslint.adopt import annotate, clean_reason
        from ekslint.fix.fixer import WriteOptions, write_atomically
        from ekslint.lint.suppress import SUPPRESSION_RULE

        assert args.add_suppressions is not None
        reason = clean_reason(args.add_suppressions)
        suppression_rule = self.linter.platform.rule_by_name_or_id(SUPPRESSION_RULE)
        to_baseline = Baseline(args.baseline or ".ekslint-baseline.json")
        if baseline is not None:
            to_baseline.counts.update(baseline.counts)
        added = baselined = 0
        # Comments are written under the same guards as fixes (symlinks, read-only files).
        where = WriteOptions.for_paths(
            args.paths, outside_links=args.fix_outside_links, read_only=args.fix_read_only
        )
        for path, result in zip(inputs, results, strict=True):
            # A problem with a suppression is not itself suppressed: fix the comment instead.
            findings = [
                f
                for f in result.findings
                if suppression_rule is None or f.rule != suppression_rule.id
            ]
            if baseline is not None:
                findings = baseline.new(findings, _text(result))
            if not findings or result.errors or path == "-":
                continue
            text = _text(result)
            if path.endswith(".json"):
                left = findings
            else:
                annotated, left = annotate(text, findings, reason)
                if annotated != text:
                    problem = write_atomically(
                        path, annotated, result.stat, where, text.encode("utf-8")
                    )
                    if problem is not None:
                        problem = problem.replace("not fixed:", "no comments written:", 1)
                        err.write(f"ekslint: {result.path}: {problem}\n")
                        failed = True
                        continue
                added += len(findings) - len(left)
            if left:
                to_baseline.add(left, text)
                baselined += len(left)
        err.write(f"ekslint: added suppression comments for {added} findings\n")
        if baselined:
            problem = to_baseline.save()
            if problem is not None:
                err.write(f"ekslint: {problem}\n")
                return exitcodes.ERROR
            err.write(
                f"ekslint: {baselined} findings cannot take a comment (JSON files, lines inside "
                f"strings): accepted in the baseline {to_baseline.path}; lint with --baseline "
                f"{to_baseline.path} to keep them accepted\n"
            )
        return exitcodes.ERROR if failed else exitcodes.CLEAN


def _text(result: FileResult) -> str:
    """The text of a file as read (kept while linting, else read again), byte order mark
    included."""
    if not result.chunks and result.findings and not result.path.startswith("<"):
        try:
            with open(result.path, encoding="utf-8", errors="replace", newline="") as handle:
                return handle.read()
        except OSError:
            return ""
    body = "".join(text for _, text in (result.chunks[i] for i in sorted(result.chunks)))
    return ("\ufeff" if result.chunks_had_bom else "") + body


def _discard_stdout() -> None:
    """After a failed write to stdout, send what is still buffered nowhere, so that Python's
    flush at exit does not fail again with a traceback."""
    import os
    import sys

    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
