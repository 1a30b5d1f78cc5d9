"""One lint (or fix) run over the inputs: discovery, linting, fixing, reporting, exit code.

``Run(RunOptions(settings, paths=[...], ...)).execute(out, err)`` is the whole program without its
command line, for the CLI, a Python caller or a language server alike.
"""

from __future__ import annotations

from ekslint import exitcodes
from ekslint.config.settings import Settings
from ekslint.input import read
from ekslint.lint.engine import FileResult, Linter
from ekslint.record import Record
from ekslint.report import FORMATS, RunReport, writer

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from collections.abc import Sequence
    from typing import TextIO


class RunOptions(Record):
    """What to run on and what to do with it; ``settings`` is the merged configuration."""

    __slots__ = (
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


class Run:
    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self.settings = options.settings
        self.linter = Linter(options.settings)
        self.fixing = options.fix or options.diff

    def show_settings(self, out: TextIO) -> int:
        import json

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
        json.dump(document, out, indent=2)
        out.write("\n")
        return exitcodes.CLEAN

    def execute(self, out: TextIO, err: TextIO) -> int:
        args = self.options
        if args.kustomize:
            from ekslint import kustomize

            return kustomize.execute(self, out, err)
        results: list[FileResult] = []
        inputs = list(read.discover(args.paths, self.settings.exclude))
        names = [(args.stdin_filename or "<stdin>") if p == "-" else p for p in inputs]
        from ekslint.lint.parallel import lint_in_workers, worth_it

        workers = 1 if self.fixing else worth_it(inputs, args.jobs)
        if workers > 1:
            results = lint_in_workers(self.linter, list(zip(inputs, names, strict=True)), workers)
        else:
            for path, display in zip(inputs, names, strict=True):
                results.append(self.linter.lint_file(path, display, keep_text=self.fixing))
        self.linter.resolve_deferred()
        for result in results:
            self.linter.finish(result)

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
            for path, result in zip(inputs, results, strict=True):
                outcome = fixer.fix(path, result)
                report.fixed.extend(outcome.fixed)
                if outcome.error is not None:
                    result.errors.append(outcome.error)
                if path == "-" and not args.diff:
                    fixed_stream = outcome.text
                diff_text += outcome.diff
        for result in results:
            report.findings.extend(result.findings)
            report.errors.extend(result.errors)
            report.notes.extend(result.notes)
        from ekslint.kube.chartvalues import point_lasting_fixes_at_values

        point_lasting_fixes_at_values(report.findings, inputs)

        # With a stream being fixed, stdout carries the manifests and the report goes to stderr;
        # with --diff, stdout carries the diff.
        report_out = out
        if args.diff or (args.fix and "-" in inputs):
            report_out = err  # stdout is for the manifests, even when they could not be read
        if fixed_stream is not None:
            out.write(fixed_stream)
        if args.diff:
            out.write(diff_text)
        target = report_out
        handle = None
        if args.output:
            try:
                handle = open(args.output, "w", encoding="utf-8")  # noqa: SIM115
            except OSError as exc:
                err.write(f"ekslint: cannot write {args.output}: {exc.strerror}\n")
                return exitcodes.ERROR
            target = handle
        try:
            writer(args.format)(report, target, err, args.colour)
        finally:
            if handle is not None:
                handle.close()

        if report.errors:
            return exitcodes.ERROR
        if args.diff:
            return exitcodes.FINDINGS if diff_text else exitcodes.CLEAN
        if report.findings and not args.exit_zero:
            return exitcodes.FINDINGS
        return exitcodes.CLEAN
