"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF consumers.

One run per invocation. ``tool.driver.rules`` lists every rule of the active platform (not just
those that fired), so a consumer can show the rule's help for any result; results point at the
offending node with the same 1-based line and column as the text and JSON reports. Inputs that
could not be read become error notifications of the invocation, which then reports
``executionSuccessful: false``.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import PureWindowsPath
from typing import Any, TextIO
from urllib.parse import quote

from ekslint import __version__
from ekslint.docs import fix_safety_text
from ekslint.lint.findings import Finding
from ekslint.lint.rulepack import Rule
from ekslint.report import RunReport
from ekslint.report.escape import json_text
from ekslint.report.json import finding_json
from ekslint.report.text import error_text

SARIF_VERSION = "2.1.0"
# The "id" of the OASIS 2.1.0 schema (errata 01), a copy of which the tests validate against.
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/ekslint/ekslint"
# The README has an anchor per rule: <a id="eks001"></a>.
RULE_HELP_URI = INFORMATION_URI + "#{anchor}"
SOURCE_ROOT = "%SRCROOT%"

# Our columns count Unicode code points (the YAML reader's marks), which SARIF calls
# "unicodeCodePoints"; without this consumers may assume UTF-16 code units.
COLUMN_KIND = "unicodeCodePoints"


def write(report: RunReport, out: TextIO, err: TextIO, colour: str) -> None:
    out.write(json_text(sarif_log(report)) + "\n")
    # The log holds them as notifications, which a person reading the terminal never sees.
    for error in report.errors:
        err.write(error_text(error) + "\n")


def sarif_log(report: RunReport) -> dict[str, Any]:
    rules = list(report.platform.rules.values())
    index = {rule.id: i for i, rule in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "ekslint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule_descriptor(rule) for rule in rules],
            }
        },
        "invocations": [_invocation(report, index)],
        "columnKind": COLUMN_KIND,
        "results": [_result(report, finding, index) for finding in report.findings],
        "properties": {"platform": report.platform.name, "summary": report.summary()},
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def help_uri(rule_id: str) -> str:
    return RULE_HELP_URI.format(anchor=rule_id.lower())


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": rule.remediation, "markdown": _help_markdown(rule)},
        "helpUri": help_uri(rule.id),
        "defaultConfiguration": {"level": _level(rule.severity)},
        "properties": {
            "tags": ["kubernetes", rule.pack],
            "fix": rule.fix_safety if rule.fix_available else "none",
        },
    }


def _help_markdown(rule: Rule) -> str:
    parts = [
        f"**{rule.id} {rule.name}**: {rule.summary}",
        rule.rationale,
        f"**How to fix it:** {rule.remediation}",
        f"**Fix safety:** {fix_safety_text(rule)}",
    ]
    for key, title in (("fail", "Reported"), ("pass", "Use instead")):
        example = rule.examples.get(key)
        if example:
            parts.append(f"{title}:\n\n```yaml\n{example.rstrip()}\n```")
    parts.append(f"[Documentation]({help_uri(rule.id)})")
    return "\n\n".join(parts)


def _level(severity: str) -> str:
    return "error" if severity == "error" else "warning"


def _invocation(report: RunReport, index: dict[str, int]) -> dict[str, Any]:
    notifications = [
        _notification("error", error.message, error.path, error.line, error.column)
        for error in report.errors
    ] + [
        _notification("note", note.message, note.path, note.line, note.column)
        for note in report.notes
    ]
    invocation: dict[str, Any] = {"executionSuccessful": not report.errors}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    # Severities changed by config or the command line, the SARIF way: the descriptors keep
    # the rule's default level, the invocation says what this run used.
    overrides = [
        {
            "descriptor": {"id": rule_id, "index": index[rule_id]},
            "configuration": {"level": _level(level)},
        }
        for rule_id, level in report.severities.items()
        if rule_id in index and report.platform.rules[rule_id].severity != level
    ]
    if overrides:
        invocation["ruleConfigurationOverrides"] = overrides
    return invocation


def _notification(level: str, message: str, path: str, line: int, column: int) -> dict[str, Any]:
    return {
        "level": level,
        "message": {"text": message},
        "locations": [{"physicalLocation": _physical_location(path, line, column)}],
    }


def _result(report: RunReport, finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    text = finding.message
    hint = finding.extra.get("lasting-fix")
    if hint:
        text += "\n\n" + hint
    result: dict[str, Any] = {"ruleId": finding.rule}
    if finding.rule in index:
        result["ruleIndex"] = index[finding.rule]
    result["level"] = _level(report.severity(finding))
    result["message"] = {"text": text}
    result["locations"] = [
        {"physicalLocation": _physical_location(finding.path, finding.line, finding.column)}
    ]
    origin = finding.origin
    if origin is not None and origin.repo is None and origin.path:
        result["relatedLocations"] = [
            {
                "id": 1,
                "message": {"text": "the source this rendered object came from"},
                "physicalLocation": _physical_location(origin.path, origin.line, origin.column),
            }
        ]
    described = finding_json(report, finding)
    properties = {
        key: described[key] for key in ("object", "container", "source", "origin") if described[key]
    }
    properties["fix"] = described["fix"]
    result["properties"] = properties
    return result


def _physical_location(path: str, line: int, column: int) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": artifact_location(path)}
    if line > 0:
        location["region"] = {"startLine": line, "startColumn": max(column, 1)}
    return location


def artifact_location(path: str, windows: bool = os.sep == "\\") -> dict[str, Any]:
    """A path as reported (relative to where ekslint ran) as a SARIF artifact location.

    Relative paths are URI references against ``%SRCROOT%`` (GitHub resolves them against the
    repository root); absolute ones become ``file:`` URIs. The path's bytes (a name that is not
    UTF-8 included) are percent-encoded except the URI-safe ones, so a ``\\`` in a POSIX file
    name stays part of the name (``%5C``) instead of becoming a folder separator; only where the
    system separates folders with it (``windows``) does it become ``/``.
    """
    if windows:
        native = PureWindowsPath(path)
        if native.drive and native.is_absolute():
            return {"uri": "file:///" + _encode(native.as_posix(), "/:")}
        path = path.replace("\\", "/")
    if path.startswith("/"):
        return {"uri": "file://" + _encode(posixpath.normpath(path), "/")}
    while path.startswith("./"):
        path = path[2:].lstrip("/")
    return {"uri": _encode(path, "/"), "uriBaseId": SOURCE_ROOT}


def _encode(path: str, safe: str) -> str:
    return quote(os.fsencode(path), safe=safe)
