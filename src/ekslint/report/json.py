"""The JSON report, for machines: findings, fixes, unreadable inputs and notes in one document."""

from __future__ import annotations

from ekslint.report.escape import json_text

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import TextIO

    from ekslint.lint.findings import Finding
    from ekslint.report import RunReport


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
        "origin": finding.origin.as_json() if finding.origin else None,
    }


def write(report: RunReport, out: TextIO, err: TextIO, colour: str) -> None:
    document = {
        "findings": [finding_json(report, f) for f in report.findings],
        "fixed": [finding_json(report, f) for f in report.fixed],
        "errors": [
            {"path": e.path, "line": e.line, "column": e.column, "message": e.message}
            for e in report.errors
        ],
        "notes": [
            {"path": n.path, "line": n.line, "column": n.column, "message": n.message}
            for n in report.notes
        ],
        "summary": report.summary(),
    }
    out.write(json_text(document) + "\n")
