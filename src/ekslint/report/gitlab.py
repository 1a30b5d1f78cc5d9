"""``--output-format gitlab``: a GitLab Code Quality report (the merge-request widget).

A JSON array of Code Climate issues with the fields GitLab reads: ``description``,
``check_name``, ``fingerprint``, ``severity`` (info, minor, major, critical, blocker) and
``location.path`` / ``location.lines.begin``. Paths are relative to the working directory (the
project's root in a CI job), with forward slashes. The fingerprint leaves the line out, so a
finding keeps its identity when lines above it move: GitLab shows it as new or fixed only when
it is. An input that cannot be read is a ``blocker`` issue of its own.
"""

from __future__ import annotations

import hashlib
import json
import os

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import Any, TextIO

    from ekslint.report import RunReport

SEVERITIES = {"error": "critical", "warning": "minor"}
INPUT_ERROR = "ekslint/input-error"


def project_path(path: str) -> str:
    if path.startswith("<"):  # stdin
        return path
    relative = os.path.relpath(path) if os.path.isabs(path) else os.path.normpath(path)
    return relative.replace(os.sep, "/")


def write(report: RunReport, out: TextIO, err: TextIO, colour: str) -> None:
    issues: list[dict[str, Any]] = []
    seen: dict[str, int] = {}

    def fingerprint(*parts: str) -> str:
        digest = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()
        # The same finding twice in one file (two equal containers): still two issues.
        seen[digest] = seen.get(digest, 0) + 1
        if seen[digest] > 1:
            digest = hashlib.sha256(f"{digest}\0{seen[digest]}".encode()).hexdigest()
        return digest

    for finding in report.findings:
        path = project_path(finding.path)
        obj = finding.object
        identity = obj.describe() if obj else ""
        rule = report.platform.rules.get(finding.rule)
        issues.append(
            {
                "type": "issue",
                "description": f"{finding.rule} {finding.message.splitlines()[0]}",
                "check_name": f"{finding.rule} {rule.name}" if rule else finding.rule,
                "fingerprint": fingerprint(
                    finding.rule, path, identity, finding.container or "", finding.message
                ),
                "severity": SEVERITIES.get(report.severity(finding), "minor"),
                "location": {"path": path, "lines": {"begin": max(finding.line, 1)}},
            }
        )
    for error in report.errors:
        path = project_path(error.path)
        issues.append(
            {
                "type": "issue",
                "description": f"cannot lint: {error.message}",
                "check_name": INPUT_ERROR,
                "fingerprint": fingerprint(INPUT_ERROR, path, error.message),
                "severity": "blocker",
                "location": {"path": path, "lines": {"begin": max(error.line, 1)}},
            }
        )
    json.dump(issues, out, indent=2, ensure_ascii=False)
    out.write("\n")
    for error in report.errors:  # also on stderr, for the person reading the job's log
        err.write(f"{error}\n")
