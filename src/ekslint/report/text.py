"""Reporting findings: text for people, JSON for machines. SARIF and GitHub live beside it."""

from __future__ import annotations

import os
from collections import Counter

from ekslint.lint.findings import Finding, InputError, Note
from ekslint.lint.rulepack import Platform
from ekslint.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import TextIO


class RunReport(Record):
    __slots__ = (
        "errors",
        "files",
        "findings",
        "fix_mode",
        "fixed",
        "notes",
        "platform",
        "severities",
        "unsafe_fixes",
    )

    def __init__(
        self,
        platform: Platform,
        severities: dict[str, str],
        findings: list[Finding] | None = None,
        errors: list[InputError] | None = None,
        notes: list[Note] | None = None,
        files: int = 0,
        fixed: list[Finding] | None = None,
        fix_mode: bool = False,
        unsafe_fixes: bool = False,
    ) -> None:
        self.platform = platform
        self.severities = severities
        self.findings: list[Finding] = [] if findings is None else findings
        self.errors: list[InputError] = [] if errors is None else errors
        self.notes: list[Note] = [] if notes is None else notes
        self.files = files
        self.fixed: list[Finding] = [] if fixed is None else fixed
        self.fix_mode = fix_mode
        self.unsafe_fixes = unsafe_fixes

    def severity(self, finding: Finding) -> str:
        return self.severities.get(finding.rule, "warning")

    def fixable(self, finding: Finding) -> bool:
        fix = finding.fix
        return fix is not None and (fix.applicability == "safe" or self.unsafe_fixes)

    def summary(self) -> dict[str, object]:
        by_severity = Counter(self.severity(f) for f in self.findings)
        by_rule = Counter(f.rule for f in self.findings)
        return {
            "files": self.files,
            "findings": len(self.findings),
            "errors": by_severity.get("error", 0),
            "warnings": by_severity.get("warning", 0),
            "by_rule": dict(sorted(by_rule.items())),
            "fixed": len(self.fixed),
            "fixable": sum(1 for f in self.findings if self.fixable(f)),
            "unreadable_inputs": len(self.errors),
        }


def finding_json(report: RunReport, finding: Finding) -> dict[str, object]:
    rule = report.platform.rules.get(finding.rule)
    obj = finding.object
    return {
        "rule": finding.rule,
        "name": rule.name if rule else finding.rule,
        "severity": report.severity(finding),
        "message": finding.message,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "object": (
            {"kind": obj.kind, "name": obj.name, "namespace": obj.namespace} if obj else None
        ),
        "container": finding.container,
        "fix": {
            "available": finding.fix is not None,
            "applicability": finding.fix.applicability if finding.fix else None,
        },
        "source": finding.source,
    }


def write_json(report: RunReport, out: TextIO) -> None:
    import json

    document = {
        "findings": [finding_json(report, f) for f in report.findings],
        "fixed": [finding_json(report, f) for f in report.fixed],
        "errors": [
            {"path": e.path, "line": e.line, "column": e.column, "message": e.message}
            for e in report.errors
        ],
        "notes": [{"path": n.path, "message": n.message} for n in report.notes],
        "summary": report.summary(),
    }
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")


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


def write_text(report: RunReport, out: TextIO, err: TextIO, colour: str = "auto") -> None:
    on = use_colour(out, colour)

    def paint(kind: str, text: str) -> str:
        return f"{_COLOURS[kind]}{text}{_COLOURS['reset']}" if on else text

    done = "fixed" if report.fix_mode else "would fix"
    for finding in report.fixed:
        where = f"{finding.path}:{finding.line}:{finding.column}"
        out.write(
            f"{paint('path', where)}: {paint('green', done)} {finding.rule} "
            f"{finding.fix.description if finding.fix else ''}\n"
        )
    for finding in report.findings:
        severity = report.severity(finding)
        where = f"{finding.path}:{finding.line}:{finding.column}"
        marker = " [*]" if report.fixable(finding) else ""
        lines = finding.message.split("\n")
        head = (
            f"{paint('path', where)}: {paint('rule', finding.rule)}{marker} "
            f"[{paint(severity, severity)}] {lines[0]}"
        )
        if finding.source:
            head += paint("dim", f" (template: {finding.source})")
        out.write(head + "\n")
        for more in lines[1:]:
            out.write(f"    {more}\n")
        hint = finding.extra.get("lasting-fix")
        if hint:
            for more in hint.split("\n"):
                out.write(paint("dim", f"    {more}") + "\n")
    for error in report.errors:
        err.write(f"{error}\n")
    for note in report.notes:
        err.write(f"{note.path}: note: {note.message}\n")
    out.write(summary_line(report) + "\n")


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
