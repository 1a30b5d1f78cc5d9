"""Reports: one module per format, each with a ``write`` of the same signature.

``write(report, out, err, colour)`` writes the report to ``out``; what the format has no place for
(inputs that could not be read, in formats without one) goes to ``err``. ``colour`` is the
``--color`` choice, which only the text format uses. A format is imported only when it is chosen.
"""

from __future__ import annotations

import importlib
from collections import Counter

from ekslint.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from collections.abc import Callable
    from typing import TextIO

    from ekslint.lint.findings import Finding, InputError, Note
    from ekslint.lint.rulepack import Platform

    Writer = Callable[["RunReport", TextIO, TextIO, str], None]

# Format name -> the module whose ``write`` produces it; the first is the default.
FORMATS = {
    "text": "ekslint.report.text",  # the full form: source line, caret, fix
    "full": "ekslint.report.text",
    "concise": "ekslint.report.concise",  # one line per finding
    "json": "ekslint.report.json",
    "sarif": "ekslint.report.sarif",
    "github": "ekslint.report.github",
    "gitlab": "ekslint.report.gitlab",
    "junit": "ekslint.report.junit",
}


def writer(name: str) -> Writer:
    write: Writer = importlib.import_module(FORMATS[name]).write
    return write


class RunReport(Record):
    __slots__ = (
        "configured",
        "errors",
        "files",
        "findings",
        "fix_mode",
        "fixed",
        "notes",
        "paths",
        "platform",
        "quiet",
        "severities",
        "severities_by_path",
        "statistics",
        "texts",
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
        configured: frozenset[str] = frozenset(),
    ) -> None:
        self.platform = platform
        self.severities = severities
        self.configured = configured  # rules whose severity the configuration set
        # Files under another config file than the first input's, with its severities.
        self.severities_by_path: dict[str, dict[str, str]] = {}
        self.findings: list[Finding] = [] if findings is None else findings
        self.errors: list[InputError] = [] if errors is None else errors
        self.notes: list[Note] = [] if notes is None else notes
        self.files = files
        self.paths: list[str] = []  # the inputs' display names, in order
        self.quiet = False  # text: findings and errors only
        self.statistics = False  # text: a count per rule in place of the findings
        # The text findings refer to where it is not the file on disk (--diff, a fixed stream).
        self.texts: dict[str, str] = {}
        self.fixed: list[Finding] = [] if fixed is None else fixed
        self.fix_mode = fix_mode
        self.unsafe_fixes = unsafe_fixes

    def severity(self, finding: Finding) -> str:
        # The same precedence as RuleSelection.severity_of: configured, own, rule's.
        severities = self.severities_by_path.get(finding.path, self.severities)
        if finding.severity is None or finding.rule in self.configured:
            return severities.get(finding.rule, "warning")
        return finding.severity

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
