"""GitHub Actions output: one workflow command per finding, so that each shows as an annotation
on the pull request's diff, then the plain summary line of the text report.

    ::error file=k8s/app.yaml,line=12,col=9,title=EKS001 missing-http-endpoint::message

Escaping follows the runner's rules: in the message ``%``, CR and LF are percent-encoded; in
property values ``:`` and ``,`` are too, since they separate the properties.
"""

from __future__ import annotations

import os
from typing import TextIO

from ekslint.lint.findings import Finding
from ekslint.report import RunReport
from ekslint.report.escape import LEGACY_COMMAND, LEGACY_ESCAPED, escape_controls
from ekslint.report.text import summary_line


def escape_data(text: str) -> str:
    # The runner's own escapes for %, CR and LF, then the other control characters made visible
    # and lone surrogates (a file name that is not UTF-8) written out, as in every other report;
    # the runner looks for its legacy "##[command]" anywhere in a line, so that is broken too.
    escaped = escape_controls(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))
    return escaped.replace(LEGACY_COMMAND, LEGACY_ESCAPED)


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **properties: str | int | None) -> str:
    """``::kind prop=value,...::message``, leaving out properties that are None."""
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in properties.items()
        if value is not None
    )
    return f"::{kind}{' ' + props if props else ''}::{escape_data(message)}"


def repo_path(path: str, windows: bool = os.sep == "\\") -> str:
    """The path as GitHub matches it against the repository: forward slashes, no leading ./
    (a backslash separates folders only on Windows; elsewhere it is part of a file name)."""
    if windows:
        path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:].lstrip("/")
    return path


def write(report: RunReport, out: TextIO, err: TextIO, colour: str) -> None:
    for finding in report.fixed:
        description = finding.fix.description if finding.fix else ""
        message = f"fixed: {description}" if description else "fixed"
        out.write(
            command("notice", message, **_where(finding), title=f"{finding.rule} fixed") + "\n"
        )
    for finding in report.findings:
        kind = "error" if report.severity(finding) == "error" else "warning"
        rule = report.platform.rules.get(finding.rule)
        title = f"{finding.rule} {rule.name}" if rule else finding.rule
        out.write(command(kind, _message(finding), **_where(finding), title=title) + "\n")
    for error in report.errors:
        located = error.line > 0
        out.write(
            command(
                "error",
                error.message,
                file=repo_path(error.path),
                line=error.line if located else None,
                col=max(error.column, 1) if located else None,
                title="ekslint: input could not be read",
            )
            + "\n"
        )
    for note in report.notes:
        out.write(
            command(
                "notice",
                note.message,
                file=repo_path(note.path),
                line=note.line or None,
                col=note.column or None,
                title="ekslint: not checked",
            )
            + "\n"
        )
    out.write(summary_line(report) + "\n")


def _where(finding: Finding) -> dict[str, str | int | None]:
    return {"file": repo_path(finding.path), "line": finding.line, "col": finding.column}


def _message(finding: Finding) -> str:
    parts = [finding.message]
    if finding.source:
        parts.append(f"(template: {finding.source})")
    hint = finding.extra.get("lasting-fix")
    if hint:
        parts.append(hint)
    return "\n".join(parts)
