"""The text report, for people: one line per finding, errors and notes on stderr, a summary."""

from __future__ import annotations

import os

from ekslint.report.escape import display, display_block, display_lines

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import TextIO

    from ekslint.lint.findings import InputError
    from ekslint.report import RunReport


_COLOURS = {
    "error": "\033[31m",
    "warning": "\033[33m",
    "path": "\033[1m",
    "rule": "\033[36m",
    "dim": "\033[2m",
    "reset": "\033[0m",
    "green": "\033[32m",
}


def use_colour(out: TextIO, choice: str = "auto") -> bool:
    if choice in ("always", "never"):
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(out, "isatty") and out.isatty()


def write(report: RunReport, out: TextIO, err: TextIO, colour: str) -> None:
    on = use_colour(out, colour)

    def paint(kind: str, text: str) -> str:
        return f"{_COLOURS[kind]}{text}{_COLOURS['reset']}" if on else text

    done = "fixed" if report.fix_mode else "would fix"
    for finding in report.fixed:
        where = display(f"{finding.path}:{finding.line}:{finding.column}")
        description = display(finding.fix.description) if finding.fix else ""
        out.write(f"{paint('path', where)}: {paint('green', done)} {finding.rule} {description}\n")
    for finding in report.findings:
        severity = report.severity(finding)
        where = display(f"{finding.path}:{finding.line}:{finding.column}")
        marker = " [*]" if report.fixable(finding) else ""
        lines = display_lines(finding.message)
        head = (
            f"{paint('path', where)}: {paint('rule', finding.rule)}{marker} "
            f"[{paint(severity, severity)}] {lines[0]}"
        )
        if finding.source:
            head += paint("dim", f" (template: {display(finding.source)})")
        origin = finding.origin
        if origin and (origin.path, origin.line, origin.column) != (
            finding.path,
            finding.line,
            finding.column,
        ):  # not already reported there (--kustomize)
            head += paint("dim", f" (origin: {display(origin.describe())})")
        out.write(head + "\n")
        for more in lines[1:]:
            out.write(f"    {more}\n")
        hint = finding.extra.get("lasting-fix")
        if hint:
            for more in display_lines(hint):
                out.write(paint("dim", f"    {more}") + "\n")
    for error in report.errors:
        err.write(error_text(error) + "\n")
    for note in report.notes:
        err.write(f"{display(note.path)}: note: {display_block(note.message)}\n")
    out.write(summary_line(report) + "\n")


def error_text(error: InputError) -> str:
    """An unreadable input for people (the text report, and beside SARIF), safely shown."""
    where = display(f"{error.path}:{error.line}:{error.column}")
    return f"{where}: {display_block(error.message)}"


def summary_line(report: RunReport) -> str:
    s = report.summary()
    files = f"{s['files']} file" + ("" if s["files"] == 1 else "s")
    parts = []
    if report.fixed:
        parts.append(f"{'fixed' if report.fix_mode else 'would fix'} {len(report.fixed)}")
    if s["findings"]:
        found = s["findings"]
        parts.append(
            f"{found} finding{'s' if found != 1 else ''} ({s['errors']} error"
            f"{'s' if s['errors'] != 1 else ''}, {s['warnings']} warning"
            f"{'s' if s['warnings'] != 1 else ''})"
        )
        safe = sum(1 for f in report.findings if f.fix and f.fix.applicability == "safe")
        unsafe = sum(1 for f in report.findings if f.fix and f.fix.applicability == "unsafe")
        if safe and not report.fix_mode:
            parts.append(f"{safe} fixable with --fix")
        if unsafe and not report.unsafe_fixes:
            parts.append(f"{unsafe} more with --fix --unsafe-fixes")
    else:
        parts.append("no findings")
    if report.errors:
        n = len(report.errors)
        parts.append(f"{n} input{'s' if n != 1 else ''} could not be read")
    return f"ekslint: {files} checked: " + "; ".join(parts) + "."
