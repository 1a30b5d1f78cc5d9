"""One lint (or fix) run over the inputs: discovery, linting, fixing, reporting, exit code."""

from __future__ import annotations

import argparse

from ekslint.config.settings import Settings
from ekslint.input import read
from ekslint.lint.engine import FileResult, Linter
from ekslint.report.text import RunReport, write_json, write_text

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import TextIO

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class Run:
    def __init__(self, settings: Settings, args: argparse.Namespace) -> None:
        self.settings = settings
        self.args = args
        self.linter = Linter(settings)
        self.fixing = bool(args.fix or args.diff)

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
        return EXIT_CLEAN

    def execute(self, out: TextIO, err: TextIO) -> int:
        args = self.args
        paths = args.paths or ["."]
        results: list[FileResult] = []
        inputs = list(read.discover(paths, self.settings.exclude))
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
            fix_mode=bool(args.fix),
            unsafe_fixes=bool(args.unsafe_fixes),
        )
        fixed_stream: str | None = None
        diff_text = ""
        if self.fixing:
            from ekslint.fix.fixer import Fixer

            fixer = Fixer(self.linter, unsafe=bool(args.unsafe_fixes), write=not args.diff)
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
                return EXIT_ERROR
            target = handle
        try:
            self._write(report, target, err)
        finally:
            if handle is not None:
                handle.close()

        if report.errors:
            return EXIT_ERROR
        if args.diff:
            return EXIT_FINDINGS if diff_text else EXIT_CLEAN
        if report.findings and not args.exit_zero:
            return EXIT_FINDINGS
        return EXIT_CLEAN

    def _write(self, report: RunReport, out: TextIO, err: TextIO) -> None:
        fmt = self.args.format
        if fmt == "json":
            write_json(report, out)
        elif fmt == "sarif":
            from ekslint.report.sarif import write_sarif

            write_sarif(report, out)
            self._errors_to(report, err)
        elif fmt == "github":
            from ekslint.report.github import write_github

            write_github(report, out)
        else:
            write_text(report, out, err, self.args.color)

    @staticmethod
    def _errors_to(report: RunReport, err: TextIO) -> None:
        for error in report.errors:
            err.write(f"{error}\n")
